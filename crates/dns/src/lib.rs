//! hark-dns: DNS wire format → canonical bytes → presentation text.
//!
//! The job of this crate is to turn a DNS response into canonical records
//! that the rest of hark stores and compares, and to print and read those
//! records as text:
//!
//! - [`ResponseParser`] parses a response (built on NLnet Labs `domain`)
//!   into [`Response`] and its [`Record`]s: owner names and rdata in
//!   canonical form (uncompressed, lowercased), each with its [`Section`].
//!   Failures are [`MessageError`]s with stable [`MessageError::reason`]s.
//! - [`RrType`] names record types (RFC 3597 `TYPEnnn` for unknown ones).
//! - [`name`] converts names between wire and presentation form, and into
//!   store keys that sort in DNSSEC canonical order ([`name::reversed_key`],
//!   [`name::forward_key`]).
//! - [`rdata`] canonicalizes rdata and converts it to and from one
//!   documented presentation form.
//!
//! It is not: a resolver, a packet capture or TCP reassembler, a store, or a
//! message builder. It knows nothing of I/O (sockets, files, pcap) or
//! storage (keys beyond the name bytes, engines, rows).
//!
//! ```
//! use hark_dns::{ResponseParser, RrType, Section};
//!
//! // A response for example.com/A with one answer: 192.0.2.1.
//! let message = b"\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\
//!     \x07example\x03com\x00\x00\x01\x00\x01\
//!     \xc0\x0c\x00\x01\x00\x01\x00\x00\x0e\x10\x00\x04\xc0\x00\x02\x01";
//! let mut parser = ResponseParser::new();
//! let response = parser.parse(message)?;
//! for record in response.records() {
//!     let mut owner = String::new();
//!     hark_dns::name::to_presentation(record.owner, &mut owner)?;
//!     let mut rdata = String::new();
//!     hark_dns::rdata::to_presentation(record.rrtype, record.rdata, &mut rdata);
//!     assert_eq!((owner.as_str(), record.rrtype, rdata.as_str()), ("example.com.", RrType::A, "192.0.2.1"));
//!     assert_eq!(record.section, Section::Answer);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod message;
pub mod name;
pub mod rdata;
pub mod rrtype;

pub use message::{MessageError, Question, Record, Response, ResponseParser, Section, CLASS_IN};
pub use rrtype::RrType;
