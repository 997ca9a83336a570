//! hark-present: hark's answers shown to people, as plain text for a terminal, Markdown, or a
//! standalone HTML page. The CLI (`hark recon`, `hark intel`) prints these documents and the
//! web UI serves the same ones.
//!
//! Showing an answer takes two steps, so the formats never disagree on content:
//! 1. [`sections`] lays out an analysis result of `hark-intel` as [`Section`]s, titled lines
//!    and tables of plain strings (the [`document`] model): one builder per analysis, and
//!    [`sections::recon_sections`] for a whole recon report;
//! 2. [`render`] turns sections into one document in a [`Format`]. Control characters (from
//!    TXT records, say) are shown as `\DDD` first, so that no stored byte can move a
//!    terminal's cursor or break a table; Markdown and HTML escape what their markup would
//!    read.
//!
//! It is not: an analysis (what a report says is decided in `hark-intel`; here it is only
//! laid out), a store client (it never sees a `Store`), or the JSON form of the answers (the
//! analysis results serialise themselves).
//!
//! ```
//! use hark_present::{render, Block, Format, Section};
//!
//! let sections = vec![Section {
//!     title: "Mail of example.com.".into(),
//!     blocks: vec![Block::Line("Mail moved from self-hosted to a provider.".into())],
//! }];
//! let text = render("Recon: example.com.", &sections, Format::Text);
//! assert!(text.starts_with("Recon: example.com.\n===================\n"));
//!
//! // A whole recon report, from a store:
//! # fn demo(store: &dyn hark_store::Store) -> Result<(), hark_intel::IntelError> {
//! let recon = hark_intel::recon::recon(store, "example.com")?;
//! let page = render(
//!     "Recon: example.com.",
//!     &hark_present::sections::recon_sections(&recon),
//!     Format::Html,
//! );
//! assert!(page.starts_with("<!DOCTYPE html>"));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod clean;
pub mod document;
mod html;
mod markdown;
pub mod sections;
mod text;

pub use document::{Block, Format, Section};

/// Renders `sections` as one document under `title`, in `format`: the entry point of every
/// renderer.
///
/// The title and every line and cell are cleaned of control characters first (shown as
/// `\DDD`), whatever the format.
pub fn render(title: &str, sections: &[Section], format: Format) -> String {
    let sections = &clean::cleaned(sections);
    let title = &clean::clean(title);
    match format {
        Format::Text => text::render(title, sections),
        Format::Markdown => markdown::render(title, sections),
        Format::Html => html::render(title, sections),
    }
}
