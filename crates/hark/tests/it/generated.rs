//! Captures from the shared generator, against its exact ground truth.

use crate::support::{assert_same_rows, generate, shared, TempStore};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Rows = BTreeMap<(String, String, String), (u64, i64, i64)>;

/// The truth file: every tuple with (count, first, last) and its sections mask.
fn truth(path: &Path) -> (Rows, BTreeSet<(String, String, String)>) {
    let mut all = Rows::new();
    let mut answer = BTreeSet::new();
    for line in std::fs::read_to_string(path)
        .expect("truth")
        .lines()
        .filter(|l| !l.starts_with('#'))
    {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "truth line: {line}");
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        let seconds = |s: &str| s.parse::<f64>().expect("time").floor() as i64;
        all.insert(
            key.clone(),
            (f[5].parse().expect("count"), seconds(f[3]), seconds(f[4])),
        );
        let sections: u8 = f[6].parse().expect("sections");
        if sections & 1 != 0 {
            answer.insert(key);
        }
    }
    (all, answer)
}

/// Splits a classic pcap into two at the record boundary nearest the middle.
fn split_pcap(pcap: &Path, first: &Path, second: &Path) {
    let bytes = std::fs::read(pcap).expect("pcap");
    let (header, mut rest) = bytes.split_at(24);
    let mut records = Vec::new();
    while rest.len() >= 16 {
        let caplen = u32::from_le_bytes(rest[8..12].try_into().expect("4 bytes")) as usize;
        let (record, tail) = rest.split_at(16 + caplen);
        records.push(record);
        rest = tail;
    }
    let middle = records.len() / 2;
    for (path, part) in [(first, &records[..middle]), (second, &records[middle..])] {
        let mut out = header.to_vec();
        for r in part {
            out.extend_from_slice(r);
        }
        std::fs::write(path, out).expect("write half");
    }
}

#[test]
fn generated_traffic_reproduces_the_ground_truth_exactly() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    for seed in ["3", "4"] {
        let pcap = dir.path().join(format!("g{seed}.pcap"));
        let truth_path = dir.path().join(format!("g{seed}.tsv"));
        let figures = generate(
            &shared,
            &pcap,
            Some(&truth_path),
            &[
                "--responses",
                "20000",
                "--seed",
                seed,
                "--tcp-share",
                "0.2",
                "--ipv6-share",
                "0.3",
                "--domains",
                "500",
            ],
        );
        let (all, answer) = truth(&truth_path);
        assert_eq!(all.len().to_string(), figures["unique_tuples"]);
        let pcap_arg = pcap.to_str().expect("path");

        let store = TempStore::new();
        let out = store.run(&["ingest", "--sections", "all", pcap_arg]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let summary = String::from_utf8_lossy(&out.stderr);
        let expected_responses = figures["responses"].parse::<u64>().unwrap()
            + figures["truncated_udp"].parse::<u64>().unwrap();
        assert!(
            summary.contains(&format!(
                "{expected_responses} responses ({} truncated)",
                figures["truncated_udp"]
            )),
            "summary: {summary}"
        );
        let negatives =
            figures["nxdomain"].parse::<u64>().unwrap() + figures["nodata"].parse::<u64>().unwrap();
        assert!(
            summary.contains(&format!("{negatives} negative answers")),
            "summary: {summary}"
        );
        assert_same_rows(&format!("seed {seed}, all sections"), &all, &store.export());

        let answers_only = TempStore::new();
        answers_only.ok(&["ingest", "--sections", "answer", pcap_arg]);
        let got: BTreeSet<_> = answers_only.export().into_keys().collect();
        assert_eq!(
            got.len(),
            answer.len(),
            "seed {seed}: answer-section tuples"
        );
        assert!(
            got == answer,
            "seed {seed}: answer-section tuples differ from the truth's bit-1 set"
        );

        let first = dir.path().join("first.pcap");
        let second = dir.path().join("second.pcap");
        split_pcap(&pcap, &first, &second);
        for order in [[&first, &second], [&second, &first]] {
            let halves = TempStore::new();
            // The cut between the halves separates a few answers from their queries, and
            // pairing works within one capture: the halves are read --unpaired.
            for half in order {
                halves.ok(&[
                    "ingest",
                    "--unpaired",
                    "--sections",
                    "all",
                    half.to_str().expect("path"),
                ]);
            }
            assert_same_rows(&format!("seed {seed}, halves"), &all, &halves.export());
        }
    }
}

#[test]
fn small_cache_gives_the_same_store_as_a_large_one() {
    // Flushing many small batches (bounded memory) must not change a single row.
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("g.pcap");
    let truth_path = dir.path().join("g.tsv");
    generate(
        &shared,
        &pcap,
        Some(&truth_path),
        &["--responses", "20000", "--seed", "5", "--domains", "300"],
    );
    let (all, _) = truth(&truth_path);
    let store = TempStore::new();
    let out = store.run(&[
        "ingest",
        "--sections",
        "all",
        "--cache-mb",
        "1",
        pcap.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_rows("1 MiB cache", &all, &store.export());
}
