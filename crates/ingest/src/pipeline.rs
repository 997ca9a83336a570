//! One capture file through the whole ingest path: packets → DNS messages → parsed responses
//! → the aggregation cache → batches handed to a sink (a store).
//!
//! The sink sees a batch whenever the cache is full and once at the end; the last batch also
//! carries the file's content hash, so a store can record "this file is in" atomically with
//! its last rows.

use crate::aggregate::{AggregateStats, Aggregator, SectionSet};
use crate::capture::{CaptureError, CaptureReader};
use crate::extract::{DnsExtractor, ExtractConfig};
use crate::stats::Skips;
use hark_dns::ResponseParser;
use hark_record::Batch;

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Packet extraction: ports, reassembly bounds.
    pub extract: ExtractConfig,
    /// Which sections give RR rows.
    pub sections: SectionSet,
    /// Memory budget of the aggregation cache, in bytes.
    pub cache_bytes: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            extract: ExtractConfig::default(),
            sections: SectionSet::DEFAULT,
            cache_bytes: 512 * 1024 * 1024,
        }
    }
}

/// Where ingest stands, for a progress bar.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Bytes of the input file consumed.
    pub bytes: u64,
    /// Responses parsed so far.
    pub responses: u64,
}

/// What ingesting one file did.
#[derive(Clone, Debug, Default)]
pub struct IngestReport {
    /// Packets read from the capture.
    pub packets: u64,
    /// DNS messages sent from a server port (UDP datagrams and reassembled TCP messages).
    pub messages: u64,
    /// Queries seen (dropped without parsing).
    pub queries: u64,
    /// What the aggregation cache counted: responses, truncated ones, RRs, negatives.
    pub aggregate: AggregateStats,
    /// Things skipped, by reason: packet-level, reassembly-level and parse-level.
    pub skips: Skips,
    /// Batches handed to the sink.
    pub batches: u64,
    /// Bytes of the input read.
    pub bytes: u64,
}

/// Why ingesting a file stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError<E: std::error::Error + 'static> {
    /// The sink (the store) failed; rows already handed over stay stored.
    #[error("storing rows failed")]
    Sink(#[source] E),
}

/// How often (in packets) progress is reported.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Ingests one capture: every batch goes to `sink`; `file` (content hash, note) rides on the
/// last batch.
///
/// A capture that ends mid-record, or turns out not to be a capture part-way, stops reading
/// with a counted skip; what was read before is kept.
pub fn ingest_capture<E: std::error::Error + 'static>(
    mut reader: CaptureReader,
    options: &IngestOptions,
    file: Option<(Vec<u8>, String)>,
    sink: &mut dyn FnMut(Batch) -> Result<(), E>,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport, IngestError<E>> {
    let mut extractor = DnsExtractor::new(options.extract.clone());
    let mut parser = ResponseParser::new();
    let mut aggregator = Aggregator::new(options.sections, options.cache_bytes);
    let mut report = IngestReport::default();
    let mut parse_skips = Skips::default();
    let mut packets = 0u64;

    let mut handle = |message: crate::extract::DnsMessage<'_>,
                      aggregator: &mut Aggregator,
                      parse_skips: &mut Skips| {
        match parser.parse(message.payload) {
            Ok(response) if response.opcode == 0 => aggregator.observe(&response, message.ts_sec),
            Ok(_) => parse_skips.add("opcode_not_query"),
            Err(err) => parse_skips.add(err.reason()),
        }
    };

    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                packets += 1;
                extractor.push(&packet, &mut |m| handle(m, &mut aggregator, &mut parse_skips));
            }
            Ok(None) => break,
            Err(err) => {
                parse_skips.add(capture_error_reason(&err));
                tracing::warn!(error = %err, "capture ends early; keeping what was read");
                break;
            }
        }
        if aggregator.is_full() {
            sink(aggregator.take_batch()).map_err(IngestError::Sink)?;
            report.batches += 1;
        }
        if packets % PROGRESS_EVERY == 0 {
            progress(Progress {
                bytes: reader.bytes_read(),
                responses: aggregator.stats().responses,
            });
        }
    }
    extractor.finish(&mut |m| handle(m, &mut aggregator, &mut parse_skips));

    let mut last = aggregator.take_batch();
    last.files.extend(file);
    if !last.is_empty() {
        sink(last).map_err(IngestError::Sink)?;
        report.batches += 1;
    }
    let extract_stats = extractor.stats();
    report.packets = packets;
    report.messages = extract_stats.udp_messages + extract_stats.tcp_messages;
    report.queries = extract_stats.queries;
    report.skips = extract_stats.skips.clone();
    report.skips.merge(&parse_skips);
    report.aggregate = *aggregator.stats();
    report.bytes = reader.bytes_read();
    progress(Progress {
        bytes: report.bytes,
        responses: report.aggregate.responses,
    });
    Ok(report)
}

/// The skip-counter name of a capture error met part-way through a file.
fn capture_error_reason(err: &CaptureError) -> &'static str {
    match err {
        CaptureError::Truncated { .. } => "capture_cut_mid_record",
        _ => "capture_unreadable_after_start",
    }
}
