//! Streaming a blocking store scan into an HTTP body, in bounded memory.
//!
//! The scan runs on tokio's blocking pool and writes whole lines into a [`LineSink`], which
//! hands them over in chunks of about [`CHUNK_BYTES`] through a channel of [`CHANNEL_CHUNKS`]
//! slots: whatever the result size, at most a few hundred KiB are in flight per request. When
//! the client goes away the body (and the channel's receiver) is dropped, the next send
//! fails, and the sink tells the visitor to stop the scan at once.
//!
//! Each query has a deadline. The scan side checks it at every row; the body side checks it
//! while waiting for the next chunk, so a scan that finds nothing for a long time still ends
//! on time. Either way the body ends with the face's timeout line (SAF `failed` for DNSDB).

use axum::body::Body;
use bytes::Bytes;
use std::ops::ControlFlow;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Bytes gathered before a chunk is handed to the body.
pub const CHUNK_BYTES: usize = 32 * 1024;
/// Chunks the channel holds before the scan waits for the client to read.
pub const CHANNEL_CHUNKS: usize = 8;
/// How long past the query's deadline a scan waits for a client that stopped reading.
pub const SEND_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Where a scan writes its lines: a channel to the body, or (gathering) one buffer.
pub struct LineSink {
    tx: Option<(mpsc::Sender<Chunk>, tokio::runtime::Handle)>,
    buf: Vec<u8>,
    deadline: Instant,
    closed: bool,
    /// Gathering only: the most bytes to hold before giving up.
    budget: usize,
    overflowed: bool,
}

/// Most bytes a gathered (inline) answer may hold before it is handed to a streamed one.
pub const GATHER_BYTES: usize = CHUNK_BYTES;

impl LineSink {
    /// A sink that gathers the whole answer in memory, up to [`GATHER_BYTES`]: for small,
    /// bounded lookups answered on the request's own thread, where a hand-off to the
    /// blocking pool would cost more than the lookup. Past the budget it stops the scan and
    /// reports [`LineSink::overflowed`]; the caller then streams the answer instead.
    pub fn gather(deadline: Instant) -> LineSink {
        LineSink {
            tx: None,
            buf: Vec::with_capacity(4096),
            deadline,
            closed: false,
            budget: GATHER_BYTES,
            overflowed: false,
        }
    }

    /// True when a gathering sink outgrew its budget.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// What a gathering sink holds.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// The buffer to append whole lines to; call [`LineSink::flush_if_full`] after.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Appends one line (which must end in `\n`) and sends a chunk when enough is gathered.
    pub fn line(&mut self, line: &[u8]) -> ControlFlow<()> {
        self.buf.extend_from_slice(line);
        self.flush_if_full()
    }

    /// Appends the last line (a terminator); it goes out with the final chunk, after the
    /// producer returns, so the body never sees a terminator and then a time-out line.
    pub fn end(&mut self, line: &[u8]) {
        self.buf.extend_from_slice(line);
    }

    /// Sends the buffer if it holds a chunk's worth; `Break` when the client is gone (or a
    /// gathering sink is over its budget).
    pub fn flush_if_full(&mut self) -> ControlFlow<()> {
        let Some((tx, _)) = &self.tx else {
            if self.buf.len() > self.budget {
                self.overflowed = true;
                self.closed = true;
                return ControlFlow::Break(());
            }
            return ControlFlow::Continue(());
        };
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()
        } else if tx.is_closed() {
            self.closed = true;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Sends what is buffered; `Break` when the client is gone.
    pub fn flush(&mut self) -> ControlFlow<()> {
        self.send(false)
    }

    /// Sends the buffer, marked as the last chunk or not.
    fn send(&mut self, last: bool) -> ControlFlow<()> {
        if self.closed {
            return ControlFlow::Break(());
        }
        let Some((tx, runtime)) = &self.tx else {
            return ControlFlow::Continue(());
        };
        if self.buf.is_empty() && !last {
            return ControlFlow::Continue(());
        }
        let bytes = Bytes::from(std::mem::take(&mut self.buf));
        // A client that stops reading leaves the channel full: give up at the deadline (plus
        // a grace for the last chunk) instead of holding the query slot forever.
        let give_up = self.deadline + SEND_GRACE;
        let sent = runtime.block_on(tokio::time::timeout_at(
            give_up,
            tx.send(Chunk { bytes, last }),
        ));
        if !matches!(sent, Ok(Ok(()))) {
            self.closed = true;
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    }

    /// The query's deadline.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the query's deadline has passed.
    pub fn timed_out(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// True once the client has gone.
    pub fn is_closed(&self) -> bool {
        self.closed || self.tx.as_ref().is_some_and(|(tx, _)| tx.is_closed())
    }
}

/// Lines on their way to the body; `last` marks the end of the answer.
#[derive(Debug)]
struct Chunk {
    bytes: Bytes,
    last: bool,
}

/// Runs `produce` on the blocking pool and streams what it writes as the response body.
///
/// The body starts with `head` (the SAF `begin` line), sent at once whatever the scan does.
/// `produce` must write whole lines and end with its terminator through [`LineSink::end`];
/// what it buffered is sent as the last chunk after it returns. If the deadline passes while the body waits for a chunk, the body ends with
/// `timeout_line` (when given) and the scan is told to stop.
pub fn spawn_lines<F>(
    deadline: Instant,
    head: Option<Bytes>,
    timeout_line: Option<Bytes>,
    produce: F,
) -> Body
where
    F: FnOnce(&mut LineSink) + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<Chunk>(CHANNEL_CHUNKS);
    let runtime = tokio::runtime::Handle::current();
    let task = tokio::task::spawn_blocking(move || {
        let mut sink = LineSink {
            tx: Some((tx, runtime)),
            buf: Vec::with_capacity(CHUNK_BYTES + 1024),
            deadline,
            closed: false,
            budget: usize::MAX,
            overflowed: false,
        };
        produce(&mut sink);
        let _ = sink.send(true);
    });
    drop(task);
    let state = BodyState {
        head,
        rx: Some(rx),
        deadline,
        timeout_line,
    };
    let stream = futures_util::stream::unfold(state, |mut state| async move {
        if let Some(head) = state.head.take() {
            return Some((Ok(head), state));
        }
        let rx = state.rx.as_mut()?;
        match tokio::time::timeout_at(state.deadline, rx.recv()).await {
            Ok(Some(chunk)) => {
                if chunk.last {
                    state.rx = None;
                }
                Some((Ok::<Bytes, std::convert::Infallible>(chunk.bytes), state))
            }
            Ok(None) => None,
            Err(_elapsed) => {
                state.rx = None;
                let line = state.timeout_line.take()?;
                Some((Ok(line), state))
            }
        }
    });
    Body::from_stream(stream)
}

/// What the body side keeps between chunks.
struct BodyState {
    head: Option<Bytes>,
    rx: Option<mpsc::Receiver<Chunk>>,
    deadline: Instant,
    timeout_line: Option<Bytes>,
}

/// Rows a scan reads between two looks at the clock.
pub const ROWS_PER_CLOCK_CHECK: u32 = 1024;

/// For scans that filter rows themselves: true once `deadline` has passed, looking at the
/// clock every [`ROWS_PER_CLOCK_CHECK`] rows (`rows` counts them).
pub fn past(deadline: Instant, rows: &mut u32) -> bool {
    *rows = rows.wrapping_add(1);
    rows.is_multiple_of(ROWS_PER_CLOCK_CHECK) && Instant::now() >= deadline
}

/// Runs `collect` on the blocking pool with a deadline, for answers built whole (one page).
pub async fn run_blocking<T, F>(deadline: Instant, collect: F) -> Result<T, crate::ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, crate::ApiError> + Send + 'static,
{
    let task = tokio::task::spawn_blocking(collect);
    match tokio::time::timeout_at(deadline, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(crate::ApiError::Internal(format!("query task: {join}"))),
        Err(_elapsed) => Err(crate::ApiError::TimedOut),
    }
}
