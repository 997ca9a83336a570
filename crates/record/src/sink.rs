//! The one door into a store: [`Sink`], what every source pipeline writes through.
//!
//! A sink takes [`Batch`]es with their [`Checkpoint`]s and answers where a source stands. The
//! store's single writer implements it; tests implement it over a vector. Keeping the trait
//! here, beside the batch, lets sources and pipelines be written and tested without a store.

use crate::{Batch, Checkpoint, SourceId};

/// Why a sink refused or failed a call.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// What one commit did, as far as the store behind the sink can tell cheaply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Committed {
    /// RR rows written (new or merged into).
    pub rows: u64,
    /// Negative rows written.
    pub negatives: u64,
    /// Of `rows`, those that did not exist before, when the engine knows.
    pub new_rows: Option<u64>,
    /// Of `negatives`, those that did not exist before, when the engine knows.
    pub new_negatives: Option<u64>,
    /// Certificate-name rows written (new or merged into).
    pub certs: u64,
}

impl Committed {
    /// Adds another commit's figures (unknown stays unknown).
    pub fn add(&mut self, other: &Committed) {
        self.rows += other.rows;
        self.negatives += other.negatives;
        self.certs += other.certs;
        let sum = |a: Option<u64>, b: Option<u64>| Some(a? + b?);
        self.new_rows = sum(self.new_rows, other.new_rows);
        self.new_negatives = sum(self.new_negatives, other.new_negatives);
    }

    /// Nothing committed yet, with every figure known (zero).
    pub fn zero() -> Committed {
        Committed {
            new_rows: Some(0),
            new_negatives: Some(0),
            ..Committed::default()
        }
    }
}

/// Where batches go: atomically, with their checkpoints.
pub trait Sink: Send + Sync {
    /// Folds the batch in with the one merge rule and records its checkpoints, atomically and
    /// durably: once this returns, a crash loses neither, and before it returns a crash
    /// leaves neither.
    fn commit(&self, batch: Batch) -> Result<Committed, SinkError>;

    /// The recorded checkpoint of a source, if any.
    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, SinkError>;

    /// The checkpoints of sources not read to their end (files cut short), so a longer copy
    /// of such a file can resume where the short one stopped.
    fn unfinished(&self) -> Result<Vec<Checkpoint>, SinkError>;

    /// Whether a checkpoint here could be of a file of `bytes` bytes: one of that size (the
    /// same content has the same size), or an unfinished one of a shorter file (which the file
    /// may continue). When not, a file source can start reading before its content hash is
    /// known. `true` is always a safe answer, and the default.
    fn may_know_file_of(&self, bytes: u64) -> Result<bool, SinkError> {
        let _ = bytes;
        Ok(true)
    }
}

/// [`Sink::may_know_file_of`] over a list of checkpoints.
pub fn checkpoints_may_know_file_of(checkpoints: &[Checkpoint], bytes: u64) -> bool {
    checkpoints
        .iter()
        .any(|c| c.bytes == bytes || (!c.done && c.bytes < bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(bytes: u64, done: bool) -> Checkpoint {
        Checkpoint {
            source: SourceId(b"file:x".to_vec()),
            position: 1,
            done,
            options: 0,
            bytes,
            note: String::new(),
        }
    }

    /// A file may be known by a checkpoint of its size, or continue an unfinished shorter
    /// one; a finished shorter file or any longer one says nothing about it.
    #[test]
    fn which_checkpoints_may_know_a_file() {
        assert!(!checkpoints_may_know_file_of(&[], 100));
        assert!(checkpoints_may_know_file_of(&[checkpoint(100, true)], 100));
        assert!(checkpoints_may_know_file_of(&[checkpoint(100, false)], 100));
        assert!(checkpoints_may_know_file_of(&[checkpoint(60, false)], 100));
        assert!(!checkpoints_may_know_file_of(&[checkpoint(60, true)], 100));
        assert!(!checkpoints_may_know_file_of(
            &[checkpoint(160, false), checkpoint(160, true)],
            100
        ));
    }
}
