//! Dribble cursors: the positive integers CIRCL clients carry from page to page, each naming a
//! walk the server keeps — the key of the last row served — so the next page resumes there
//! instead of rescanning every row before it.
//!
//! The table is bounded ([`MAX_WALKS`], oldest dropped first) and walks expire after
//! [`CURSOR_TTL`]. Cursor numbers start at a random point at or above [`FIRST_CURSOR`] and
//! rise, so numbers below it stay free for clients that send a plain count of rows.

use hark_store::RrKey;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The lowest cursor number the server hands out; smaller numbers are row counts.
pub const FIRST_CURSOR: u64 = 1 << 40;
/// How long a walk is kept after its last page.
pub const CURSOR_TTL: Duration = Duration::from_secs(600);
/// Most walks kept at once (each holds one row key, under 1 KiB).
pub const MAX_WALKS: usize = 10_000;

/// Where a walk stands after a page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Walk {
    /// A fingerprint of the query, so a cursor cannot resume a different one.
    pub query: u64,
    /// The key of the last row served.
    pub after: RrKey,
    /// Rows served so far, counted against the result limit.
    pub served: u64,
}

/// The walks in progress.
#[derive(Debug)]
pub struct Cursors {
    table: Mutex<Table>,
}

#[derive(Debug)]
struct Table {
    /// By cursor number, which rises with time: the first entry is the oldest.
    walks: BTreeMap<u64, (Walk, Instant)>,
    next: u64,
}

impl Default for Cursors {
    fn default() -> Self {
        // Below 2^53 so that clients parsing numbers as doubles keep them exact.
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Cursors {
            table: Mutex::new(Table {
                walks: BTreeMap::new(),
                next: FIRST_CURSOR + random % (1 << 52),
            }),
        }
    }
}

impl Cursors {
    /// Keeps `walk` and returns its cursor number.
    pub fn open(&self, walk: Walk) -> u64 {
        let now = Instant::now();
        let mut table = self.lock();
        loop {
            let room = table.walks.len() < MAX_WALKS;
            let Some(entry) = table.walks.first_entry() else {
                break;
            };
            let (_, opened) = entry.get();
            if room && now.duration_since(*opened) < CURSOR_TTL {
                break;
            }
            entry.remove();
        }
        let id = table.next;
        table.next += 1;
        table.walks.insert(id, (walk, now));
        id
    }

    /// The walk a cursor names, if it is still kept. A cursor may be used again (a client
    /// retrying a page) until it expires.
    pub fn resume(&self, id: u64) -> Option<Walk> {
        let table = self.lock();
        let (walk, opened) = table.walks.get(&id)?;
        (opened.elapsed() < CURSOR_TTL).then(|| walk.clone())
    }

    /// Walks kept now.
    pub fn len(&self) -> usize {
        self.lock().walks.len()
    }

    /// True when no walk is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(served: u64) -> Walk {
        let key = RrKey::new(&hark_record::RrKeyParts {
            rrname: b"\x07example\x00",
            rrtype: hark_dns::RrType::A,
            bailiwick: None,
            rdata: &[192, 0, 2, 1],
        })
        .expect("packs");
        Walk {
            query: 7,
            after: key,
            served,
        }
    }

    #[test]
    fn cursors_are_large_rising_and_bounded() {
        let cursors = Cursors::default();
        let first = cursors.open(walk(1));
        let second = cursors.open(walk(2));
        assert!((FIRST_CURSOR..FIRST_CURSOR + (1 << 52)).contains(&first));
        assert_eq!(second, first + 1);
        assert_eq!(cursors.resume(first).map(|w| w.served), Some(1));
        assert_eq!(cursors.resume(first + 100), None);
        for served in 0..MAX_WALKS as u64 {
            cursors.open(walk(served));
        }
        assert_eq!(cursors.len(), MAX_WALKS);
        assert_eq!(cursors.resume(first), None, "the oldest walk made room");
    }
}
