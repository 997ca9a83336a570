//! Parsing DNS responses into canonical records.
//!
//! [`ResponseParser::parse`] walks a whole message with NLnet Labs `domain`
//! (its header view and [`ParsedName`](domain::base::name::ParsedName), whose
//! decompression rejects loops, forward pointers and names over 255 bytes)
//! and writes every owner name and rdata in canonical form (see
//! [`crate::name`] and [`crate::rdata`]) into one reusable arena. After
//! warm-up a parse allocates nothing.
//!
//! Rules:
//! - QR=0 is [`MessageError::NotAResponse`], checked from the header first.
//! - Any malformation anywhere rejects the whole message: bad names, short
//!   or overlong rdata, rdata that does not fit its type, bytes after the
//!   last record, an OPT outside the additional section or twice, a TSIG
//!   that is not the last record.
//! - Meta records (OPT, TSIG, TKEY, and the query-only types) never appear
//!   in [`Response::records`]; OPT still supplies the extended rcode bits.
//! - Records keep their [`Section`]; duplicates are kept; TC=1 messages
//!   parse like any other.

use domain::base::Header;

use crate::rdata::{self, decompress_name, RdataError};
use crate::rrtype::RrType;

/// The section a record came from. Bit values match the shared test
/// generator's `sections` mask.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Section {
    /// The answer section.
    Answer = 1,
    /// The authority section.
    Authority = 2,
    /// The additional section.
    Additional = 4,
}

impl Section {
    /// Lowercase name as in the shared reference tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Answer => "answer",
            Section::Authority => "authority",
            Section::Additional => "additional",
        }
    }
}

/// Why a message was rejected.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum MessageError {
    /// Fewer than 12 bytes: no room for the header.
    #[error("message of {len} bytes is shorter than the 12-byte header")]
    ShortHeader {
        /// Message length.
        len: usize,
    },
    /// QR=0: a query, not a response.
    #[error("message {id} is a query (QR=0), not a response")]
    NotAResponse {
        /// Message ID.
        id: u16,
    },
    /// The question section is malformed.
    #[error("bad question at offset {offset}: {reason}")]
    BadQuestion {
        /// Offset of the question.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// An owner name is malformed (bad label type, compression loop,
    /// forward pointer, pointer out of bounds, longer than 255 bytes).
    #[error("bad owner name at offset {offset}: {reason}")]
    BadName {
        /// Offset of the name.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// The message ends inside a record header or before all counted records.
    #[error("message ends at {len} bytes inside a record header at offset {offset}")]
    TruncatedMessage {
        /// Offset of the record header.
        offset: usize,
        /// Message length.
        len: usize,
    },
    /// A record's RDLENGTH runs past the end of the message.
    #[error("rdata of {rdlen} bytes at offset {offset} runs past the message end {len}")]
    RdataPastEnd {
        /// Offset of the rdata.
        offset: usize,
        /// Declared RDLENGTH.
        rdlen: usize,
        /// Message length.
        len: usize,
    },
    /// Rdata does not fit its type.
    #[error("bad {rrtype} rdata at offset {offset}: {source}")]
    BadRdata {
        /// Offset of the rdata.
        offset: usize,
        /// The record type.
        rrtype: RrType,
        /// What was wrong.
        source: RdataError,
    },
    /// An OPT record that is misplaced, repeated, or not owned by the root.
    #[error("bad OPT record at offset {offset}: {reason}")]
    BadOpt {
        /// Offset of the record.
        offset: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A TSIG record that is not the last record of the message.
    #[error("TSIG record at offset {offset} is not the last record")]
    BadTsig {
        /// Offset of the record.
        offset: usize,
    },
    /// Bytes remain after the last counted record.
    #[error("{extra} bytes after the last record")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
}

impl MessageError {
    /// Stable snake_case name for skip counters.
    pub fn reason(&self) -> &'static str {
        match self {
            MessageError::ShortHeader { .. } => "short_header",
            MessageError::NotAResponse { .. } => "not_a_response",
            MessageError::BadQuestion { .. } => "bad_question",
            MessageError::BadName { .. } => "bad_name",
            MessageError::TruncatedMessage { .. } => "truncated_message",
            MessageError::RdataPastEnd { .. } => "rdata_past_end",
            MessageError::BadRdata { .. } => "bad_rdata",
            MessageError::BadOpt { .. } => "bad_opt",
            MessageError::BadTsig { .. } => "bad_tsig",
            MessageError::TrailingBytes { .. } => "trailing_bytes",
        }
    }
}

/// A byte range in the arena.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    end: u32,
}

#[derive(Clone, Copy, Debug)]
struct RecordSpan {
    section: Section,
    owner: Span,
    rrtype: RrType,
    class: u16,
    ttl: u32,
    rdata: Span,
}

/// How many (message offset → canonical name) entries the owner cache keeps.
const NAME_CACHE: usize = 8;

/// A reusable DNS response parser.
///
/// Holds one arena for canonical names and rdata plus the record spans, so
/// that parsing allocates nothing once they have grown to fit.
#[derive(Debug, Default)]
pub struct ResponseParser {
    arena: Vec<u8>,
    records: Vec<RecordSpan>,
}

/// A parsed response, borrowing the parser's arena.
#[derive(Debug)]
pub struct Response<'p> {
    /// Message ID.
    pub id: u16,
    /// OPCODE (4 bits).
    pub opcode: u8,
    /// RCODE, including the extended bits from OPT (12 bits).
    pub rcode: u16,
    /// TC flag.
    pub truncated: bool,
    /// AA flag.
    pub authoritative: bool,
    /// The first question, if there is one.
    pub question: Option<Question<'p>>,
    arena: &'p [u8],
    records: &'p [RecordSpan],
}

/// The question of a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question<'p> {
    /// Canonical wire name.
    pub qname: &'p [u8],
    /// QTYPE.
    pub qtype: RrType,
    /// QCLASS.
    pub qclass: u16,
}

/// One resource record of a response, in canonical form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'p> {
    /// The section it came from.
    pub section: Section,
    /// Canonical wire owner name.
    pub owner: &'p [u8],
    /// TYPE.
    pub rrtype: RrType,
    /// CLASS.
    pub class: u16,
    /// TTL.
    pub ttl: u32,
    /// Canonical rdata.
    pub rdata: &'p [u8],
}

impl<'p> Response<'p> {
    /// The non-meta records, in message order.
    pub fn records(&self) -> impl Iterator<Item = Record<'_>> + '_ {
        let arena = self.arena;
        self.records.iter().map(move |span| Record {
            section: span.section,
            owner: slice(arena, span.owner),
            rrtype: span.rrtype,
            class: span.class,
            ttl: span.ttl,
            rdata: slice(arena, span.rdata),
        })
    }

    /// How many records [`Response::records`] yields.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }
}

fn slice(arena: &[u8], span: Span) -> &[u8] {
    arena
        .get(span.start as usize..span.end as usize)
        .unwrap_or(&[])
}

fn read_u16(message: &[u8], pos: usize) -> Option<u16> {
    let bytes = message.get(pos..pos + 2)?;
    Some(u16::from_be_bytes(bytes.try_into().ok()?))
}

fn read_u32(message: &[u8], pos: usize) -> Option<u32> {
    let bytes = message.get(pos..pos + 4)?;
    Some(u32::from_be_bytes(bytes.try_into().ok()?))
}

/// Class IN (Internet), the only class passive DNS rows are kept for: records and questions
/// of other classes (CHAOS `version.bind`, update-style ANY/NONE) say nothing about the
/// Internet's names.
pub const CLASS_IN: u16 = 1;
const CLASS_NONE: u16 = 254;
const CLASS_ANY: u16 = 255;

impl ResponseParser {
    /// Creates a parser with empty scratch space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses one DNS response (no TCP length prefix).
    pub fn parse<'p>(&'p mut self, message: &[u8]) -> Result<Response<'p>, MessageError> {
        self.parse_message(message, true)
    }

    /// Parses one DNS query the same way (its question, and records if it carries any): for
    /// readers of logged queries (dnstap CLIENT_QUERY), which rows are never made of.
    pub fn parse_query<'p>(&'p mut self, message: &[u8]) -> Result<Response<'p>, MessageError> {
        self.parse_message(message, false)
    }

    fn parse_message<'p>(
        &'p mut self,
        message: &[u8],
        response: bool,
    ) -> Result<Response<'p>, MessageError> {
        let len = message.len();
        if len < 12 {
            return Err(MessageError::ShortHeader { len });
        }
        let header = Header::for_message_slice(message);
        if response && !header.qr() {
            return Err(MessageError::NotAResponse { id: header.id() });
        }
        self.arena.clear();
        self.records.clear();
        let [qdcount, ancount, nscount, arcount] = [
            read_u16(message, 4).unwrap_or(0),
            read_u16(message, 6).unwrap_or(0),
            read_u16(message, 8).unwrap_or(0),
            read_u16(message, 10).unwrap_or(0),
        ];
        let mut pos = 12;
        let mut cache = [(0usize, Span::default()); NAME_CACHE];
        let mut cached = 0usize;

        // Question section: keep the first, check the rest.
        let mut question = None;
        for index in 0..qdcount {
            let start = self.arena.len();
            let end = decompress_name(message, pos, len, &mut self.arena).map_err(|reason| {
                MessageError::BadQuestion {
                    offset: pos,
                    reason,
                }
            })?;
            let qtype = read_u16(message, end);
            let qclass = read_u16(message, end + 2);
            let (Some(qtype), Some(qclass)) = (qtype, qclass) else {
                return Err(MessageError::BadQuestion {
                    offset: pos,
                    reason: "question ends early",
                });
            };
            let span = Span {
                start: start as u32,
                end: self.arena.len() as u32,
            };
            if index == 0 {
                question = Some((span, RrType(qtype), qclass));
                if let Some(slot) = cache.get_mut(cached) {
                    *slot = (pos, span);
                    cached += 1;
                }
            } else {
                self.arena.truncate(start);
            }
            pos = end + 4;
        }

        let mut extended_rcode = 0u16;
        let mut seen_opt = false;
        let total = usize::from(ancount) + usize::from(nscount) + usize::from(arcount);
        let mut number = 0usize;
        for (section, count) in [
            (Section::Answer, ancount),
            (Section::Authority, nscount),
            (Section::Additional, arcount),
        ] {
            for _ in 0..count {
                number += 1;
                let record_start = pos;
                let owner_start = self.arena.len();
                let cached_before = cached;
                // Owner: a bare pointer to a name decompressed before is
                // copied from the cache.
                let mut owner = None;
                if let (Some(&high), Some(&low)) = (message.get(pos), message.get(pos + 1)) {
                    if high >= 0xc0 {
                        let target = usize::from(high & 0x3f) << 8 | usize::from(low);
                        owner = cache
                            .get(..cached)
                            .unwrap_or(&[])
                            .iter()
                            .find(|(at, _)| *at == target)
                            .map(|(_, span)| *span);
                        if owner.is_some() {
                            pos += 2;
                        }
                    }
                }
                let owner = match owner {
                    Some(span) => span,
                    None => {
                        let end = decompress_name(message, pos, len, &mut self.arena).map_err(
                            |reason| MessageError::BadName {
                                offset: pos,
                                reason,
                            },
                        )?;
                        let span = Span {
                            start: owner_start as u32,
                            end: self.arena.len() as u32,
                        };
                        if let Some(slot) = cache.get_mut(cached) {
                            *slot = (pos, span);
                            cached += 1;
                        }
                        pos = end;
                        span
                    }
                };
                let fixed = (
                    read_u16(message, pos),
                    read_u16(message, pos + 2),
                    read_u32(message, pos + 4),
                    read_u16(message, pos + 8),
                );
                let (Some(rrtype), Some(class), Some(ttl), Some(rdlen)) = fixed else {
                    return Err(MessageError::TruncatedMessage { offset: pos, len });
                };
                let rrtype = RrType(rrtype);
                let rdata_start = pos + 10;
                let rdlen = usize::from(rdlen);
                if rdata_start + rdlen > len {
                    return Err(MessageError::RdataPastEnd {
                        offset: rdata_start,
                        rdlen,
                        len,
                    });
                }
                pos = rdata_start + rdlen;
                if rrtype.is_meta() {
                    if rrtype == RrType::OPT {
                        let reason = if section != Section::Additional {
                            Some("outside the additional section")
                        } else if seen_opt {
                            Some("more than one")
                        } else if slice(&self.arena, owner) != [0] {
                            Some("owner is not the root")
                        } else {
                            None
                        };
                        if let Some(reason) = reason {
                            return Err(MessageError::BadOpt {
                                offset: record_start,
                                reason,
                            });
                        }
                        seen_opt = true;
                        extended_rcode = (ttl >> 24) as u16;
                    } else if rrtype == RrType::TSIG && number != total {
                        return Err(MessageError::BadTsig {
                            offset: record_start,
                        });
                    }
                    // The owner leaves the arena: so must its cache entry, or a later
                    // pointer to it would read whatever the arena holds there next.
                    self.arena.truncate(owner_start);
                    cached = cached_before;
                    continue;
                }
                let rdata_arena = self.arena.len();
                if !(rdlen == 0 && (class == CLASS_NONE || class == CLASS_ANY)) {
                    rdata::canonicalize(rrtype, message, rdata_start, rdlen, &mut self.arena)
                        .map_err(|source| MessageError::BadRdata {
                            offset: rdata_start,
                            rrtype,
                            source,
                        })?;
                }
                // A later owner often points at a name in this rdata (CNAME
                // chains, NS targets with glue): remember where it starts.
                let name_offset = match rrtype {
                    RrType::CNAME | RrType::NS | RrType::PTR | RrType::DNAME => Some(0),
                    RrType::MX => Some(2),
                    _ => None,
                };
                if let Some(offset) = name_offset {
                    if rdlen > offset {
                        if let Some(slot) = cache.get_mut(cached) {
                            *slot = (
                                rdata_start + offset,
                                Span {
                                    start: (rdata_arena + offset) as u32,
                                    end: self.arena.len() as u32,
                                },
                            );
                            cached += 1;
                        }
                    }
                }
                self.records.push(RecordSpan {
                    section,
                    owner,
                    rrtype,
                    class,
                    ttl,
                    rdata: Span {
                        start: rdata_arena as u32,
                        end: self.arena.len() as u32,
                    },
                });
            }
        }
        if pos != len {
            return Err(MessageError::TrailingBytes { extra: len - pos });
        }

        let this: &'p ResponseParser = self;
        Ok(Response {
            id: header.id(),
            opcode: header.opcode().to_int(),
            rcode: u16::from(header.rcode().to_int()) | extended_rcode << 4,
            truncated: header.tc(),
            authoritative: header.aa(),
            question: question.map(|(span, qtype, qclass)| Question {
                qname: slice(&this.arena, span),
                qtype,
                qclass,
            }),
            arena: &this.arena,
            records: &this.records,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Header: id 0x1234, QR=1 RD RA, counts as given.
    fn header(qd: u16, an: u16, ns: u16, ar: u16) -> Vec<u8> {
        let mut m = vec![0x12, 0x34, 0x81, 0x80];
        for c in [qd, an, ns, ar] {
            m.extend_from_slice(&c.to_be_bytes());
        }
        m
    }

    /// A response for Example.COM/A with one answer pointing at the question.
    fn simple() -> Vec<u8> {
        let mut m = header(1, 1, 0, 0);
        m.extend_from_slice(b"\x07Example\x03COM\x00\x00\x01\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01");
        m
    }

    fn err(message: &[u8]) -> MessageError {
        ResponseParser::new().parse(message).unwrap_err()
    }

    #[test]
    fn parses_simple() {
        let mut parser = ResponseParser::new();
        let m = simple();
        let response = parser.parse(&m).unwrap();
        assert_eq!(response.id, 0x1234);
        assert_eq!(response.rcode, 0);
        assert!(!response.truncated);
        let q = response.question.unwrap();
        assert_eq!(q.qname, b"\x07example\x03com\x00");
        assert_eq!(q.qtype, RrType::A);
        let records: Vec<Record<'_>> = response.records().collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].owner, b"\x07example\x03com\x00");
        assert_eq!(records[0].rdata, [192, 0, 2, 1]);
        assert_eq!(records[0].ttl, 3600);
        assert_eq!(records[0].section, Section::Answer);
    }

    #[test]
    fn short_header() {
        assert_eq!(err(b"\x12\x34\x81"), MessageError::ShortHeader { len: 3 });
        assert_eq!(err(b""), MessageError::ShortHeader { len: 0 });
    }

    #[test]
    fn query_is_rejected_first() {
        let mut m = simple();
        m[2] = 0x01;
        m.truncate(14); // garbage after the header does not matter
        assert_eq!(err(&m), MessageError::NotAResponse { id: 0x1234 });
    }

    #[test]
    fn compression_self_loop() {
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn compression_mutual_loop() {
        // Name at 12 points to 14, name at 14 points back to 12.
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\xc0\x0e\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn compression_label_loop() {
        // "a" then a pointer back to the "a": grows forever until > 255.
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\x01a\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn forward_pointer() {
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\xc0\x0e\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn pointer_out_of_bounds() {
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\x01a\xff\xff");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn name_over_255() {
        let mut m = header(0, 1, 0, 0);
        for _ in 0..4 {
            m.push(63);
            m.extend_from_slice(&[b'a'; 63]);
        }
        m.extend_from_slice(b"\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn bad_label_type() {
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\x41a\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn bad_question() {
        let mut m = header(1, 0, 0, 0);
        m.extend_from_slice(b"\x03www\x00\x00\x01");
        assert_eq!(err(&m).reason(), "bad_question");
        let mut m = header(1, 0, 0, 0);
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
        assert_eq!(err(&m).reason(), "bad_question");
    }

    #[test]
    fn truncated_record_header() {
        let mut m = simple();
        m.truncate(m.len() - 8);
        assert_eq!(err(&m).reason(), "truncated_message");
        // Counted records missing entirely.
        let mut m = simple();
        m[7] = 2;
        assert_eq!(err(&m).reason(), "bad_name");
    }

    #[test]
    fn truncated_rdata() {
        let mut m = simple();
        m.pop();
        assert_eq!(err(&m).reason(), "rdata_past_end");
    }

    #[test]
    fn rdlen_past_end() {
        let mut m = simple();
        let at = m.len() - 6;
        m[at] = 0xff;
        assert!(matches!(
            err(&m),
            MessageError::RdataPastEnd { rdlen: 0xff04, .. }
        ));
    }

    #[test]
    fn a_with_five_bytes() {
        let mut m = simple();
        let at = m.len() - 5;
        m[at] = 5;
        m.push(9);
        assert_eq!(err(&m).reason(), "bad_rdata");
    }

    #[test]
    fn trailing_bytes() {
        let mut m = simple();
        m.push(0);
        assert_eq!(err(&m), MessageError::TrailingBytes { extra: 1 });
    }

    #[test]
    fn opt_gives_extended_rcode_and_is_hidden() {
        let mut m = simple();
        m[11] = 1; // ARCOUNT
        m[3] = 0x81; // RCODE 1
                     // OPT: root owner, type 41, udp 1232, ext-rcode 1, version 0, no rdata.
        m.extend_from_slice(b"\x00\x00\x29\x04\xd0\x01\x00\x00\x00\x00\x00");
        let mut parser = ResponseParser::new();
        let response = parser.parse(&m).unwrap();
        assert_eq!(response.rcode, 0x11);
        assert_eq!(response.record_count(), 1);
    }

    #[test]
    fn opt_misplaced_or_twice() {
        let mut m = header(0, 1, 0, 0);
        m.extend_from_slice(b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_opt");
        let mut m = header(0, 0, 0, 2);
        m.extend_from_slice(b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00");
        m.extend_from_slice(b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00");
        assert_eq!(err(&m).reason(), "bad_opt");
    }

    #[test]
    fn tsig_not_last() {
        let mut m = header(0, 0, 0, 2);
        m.extend_from_slice(b"\x00\x00\xfa\x00\xff\x00\x00\x00\x00\x00\x00");
        m.extend_from_slice(b"\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x01\x02\x03\x04");
        assert_eq!(err(&m).reason(), "bad_tsig");
    }

    #[test]
    fn truncated_flag_still_parses() {
        let mut m = simple();
        m[2] |= 0x02;
        let mut parser = ResponseParser::new();
        assert!(parser.parse(&m).unwrap().truncated);
    }

    #[test]
    fn rdata_names_and_cache() {
        // Two answers; the second owner points at the CNAME target (at 45).
        let mut m = header(1, 2, 0, 0);
        m.extend_from_slice(b"\x03WWW\x07example\x03com\x00\x00\x05\x00\x01");
        // 33: owner ptr to 12; CNAME rdata at 45: "Web" + ptr to "example.com" at 16.
        m.extend_from_slice(b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x00\x3c\x00\x06\x03Web\xc0\x10");
        // 51: owner ptr to the rdata name at 45.
        m.extend_from_slice(b"\xc0\x2d\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04");
        let mut parser = ResponseParser::new();
        let response = parser.parse(&m).unwrap();
        let records: Vec<Record<'_>> = response.records().collect();
        assert_eq!(records[0].owner, b"\x03www\x07example\x03com\x00");
        assert_eq!(records[0].rdata, b"\x03web\x07example\x03com\x00");
        assert_eq!(records[1].owner, b"\x03web\x07example\x03com\x00");
    }

    #[test]
    fn update_style_empty_rdata() {
        let mut m = header(0, 0, 1, 0);
        m.extend_from_slice(b"\x00\x00\x01\x00\xff\x00\x00\x00\x00\x00\x00");
        let mut parser = ResponseParser::new();
        assert_eq!(parser.parse(&m).unwrap().record_count(), 1);
    }

    /// Fuzz finding (dns_message): a skipped meta record (here ANY) left its owner in the
    /// name cache after the arena dropped it, so a later pointer to that owner read other
    /// bytes (an empty or cut name).
    #[test]
    fn pointer_to_the_owner_of_a_skipped_meta_record() {
        let mut m = header(0, 2, 0, 0);
        // 12: owner example.com, type ANY, empty rdata: skipped.
        m.extend_from_slice(b"\x07Example\x03com\x00\x00\xff\x00\x01\x00\x00\x00\x00\x00\x00");
        // 37: owner points at 12; A 192.0.2.1.
        m.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01");
        let mut parser = ResponseParser::new();
        let response = parser.parse(&m).unwrap();
        let records: Vec<Record<'_>> = response.records().collect();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].owner, b"\x07example\x03com\x00");
        assert_eq!(records[0].rdata, b"\xc0\x00\x02\x01");
    }
}
