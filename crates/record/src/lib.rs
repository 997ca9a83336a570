//! hark-record: what hark stores about DNS answers, and the one rule for merging it.
//!
//! - [`RrKey`]: the identity of an RR row, (rrname, rrtype, rdata, bailiwick), packed in one byte
//!   string; [`NegativeKey`]: the identity of an NXDOMAIN/NODATA row, (qname, qtype, rcode).
//! - [`CertKey`]: the identity of a certificate-name row (name, issuer), from Certificate
//!   Transparency: its own kind of observation, merged by the same rule.
//! - [`Tally`]: first/last seen and count, with [`Tally::merge`], the associative and
//!   commutative merge every part of hark uses (sensor cache, import, store).
//! - [`Batch`]: merged rows on their way from the aggregation cache into a store, with the
//!   [`Checkpoint`]s of the sources they came from.
//! - [`Sink`]: the door every source pipeline writes through (the store's writer opens it).
//!
//! It is not: a parser (see `hark-dns`), a source of observations (`hark-ingest`) or a store
//! (`hark-store`). It does no I/O.
//!
//! ```
//! use hark_record::{RrKey, RrKeyParts, Tally};
//! use hark_dns::RrType;
//!
//! let key = RrKey::new(&RrKeyParts {
//!     rrname: b"\x07example\x03com\x00",
//!     rrtype: RrType::A,
//!     bailiwick: None,
//!     rdata: &[192, 0, 2, 1],
//! })?;
//! let mut tally = Tally::seen_at(1_700_000_000);
//! tally.merge(&Tally::seen_at(1_600_000_000));
//! assert_eq!(tally.count, 2);
//! assert_eq!(tally.seen.map(|s| s.first), Some(1_600_000_000));
//! assert_eq!(key.parts().rrtype, RrType::A);
//! # Ok::<(), hark_record::KeyError>(())
//! ```
#![deny(missing_docs)]

mod batch;
mod cert;
mod checkpoint;
pub mod key;
pub mod sink;
mod tally;

pub use batch::Batch;
pub use cert::{CertKey, MAX_ISSUER_BYTES};
pub use checkpoint::{Checkpoint, CheckpointDecodeError, SourceId};
pub use key::{rcode, KeyError, NegativeKey, RrKey, RrKeyParts};
pub use sink::{Committed, Sink, SinkError};
pub use tally::{Tally, TimeSpan};
