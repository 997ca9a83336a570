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
}
