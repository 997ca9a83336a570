//! One dnstap frame → its rows: the step shared by files ([`super::DnstapSource`]) and live
//! streams (the listeners of `hark-live`), so both count, select and check bailiwicks alike.

use super::proto::{Dnstap, MessageType};
use super::select::{self, Verdict};
use super::DnstapOptions;
use crate::aggregate::Observations;
use crate::stats::Skips;
use bytes::Bytes;
use hark_dns::ResponseParser;
use prost::Message as _;
use std::net::IpAddr;
use std::sync::Arc;

/// A query a dnstap emitter logged (CLIENT_QUERY, RESOLVER_QUERY, AUTH_QUERY...): never a
/// row, but watch rules (canaries, intel, zone transfers) see it, with the address of the
/// client that asked. Answers to zone transfers (AXFR, IXFR) come this way too, with the
/// server that answered: watch rules see who transferred a zone from whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryEvent<'a> {
    /// The message type (`CLIENT_QUERY`, `RESOLVER_QUERY`...).
    pub kind: MessageType,
    /// The question's name, canonical wire format.
    pub qname: &'a [u8],
    /// The question's type.
    pub qtype: hark_dns::RrType,
    /// Who sent the query, when the emitter says (`query_address`).
    pub client: Option<IpAddr>,
    /// The server asked, when the source says (dnstap `response_address`; a capture's
    /// answering address).
    pub server: Option<IpAddr>,
    /// The query time (epoch seconds), else the response time.
    pub time: i64,
}

/// Where a decoder hands the queries it reads: called on the decoding thread, so it must be
/// quick (match, or hand the event on).
#[derive(Clone)]
pub struct QueryTap(pub Arc<dyn Fn(&QueryEvent<'_>) + Send + Sync>);

impl std::fmt::Debug for QueryTap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryTap")
    }
}

/// Skips of one reason logged before the rest are only counted.
const LOGGED_SKIPS: u64 = 10;

/// Turns dnstap data frames into units of observations, counting what it reads and skips.
pub struct DnstapDecoder {
    options: DnstapOptions,
    parser: ResponseParser,
    zone: Vec<u8>,
    frames: u64,
    messages: u64,
    queries: u64,
    skips: Skips,
    tap: Option<(QueryTap, ResponseParser)>,
}

impl DnstapDecoder {
    /// A decoder selecting messages and sections by `options`.
    pub fn new(options: DnstapOptions) -> DnstapDecoder {
        DnstapDecoder {
            options,
            parser: ResponseParser::new(),
            zone: Vec::new(),
            frames: 0,
            messages: 0,
            queries: 0,
            skips: Skips::default(),
            tap: None,
        }
    }

    /// Hands every query message with a readable question to `tap` (they still make no rows).
    pub fn set_query_tap(&mut self, tap: Option<QueryTap>) {
        self.tap = tap.map(|tap| (tap, ResponseParser::new()));
    }

    /// The options it decodes by.
    pub fn options(&self) -> &DnstapOptions {
        &self.options
    }

    /// Turns one data frame into exactly one unit of `chunk` (an empty unit when the frame
    /// gives no rows), so positions count frames.
    pub fn take_frame(&mut self, frame: Bytes, chunk: &mut Observations) {
        self.frames += 1;
        let units = chunk.len();
        self.push_frame(frame, chunk);
        if chunk.len() == units {
            chunk.push_nothing();
        }
    }

    /// Counts a data frame longer than the limit, skipped by its length, as one empty unit.
    pub fn take_too_large(&mut self, len: u32, chunk: &mut Observations) {
        self.frames += 1;
        if self.skips.get("dnstap_frame_too_large") < LOGGED_SKIPS {
            tracing::warn!(
                frame = self.frames,
                bytes = len,
                limit = self.options.max_frame,
                "skipping a dnstap frame larger than the limit"
            );
        }
        self.skips.add("dnstap_frame_too_large");
        chunk.push_nothing();
    }

    /// Counts a skip of `reason` outside any frame (how a stream ended, say).
    pub fn add_skip(&mut self, reason: &'static str) {
        self.skips.add(reason);
    }

    /// Data frames taken so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// dnstap messages decoded so far.
    pub fn messages(&self) -> u64 {
        self.messages
    }

    /// Query messages seen (they give no rows).
    pub fn queries(&self) -> u64 {
        self.queries
    }

    /// What was skipped, by reason.
    pub fn skips(&self) -> &Skips {
        &self.skips
    }

    /// Counts a skip, logging the first few of each reason.
    fn skip(&mut self, reason: &'static str) {
        if self.skips.get(reason) < LOGGED_SKIPS {
            tracing::debug!(frame = self.frames, reason, "dnstap frame gives no rows");
        }
        self.skips.add(reason);
    }

    /// The rows of one data frame, if it gives any.
    fn push_frame(&mut self, frame: Bytes, chunk: &mut Observations) {
        let Ok(dnstap) = Dnstap::decode(frame) else {
            self.skip("dnstap_bad_protobuf");
            return;
        };
        self.messages += 1;
        let (message, time, rule) = match select::classify(&dnstap, self.options.client_responses) {
            Verdict::Query => {
                self.queries += 1;
                if let Some((tap, parser)) = &mut self.tap {
                    tap_query(&dnstap, tap, parser);
                }
                return;
            }
            Verdict::Skip(reason) => {
                self.skip(reason);
                return;
            }
            Verdict::Response {
                message,
                time,
                rule,
            } => (message, time, rule),
        };
        let response = match self.parser.parse(message) {
            Ok(response) if response.opcode == 0 => response,
            Ok(_) => return self.skips.add("opcode_not_query"),
            Err(err) => return self.skips.add(err.reason()),
        };
        if let (Some((tap, _)), Some(question), Some(logged)) =
            (&self.tap, &response.question, &dnstap.message)
        {
            if is_transfer(question.qtype) {
                hand_on(tap, logged, question.qname, question.qtype, time);
            }
        }
        let bailiwick = match select::bailiwick(rule, &response, &mut self.zone) {
            Ok(bailiwick) => bailiwick,
            Err(reason) => return self.skips.add(reason),
        };
        let dropped = chunk.push_in(&response, time, self.options.sections, bailiwick);
        self.skips
            .add_n("out_of_bailiwick", dropped.out_of_bailiwick);
        if dropped.negative_out_of_bailiwick {
            self.skips.add("negative_out_of_bailiwick");
        }
    }
}

/// Hands the question of a query message to `tap`; a message without a readable question or
/// time is passed over (it was counted as a query already).
fn tap_query(dnstap: &Dnstap, tap: &QueryTap, parser: &mut ResponseParser) {
    let Some(message) = &dnstap.message else {
        return;
    };
    let time = message
        .query_time_sec
        .or(message.response_time_sec)
        .and_then(|seconds| i64::try_from(seconds).ok());
    let (Some(wire), Some(time)) = (message.query_message.as_deref(), time) else {
        return;
    };
    let Ok(query) = parser.parse_query(wire) else {
        return;
    };
    let Some(question) = query.question else {
        return;
    };
    hand_on(tap, message, question.qname, question.qtype, time);
}

/// Hands `tap` the event of `message` (its type, addresses) for this question and time.
fn hand_on(
    tap: &QueryTap,
    message: &super::proto::Message,
    qname: &[u8],
    qtype: hark_dns::RrType,
    time: i64,
) {
    let Some(kind) = message.kind() else {
        return;
    };
    let (client, server) = addresses(message);
    (tap.0)(&QueryEvent {
        kind,
        qname,
        qtype,
        client,
        server,
        time,
    });
}

/// True for the zone-transfer question types, AXFR and IXFR.
pub fn is_transfer(qtype: hark_dns::RrType) -> bool {
    qtype == hark_dns::RrType::AXFR || qtype == hark_dns::RrType::IXFR
}

/// The (query, response) addresses of a dnstap message, when it gives them.
fn addresses(message: &super::proto::Message) -> (Option<IpAddr>, Option<IpAddr>) {
    let address = |bytes: Option<&[u8]>| {
        bytes.and_then(|bytes| match bytes.len() {
            4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
            16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
            _ => None,
        })
    };
    (
        address(message.query_address.as_deref()),
        address(message.response_address.as_deref()),
    )
}
