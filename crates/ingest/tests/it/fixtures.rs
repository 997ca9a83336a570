//! Real captures from other projects, checked against the independent tables in
//! `shared/fixtures/expected/` (built with tshark and dnspython).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hark_ingest::capture::CaptureReader;
use hark_ingest::extract::{ExtractConfig, Transport};

use crate::build::{ancount, run_reader, Outcome};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures");

/// The fixtures directory, or None (with a note) when it is absent outside CI.
pub fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(FIXTURES);
    if dir.join("pcap").is_dir() {
        return Some(dir);
    }
    if std::env::var_os("CI").is_some() {
        panic!("shared fixtures missing at {}", dir.display());
    }
    eprintln!(
        "note: shared fixtures not found at {}; skipping",
        dir.display()
    );
    None
}

/// What the expected table says about one capture.
#[derive(Debug, Default)]
struct Expected {
    responses: u64,
    /// Sum of `count` over answer rows: answer RRs over all responses.
    answer_rrs: u64,
    time_first: Option<i64>,
    time_last: Option<i64>,
}

fn expected(dir: &Path, name: &str) -> Expected {
    let path = dir.join("expected").join(format!("{name}.tsv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let first = lines.next().expect("header line");
    let responses = first
        .split_whitespace()
        .find_map(|w| w.strip_prefix("responses_parsed="))
        .expect("responses_parsed= in the first line")
        .parse()
        .expect("a number");
    let mut e = Expected {
        responses,
        ..Expected::default()
    };
    for line in lines.skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [_, _, _, section, count, first, last] = cols[..] else {
            panic!("bad row in {}: {line}", path.display());
        };
        let first: i64 = first.parse().expect("time_first");
        let last: i64 = last.parse().expect("time_last");
        e.time_first = Some(e.time_first.map_or(first, |t| t.min(first)));
        e.time_last = Some(e.time_last.map_or(last, |t| t.max(last)));
        if section == "answer" {
            e.answer_rrs += count.parse::<u64>().expect("count");
        }
    }
    e
}

fn run_fixture(dir: &Path, name: &str) -> Outcome {
    let path = dir.join("pcap").join(name);
    let reader = CaptureReader::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let outcome = run_reader(reader, ExtractConfig::default());
    assert!(outcome.error.is_none(), "{name}: {:?}", outcome.error);
    outcome
}

#[test]
fn every_fixture_gives_the_expected_responses() {
    let Some(dir) = fixtures() else { return };
    let mut names: Vec<String> = std::fs::read_dir(dir.join("pcap"))
        .expect("pcap dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 7, "{names:?}");
    let mut report = BTreeMap::new();
    for name in &names {
        let stem = name.trim_end_matches(".pcap");
        let want = expected(&dir, stem);
        let got = run_fixture(&dir, name);
        let answers: u64 = got
            .messages
            .iter()
            .map(|m| u64::from(ancount(&m.payload)))
            .sum();
        // Responses with answer or authority records (a TC=1 reply has none, and OPT
        // is not listed in the table).
        let with_records = got.messages.iter().filter(|m| {
            ancount(&m.payload) > 0 || u16::from_be_bytes([m.payload[8], m.payload[9]]) > 0
        });
        let first = with_records.clone().map(|m| m.ts_sec).min();
        let last = with_records.map(|m| m.ts_sec).max();
        report.insert(
            name.clone(),
            (
                (got.messages.len() as u64, want.responses),
                (answers, want.answer_rrs),
                (first, want.time_first),
                (last, want.time_last),
                got.stats.skips.total(),
            ),
        );
    }
    for (name, (count, answers, first, last, skips)) in &report {
        assert_eq!(
            count.0, count.1,
            "{name}: messages emitted vs responses_parsed\n{report:#?}"
        );
        assert_eq!(
            answers.0, answers.1,
            "{name}: ANCOUNT sum vs answer rows\n{report:#?}"
        );
        assert_eq!(first.0, first.1, "{name}: first time\n{report:#?}");
        assert_eq!(last.0, last.1, "{name}: last time\n{report:#?}");
        assert_eq!(*skips, 0, "{name}: nothing skipped\n{report:#?}");
    }
}

#[test]
fn truncated_udp_then_tcp_reply_of_2048_records() {
    let Some(dir) = fixtures() else { return };
    let got = run_fixture(
        &dir,
        "go-dnscollector__dnsdump_udp_truncated_and_tcp_fragmented.pcap",
    );
    assert_eq!(got.messages.len(), 2);
    let udp = &got.messages[0];
    assert_eq!(udp.transport, Transport::Udp);
    assert_ne!(udp.payload[2] & 0x02, 0, "the UDP reply has TC=1");
    let tcp = &got.messages[1];
    assert_eq!(tcp.transport, Transport::Tcp);
    assert_eq!(ancount(&tcp.payload), 2048);
    assert_eq!(tcp.payload[2] & 0x02, 0, "the TCP reply is not truncated");
    assert_eq!(
        ancount(&udp.payload),
        0,
        "the truncated reply carries no answers"
    );
    assert!(udp.ts_sec < tcp.ts_sec || udp.ts_nanos < tcp.ts_nanos);
    // Question + 2048 A records with compressed owners (16 bytes each) fit the message.
    assert!(tcp.payload.len() > 2048 * 16, "{}", tcp.payload.len());
    assert_eq!(got.stats.tcp_streams, 1);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn ipv4_fragmented_dnskey_reply_is_reassembled() {
    let Some(dir) = fixtures() else { return };
    let got = run_fixture(&dir, "go-dnscollector__dnsdump_ip4_fragmented_and_udp.pcap");
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.stats.fragments, 2);
    assert_eq!(got.stats.reassembled, 1);
    let m = &got.messages[0];
    assert_eq!(m.transport, Transport::Udp);
    // DNSKEY 256, DNSKEY 257 and their RRSIGs: 4 answer rows in the expected table.
    assert_eq!(ancount(&m.payload), 4);
    assert!(
        m.payload.len() > 1500,
        "bigger than one Ethernet frame: {}",
        m.payload.len()
    );
}

#[test]
fn tcp_lookups_one_per_connection() {
    let Some(dir) = fixtures() else { return };
    let got = run_fixture(&dir, "gopassivedns__100_tcp_lookups.pcap");
    assert_eq!(got.messages.len(), 300);
    assert!(got.messages.iter().all(|m| m.transport == Transport::Tcp));
    assert_eq!(got.stats.tcp_messages, 300);
    assert_eq!(got.stats.tcp_streams, 300);
    assert_eq!(got.stats.queries, 300);
}
