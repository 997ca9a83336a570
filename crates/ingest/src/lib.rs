//! hark-ingest: sources of observations, and the cache that aggregates them.
//!
//! - [`capture::CaptureReader`] reads pcap (µs and ns), pcapng and gzip, detected by magic.
//! - [`link`] strips link layers; [`defrag`] reassembles IP fragments and [`tcp`] DNS-over-TCP
//!   streams, both with bounded memory; [`extract::DnsExtractor`] ties them together and yields
//!   the DNS messages sent from server ports, counting what it skips in [`stats::Skips`].
//! - [`aggregate`]: [`aggregate::Observations`] takes parsed responses apart into row
//!   observations, and [`aggregate::Aggregator`] merges them in memory with the one merge rule
//!   of `hark-record`, handing full caches out as batches.
//! - [`pipeline::ingest_capture`] runs one capture through all of it on two threads.
//! - [`cof`] imports COF NDJSON (CIRCL, dnsdbq, DNSDB SAF, hark's export).
//!
//! It is not: a store (batches go to whatever sink the caller gives), nor a server. It never
//! panics on input: everything malformed is a counted skip with a named reason.
//!
//! ```no_run
//! use hark_ingest::capture::CaptureReader;
//! use hark_ingest::pipeline::{ingest_capture, IngestOptions};
//! let reader = CaptureReader::open(std::path::Path::new("traffic.pcap"))?;
//! let mut batches = Vec::new();
//! let report = ingest_capture(
//!     reader,
//!     &IngestOptions::default(),
//!     None,
//!     &mut |batch| -> Result<(), std::io::Error> { batches.push(batch); Ok(()) },
//!     &mut |_progress| {},
//! )?;
//! println!("{} responses, {} RRs", report.aggregate.responses, report.aggregate.rrs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod capture;
pub mod cof;
pub mod defrag;
pub mod extract;
pub mod link;
pub mod pipeline;
pub mod stats;
pub mod tcp;
