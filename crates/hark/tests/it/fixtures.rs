//! Every shared capture, ingested one section at a time, against the independent tables in
//! `../shared/fixtures/expected` (tshark transport + dnspython parsing).

use crate::support::{assert_same_rows, normalise_rdata, shared, TempStore};
use std::collections::BTreeMap;

type Rows = BTreeMap<(String, String, String), (u64, i64, i64)>;

fn expected_rows(table: &str, section: &str) -> Rows {
    let mut rows = Rows::new();
    for line in table.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "expected table line: {line}");
        if f[3] != section {
            continue;
        }
        let key = (
            f[0].to_string(),
            f[1].to_string(),
            normalise_rdata(f[1], f[2]),
        );
        let value = (
            f[4].parse().expect("count"),
            f[5].parse().expect("time_first"),
            f[6].parse().expect("time_last"),
        );
        rows.insert(key, value);
    }
    rows
}

#[test]
fn every_capture_reproduces_its_expected_table_section_by_section() {
    let Some(shared) = shared() else { return };
    let pcaps = shared.join("fixtures/pcap");
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(&pcaps)
        .expect("pcap dir")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for pcap in names {
        let stem = pcap
            .file_name()
            .expect("name")
            .to_string_lossy()
            .replace(".pcap", "");
        let table = std::fs::read_to_string(shared.join(format!("fixtures/expected/{stem}.tsv")))
            .expect("every capture has an expected table");
        for section in ["answer", "authority", "additional"] {
            let store = TempStore::new();
            store.ok(&[
                "ingest",
                "--sections",
                section,
                pcap.to_str().expect("utf-8 path"),
            ]);
            let actual: Rows = store
                .export()
                .into_iter()
                .map(|((n, t, r), v)| {
                    let r = normalise_rdata(&t, &r);
                    ((n, t, r), v)
                })
                .collect();
            assert_same_rows(
                &format!("{stem} / {section}"),
                &expected_rows(&table, section),
                &actual,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 21, "7 captures × 3 sections");
}

#[test]
fn the_raw_message_corpus_never_breaks_ingest() {
    // The zeek corpus holds raw DNS messages; wrapped one by one into a pcap they go through
    // the whole ingest path. Every message is either stored or a counted skip.
    let Some(shared) = shared() else { return };
    let zip = shared.join("fixtures/corpus/zeek__dns-corpus.zip");
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("corpus.pcap");
    let script = r#"
import struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
out = open(sys.argv[2], 'wb')
out.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
n = 0
for info in z.infolist():
    if info.is_dir():
        continue
    msg = z.read(info)[:65000]
    udp = struct.pack('!HHHH', 53, 40000, 8 + len(msg), 0) + msg
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), n & 0xffff, 0, 64, 17, 0, bytes([192,0,2,53]), bytes([192,0,2,1])) + udp
    out.write(struct.pack('<IIII', 1700000000 + n, 0, len(ip), len(ip)) + ip)
    n += 1
print(n)
"#;
    let made = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&zip)
        .arg(&pcap)
        .output()
        .expect("python3 runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let messages: u64 = String::from_utf8_lossy(&made.stdout)
        .trim()
        .parse()
        .expect("count");
    assert!(
        messages >= 70,
        "the corpus holds 74 messages, got {messages}"
    );
    let store = TempStore::new();
    // The corpus holds raw responses with no queries before them: --unpaired.
    let out = store.run(&[
        "ingest",
        "--unpaired",
        "--sections",
        "all",
        pcap.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("skipped:"),
        "the summary lists skips: {stderr}"
    );
    // The store is usable afterwards and every stored row prints.
    let rows = store.export();
    assert!(!rows.is_empty(), "the corpus has valid responses too");
}
