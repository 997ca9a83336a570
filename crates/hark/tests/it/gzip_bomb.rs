//! A gzip bomb given to `hark ingest`: a real capture followed by megabytes of zeros,
//! compressed. The ingest stops at `--max-gzip-ratio`, says why, keeps the capture's rows, and
//! leaves the file unfinished, so it is never refused as ingested and a run without the limit
//! finishes it without counting anything twice.

use crate::support::{shared, TempStore};
use std::io::Write;

/// The fixture's bytes followed by `zeros` zero bytes (empty pcap records), gzip-compressed.
fn bomb_of(capture: &[u8], zeros: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(capture).unwrap();
    encoder.write_all(&vec![0; zeros]).unwrap();
    encoder.finish().unwrap()
}

fn stderr_of(store: &TempStore, args: &[&str]) -> String {
    let out = store.run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "hark {args:?} failed:\n{stderr}");
    stderr
}

#[test]
fn a_gzip_bomb_stops_at_the_limit_and_is_not_marked_ingested() {
    let Some(shared) = shared() else { return };
    // A classic pcap (little-endian, µs): zeros after it read as empty records.
    let fixture = shared.join("fixtures/pcap/dnscap__dns.pcap");
    let capture = std::fs::read(&fixture).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("bomb.pcap.gz");
    std::fs::write(&bomb, bomb_of(&capture, 8 << 20)).unwrap();
    let bomb = bomb.to_str().unwrap();

    let clean = TempStore::new();
    clean.ok(&["ingest", "--no-progress", fixture.to_str().unwrap()]);
    let expected = clean.export();
    assert!(!expected.is_empty());

    let store = TempStore::new();
    let limited = [
        "ingest",
        "--no-progress",
        "--max-gzip-ratio",
        "50",
        "--gzip-ratio-after-mib",
        "1",
        bomb,
    ];
    let stderr = stderr_of(&store, &limited);
    assert!(
        stderr.contains("bomb.pcap.gz: capture ") && stderr.contains("more than the limit of 50×"),
        "the summary names the file and the ratio:\n{stderr}"
    );
    assert!(stderr.contains("raise --max-gzip-ratio"), "{stderr}");
    assert!(stderr.contains("gzip_expansion_limit=1"), "{stderr}");
    assert!(stderr.contains("not read to its end"), "{stderr}");
    // What came before the stop is kept, as for a file cut short.
    assert_eq!(
        store.export(),
        expected,
        "the capture's rows before the stop"
    );

    // Not refused as ingested: it resumes after what was stored, adds nothing, stops again.
    let stderr = stderr_of(&store, &limited);
    assert!(!stderr.contains("ingested before"), "{stderr}");
    assert!(stderr.contains("resumed after the first"), "{stderr}");
    assert!(stderr.contains("gzip_expansion_limit=1"), "{stderr}");
    assert_eq!(store.export(), expected, "nothing counted twice");

    // Without a limit the file is read to its end and finished; then it is refused.
    let stderr = stderr_of(
        &store,
        &["ingest", "--no-progress", "--max-gzip-ratio", "0", bomb],
    );
    assert!(!stderr.contains("not read to its end"), "{stderr}");
    assert!(!stderr.contains("gzip_expansion_limit"), "{stderr}");
    assert_eq!(store.export(), expected, "the zeros add nothing");
    let stderr = stderr_of(&store, &limited);
    assert!(stderr.contains("ingested before"), "{stderr}");
}
