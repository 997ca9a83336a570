//! A capture file read on two threads: packets into DNS messages (link layers, tunnels, IP
//! reassembly, TCP, pairing) on a thread of its own, messages into observations on the
//! pipeline's reading thread ([`crate::capture_source::CaptureSource`]).
//!
//! Both halves are sequential, so the messages — and the units made of them — come in the
//! same order as on one thread, which is what checkpoints count on. The messages cross in
//! batches whose payloads sit in one buffer; a few batches are in flight and go back to be
//! reused, so memory is bounded by bytes whatever the capture holds.

use crate::capture::{CaptureError, CaptureReader};
use crate::extract::{DnsExtractor, DnsMessage};
use crate::source::SourceReport;
use crate::stats::Skips;
use std::ops::Range;

/// Messages in one batch at most.
const MESSAGES_PER_BATCH: usize = 2048;
/// Payload bytes after which a batch is handed over (one message more may pass it).
const BYTES_PER_BATCH: usize = 1 << 20;
/// Batches waiting for the parsing side.
const BATCHES_IN_FLIGHT: usize = 4;

/// One DNS message of a batch.
pub(crate) struct Message {
    /// Capture time, seconds since the Unix epoch.
    pub ts_sec: i64,
    /// The server's address (IPv4 in the first 4 bytes).
    pub server: [u8; 16],
    /// Where its bytes are in the batch's payloads.
    payload: Range<usize>,
}

/// How the capture ended, with the extracting side's counters.
pub(crate) struct Ended {
    /// Read to its real end (not cut short, not unreadable part-way).
    pub complete: bool,
    /// Packets, messages, queries, skips, bytes and the stop reason.
    pub report: SourceReport,
}

/// Messages handed from the extracting thread to the parsing one.
#[derive(Default)]
pub(crate) struct Extracted {
    payloads: Vec<u8>,
    /// The messages, in capture order.
    pub messages: Vec<Message>,
    /// Bytes consumed from the file when the batch was handed over.
    pub bytes_read: u64,
    /// Set on the last batch.
    pub end: Option<Ended>,
}

impl Extracted {
    fn push(&mut self, message: DnsMessage<'_>) {
        let start = self.payloads.len();
        self.payloads.extend_from_slice(message.payload);
        self.messages.push(Message {
            ts_sec: message.ts_sec,
            server: message.server,
            payload: start..self.payloads.len(),
        });
    }

    /// The bytes of `message`, one of this batch's.
    pub fn payload(&self, message: &Message) -> &[u8] {
        self.payloads
            .get(message.payload.clone())
            .unwrap_or_default()
    }

    fn full(&self) -> bool {
        self.messages.len() >= MESSAGES_PER_BATCH || self.payloads.len() >= BYTES_PER_BATCH
    }

    fn clear(&mut self) {
        self.payloads.clear();
        self.messages.clear();
        self.bytes_read = 0;
        self.end = None;
    }
}

/// The extracting thread, and the batches it hands over.
pub(crate) struct Extraction {
    batches: Option<crossbeam_channel::Receiver<Extracted>>,
    spare: crossbeam_channel::Sender<Extracted>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Extraction {
    /// Starts reading `reader` through `extractor` on a thread of its own.
    pub fn start(reader: CaptureReader, extractor: DnsExtractor) -> std::io::Result<Extraction> {
        let (batch_tx, batches) = crossbeam_channel::bounded(BATCHES_IN_FLIGHT);
        let (spare, spare_rx) = crossbeam_channel::bounded(BATCHES_IN_FLIGHT + 2);
        let thread = std::thread::Builder::new()
            .name("hark-extract".into())
            .spawn(move || extract(reader, extractor, &batch_tx, &spare_rx))?;
        Ok(Extraction {
            batches: Some(batches),
            spare,
            thread: Some(thread),
        })
    }

    /// The next batch; `None` only if the extracting thread died (a bug).
    pub fn next(&self) -> Option<Extracted> {
        self.batches.as_ref()?.recv().ok()
    }

    /// Gives a batch back for reuse.
    pub fn recycle(&self, mut batch: Extracted) {
        batch.clear();
        let _ = self.spare.try_send(batch);
    }
}

impl Drop for Extraction {
    fn drop(&mut self) {
        // Closing the channel ends the thread at its next hand-over.
        drop(self.batches.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The skip-counter name of a capture error met part-way through a file.
fn capture_error_reason(err: &CaptureError) -> &'static str {
    match err {
        CaptureError::Truncated { .. } => "capture_cut_mid_record",
        CaptureError::GzipExpansion { .. } => "gzip_expansion_limit",
        _ => "capture_unreadable_after_start",
    }
}

/// The extracting thread: reads every packet, hands its messages over in batches, and ends
/// with a batch that says how the capture ended. A capture cut short ends without flushing
/// the reassembly buffers, so its messages are exactly the first ones of the complete file.
fn extract(
    mut reader: CaptureReader,
    mut extractor: DnsExtractor,
    batches: &crossbeam_channel::Sender<Extracted>,
    spare: &crossbeam_channel::Receiver<Extracted>,
) {
    let mut packets = 0u64;
    let mut skips = Skips::default();
    let mut stopped = None;
    loop {
        let mut batch = spare.try_recv().unwrap_or_default();
        let complete = loop {
            match reader.next_packet() {
                Ok(Some(packet)) => {
                    packets += 1;
                    extractor.push(&packet, &mut |m| batch.push(m));
                }
                Ok(None) => {
                    extractor.finish(&mut |m| batch.push(m));
                    break Some(true);
                }
                Err(err) => {
                    skips.add(capture_error_reason(&err));
                    tracing::warn!(error = %err, "capture ends early; keeping what was read, the file stays unfinished");
                    skips.add_n(
                        "reassembly_bytes_pending_at_cut",
                        extractor.buffered_bytes() as u64,
                    );
                    stopped = Some(err.to_string());
                    break Some(false);
                }
            }
            if batch.full() {
                break None;
            }
        };
        batch.bytes_read = reader.bytes_read();
        if let Some(complete) = complete {
            let stats = extractor.stats();
            let mut all_skips = stats.skips.clone();
            all_skips.merge(&skips);
            batch.end = Some(Ended {
                complete,
                report: SourceReport {
                    packets,
                    messages: stats.udp_messages + stats.tcp_messages,
                    queries: stats.queries,
                    skips: all_skips,
                    bytes: reader.bytes_read(),
                    stopped,
                },
            });
            let _ = batches.send(batch);
            return;
        }
        if batches.send(batch).is_err() {
            return; // the parsing side is gone
        }
    }
}
