//! The ClickHouse engine on a real 2-shard cluster: the shared store battery, retries after
//! killed connections, a writer restarted mid-commit, a shard down.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod cluster;
mod proxy;

use cluster::Cluster;
use hark_dns::{name, RrType};
use hark_record::{Checkpoint, RrKey, RrKeyParts, SourceId, Tally, TimeSpan};
use hark_store::{Batch, Detail, NamePattern, RrsetQuery, Store, TimeFence};
use hark_store_clickhouse::{ClickHouseStore, Location};
use proxy::{Break, Proxy};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

fn open(url: &str) -> ClickHouseStore {
    ClickHouseStore::open(&url.parse::<Location>().unwrap()).unwrap()
}

#[test]
fn passes_the_store_battery_on_two_shards() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let mut n = 0;
    hark_store::battery::run_all(&mut || {
        n += 1;
        // Every other store pages each range by key bounds (as a range of many rows does).
        let options = if n % 2 == 0 {
            "?writer=battery&scan_rows=1"
        } else {
            "?writer=battery"
        };
        Box::new(open(&cluster.url(&format!("battery{n}"), options)))
    });
    // Rows went to both shards.
    let per_shard: Vec<u64> = (0..2)
        .map(|shard| {
            cluster
                .query(shard, "SELECT count() FROM battery1.rrset WHERE batch = 0")
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    assert!(per_shard.iter().all(|&rows| rows > 0), "{per_shard:?}");
}

/// 300 rows over 60 names, each seen at two times.
fn rows(round: i64) -> Vec<(RrKey, Tally)> {
    (0..300u32)
        .map(|i| {
            let owner = name::from_presentation(&format!("h{}.example.", i % 60)).unwrap();
            let key = RrKey::new(&RrKeyParts {
                rrname: &owner,
                rrtype: RrType::A,
                bailiwick: None,
                rdata: &[10, 0, (i / 256) as u8, i as u8],
            })
            .unwrap();
            let tally = Tally {
                seen: Some(TimeSpan {
                    first: 1000 + i64::from(i) + round,
                    last: 2000 + i64::from(i) + round,
                }),
                zone_seen: None,
                count: u64::from(i) + 1,
            };
            (key, tally)
        })
        .collect()
}

fn all_rows(store: &dyn Store) -> BTreeMap<RrKey, Tally> {
    let mut found = BTreeMap::new();
    store
        .scan(&mut |row| {
            assert!(
                found.insert(row.key, row.tally).is_none(),
                "a key read twice"
            );
            ControlFlow::Continue(())
        })
        .unwrap();
    found
}

fn checkpoint(position: u64) -> Checkpoint {
    Checkpoint {
        source: SourceId(b"stream".to_vec()),
        position,
        done: false,
        options: 0,
        bytes: 0,
        note: String::new(),
    }
}

#[test]
fn inserts_retried_after_killed_connections_count_once() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let proxy = Proxy::start(&cluster.http[0]);
    let url = format!(
        "clickhouse://{},{}/retried?writer=w",
        proxy.address, cluster.http[1]
    );
    let store = open(&url);
    // Every step of a commit loses its connection once: a stage insert cut in the middle of
    // its rows, and each statement's answer dropped after it ran.
    proxy.add("hark-stage", Break::CutRequest, 1);
    proxy.add("hark-stage", Break::DropAnswer, 1);
    proxy.add("ledger", Break::DropAnswer, 2);
    // One apply statement per row table (rrset, forward, rdata).
    proxy.add("hark-apply-", Break::DropAnswer, 3);
    let first = rows(0);
    store
        .commit(
            &Batch {
                rows: first.clone(),
                negatives: Vec::new(),
                checkpoints: vec![checkpoint(1)],
                certs: Vec::new(),
            },
            Detail::Figures,
        )
        .unwrap();
    proxy.add("hark-apply-", Break::CutRequest, 2);
    proxy.add("hark-stage", Break::DropAnswer, 1);
    let second = rows(5);
    store
        .commit(
            &Batch {
                rows: second.clone(),
                negatives: Vec::new(),
                checkpoints: vec![checkpoint(2)],
                certs: Vec::new(),
            },
            Detail::Figures,
        )
        .unwrap();
    let broken = proxy.broken.lock().unwrap().len();
    assert!(broken >= 8, "only {broken} requests were broken");
    // Expected: each key's two tallies merged by hand: min first, max last, summed count.
    let expected: BTreeMap<RrKey, Tally> = first
        .iter()
        .zip(&second)
        .map(|((key, a), (_, b))| {
            let (a, b) = (a.seen.unwrap(), b.seen.unwrap());
            (
                key.clone(),
                Tally {
                    seen: Some(TimeSpan {
                        first: a.first.min(b.first),
                        last: a.last.max(b.last),
                    }),
                    zone_seen: None,
                    count: 0,
                },
            )
        })
        .zip(first.iter())
        .map(|((key, mut tally), (_, one))| {
            tally.count = one.count * 2;
            (key, tally)
        })
        .collect();
    assert_eq!(all_rows(&store), expected);
    assert_eq!(
        store.checkpoint(&SourceId(b"stream".to_vec())).unwrap(),
        Some(checkpoint(2))
    );
    let stats = store.stats().unwrap();
    assert_eq!((stats.rows, stats.names), (300, 60));
}

#[test]
fn a_writer_restarted_mid_commit_finishes_the_commit_once() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let proxy = Proxy::start(&cluster.http[0]);
    let through_proxy = format!(
        "clickhouse://{},{}/restarted?writer=w",
        proxy.address, cluster.http[1]
    );
    let store = open(&through_proxy);
    // Every apply on the first shard is cut: the batch is recorded but the commit fails.
    proxy.add("hark-apply-", Break::CutRequest, 1000);
    let batch = Batch {
        rows: rows(0),
        negatives: Vec::new(),
        checkpoints: vec![checkpoint(7)],
        certs: Vec::new(),
    };
    assert!(store.commit(&batch, Detail::Figures).is_err());
    drop(store);
    // The restarted writer (same name, no proxy) finishes it before its first commit.
    let store = open(&cluster.url("restarted", "?writer=w"));
    assert_eq!(
        store.checkpoint(&SourceId(b"stream".to_vec())).unwrap(),
        Some(checkpoint(7)),
        "the commit was recorded before it failed"
    );
    store.commit(&Batch::default(), Detail::Figures).unwrap();
    let expected: BTreeMap<RrKey, Tally> = rows(0).into_iter().collect();
    assert_eq!(all_rows(&store), expected);
    let report = store.check().unwrap();
    assert_eq!(report.unapplied_batches, 0);
    assert!(
        report.shards.iter().all(|s| s.staged_batches == 0),
        "{report:?}"
    );
}

#[test]
fn a_shard_down_is_an_error_unless_partial_answers_are_asked_for() {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let store = open(&cluster.url("down", "?writer=w"));
    store
        .commit(
            &Batch {
                rows: rows(0),
                ..Batch::default()
            },
            Detail::Figures,
        )
        .unwrap();
    let on_first: u64 = cluster
        .query(0, "SELECT uniqExact(k) FROM down.rrset WHERE batch = 0")
        .trim()
        .parse()
        .unwrap();
    assert!(on_first > 0 && on_first < 300);
    cluster.kill_shard(1);
    let query = RrsetQuery {
        name: NamePattern::parse("*.example").unwrap(),
        rrtype: None,
        bailiwick: None,
        fence: TimeFence::default(),
    };
    let err = store
        .rrset(&query, &mut |_| ControlFlow::Continue(()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:18131"), "names the shard: {err}");
    assert!(
        ClickHouseStore::open(&cluster.url("down", "").parse().unwrap()).is_err(),
        "opening with a shard down fails"
    );
    let partial = open(&cluster.url("down", "?partial=1"));
    let mut found = 0u64;
    partial
        .rrset(&query, &mut |_| {
            found += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(found, on_first, "the rows of the shard that is up");
}
