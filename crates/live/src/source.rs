//! A listener's frames as a [`Source`]: what the pipeline reads, decodes and aggregates.

use crate::queue::{FrameReceiver, Received};
use crate::stats::ListenerStats;
use hark_ingest::aggregate::Observations;
use hark_ingest::dnstap::{DnstapDecoder, DnstapOptions, QueryTap};
use hark_ingest::source::{ChunkLimits, Fill, Source, SourceReport};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long [`Source::fill`] waits for frames before it says the stream is idle, so the
/// pipeline can flush what waits and notice a stop.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// How often the decoder's counters are copied to the listener's stats for `/metrics`.
const PUBLISH_EVERY: Duration = Duration::from_millis(250);

/// Every frame of every connection of one listener, in arrival order, decoded into rows.
///
/// It has no identity: a live stream cannot be read again, so it takes no checkpoints (a
/// crash loses what was not yet committed, and never counts anything twice). It ends when
/// the listener has stopped and every frame queued has been decoded.
pub struct DnstapStream {
    label: String,
    receiver: FrameReceiver,
    decoder: DnstapDecoder,
    stats: Arc<ListenerStats>,
    ended: bool,
    published: Option<Instant>,
}

impl DnstapStream {
    pub(crate) fn new(
        label: String,
        receiver: FrameReceiver,
        options: DnstapOptions,
        stats: Arc<ListenerStats>,
    ) -> DnstapStream {
        DnstapStream {
            label,
            receiver,
            decoder: DnstapDecoder::new(options),
            stats,
            ended: false,
            published: None,
        }
    }

    /// Hands the queries emitters log to `tap` (watch rules).
    pub fn set_query_tap(&mut self, tap: Option<QueryTap>) {
        self.decoder.set_query_tap(tap);
    }

    /// The listener's counters, shared with its connections.
    pub fn stats(&self) -> &Arc<ListenerStats> {
        &self.stats
    }
}

impl Source for DnstapStream {
    fn label(&self) -> &str {
        &self.label
    }

    fn options(&self) -> u64 {
        self.decoder.options().fingerprint()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if self.ended {
            return Fill::End { complete: true };
        }
        let fill = match self.receiver.recv_timeout(IDLE_WAIT) {
            Received::Timeout => Fill::Idle,
            Received::Closed => {
                self.ended = true;
                Fill::End { complete: true }
            }
            Received::Batch(first) => {
                let mut next = Some(first);
                while let Some(batch) = next.take() {
                    for frame in batch.frames {
                        self.decoder.take_frame(frame, chunk);
                    }
                    if limits.reached(chunk) {
                        break;
                    }
                    next = self.receiver.try_recv();
                }
                Fill::More
            }
        };
        chunk.bytes_read = ListenerStats::get(&self.stats.bytes);
        if self.ended
            || self
                .published
                .is_none_or(|at| at.elapsed() >= PUBLISH_EVERY)
        {
            self.published = Some(Instant::now());
            self.stats.set_decoded(self.report());
        }
        fill
    }

    fn report(&self) -> SourceReport {
        let mut skips = self.decoder.skips().clone();
        skips.merge(&self.stats.events());
        skips.add_n("dnstap_queue_full", ListenerStats::get(&self.stats.dropped));
        SourceReport {
            packets: self.decoder.frames(),
            messages: self.decoder.messages(),
            queries: self.decoder.queries(),
            skips,
            bytes: ListenerStats::get(&self.stats.bytes),
            stopped: None,
        }
    }
}
