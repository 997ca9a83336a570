//! Sorted bulk writes: many keys in one buffer, sorted once, written as one table.

use crate::engine;
use fjall::Keyspace;
use hark_store::StoreError;

/// Many byte strings in one buffer: one allocation instead of one per key.
pub(crate) struct KeyArena {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl KeyArena {
    pub(crate) fn with_capacity(keys: usize) -> KeyArena {
        KeyArena {
            bytes: Vec::with_capacity(keys * 48),
            ends: Vec::with_capacity(keys),
        }
    }

    /// Appends one key written by `write`.
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// Key number `i`.
    pub(crate) fn get(&self, i: usize) -> &[u8] {
        let start = i
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// Key numbers in ascending key order.
    pub(crate) fn sorted_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.ends.len()).collect();
        order.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        order
    }
}

/// Writes strictly ascending, distinct (key, value) pairs into `keyspace` as one new table.
pub(crate) fn ingest_sorted<'a>(
    keyspace: &Keyspace,
    entries: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<(), StoreError> {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        return Ok(());
    }
    let mut ingestion = keyspace.start_ingestion().map_err(engine)?;
    let mut previous: Option<&[u8]> = None;
    for (key, value) in entries {
        // fjall panics on unsorted input; the callers sort and de-duplicate, and this check
        // turns a broken invariant into an error instead of a panic.
        if previous.is_some_and(|p| p >= key) {
            return Err(StoreError::Engine("bulk load keys out of order".into()));
        }
        previous = Some(key);
        ingestion.write(key, value).map_err(engine)?;
    }
    ingestion.finish().map_err(engine)
}
