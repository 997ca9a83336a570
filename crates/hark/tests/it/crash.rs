//! Exact after a crash: `kill -9` an ingest at many points, run the same command again, and
//! the store equals a clean ingest of the same file — every row and every negative row, with
//! the same first, last and count. Also: a file cut short is not marked finished, and the
//! complete file later adds exactly what the short one lacked.

use crate::support::{generate, shared, TempStore};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Every row and every negative row, as sorted export lines (exact values).
pub(crate) fn snapshot(store: &TempStore) -> (Vec<String>, Vec<String>) {
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    (
        sorted(store.ok(&["export"])),
        sorted(store.ok(&["export", "--negatives"])),
    )
}

/// Asserts two snapshots are equal, naming the first difference (never printing them whole).
pub(crate) fn assert_same(
    got: &(Vec<String>, Vec<String>),
    want: &(Vec<String>, Vec<String>),
    what: &str,
) {
    for (table, got, want) in [
        ("rows", &got.0, &want.0),
        ("negative rows", &got.1, &want.1),
    ] {
        let first_difference = got.iter().zip(want.iter()).find(|(g, w)| g != w);
        assert!(
            got == want,
            "{what}: {table} differ: {} stored, {} expected; first difference: {first_difference:?}",
            got.len(),
            want.len()
        );
    }
}

/// Runs `hark ARGS` on `store` and SIGKILLs it after `after`; true if it finished first.
fn run_and_kill(store: &TempStore, args: &[&str], after: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store.path())
        .args(args)
        .env_remove("HARK_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while started.elapsed() < after {
        if let Some(status) = child.try_wait().expect("wait") {
            assert!(status.success(), "hark {args:?} failed on its own");
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on unix
    child.wait().expect("reaped");
    false
}

/// Kills the command at each delay in turn (each run resuming what the previous left), then
/// runs it to the end; returns how many runs were killed.
fn kill_repeatedly(store: &TempStore, args: &[&str], delays_ms: &[u64]) -> usize {
    let mut killed = 0;
    for &delay in delays_ms {
        if run_and_kill(store, args, Duration::from_millis(delay)) {
            break;
        }
        killed += 1;
    }
    store.ok(args);
    killed
}

fn big_capture(shared: &Path, dir: &Path) -> std::path::PathBuf {
    let pcap = dir.join("big.pcap");
    // Large enough that the first commit takes the bulk path (> 20,000 rows).
    generate(
        shared,
        &pcap,
        None,
        &["--responses", "100000", "--seed", "12"],
    );
    pcap
}

#[test]
fn an_ingest_killed_at_many_points_then_run_again_counts_everything_once() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = big_capture(&shared, dir.path());
    let pcap = pcap.to_str().expect("path");
    let clean = TempStore::new();
    clean.ok(&["ingest", "--sections", "all", pcap]);
    let expected = snapshot(&clean);
    assert!(expected.0.len() > 20_000, "{} rows", expected.0.len());
    assert!(!expected.1.is_empty(), "the capture has negative answers");

    // One large commit into an empty store (the bulk path): kills before, during and after
    // the sorted tables are written.
    let bulk = TempStore::new();
    let args = ["ingest", "--sections", "all", pcap];
    let delays: Vec<u64> = (1..=24).map(|i| i * 150).collect();
    let killed = kill_repeatedly(&bulk, &args, &delays);
    assert!(killed >= 3, "only {killed} runs were killed");
    assert_same(
        &snapshot(&bulk),
        &expected,
        &format!("bulk path, {killed} kills"),
    );

    // Many small commits through the journal (a 1 MiB cache, 50 ms flushes), into a store
    // that already holds rows: kills between and during commits.
    let small = dir.path().join("small.pcap");
    generate(
        &shared,
        &small,
        None,
        &["--responses", "3000", "--seed", "11", "--domains", "200"],
    );
    let small = small.to_str().expect("path");
    let reference = TempStore::new();
    reference.ok(&["ingest", "--sections", "all", small]);
    reference.ok(&["ingest", "--sections", "all", pcap]);
    let expected = snapshot(&reference);
    let journal = TempStore::new();
    journal.ok(&["ingest", "--sections", "all", small]);
    let args = [
        "ingest",
        "--sections",
        "all",
        "--cache-mb",
        "1",
        "--flush-secs",
        "0.05",
        pcap,
    ];
    let delays: Vec<u64> = (1..=30).map(|i| 100 + i * 97).collect();
    let killed = kill_repeatedly(&journal, &args, &delays);
    assert!(killed >= 3, "only {killed} runs were killed");
    assert_same(
        &snapshot(&journal),
        &expected,
        &format!("journal path, {killed} kills"),
    );

    // One large commit into a store that already holds rows: sorted tables made atomic by a
    // redo log. Kills before, while and after the log is written and the tables added.
    let ingested = TempStore::new();
    ingested.ok(&["ingest", "--sections", "all", small]);
    let args = ["ingest", "--sections", "all", pcap];
    let delays: Vec<u64> = (1..=24).map(|i| i * 150).collect();
    let killed = kill_repeatedly(&ingested, &args, &delays);
    assert!(killed >= 3, "only {killed} runs were killed");
    assert_same(
        &snapshot(&ingested),
        &expected,
        &format!("ingested path, {killed} kills"),
    );

    let stats = journal.ok(&["stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_str(&stats).expect("json");
    assert_eq!(stats["rows"].as_u64(), Some(expected.0.len() as u64));
    assert_eq!(stats["negatives"].as_u64(), Some(expected.1.len() as u64));
    assert_eq!(stats["files"].as_u64(), Some(2));
}

#[test]
fn a_capture_cut_short_is_finished_by_the_complete_file() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("whole.pcap");
    generate(
        &shared,
        &pcap,
        None,
        &["--responses", "20000", "--seed", "13", "--tcp-share", "0.3"],
    );
    let whole = std::fs::read(&pcap).expect("read");
    let cut = dir.path().join("cut.pcap");
    // Cut mid-record, about 60 % in.
    std::fs::write(&cut, &whole[..whole.len() * 3 / 5 + 7]).expect("write");
    let (pcap, cut) = (pcap.to_str().expect("path"), cut.to_str().expect("path"));

    let clean = TempStore::new();
    clean.ok(&["ingest", pcap]);
    let expected = snapshot(&clean);

    let store = TempStore::new();
    let out = store.run(&["ingest", cut]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("capture_cut_mid_record=1"), "{stderr}");
    assert!(stderr.contains("not read to its end"), "{stderr}");
    // The short file again adds nothing; the complete one adds the rest, once.
    let before = snapshot(&store);
    store.ok(&["ingest", cut]);
    assert_same(&snapshot(&store), &before, "the short file again");
    let out = store.run(&["ingest", pcap]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("continues a shorter copy"), "{stderr}");
    assert_same(
        &snapshot(&store),
        &expected,
        "the complete file after the short one",
    );
    // Now both are finished: neither counts again.
    for file in [cut, pcap] {
        let out = store.run(&["ingest", file]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("ingested before"));
    }
    assert_same(&snapshot(&store), &expected, "after both again");
}
