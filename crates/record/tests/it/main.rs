//! Property tests for the merge rule: any order and any batching give the same result.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use hark_record::{Tally, TimeSpan};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn tally() -> impl Strategy<Value = Tally> {
    (
        proptest::option::of((0i64..1_000_000, 0i64..1_000)),
        proptest::option::of((0i64..1_000_000, 0i64..1_000)),
        0u64..1_000,
    )
        .prop_map(|(seen, zone, count)| Tally {
            seen: seen.map(|(first, span)| TimeSpan {
                first,
                last: first + span,
            }),
            zone_seen: zone.map(|(first, span)| TimeSpan {
                first,
                last: first + span,
            }),
            count,
        })
}

/// Folds keyed observations in the given order, in batches of `batch` items merged into
/// per-batch maps first, the way the aggregation cache and the store do.
fn fold(items: &[(u8, Tally)], batch: usize) -> BTreeMap<u8, Tally> {
    let mut store: BTreeMap<u8, Tally> = BTreeMap::new();
    for chunk in items.chunks(batch.max(1)) {
        let mut cache: BTreeMap<u8, Tally> = BTreeMap::new();
        for (key, t) in chunk {
            cache.entry(*key).and_modify(|c| c.merge(t)).or_insert(*t);
        }
        for (key, t) in cache {
            store.entry(key).and_modify(|c| c.merge(&t)).or_insert(t);
        }
    }
    store
}

proptest! {
    #[test]
    fn merge_is_commutative(a in tally(), b in tally()) {
        prop_assert_eq!(a.merged(&b), b.merged(&a));
    }

    #[test]
    fn merge_is_associative(a in tally(), b in tally(), c in tally()) {
        prop_assert_eq!(a.merged(&b).merged(&c), a.merged(&b.merged(&c)));
    }

    #[test]
    fn any_order_and_batching_gives_the_same_store(
        items in proptest::collection::vec((0u8..8, tally()), 0..200),
        batch_a in 1usize..50,
        batch_b in 1usize..50,
        seed in any::<u64>(),
    ) {
        let mut shuffled = items.clone();
        // A deterministic shuffle driven by the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            let j = (state % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        prop_assert_eq!(fold(&items, batch_a), fold(&shuffled, batch_b));
    }
}
