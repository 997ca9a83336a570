//! One emitter's connection: the Frame Streams handshake, then data frames into the queue.
//!
//! ```text
//! emitter                      hark
//! READY [content types]  ──▶
//!                        ◀──  ACCEPT [protobuf:dnstap.Dnstap]
//! START [content type]   ──▶
//! data frames ...        ──▶  batches into the queue
//! STOP                   ──▶
//!                        ◀──  FINISH   (at once: a restarting resolver never waits)
//! ```
//!
//! An emitter configured for unidirectional output (Unbound's `dnstap-bidirectional: no`)
//! starts with START: that is accepted too, and gets no FINISH. Control frames of unknown
//! types are ignored, as the spec says. What closes a connection (counted as an event):
//! bytes that are not Frame Streams, a control frame out of order (data before START, a
//! second READY), a content type other than dnstap, a handshake not done within the
//! handshake timeout, and a data frame claiming more than [`ABSURD_FRAME`] bytes (no dnstap
//! message comes near it: the peer is not speaking Frame Streams). A frame over the frame
//! limit but under that is skipped by its length and counted, and the stream goes on. A
//! peer that leaves mid-frame loses that frame only. When the service stops, a streaming
//! connection is first read until its emitter pauses ([`DRAIN_PAUSE`], at most
//! [`DRAIN_LIMIT`]): frames already sent and waiting in the socket are kept, not discarded.

use crate::queue::{FrameSender, Refused};
use crate::stats::ListenerStats;
use bytes::{Buf, Bytes, BytesMut};
use hark_ingest::fstrm::{self, Control, ControlType, Decoded};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A data frame claiming more than this closes the connection.
pub const ABSURD_FRAME: u32 = 256 * 1024 * 1024;

/// Bytes read from a socket at a time.
const READ_CHUNK: usize = 256 * 1024;

/// When the service stops, a streaming connection is read on until its emitter pauses this
/// long (what it had sent is in the socket already, so reading it takes microseconds)...
const DRAIN_PAUSE: Duration = Duration::from_millis(50);

/// ... or for this long at most, against an emitter that never pauses.
const DRAIN_LIMIT: Duration = Duration::from_secs(1);

/// What every connection of a listener shares.
pub(crate) struct SessionContext {
    pub sender: FrameSender,
    pub stats: Arc<ListenerStats>,
    pub max_frame: u32,
    pub handshake_timeout: Duration,
}

/// Where a connection's protocol stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for READY (bidirectional) or START (unidirectional).
    Opening,
    /// ACCEPT sent, waiting for START.
    Accepted,
    /// After START: data frames. `bidirectional`: a FINISH answers STOP.
    Streaming { bidirectional: bool },
}

/// Why a connection ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// STOP received (and FINISH sent when bidirectional).
    Stopped,
    /// The peer closed; `reason` when it did so uncleanly.
    Closed(Option<&'static str>),
    /// Closed by hark for bad input or a timeout; the reason is counted.
    Refused(&'static str),
    /// The service is stopping.
    Shutdown,
}

/// Serves one connection until it stops, fails or the service stops (`shutdown` resolves).
pub(crate) async fn serve<S>(
    mut stream: S,
    peer: String,
    context: Arc<SessionContext>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let stats = &context.stats;
    ListenerStats::add(&stats.connections, 1);
    ListenerStats::add(&stats.open, 1);
    let ended = run(&mut stream, &context, &mut shutdown).await;
    stats
        .open
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    match ended {
        Ended::Stopped => tracing::debug!(%peer, "dnstap emitter stopped"),
        Ended::Closed(None) => tracing::debug!(%peer, "dnstap emitter closed its connection"),
        Ended::Closed(Some(reason)) => {
            stats.event(reason);
            tracing::info!(%peer, reason, "dnstap emitter left without STOP");
        }
        Ended::Refused(reason) => {
            stats.event(reason);
            tracing::warn!(%peer, reason, "closed a dnstap connection");
        }
        Ended::Shutdown => {}
    }
    let _ = stream.shutdown().await;
}

pub(crate) async fn run<S>(
    stream: &mut S,
    context: &SessionContext,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Ended
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut decoder = fstrm::Decoder::new(context.max_frame);
    let mut buffer = BytesMut::with_capacity(READ_CHUNK);
    let mut phase = Phase::Opening;
    let handshake_deadline = tokio::time::Instant::now() + context.handshake_timeout;
    // Set once the service stops: the end of the drain.
    let mut draining: Option<tokio::time::Instant> = None;
    loop {
        let mut frames = Vec::new();
        let mut bytes = 0;
        let step = decode_all(
            &mut decoder,
            &mut buffer,
            &mut phase,
            &mut frames,
            &mut bytes,
            context,
        );
        if !frames.is_empty() {
            let count = frames.len() as u64;
            ListenerStats::add(&context.stats.frames, count);
            match context.sender.send(frames, bytes).await {
                Ok(()) => {}
                Err(Refused::Full) => ListenerStats::add(&context.stats.dropped, count),
                Err(Refused::Closed) => return Ended::Shutdown,
            }
        }
        match step {
            Step::NeedMore(needed) => {
                let spare = buffer.capacity() - buffer.len();
                if spare < READ_CHUNK / 64 || buffer.capacity() < needed {
                    buffer.reserve(needed.saturating_sub(buffer.len()).max(READ_CHUNK));
                }
            }
            Step::Answer(control) => {
                let mut out = Vec::new();
                control.encode(&mut out);
                if stream.write_all(&out).await.is_err() || stream.flush().await.is_err() {
                    return Ended::Closed(Some("dnstap_peer_gone_during_handshake"));
                }
                if control.kind == ControlType::FINISH {
                    return Ended::Stopped;
                }
                continue;
            }
            Step::Stop => return Ended::Stopped,
            Step::Refuse(reason) => return Ended::Refused(reason),
        }
        let streaming = matches!(phase, Phase::Streaming { .. });
        // A connection served after the stop (accepted from the backlog) sees it here.
        if draining.is_none() && *shutdown.borrow() {
            draining = Some(tokio::time::Instant::now() + DRAIN_LIMIT);
        }
        let read = stream.read_buf(&mut buffer);
        let outcome = match (draining, streaming) {
            (Some(limit), _) => {
                // Stopping: what the emitter already sent is read, until it pauses (or, in a
                // handshake, until its deadline), within the limit.
                let until = if streaming {
                    tokio::time::Instant::now() + DRAIN_PAUSE
                } else {
                    handshake_deadline
                };
                tokio::time::timeout_at(until.min(limit), read).await.ok()
            }
            (None, true) => tokio::select! {
                read = read => Some(read),
                _ = shutdown.changed() => {
                    draining = Some(tokio::time::Instant::now() + DRAIN_LIMIT);
                    continue;
                }
            },
            (None, false) => tokio::select! {
                read = tokio::time::timeout_at(handshake_deadline, read) => match read {
                    Ok(read) => Some(read),
                    Err(_) => return Ended::Refused("dnstap_handshake_timeout"),
                },
                _ = shutdown.changed() => {
                    draining = Some(tokio::time::Instant::now() + DRAIN_LIMIT);
                    continue;
                }
            },
        };
        match outcome {
            None => return Ended::Shutdown,
            Some(Ok(0)) => {
                return Ended::Closed(if !buffer.is_empty() || decoder.skipping() > 0 {
                    Some("fstrm_cut_mid_frame")
                } else if matches!(phase, Phase::Streaming { .. }) {
                    Some("fstrm_no_stop_frame")
                } else {
                    Some("dnstap_handshake_incomplete")
                })
            }
            Some(Ok(n)) => ListenerStats::add(&context.stats.bytes, n as u64),
            Some(Err(_)) => return Ended::Closed(Some("read_error")),
        }
    }
}

/// What decoding the buffered bytes ended with.
enum Step {
    /// More bytes are needed (at least this many in the buffer).
    NeedMore(usize),
    /// A control frame to send back (ACCEPT, or FINISH, which ends the connection).
    Answer(Control),
    /// STOP on a unidirectional stream: done.
    Stop,
    /// Close the connection, counting this reason.
    Refuse(&'static str),
}

/// Decodes every complete frame in `buffer`: data frames go to `frames`, control frames move
/// the phase on.
fn decode_all(
    decoder: &mut fstrm::Decoder,
    buffer: &mut BytesMut,
    phase: &mut Phase,
    frames: &mut Vec<Bytes>,
    bytes: &mut usize,
    context: &SessionContext,
) -> Step {
    loop {
        let decoded = match decoder.decode(buffer) {
            Ok(decoded) => decoded,
            Err(err) => return Step::Refuse(err.reason()),
        };
        match decoded {
            Decoded::NeedMore { needed } => return Step::NeedMore(needed),
            Decoded::Data { payload } => {
                if !matches!(phase, Phase::Streaming { .. }) {
                    return Step::Refuse("fstrm_frame_out_of_order");
                }
                let mut frame = buffer.split_to(payload.end).freeze();
                frame.advance(payload.start);
                *bytes += frame.len();
                frames.push(frame);
            }
            Decoded::TooLarge { len } => {
                if len > ABSURD_FRAME || !matches!(phase, Phase::Streaming { .. }) {
                    return Step::Refuse("fstrm_absurd_frame_length");
                }
                buffer.advance(decoded.consumed());
                context.stats.event("dnstap_frame_too_large");
            }
            Decoded::Skipped { consumed } => buffer.advance(consumed),
            Decoded::Control { control, consumed } => {
                buffer.advance(consumed);
                match (control.kind, *phase) {
                    (ControlType::READY, Phase::Opening) => {
                        if !control.offers(fstrm::CONTENT_TYPE_DNSTAP) {
                            return Step::Refuse("fstrm_wrong_content_type");
                        }
                        *phase = Phase::Accepted;
                        return Step::Answer(Control::new(
                            ControlType::ACCEPT,
                            &[fstrm::CONTENT_TYPE_DNSTAP],
                        ));
                    }
                    (ControlType::START, Phase::Opening | Phase::Accepted) => {
                        let fits = control.content_types.is_empty()
                            || control.offers(fstrm::CONTENT_TYPE_DNSTAP);
                        if !fits {
                            return Step::Refuse("fstrm_wrong_content_type");
                        }
                        *phase = Phase::Streaming {
                            bidirectional: *phase == Phase::Accepted,
                        };
                    }
                    (ControlType::STOP, Phase::Streaming { bidirectional }) => {
                        return if bidirectional {
                            Step::Answer(Control::new(ControlType::FINISH, &[]))
                        } else {
                            Step::Stop
                        };
                    }
                    (
                        ControlType::READY
                        | ControlType::ACCEPT
                        | ControlType::START
                        | ControlType::STOP
                        | ControlType::FINISH,
                        _,
                    ) => return Step::Refuse("fstrm_frame_out_of_order"),
                    _ => context.stats.event("fstrm_control_ignored"),
                }
            }
        }
    }
}
