//! hark-cof: the Passive DNS Common Output Format (COF), read and written in one place.
//!
//! COF is the NDJSON of passive DNS (CIRCL's pDNS, DNSDB's SAF objects, `dnsdbq -j`): one JSON
//! object per row, with `rrname`, `rrtype`, `rdata`, `time_first`/`time_last`,
//! `zone_time_first`/`zone_time_last`, `count` and `bailiwick`. hark writes it in its export,
//! its lookups and its three HTTP faces, and reads it in `hark import cof`; keeping both
//! directions here keeps them agreeing: every row written reads back to the same key and
//! tally (the round-trip test in `tests/it/roundtrip.rs`). The batches remote sensors ship
//! to their centre are COF too, gzipped ([`batch`]).
//!
//! - [`read`]: [`parse_line`] turns one line into [`CofRow`]s, or a [`CofError`] with a stable
//!   skip reason and clipped echoes of the bad value; [`parse_negative_line`] reads a
//!   negative row's object.
//! - [`write`](mod@write): [`object`] turns a stored [`hark_store::Row`] into a JSON object shaped by a
//!   [`Style`] (export, DNSDB, CIRCL); [`negative_object`] does the same for a negative row.
//! - [`batch`]: a sensor's batch body ([`batch::encode`], [`batch::decode`], a
//!   [`batch::BatchError`] when refused) and its name, [`batch::BatchId`].
//!
//! It is not: a reader of files or streams (line capping, counted skips and checkpoints are
//! `hark-ingest`'s `CofSource`), an HTTP face (the framing of SAF and CIRCL answers is
//! `hark-server`'s; the sensors' intake, spool and shipping are the `hark` binary's), nor a
//! JSON library: it maps rows to and from `serde_json` values.
//!
//! ```
//! use hark_cof::{object, parse_line, Style};
//! use hark_store::Row;
//!
//! let line = r#"{"rrname":"WWW.Example.com","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700000100,"count":3}"#;
//! let mut rows = Vec::new();
//! for cof in parse_line(line)? {
//!     let (key, tally) = cof.into_entry()?;
//!     rows.push(Row { key, tally });
//! }
//! assert_eq!(rows.len(), 1);
//! let written = serde_json::Value::Object(object(&rows[0], &Style::EXPORT));
//! assert_eq!(
//!     written.to_string(),
//!     r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700000100,"count":3}"#
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod read;
pub mod write;

pub use read::{parse_line, parse_negative_line, CofError, CofRow};
pub use write::{cert_object, name_text, negative_object, object, time_value, Style};
