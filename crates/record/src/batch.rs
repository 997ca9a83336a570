//! The unit of work between the aggregation cache and a store: merged rows ready to fold in.

use crate::{CertKey, Checkpoint, NegativeKey, RrKey, Tally};

/// Rows (and negative rows) whose tallies are to be merged into a store.
///
/// Within one batch every key appears at most once; a store merges each tally into what it
/// already holds with [`Tally::merge`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Batch {
    /// RR rows.
    pub rows: Vec<(RrKey, Tally)>,
    /// NXDOMAIN and NODATA rows.
    pub negatives: Vec<(NegativeKey, Tally)>,
    /// Certificate-name rows (Certificate Transparency imports).
    pub certs: Vec<(CertKey, Tally)>,
    /// Where each source whose observations the batch holds stands once the batch is in. A
    /// store records them in the same atomic write as the rows: after a crash a source
    /// resumes exactly where its last stored batch ended, so nothing is counted twice.
    pub checkpoints: Vec<Checkpoint>,
}

impl Batch {
    /// True when the batch holds nothing.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.negatives.is_empty()
            && self.certs.is_empty()
            && self.checkpoints.is_empty()
    }

    /// How many rows (RR, negative and certificate-name) the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len() + self.negatives.len() + self.certs.len()
    }
}
