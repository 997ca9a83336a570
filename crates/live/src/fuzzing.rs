//! The narrowest door the fuzz targets (`fuzz/`) need into a connection: one session served
//! over an in-memory stream. Not an API; hidden from the docs.

use crate::queue::{frame_queue, QueueLimits};
use crate::session::{run, SessionContext};
use crate::stats::ListenerStats;
use bytes::Bytes;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What one session made of its input.
#[derive(Debug, Default)]
pub struct SessionOutcome {
    /// The data frames queued, in order.
    pub frames: Vec<Bytes>,
    /// The bytes hark wrote back (ACCEPT, FINISH).
    pub written: Vec<u8>,
    /// How the session ended, as a reason (`stopped`, `closed`, or the counted reason).
    pub ended: String,
    /// Connection-level events counted, by reason.
    pub events: Vec<(&'static str, u64)>,
}

/// Serves one connection whose peer sends `chunks` (one read each) and then closes, with
/// frames limited to `max_frame` bytes.
pub fn serve_chunks(chunks: &[&[u8]], max_frame: u32) -> SessionOutcome {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    else {
        return SessionOutcome::default();
    };
    let (sender, receiver) = frame_queue(QueueLimits {
        bytes: 1 << 30,
        wait: Duration::ZERO,
    });
    let context = SessionContext {
        sender,
        stats: Arc::new(ListenerStats::default()),
        max_frame,
        handshake_timeout: Duration::from_secs(3600),
    };
    let (_keep, mut shutdown) = tokio::sync::watch::channel(false);
    let mut stream = Chunks {
        chunks: chunks
            .iter()
            .filter(|c| !c.is_empty())
            .map(|c| c.to_vec())
            .collect(),
        next: 0,
        written: Vec::new(),
    };
    let ended = runtime.block_on(run(&mut stream, &context, &mut shutdown));
    let mut outcome = SessionOutcome {
        written: stream.written,
        ended: format!("{ended:?}"),
        events: context.stats.events().iter().collect(),
        ..SessionOutcome::default()
    };
    drop(context);
    while let Some(batch) = receiver.try_recv() {
        outcome.frames.extend(batch.frames);
    }
    outcome
}

/// A peer that sends its chunks one read at a time, then closes; writes are kept.
struct Chunks {
    chunks: Vec<Vec<u8>>,
    next: usize,
    written: Vec<u8>,
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if let Some(chunk) = this.chunks.get_mut(this.next) {
            let n = chunk.len().min(buf.remaining());
            buf.put_slice(chunk.get(..n).unwrap_or_default());
            chunk.drain(..n);
            if chunk.is_empty() {
                this.next += 1;
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Chunks {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
