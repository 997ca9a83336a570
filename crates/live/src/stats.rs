//! What a listener counts while it runs, read by `/metrics` and `hark status` as it changes.

use hark_ingest::source::SourceReport;
use hark_ingest::stats::Skips;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The counters of one listener: its connections and frames (kept by the connection tasks)
/// and what decoding them gave (a snapshot the source refreshes as it decodes).
#[derive(Debug, Default)]
pub struct ListenerStats {
    /// Connections accepted since start.
    pub connections: AtomicU64,
    /// Connections open now.
    pub open: AtomicU64,
    /// Data frames received.
    pub frames: AtomicU64,
    /// Bytes received.
    pub bytes: AtomicU64,
    /// Data frames dropped because the queue stayed full (the store could not keep up).
    pub dropped: AtomicU64,
    /// Connection-level events by reason: closed for bad input, handshakes that failed,
    /// frames skipped for their size, control frames ignored.
    events: Mutex<Skips>,
    /// The decoder's report as of its last chunk.
    decoded: Mutex<SourceReport>,
}

impl ListenerStats {
    /// Counts one connection-level event.
    pub fn event(&self, reason: &'static str) {
        lock(&self.events).add(reason);
    }

    /// Connection-level events so far, by reason.
    pub fn events(&self) -> Skips {
        lock(&self.events).clone()
    }

    /// Replaces the decoder's report.
    pub fn set_decoded(&self, report: SourceReport) {
        *lock(&self.decoded) = report;
    }

    /// The decoder's report as of its last chunk: messages, queries, and skips by reason.
    pub fn decoded(&self) -> SourceReport {
        lock(&self.decoded).clone()
    }

    /// Adds `n` to `counter`.
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Reads `counter`.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
