//! hark-ingest: sources of observations, and the cache that aggregates them.
//!
//! - [`capture::CaptureReader`] reads pcap (µs and ns), pcapng and gzip, detected by magic;
//!   [`gzip::LimitedGzDecoder`] stops a gzip bomb at an [`gzip::ExpansionLimit`].
//! - [`link`] strips link layers and encapsulations (VLAN, PPPoE, MPLS, GRE, ERSPAN, VXLAN,
//!   GENEVE); [`defrag`] reassembles IP fragments and [`tcp`] DNS-over-TCP streams, both with
//!   bounded memory; [`pairing`] keeps responses whose query was not seen out;
//!   [`extract::DnsExtractor`] ties them together and yields the DNS messages sent from server
//!   ports, counting what it skips in [`stats::Skips`].
//! - [`bailiwick`]: the zones a resolver's upstream servers serve, learnt from referrals, for
//!   captures whose rows need a bailiwick.
//! - [`aggregate`]: [`aggregate::Observations`] takes parsed responses apart into row
//!   observations, and [`aggregate::Aggregator`] merges them in memory with the one merge rule
//!   of `hark-record`, handing full caches out as batches.
//! - [`source::Source`]: what every input implements — units of observations in a
//!   reproducible order, an identity and an end; [`capture_source::CaptureSource`] for
//!   captures (decoded by [`capture_source::PacketDecoder`], which live capture in
//!   `hark-capture` shares), [`dnstap::DnstapSource`] for dnstap files (rows of resolver and authority
//!   responses with `query_zone` as their bailiwick, records outside it dropped), and
//!   [`cof::CofSource`] for COF NDJSON (CIRCL, dnsdbq, DNSDB SAF, hark's export), and the
//!   other tools' files (`docs/imports.md`): [`zone::ZoneSource`] (zone files, zone times),
//!   [`axfr::AxfrSource`] (zone transfers), and, over one [`text::LineSource`],
//!   [`zeek::ZeekSource`], [`eve::EveSource`], [`passivedns::PassiveDnsSource`],
//!   [`dnscollector::DnsCollectorSource`] and [`sonar::SonarSource`]; [`ct`] for Certificate
//!   Transparency (crt.sh, CertStream, Cert Spotter): names seen in certificates, a kind of
//!   observation of their own.
//! - [`fstrm`]: the Frame Streams codec dnstap travels in — a sans-I/O decoder for files and
//!   sockets alike, a file reader, and a writer.
//! - [`pipeline::run`] carries any source into a [`hark_record::Sink`] (the store's writer)
//!   on three threads, with checkpoints that make a crash never count anything twice.
//!
//! It is not: a store (batches go to whatever sink the caller gives), nor a server. It never
//! panics on input: everything malformed is a counted skip with a named reason.
//!
//! ```no_run
//! use hark_ingest::capture_source::CaptureSource;
//! use hark_ingest::pipeline::{run, PipelineOptions, VecSink};
//! let mut source = CaptureSource::open(
//!     std::path::Path::new("traffic.pcap"),
//!     Default::default(),
//!     Default::default(),
//! )?;
//! let sink = VecSink::default();
//! let report = run(&mut source, &sink, &PipelineOptions::default(), &mut |_progress| {})?;
//! println!("{} responses, {} RRs", report.aggregate.responses, report.aggregate.rrs);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod aggregate;
pub mod axfr;
pub mod bailiwick;
pub mod capture;
pub mod capture_source;
pub mod cof;
pub mod ct;
pub mod defrag;
pub mod dnscollector;
pub mod dnstap;
pub mod eve;
pub mod extract;
mod extraction;
pub mod fstrm;
pub mod gzip;
pub mod link;
pub mod pairing;
pub mod passivedns;
pub mod pipeline;
mod row_table;
pub mod sonar;
pub mod source;
pub mod stats;
pub mod tcp;
#[cfg(test)]
mod testing;
pub mod text;
pub mod zeek;
pub mod zone;
