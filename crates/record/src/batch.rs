//! The unit of work between the aggregation cache and a store: merged rows ready to fold in.

use crate::{NegativeKey, RrKey, Tally};

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
    /// Input files completed by this batch: (content hash, note). A store records them in the
    /// same atomic write as the rows, so a file is never marked ingested without its rows.
    pub files: Vec<(Vec<u8>, String)>,
}

impl Batch {
    /// True when the batch holds nothing.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty() && self.negatives.is_empty() && self.files.is_empty()
    }

    /// How many rows (RR and negative) the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len() + self.negatives.len()
    }
}
