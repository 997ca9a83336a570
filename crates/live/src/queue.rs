//! The fan-in between connections and the source: batches of frames, bounded by bytes.
//!
//! Every connection of a listener sends the frames of each read as one [`FrameBatch`]; the
//! source ([`crate::DnstapStream`]) receives them in arrival order on the pipeline's reading
//! thread. Room is counted in bytes with a semaphore: a batch holds its bytes' permits until
//! the source has decoded it, so the frames queued never exceed [`QueueLimits::bytes`],
//! however many connections send. A connection that finds no room waits up to
//! [`QueueLimits::wait`] — a burst is absorbed, and a replay tool sending as fast as it can is
//! slowed to the source's pace instead of losing frames — and past that drops the batch and
//! counts it: a writer that stopped never makes memory grow, and the loss is visible.

use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How much may wait between the connections and the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueLimits {
    /// Bytes of frames queued at most.
    pub bytes: usize,
    /// How long a connection waits for room before it drops a batch.
    pub wait: Duration,
}

impl Default for QueueLimits {
    fn default() -> Self {
        QueueLimits {
            bytes: 64 * 1024 * 1024,
            wait: Duration::from_secs(1),
        }
    }
}

/// Units of the byte semaphore: permits are counted in KiB so that a 4 GiB queue fits in
/// the semaphore's `u32` acquisitions.
const PERMIT_BYTES: usize = 1024;

/// The frames of one read of one connection, with the room they hold in the queue.
pub struct FrameBatch {
    /// Data frames' payloads (dnstap protobuf messages), in the order received.
    pub frames: Vec<Bytes>,
    _room: OwnedSemaphorePermit,
}

/// Why a batch was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// No room came within the wait: the batch is dropped.
    Full,
    /// The source is gone (the service is stopping).
    Closed,
}

/// The sending side, cloned into every connection.
#[derive(Clone)]
pub struct FrameSender {
    room: Arc<Semaphore>,
    capacity: u32,
    wait: Duration,
    batches: crossbeam_channel::Sender<FrameBatch>,
}

/// The receiving side, owned by the source.
pub struct FrameReceiver {
    batches: crossbeam_channel::Receiver<FrameBatch>,
}

/// What [`FrameReceiver::recv_timeout`] got.
pub enum Received {
    /// A batch.
    Batch(FrameBatch),
    /// Nothing within the time.
    Timeout,
    /// Every sender is gone and the queue is empty: the stream has ended.
    Closed,
}

/// A queue with `limits`.
pub fn frame_queue(limits: QueueLimits) -> (FrameSender, FrameReceiver) {
    let capacity = u32::try_from(limits.bytes.div_ceil(PERMIT_BYTES).max(1)).unwrap_or(u32::MAX);
    // Unbounded as a channel, bounded by the bytes its batches hold (the semaphore).
    let (batches, receiver) = crossbeam_channel::unbounded();
    (
        FrameSender {
            room: Arc::new(Semaphore::new(capacity as usize)),
            capacity,
            wait: limits.wait,
            batches,
        },
        FrameReceiver { batches: receiver },
    )
}

impl FrameSender {
    /// Queues `frames` (`bytes` long in all), waiting for room up to the limit's wait.
    pub async fn send(&self, frames: Vec<Bytes>, bytes: usize) -> Result<(), Refused> {
        let permits = u32::try_from(bytes.div_ceil(PERMIT_BYTES).max(1))
            .unwrap_or(u32::MAX)
            .min(self.capacity);
        let room = match self.room.clone().try_acquire_many_owned(permits) {
            Ok(room) => room,
            Err(tokio::sync::TryAcquireError::Closed) => return Err(Refused::Closed),
            Err(tokio::sync::TryAcquireError::NoPermits) => {
                match tokio::time::timeout(self.wait, self.room.clone().acquire_many_owned(permits))
                    .await
                {
                    Ok(Ok(room)) => room,
                    Ok(Err(_)) => return Err(Refused::Closed),
                    Err(_) => return Err(Refused::Full),
                }
            }
        };
        self.batches
            .send(FrameBatch {
                frames,
                _room: room,
            })
            .map_err(|_| Refused::Closed)
    }
}

impl FrameReceiver {
    /// The next batch, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Received {
        match self.batches.recv_timeout(timeout) {
            Ok(batch) => Received::Batch(batch),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => Received::Timeout,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => Received::Closed,
        }
    }

    /// The next batch if one is queued now.
    pub fn try_recv(&self) -> Option<FrameBatch> {
        self.batches.try_recv().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: usize, size: usize) -> Vec<Bytes> {
        (0..n).map(|_| Bytes::from(vec![7u8; size])).collect()
    }

    /// Room is held until the receiver drops the batch; a sender past the bound waits, then
    /// is refused, and succeeds once the batch is gone.
    #[tokio::test(flavor = "current_thread")]
    async fn room_is_bounded_by_bytes_until_batches_are_decoded() {
        let (sender, receiver) = frame_queue(QueueLimits {
            bytes: 8 * 1024,
            wait: Duration::from_millis(50),
        });
        sender.send(frames(4, 1024), 4096).await.unwrap();
        sender.send(frames(4, 1024), 4096).await.unwrap();
        assert_eq!(
            sender.send(frames(1, 100), 100).await,
            Err(Refused::Full),
            "the queue holds 8 KiB already"
        );
        let Received::Batch(first) = receiver.recv_timeout(Duration::ZERO) else {
            panic!("a batch was queued");
        };
        assert_eq!(first.frames.len(), 4);
        drop(first);
        sender.send(frames(1, 100), 100).await.unwrap();
        drop(sender);
        let mut left = 0;
        while let Received::Batch(batch) = receiver.recv_timeout(Duration::ZERO) {
            left += batch.frames.len();
        }
        assert_eq!(left, 5);
        assert!(matches!(
            receiver.recv_timeout(Duration::ZERO),
            Received::Closed
        ));
    }

    /// A batch larger than the whole queue still goes through (it takes all the room).
    #[tokio::test(flavor = "current_thread")]
    async fn a_batch_larger_than_the_queue_takes_all_of_it() {
        let (sender, receiver) = frame_queue(QueueLimits {
            bytes: 2048,
            wait: Duration::from_millis(10),
        });
        sender.send(frames(1, 10_000), 10_000).await.unwrap();
        assert!(matches!(
            receiver.recv_timeout(Duration::ZERO),
            Received::Batch(_)
        ));
    }
}
