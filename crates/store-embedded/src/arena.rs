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
    /// Sorted sixteen bytes at a time, each slice as one integer beside the key number (no
    /// pointer chasing while the sort compares): first on every key's first sixteen bytes, then
    /// each run of keys that tie there on their next sixteen, and so on. Keys here share long
    /// prefixes (reversed names start with their TLD), and comparing whole keys from their
    /// start at every level of one sort was most of a large commit's time.
    pub(crate) fn sorted_order(&self) -> Vec<usize> {
        // Often pushed in order already (a commit's primaries): one pass tells.
        let ascending = (1..self.ends.len()).all(|i| self.get(i - 1) <= self.get(i));
        if ascending {
            return (0..self.ends.len()).collect();
        }
        let mut keyed: Vec<Digit> = (0..self.ends.len()).map(|i| self.digit(i, 0)).collect();
        // Runs still to sort: (start, end, byte offset of their digit).
        let mut runs = vec![(0, keyed.len(), 0)];
        while let Some((start, end, offset)) = runs.pop() {
            let Some(run) = keyed.get_mut(start..end) else {
                continue;
            };
            if offset > 0 {
                for entry in run.iter_mut() {
                    *entry = self.digit(entry.index, offset);
                }
            }
            run.sort_unstable();
            // Keys that tie on a full digit go on to the next; a shorter tie is an equal key.
            let mut from = 0;
            while from < run.len() {
                let Some(first) = run.get(from).copied() else {
                    break;
                };
                let same = run
                    .get(from..)
                    .unwrap_or_default()
                    .iter()
                    .take_while(|d| d.value == first.value && d.len == first.len)
                    .count();
                if same > 1 && usize::from(first.len) == DIGIT {
                    runs.push((start + from, start + from + same, offset + DIGIT));
                }
                from += same;
            }
        }
        keyed.into_iter().map(|d| d.index).collect()
    }

    /// The keys in `order` (key numbers), as a new arena.
    fn permuted(&self, order: &[usize]) -> KeyArena {
        let mut out = KeyArena::with_capacity(0);
        out.bytes.reserve_exact(self.bytes.len());
        out.ends.reserve_exact(order.len());
        for &i in order {
            out.push_with(|bytes| bytes.extend_from_slice(self.get(i)));
        }
        out
    }

    /// `count` keys, key `i` written by `write(i, out)`, sorted: an arena holding them in
    /// ascending order, and the number `i` of each. From `parallel_from` keys on, each half
    /// is written and sorted on a thread of its own, then the two are merged.
    ///
    /// Later passes read the keys in order, so they are laid out in order: each pass then
    /// reads memory front to back instead of jumping to every key.
    pub(crate) fn build_sorted(
        count: usize,
        parallel_from: usize,
        write: impl Fn(usize, &mut Vec<u8>) + Sync,
    ) -> Result<(KeyArena, Vec<usize>), StoreError> {
        let build = |range: std::ops::Range<usize>| {
            let mut keys = KeyArena::with_capacity(range.len());
            for i in range.clone() {
                keys.push_with(|out| write(i, out));
            }
            let order = keys.sorted_order();
            let sorted = keys.permuted(&order);
            let numbers: Vec<usize> = order.into_iter().map(|i| i + range.start).collect();
            (sorted, numbers)
        };
        if count < parallel_from.max(2) {
            return Ok(build(0..count));
        }
        let half = count / 2;
        let ((first, first_numbers), (second, second_numbers)) = std::thread::scope(|scope| {
            let second = scope.spawn(|| build(half..count));
            let first = build(0..half);
            second
                .join()
                .map(|second| (first, second))
                .map_err(|_| StoreError::Engine("a sorting thread panicked".into()))
        })?;
        let mut keys = KeyArena::with_capacity(0);
        keys.bytes
            .reserve_exact(first.bytes.len() + second.bytes.len());
        keys.ends.reserve_exact(count);
        let mut numbers = Vec::with_capacity(count);
        let (mut a, mut b) = (0, 0);
        while a < first_numbers.len() || b < second_numbers.len() {
            let take_first = b >= second_numbers.len()
                || (a < first_numbers.len() && first.get(a) <= second.get(b));
            let (arena, at, number) = if take_first {
                a += 1;
                (&first, a - 1, first_numbers.get(a - 1))
            } else {
                b += 1;
                (&second, b - 1, second_numbers.get(b - 1))
            };
            keys.push_with(|out| out.extend_from_slice(arena.get(at)));
            numbers.extend(number);
        }
        Ok((keys, numbers))
    }

    /// Bytes `offset..offset + 16` of key `i` as an integer (zero past the key's end), and how
    /// many of them the key has: a key that ends inside the digit sorts before a longer one
    /// with the same bytes, as a prefix does.
    fn digit(&self, i: usize, offset: usize) -> Digit {
        let key = self.get(i).get(offset..).unwrap_or_default();
        let mut bytes = [0u8; DIGIT];
        let len = key.len().min(DIGIT);
        for (slot, byte) in bytes.iter_mut().zip(key) {
            *slot = *byte;
        }
        Digit {
            value: u128::from_be_bytes(bytes),
            len: len as u8,
            index: i,
        }
    }
}

/// Bytes of a key compared at once by [`KeyArena::sorted_order`].
const DIGIT: usize = 16;

/// Sixteen bytes of one key at some offset: ordered by value, then length, then key number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Digit {
    value: u128,
    len: u8,
    index: usize,
}

/// Writes strictly ascending, distinct (key, value) pairs into `keyspace` as one new table;
/// `before_adding` runs once the table is written and before it joins the keyspace (a table
/// written and not added is never read), and an error from it leaves the keyspace unchanged.
pub(crate) fn ingest_sorted<'a>(
    keyspace: &Keyspace,
    entries: impl Iterator<Item = (&'a [u8], &'a [u8])>,
    before_adding: impl FnOnce() -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        return before_adding();
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
    before_adding()?;
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
        let mut expected = keys.to_vec();
        expected.sort();
        assert_eq!(sorted_through_an_arena(&keys), expected);
    }

    /// `keys` pushed into an arena, read back in its sorted order.
    fn sorted_through_an_arena(keys: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut arena = KeyArena::with_capacity(keys.len());
        for key in keys {
            arena.push_with(|out| out.extend_from_slice(key));
        }
        arena
            .sorted_order()
            .into_iter()
            .map(|i| arena.get(i).to_vec())
            .collect()
    }

    /// Thousands of keys sharing prefixes of every length around the 16-byte digits, with
    /// duplicates and zero bytes: the order is the byte order.
    #[test]
    fn long_shared_prefixes_sort_as_bytes() {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut state = 7u64;
        for _ in 0..5000 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let prefix = (state >> 33) as usize % 40;
            let tail = (state >> 20) as usize % 5;
            let mut key = vec![0x61u8; prefix];
            key.extend((0..tail).map(|t| ((state >> (t * 8)) & 3) as u8));
            keys.push(key);
        }
        let mut expected: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        expected.sort();
        assert_eq!(sorted_through_an_arena(&expected), expected);
        let unsorted: Vec<&[u8]> = keys.iter().map(Vec::as_slice).collect();
        assert_eq!(sorted_through_an_arena(&unsorted), expected);
        // Built and sorted (in two halves, merged, or at once): the keys in order, each with
        // its number, every number once.
        for parallel_from in [0, 4096, 10_000] {
            let (arena, order) = KeyArena::build_sorted(unsorted.len(), parallel_from, |i, out| {
                out.extend_from_slice(unsorted[i]);
            })
            .expect("builds");
            let in_arena: Vec<&[u8]> = (0..unsorted.len()).map(|k| arena.get(k)).collect();
            assert_eq!(in_arena, expected, "parallel from {parallel_from}");
            assert!(order
                .iter()
                .enumerate()
                .all(|(k, &i)| unsorted[i] == arena.get(k)));
            let mut numbers = order.clone();
            numbers.sort_unstable();
            assert_eq!(numbers, (0..unsorted.len()).collect::<Vec<_>>());
        }
        // Pushed in order, they keep their numbers.
        let mut in_order = KeyArena::with_capacity(expected.len());
        for key in &expected {
            in_order.push_with(|out| out.extend_from_slice(key));
        }
        assert_eq!(
            in_order.sorted_order(),
            (0..expected.len()).collect::<Vec<_>>()
        );
    }
}
