//! Reading the values of many keys asked for in ascending order — a commit's read phase.
//!
//! A point read costs a filter probe, an index search and a block decode per table; a forward
//! scan costs one step per stored entry. When a batch touches a large share of the keyspace (a
//! stream committing every few seconds the rows it saw a moment ago, the next day's capture of
//! the same world), walking the keyspace once beside the sorted batch (a merge join) is
//! several times cheaper than a point read per row. When the batch is sparse in a large
//! store, point reads win: the choice is made per read from the two sizes.

use crate::engine;
use hark_store::StoreError;

/// A batch at least this share of the stored entries (1 / N) is read by scanning.
const SCAN_WHEN_ONE_IN: u64 = 8;

/// Reads the values of keys given in ascending order, by point reads or by one scan.
pub(crate) struct AscendingReader<'k> {
    keyspace: &'k fjall::Keyspace,
    scan: Option<Scan>,
}

/// A forward scan and the entry it stands on.
struct Scan {
    entries: fjall::Iter,
    current: Option<(fjall::Slice, fjall::Slice)>,
}

impl<'k> AscendingReader<'k> {
    /// A reader of `keyspace` for `asked` keys, all within `first..=last`, out of `stored`
    /// entries in the keyspace.
    pub fn new(
        keyspace: &'k fjall::Keyspace,
        asked: usize,
        stored: u64,
        first: &[u8],
        last: &[u8],
    ) -> Result<Self, StoreError> {
        let dense = (asked as u64).saturating_mul(SCAN_WHEN_ONE_IN) >= stored;
        let scan = if dense && first <= last {
            let mut entries = keyspace.range(first..=last);
            let current = next_entry(&mut entries)?;
            Some(Scan { entries, current })
        } else {
            None
        };
        Ok(AscendingReader { keyspace, scan })
    }

    /// The value stored under `key`; keys must come in ascending order (each at least the one
    /// before) and within the range given.
    pub fn get(&mut self, key: &[u8]) -> Result<Option<fjall::Slice>, StoreError> {
        let Some(scan) = &mut self.scan else {
            return self.keyspace.get(key).map_err(engine);
        };
        loop {
            match &scan.current {
                Some((stored, _)) if &stored[..] < key => {
                    scan.current = next_entry(&mut scan.entries)?;
                }
                Some((stored, value)) if &stored[..] == key => return Ok(Some(value.clone())),
                _ => return Ok(None),
            }
        }
    }
}

fn next_entry(
    entries: &mut fjall::Iter,
) -> Result<Option<(fjall::Slice, fjall::Slice)>, StoreError> {
    entries
        .next()
        .map(|guard| guard.into_inner().map_err(engine))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fjall::{Database, KeyspaceCreateOptions};

    /// Both ways of reading give what a point read gives, for keys stored and not, at the
    /// ends of the range and past them, with entries shadowed by newer writes.
    #[test]
    fn scanning_and_point_reads_agree_with_get() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::builder(dir.path()).open().unwrap();
        let keyspace = db.keyspace("rows", KeyspaceCreateOptions::default).unwrap();
        // Every third key of 0..3000 stored; some rewritten after a flush (two versions).
        let key = |n: u32| format!("k{n:06}").into_bytes();
        for n in (0..3000).step_by(3) {
            keyspace.insert(key(n), n.to_be_bytes()).unwrap();
        }
        keyspace.rotate_memtable_and_wait().unwrap();
        for n in (0..3000).step_by(30) {
            keyspace.insert(key(n), (n + 1).to_be_bytes()).unwrap();
        }
        let asked: Vec<Vec<u8>> = (0..3000).step_by(2).map(key).collect();
        let expected: Vec<Option<Vec<u8>>> = asked
            .iter()
            .map(|k| keyspace.get(k).unwrap().map(|v| v.to_vec()))
            .collect();
        assert!(expected.iter().filter(|v| v.is_some()).count() > 400);
        for stored in [1000, 1_000_000] {
            let (first, last) = (&asked[0][..], &asked[asked.len() - 1][..]);
            let mut reader =
                AscendingReader::new(&keyspace, asked.len(), stored, first, last).unwrap();
            assert_eq!(reader.scan.is_some(), stored == 1000);
            let got: Vec<Option<Vec<u8>>> = asked
                .iter()
                .map(|k| reader.get(k).unwrap().map(|v| v.to_vec()))
                .collect();
            assert_eq!(got, expected, "stored {stored}");
        }
    }
}
