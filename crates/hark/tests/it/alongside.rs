//! One writer, many readers, and the change feed, in one process: lookups run while an ingest
//! commits every 50 ms, and every answer is a consistent set of rows; the feed reports every
//! new row and negative row exactly once.

use crate::support::{generate, shared};
use hark_ingest::capture_source::CaptureSource;
use hark_ingest::pipeline::{run, PipelineOptions};
use hark_store::{NamePattern, RrsetQuery, Store, TimeFence, Writer};
use hark_store_embedded::EmbeddedStore;
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn lookups_run_alongside_an_ingest_and_the_feed_sees_every_change() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("day.pcap");
    generate(
        &shared,
        &pcap,
        None,
        &["--responses", "60000", "--seed", "14"],
    );
    let store = EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let writer = Writer::new(&store);
    let new_rows = Arc::new(AtomicU64::new(0));
    let new_negatives = Arc::new(AtomicU64::new(0));
    let grown = Arc::new(AtomicU64::new(0));
    let commits = Arc::new(AtomicU64::new(0));
    {
        let (rows, negatives, grown, commits) = (
            new_rows.clone(),
            new_negatives.clone(),
            grown.clone(),
            commits.clone(),
        );
        writer.feed().subscribe(Arc::new(move |changes| {
            rows.fetch_add(changes.new_row_count() as u64, Ordering::Relaxed);
            negatives.fetch_add(changes.new_negative_count() as u64, Ordering::Relaxed);
            grown.fetch_add(changes.grown_rrsets().len() as u64, Ordering::Relaxed);
            commits.fetch_add(1, Ordering::Relaxed);
        }));
    }
    let options = PipelineOptions {
        cache_bytes: 1024 * 1024,
        flush_after: Duration::from_millis(50),
        ..PipelineOptions::default()
    };
    let done = AtomicBool::new(false);
    // Every owner name the reader has seen, with each row's last known count.
    let mut seen: BTreeMap<(Vec<u8>, Vec<u8>), u64> = BTreeMap::new();
    let mut latencies = Vec::new();
    std::thread::scope(|scope| {
        let ingest = scope.spawn(|| {
            let mut source =
                CaptureSource::open(&pcap, Default::default(), Default::default()).unwrap();
            let report = run(&mut source, &writer, &options, &mut |_| {}).unwrap();
            done.store(true, Ordering::Release);
            report
        });
        let query = RrsetQuery {
            name: NamePattern::parse("*.com").unwrap(),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        while !done.load(Ordering::Acquire) {
            let started = Instant::now();
            let mut answer: BTreeMap<(Vec<u8>, Vec<u8>), u64> = BTreeMap::new();
            store
                .rrset(&query, &mut |row| {
                    let parts = row.key.parts();
                    let key = (parts.rrname.to_vec(), row.key.as_bytes().to_vec());
                    assert!(row.tally.count >= 1);
                    assert!(
                        answer.insert(key, row.tally.count).is_none(),
                        "a row twice in one answer"
                    );
                    ControlFlow::Continue(())
                })
                .expect("lookups never fail during an ingest");
            latencies.push(started.elapsed());
            // Rows never vanish and counts never go down between answers.
            for (key, count) in &seen {
                let now = answer
                    .get(key)
                    .unwrap_or_else(|| panic!("a row vanished: {key:?}"));
                assert!(now >= count, "a count went down");
            }
            seen = answer;
            std::thread::sleep(Duration::from_millis(5));
        }
        let report = ingest.join().unwrap();
        assert!(report.commits > 5, "{} commits", report.commits);
    });
    assert!(
        latencies.len() > 5,
        "{} lookups ran during the ingest",
        latencies.len()
    );
    let stats = store.stats().unwrap();
    assert_eq!(
        new_rows.load(Ordering::Relaxed),
        stats.rows,
        "each new row reported once"
    );
    assert_eq!(new_negatives.load(Ordering::Relaxed), stats.negatives);
    assert!(
        grown.load(Ordering::Relaxed) > 0,
        "RRsets gained members across commits"
    );
    assert!(commits.load(Ordering::Relaxed) > 5);
    latencies.sort();
    eprintln!(
        "{} '*.com' lookups during the ingest, median {:?}, max {:?}",
        latencies.len(),
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
}
