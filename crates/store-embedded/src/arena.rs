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
    ///
    /// Sorted on each key's first 16 bytes as one integer, falling back to the whole keys only
    /// on a tie: keys here share long prefixes (reversed names start with their TLD), and a
    /// million `memcmp` calls per level of the sort were most of a large commit's time.
    pub(crate) fn sorted_order(&self) -> Vec<usize> {
        let mut keyed: Vec<(u128, usize)> = (0..self.ends.len())
            .map(|i| {
                let key = self.get(i);
                let mut head = [0u8; 16];
                let n = key.len().min(16);
                head[..n].copy_from_slice(&key[..n]);
                (u128::from_be_bytes(head), i)
            })
            .collect();
        keyed.sort_unstable_by(|(head_a, a), (head_b, b)| {
            head_a
                .cmp(head_b)
                .then_with(|| self.get(*a).cmp(self.get(*b)))
        });
        keyed.into_iter().map(|(_, i)| i).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sort_as_bytes_whatever_their_length() {
        let keys: [&[u8]; 8] = [
            b"com\0example\0www\0\0",
            b"com\0example\0\0",
            b"com\0example\0ww\0\0",
            b"",
            b"com\0exampl",
            b"com\0example\0www\0a\0",
            b"\xff",
            b"com\0example\0www\0\0\x01",
        ];
        let mut arena = KeyArena::with_capacity(keys.len());
        for key in keys {
            arena.push_with(|out| out.extend_from_slice(key));
        }
        let sorted: Vec<&[u8]> = arena
            .sorted_order()
            .into_iter()
            .map(|i| arena.get(i))
            .collect();
        let mut expected = keys.to_vec();
        expected.sort();
        assert_eq!(sorted, expected);
    }
}
