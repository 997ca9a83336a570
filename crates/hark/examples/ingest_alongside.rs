//! Benchmark of the foundations: one capture ingested into a fresh store through the real
//! pipeline, (a) with no change-feed subscriber, (b) with a counting subscriber, alternating,
//! and (c) with a thread running random exact rrset lookups alongside, reporting their latency.
//!
//! Usage: `ingest_alongside CAPTURE NAMES_FROM_DB [--runs N] [--onto BASE_DB] [--once on|off]`
//! where NAMES_FROM_DB is a store holding the same capture (lookups draw names from it).
//! `--onto BASE_DB` ingests into a copy of BASE_DB instead of an empty store (every commit
//! then goes through the journal and the feed must find which rows are new: the always-on
//! case). `--once on|off` runs one ingest, with or without the subscriber, and exits (for
//! counting instructions under `valgrind --tool=callgrind`, which a shared machine's clock
//! cannot disturb).

use hark_ingest::aggregate::SectionSet;
use hark_ingest::capture_source::CaptureSource;
use hark_ingest::pipeline::{run, PipelineOptions};
use hark_store::{NamePattern, RrsetQuery, Store, TimeFence, Writer};
use hark_store_embedded::EmbeddedStore;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Copies the store directory `from` into `to` (a fresh directory).
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn ingest(
    capture: &Path,
    onto: Option<&Path>,
    subscribe: bool,
    lookups: Option<&[Vec<u8>]>,
) -> (f64, Vec<Duration>) {
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(base) = onto {
        copy_dir(base, dir.path());
    }
    let rows_before = EmbeddedStore::open(dir.path())
        .and_then(|store| store.stats())
        .expect("opens")
        .rows;
    let store = EmbeddedStore::open(dir.path()).expect("opens");
    let writer = Writer::new(&store);
    let seen = Arc::new(AtomicU64::new(0));
    if subscribe {
        let seen = seen.clone();
        writer.feed().subscribe(Arc::new(move |changes| {
            seen.fetch_add(changes.new_row_count() as u64, Ordering::Relaxed);
        }));
    }
    let done = AtomicBool::new(false);
    let mut latencies = Vec::new();
    let started = Instant::now();
    let seconds = std::thread::scope(|scope| {
        let ingesting = scope.spawn(|| {
            let mut source = CaptureSource::open(capture, Default::default(), SectionSet::ALL)
                .expect("capture opens");
            // Batches cut by size only, so runs with and without the feed commit the same
            // batches (a 5 s age flush would cut them wherever the clock says).
            let options = PipelineOptions {
                flush_after: Duration::from_secs(3600),
                ..PipelineOptions::default()
            };
            run(&mut source, &writer, &options, &mut |_| {}).expect("ingest");
            let seconds = started.elapsed().as_secs_f64();
            done.store(true, Ordering::Release);
            seconds
        });
        if let Some(names) = lookups {
            let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
            while !done.load(Ordering::Acquire) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let name = &names[(state % names.len() as u64) as usize];
                let query = RrsetQuery {
                    name: NamePattern::Exact(name.clone()),
                    rrtype: None,
                    bailiwick: None,
                    fence: TimeFence::default(),
                };
                let t = Instant::now();
                store
                    .rrset(&query, &mut |_| ControlFlow::Continue(()))
                    .expect("lookup");
                latencies.push(t.elapsed());
            }
        }
        ingesting.join().expect("ingest thread")
    });
    if subscribe {
        assert_eq!(
            seen.load(Ordering::Relaxed),
            store.stats().expect("stats").rows - rows_before
        );
    }
    (seconds, latencies)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let capture = PathBuf::from(
        args.get(1)
            .expect("usage: ingest_alongside CAPTURE DB [--runs N]"),
    );
    let db = PathBuf::from(args.get(2).expect("a store holding the capture"));
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
    };
    let onto = flag("--onto").map(PathBuf::from);
    if let Some(mode) = flag("--once") {
        let (seconds, _) = ingest(&capture, onto.as_deref(), mode == "on", None);
        println!("one ingest, subscriber {mode}: {seconds:.2} s");
        return;
    }
    let names: Vec<Vec<u8>> = {
        let store = EmbeddedStore::open(&db).expect("opens the names store");
        let mut names = Vec::new();
        let mut i = 0u64;
        store
            .scan(&mut |row| {
                i += 1;
                if i.is_multiple_of(20) {
                    names.push(row.key.parts().rrname.to_vec());
                }
                ControlFlow::Continue(())
            })
            .expect("scan");
        names
    };
    let (mut plain, mut counted) = (Vec::new(), Vec::new());
    for run_number in 0..runs {
        let (a, _) = ingest(&capture, onto.as_deref(), false, None);
        let (b, _) = ingest(&capture, onto.as_deref(), true, None);
        println!("run {run_number}: no subscriber {a:.2} s, counting subscriber {b:.2} s");
        plain.push(a);
        counted.push(b);
    }
    let (a, b) = (median(&mut plain), median(&mut counted));
    println!(
        "change feed: median {a:.2} s without, {b:.2} s with a counting subscriber ({:+.1} %)",
        (b / a - 1.0) * 100.0
    );
    let (seconds, mut latencies) = ingest(&capture, onto.as_deref(), false, Some(&names));
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "rrset lookups during the ingest ({seconds:.2} s): {} lookups, median {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
