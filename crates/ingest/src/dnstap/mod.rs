//! dnstap: the DNS messages a server logs about itself, in Frame Streams ([`crate::fstrm`])
//! of protobuf messages ([`proto`]), read into rows by [`DnstapSource`].
//!
//! # Which messages make rows
//!
//! | message | rows | bailiwick |
//! |---|---|---|
//! | RESOLVER_RESPONSE (a resolver's upstream answer) | yes | `query_zone`; records not at or below it are dropped |
//! | AUTH_RESPONSE (an authority's own answer) | yes | `query_zone`, the same way; none when the server sends no `query_zone` |
//! | FORWARDER_RESPONSE | yes | none: a forwarder's upstream is a resolver, whose answers span zones |
//! | CLIENT_RESPONSE | only with [`DnstapOptions::client_responses`] (`--dnstap-client-responses`) | none |
//! | STUB, TOOL and UPDATE responses | no (counted) | |
//! | every query | no (counted as queries) | |
//!
//! **The bailiwick rule.** `query_zone` names the zone whose servers the resolver asked. Those
//! servers speak for that zone only, so every row of such a response gets `query_zone` as its
//! bailiwick, and every record of a kept section whose owner is not at or below it is dropped
//! and counted as `out_of_bailiwick` — that is how a poisoned record slipped into an answer
//! (say, an address for a bank's name in the additional section of a reply from some other
//! zone's servers) stays out of the store. A negative answer about a name outside the zone (a
//! CNAME chain that leaves it) is dropped too (`negative_out_of_bailiwick`). A
//! RESOLVER_RESPONSE without `query_zone` cannot be checked and gives no rows
//! (`dnstap_resolver_response_without_zone`); an AUTH_RESPONSE without one is the server's own
//! data, kept without a bailiwick.
//!
//! The row time is the response time (`response_time_sec`), else the query time. Negative
//! answers (NXDOMAIN, NODATA) become negative rows as in captures; the sections kept are the
//! same option as for captures ([`DnstapOptions::sections`]). Client addresses in the messages
//! are never read.
//!
//! # Emitters' quirks
//!
//! - PowerDNS Recursor's UDR messages (unique domain responses, `dnstapNODFrameStreamServer`)
//!   are RESOLVER_RESPONSE carrying the answer sent to the *client*, with the question's name
//!   in `query_zone` and only a query time. A RESOLVER_RESPONSE without a response time whose
//!   `query_zone` is its question's name is taken as one: rows without a bailiwick, nothing
//!   dropped (its CNAME chains may cross zones), timed by the query time. Its NOD messages are
//!   CLIENT_QUERY: no rows.
//! - Unbound's RESOLVER_RESPONSE has `query_address` 0.0.0.0 and sets `query_zone`; NSD's
//!   AUTH_RESPONSE has no query time (the response time is used anyway).
//! - BIND and Knot may put the query in a response message too (`query_message` beside
//!   `response_message`): only `response_message` is read.
//!
//! # Skips (counted in the source's summary)
//!
//! | reason | what |
//! |---|---|
//! | `dnstap_frame_too_large` | a frame over [`DnstapOptions::max_frame`], skipped by its length |
//! | `dnstap_bad_protobuf` | a frame that is not a dnstap protobuf message |
//! | `dnstap_not_a_message`, `dnstap_unknown_message_type` | a payload of another type |
//! | `dnstap_client_response_not_selected`, `dnstap_{stub,tool,update}_response_not_selected` | responses hark does not store by default |
//! | `dnstap_no_response_message`, `dnstap_no_time` | a response without its message or any time |
//! | `dnstap_resolver_response_without_zone`, `dnstap_bad_query_zone` | no usable `query_zone` |
//! | `out_of_bailiwick`, `negative_out_of_bailiwick` | records and negative answers outside `query_zone` |
//! | `opcode_not_query`, and the DNS parser's reasons (`bad_name`...) | as for captures |
//! | `fstrm_control_ignored` | control frames other than START and STOP |
//! | `fstrm_cut_mid_frame`, `fstrm_no_stop_frame`, `gzip_expansion_limit`, `read_error`, ... | why the file ended early ([`crate::fstrm::FstrmError::reason`]); it stays unfinished |
//!
//! A file is recognised by its first frame ([`detect`]), gzip-compressed or not.

mod decode;
pub mod proto;
pub mod select;
mod source;

pub use decode::{is_transfer, DnstapDecoder, QueryEvent, QueryTap};
pub use source::{DnstapError, DnstapSource};

use crate::aggregate::SectionSet;
use crate::capture::input::Input;
use crate::fstrm;
use crate::gzip::ExpansionLimit;
use std::io::Read;
use std::path::Path;

/// What decides the units and rows of a dnstap source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnstapOptions {
    /// Store CLIENT_RESPONSE messages (rows without a bailiwick). They repeat what the
    /// resolver's cache holds: right for counts of what clients were told, but without
    /// bailiwick. Off by default.
    pub client_responses: bool,
    /// Message sections whose records become rows.
    pub sections: SectionSet,
    /// Data frames longer than this are skipped by their length.
    pub max_frame: u32,
}

impl Default for DnstapOptions {
    fn default() -> Self {
        DnstapOptions {
            client_responses: false,
            sections: SectionSet::DEFAULT,
            max_frame: fstrm::DEFAULT_MAX_FRAME,
        }
    }
}

impl DnstapOptions {
    /// The fingerprint of these options for checkpoints: they decide which rows each unit gives.
    pub fn fingerprint(&self) -> u64 {
        crate::source::fingerprint(&[
            b"dnstap",
            &[u8::from(self.client_responses), self.sections.bits()],
            &self.max_frame.to_be_bytes(),
        ])
    }
}

/// What the first bytes of a file say it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Detected {
    /// Frame Streams of dnstap (a START frame with the dnstap content type, or none).
    Dnstap,
    /// Frame Streams of another content type.
    OtherFrameStreams(String),
    /// Not Frame Streams: a capture, or anything else.
    Other,
}

/// Looks at the first frame of the file at `path`, through gzip when it is compressed.
pub fn detect(path: &Path) -> std::io::Result<Detected> {
    let file = std::fs::File::open(path)?;
    let mut input = Input::detect(Box::new(file), ExpansionLimit::DEFAULT)?;
    let mut head = Vec::with_capacity(fstrm::START_FRAME_MAX);
    // A cut or corrupt gzip stream says nothing: the capture reader reports it.
    let _ = input
        .by_ref()
        .take(fstrm::START_FRAME_MAX as u64)
        .read_to_end(&mut head);
    Ok(match fstrm::start_content_type(&head) {
        Some(None) => Detected::Dnstap,
        Some(Some(kind)) if kind == fstrm::CONTENT_TYPE_DNSTAP => Detected::Dnstap,
        Some(Some(kind)) => Detected::OtherFrameStreams(String::from_utf8_lossy(&kind).into()),
        None => Detected::Other,
    })
}

/// True when a file name suggests dnstap (`.dnstap`, `.fstrm`, and those with `.gz`): a hint
/// for error messages only; [`detect`] decides.
pub fn named_like_dnstap(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".dnstap") || name.ends_with(".fstrm")
}

#[cfg(test)]
mod tests;
