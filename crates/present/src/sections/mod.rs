//! Analysis results as report sections: one builder per analysis of `hark-intel`, and
//! [`recon_sections`] for a whole recon report.
//!
//! | builders | what they lay out |
//! |---|---|
//! | [`history_section`], [`pivot_section`], [`hosting_section`] | where names pointed and who else was there |
//! | [`subdomains_section`], [`takeover_section`], [`changes_section`], [`changelog_section`] | the names under a domain and what became of them |
//! | [`nameservers_section`], [`mail_section`], [`profile_section`] | who serves the domain |
//! | [`txt_section`] | TXT intelligence |
//! | [`verification_section`] | the active check, when one was asked for |
//!
//! A builder only lays out what its analysis found, in the analysis's order; nothing is
//! looked up, counted afresh or judged here. An analysis that found nothing says so in one
//! line rather than leaving its section empty.

mod addresses;
mod names;
mod providers;
mod txt;
mod verification;

pub use addresses::{history_section, hosting_section, pivot_section};
pub use names::{changelog_section, changes_section, subdomains_section, takeover_section};
pub use providers::{mail_section, nameservers_section, profile_section};
pub use txt::txt_section;
pub use verification::verification_section;

use crate::document::{date, Block, Section};
use hark_intel::recon::Recon;
use hark_intel::timeline::Change;

/// Every section of a recon report, in the order the report shows them; the verification
/// section last, and only when the report was verified.
pub fn recon_sections(r: &Recon) -> Vec<Section> {
    let mut sections = vec![
        subdomains_section(&r.subdomains),
        history_section(&r.history),
        hosting_section(&r.hosting),
        nameservers_section(&r.nameservers),
        mail_section(&r.mail),
        txt_section(&r.txt),
        takeover_section(&r.takeover),
        profile_section(&r.profile),
        changes_section(&r.domain, &r.recent_changes, r.change_count),
    ];
    if let Some(v) = &r.verification {
        sections.push(verification_section(v));
    }
    sections
}

/// A section under `title`; when its analysis found nothing, one line saying the store holds
/// no `missing` stands in for the blocks.
fn section_or_none(title: String, mut blocks: Vec<Block>, missing: &str) -> Section {
    if blocks.is_empty() {
        blocks.push(Block::Line(format!("No {missing} in the store.")));
    }
    Section { title, blocks }
}

/// How a move reads wherever one is shown (address history, mail): `from A, B to C on DATE`.
fn moved(change: &Change) -> String {
    format!(
        "from {} to {} on {}",
        change.from.join(", "),
        change.to.join(", "),
        date(change.on)
    )
}

/// A remark after a name, such as the service it belongs to: ` (REMARK)`.
fn aside(remark: &str) -> String {
    format!(" ({remark})")
}
