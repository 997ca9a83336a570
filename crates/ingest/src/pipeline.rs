//! One capture file through the whole ingest path: packets → DNS messages → parsed responses
//! → the aggregation cache → batches handed to a sink (a store).
//!
//! Two threads share the work: a producer reads the capture, reassembles, parses and extracts
//! each response's observations into [`Observations`] chunks; the calling thread folds chunks
//! into the [`Aggregator`] and hands full caches to the sink. Chunks go round between the two
//! over bounded channels and are reused, so memory stays bounded and nothing is allocated per
//! chunk after start-up. The sink sees a batch whenever the cache is full and once at the end;
//! the last batch also carries the file's content hash, so a store can record "this file is
//! in" together with its last rows.

use crate::aggregate::{AggregateStats, Aggregator, Observations, SectionSet};
use crate::capture::{CaptureError, CaptureReader};
use crate::extract::{DnsExtractor, ExtractConfig};
use crate::stats::ExtractStats;
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
    /// The reading thread died (a bug): nothing more could be read.
    #[error("the capture reading thread stopped unexpectedly")]
    Reader,
}

/// Responses per chunk handed from the reading thread to the aggregating thread.
const CHUNK_RESPONSES: usize = 16_384;
/// Chunks in flight: bounds the memory between the two threads.
const CHUNKS_IN_FLIGHT: usize = 4;

/// What the reading thread reports when it is done.
struct ReaderDone {
    packets: u64,
    extract: ExtractStats,
    parse_skips: Skips,
    bytes: u64,
}

/// The reading thread: capture → extractor → parser → observation chunks.
fn read_capture(
    mut reader: CaptureReader,
    extract: ExtractConfig,
    sections: SectionSet,
    full: crossbeam_channel::Sender<Observations>,
    empty: crossbeam_channel::Receiver<Observations>,
) -> ReaderDone {
    let mut extractor = DnsExtractor::new(extract);
    let mut parser = ResponseParser::new();
    let mut parse_skips = Skips::default();
    let mut packets = 0u64;
    let mut chunk = Observations::default();
    let mut handle = |message: crate::extract::DnsMessage<'_>,
                      chunk: &mut Observations,
                      parse_skips: &mut Skips| {
        match parser.parse(message.payload) {
            Ok(response) if response.opcode == 0 => chunk.push(&response, message.ts_sec, sections),
            Ok(_) => parse_skips.add("opcode_not_query"),
            Err(err) => parse_skips.add(err.reason()),
        }
    };
    let mut hung_up = false;
    loop {
        match reader.next_packet() {
            Ok(Some(packet)) => {
                packets += 1;
                extractor.push(&packet, &mut |m| handle(m, &mut chunk, &mut parse_skips));
            }
            Ok(None) => break,
            Err(err) => {
                parse_skips.add(capture_error_reason(&err));
                tracing::warn!(error = %err, "capture ends early; keeping what was read");
                break;
            }
        }
        if chunk.len() >= CHUNK_RESPONSES {
            chunk.bytes_read = reader.bytes_read();
            let next = empty.recv().unwrap_or_default();
            if full.send(std::mem::replace(&mut chunk, next)).is_err() {
                hung_up = true; // the aggregating side stopped (a sink error): stop reading
                break;
            }
        }
    }
    if !hung_up {
        extractor.finish(&mut |m| handle(m, &mut chunk, &mut parse_skips));
        chunk.bytes_read = reader.bytes_read();
        // A send error here means the other side is gone; it reports why.
        let _ = full.send(chunk);
    }
    ReaderDone {
        packets,
        extract: extractor.stats().clone(),
        parse_skips,
        bytes: reader.bytes_read(),
    }
}

/// Ingests one capture: every batch goes to `sink`; `file` (content hash, note) rides on the
/// last batch.
///
/// A capture that ends mid-record, or turns out not to be a capture part-way, stops reading
/// with a counted skip; what was read before is kept.
pub fn ingest_capture<E: std::error::Error + Send + 'static>(
    reader: CaptureReader,
    options: &IngestOptions,
    file: Option<(Vec<u8>, String)>,
    sink: &mut dyn FnMut(Batch) -> Result<(), E>,
    progress: &mut dyn FnMut(Progress),
) -> Result<IngestReport, IngestError<E>> {
    let (full_tx, full_rx) = crossbeam_channel::bounded::<Observations>(CHUNKS_IN_FLIGHT);
    let (empty_tx, empty_rx) = crossbeam_channel::bounded::<Observations>(CHUNKS_IN_FLIGHT + 2);
    for _ in 0..CHUNKS_IN_FLIGHT {
        let _ = empty_tx.send(Observations::default());
    }
    let mut aggregator = Aggregator::new(options.cache_bytes);
    let mut report = IngestReport::default();
    let extract = options.extract.clone();
    let sections = options.sections;

    let done = std::thread::scope(|scope| -> Result<ReaderDone, IngestError<E>> {
        let reading = std::thread::Builder::new()
            .name("hark-read".into())
            .spawn_scoped(scope, move || {
                read_capture(reader, extract, sections, full_tx, empty_rx)
            })
            .map_err(|_| IngestError::Reader)?;
        for mut chunk in full_rx.iter() {
            let mut from = 0;
            while let Some(next) = aggregator.add_from(&chunk, from) {
                sink(aggregator.take_batch()).map_err(IngestError::Sink)?;
                report.batches += 1;
                from = next;
            }
            progress(Progress {
                bytes: chunk.bytes_read,
                responses: aggregator.stats().responses,
            });
            chunk.clear();
            let _ = empty_tx.send(chunk);
        }
        reading.join().map_err(|_| IngestError::Reader)
    })?;

    let mut last = aggregator.take_batch();
    last.files.extend(file);
    if !last.is_empty() {
        sink(last).map_err(IngestError::Sink)?;
        report.batches += 1;
    }
    report.packets = done.packets;
    report.messages = done.extract.udp_messages + done.extract.tcp_messages;
    report.queries = done.extract.queries;
    report.skips = done.extract.skips.clone();
    report.skips.merge(&done.parse_skips);
    report.aggregate = *aggregator.stats();
    report.bytes = done.bytes;
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
