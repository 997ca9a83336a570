//! Acknowledged data survives a crash: a killed ingest leaves earlier rows intact.

use crate::support::{generate, shared, TempStore};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn killing_an_ingest_keeps_acknowledged_rows() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let small = dir.path().join("small.pcap");
    let big = dir.path().join("big.pcap");
    generate(
        &shared,
        &small,
        None,
        &["--responses", "3000", "--seed", "11", "--domains", "200"],
    );
    generate(
        &shared,
        &big,
        None,
        &["--responses", "60000", "--seed", "12"],
    );
    let store = TempStore::new();
    store.ok(&["ingest", small.to_str().expect("path")]);
    let before = store.export();
    assert!(!before.is_empty());

    for kill_after in [Duration::from_millis(150), Duration::from_millis(600)] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hark"))
            .arg("--db")
            .arg(store.path())
            .args(["ingest", "--cache-mb", "1", big.to_str().expect("path")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let started = Instant::now();
        while started.elapsed() < kill_after {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        child.kill().ok();
        child.wait().expect("reaped");
        // The store opens, and every acknowledged row is still there, counts not lowered.
        let after = store.export();
        for (key, (count, first, last)) in &before {
            let (c, f, l) = after
                .get(key)
                .unwrap_or_else(|| panic!("row lost after a crash: {key:?}"));
            assert!(
                c >= count && f <= first && l >= last,
                "row damaged after a crash: {key:?}"
            );
        }
    }
}
