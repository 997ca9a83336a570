//! Captures from the shared generator (`shared/bench/gen_pcap.py`), checked against the
//! counts it prints.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use hark_ingest::capture::CaptureReader;
use hark_ingest::extract::{ExtractConfig, Transport};

use crate::build::run_reader;

const GENERATOR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/bench/gen_pcap.py"
);

/// Runs the generator; None (with a note) when it or python3 is missing outside CI.
fn generate(seed: u32, out: &std::path::Path) -> Option<HashMap<String, String>> {
    let script = PathBuf::from(GENERATOR);
    if !script.is_file() {
        if std::env::var_os("CI").is_some() {
            panic!("generator missing at {}", script.display());
        }
        eprintln!(
            "note: generator not found at {}; skipping",
            script.display()
        );
        return None;
    }
    let output = Command::new("python3")
        .arg(&script)
        .args(["--responses", "3000", "--seed", &seed.to_string()])
        .args(["--tcp-share", "0.3", "--ipv6-share", "0.3", "--out"])
        .arg(out)
        .output();
    let output = match output {
        Ok(output) => output,
        Err(err) if std::env::var_os("CI").is_none() => {
            eprintln!("note: cannot run python3 ({err}); skipping");
            return None;
        }
        Err(err) => panic!("cannot run python3: {err}"),
    };
    assert!(
        output.status.success(),
        "generator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    Some(
        stdout
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

fn number(stats: &HashMap<String, String>, key: &str) -> u64 {
    stats
        .get(key)
        .unwrap_or_else(|| panic!("generator printed no {key}: {stats:?}"))
        .parse()
        .expect("a number")
}

fn check_seed(seed: u32) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(format!("gen{seed}.pcap"));
    let Some(printed) = generate(seed, &path) else {
        return;
    };
    let reader = CaptureReader::open(&path).expect("generated pcap opens");
    let got = run_reader(reader, ExtractConfig::default());
    assert!(got.error.is_none(), "{:?}", got.error);
    let responses = number(&printed, "responses");
    let truncated = number(&printed, "truncated_udp");
    let udp = number(&printed, "udp");
    let tcp = number(&printed, "tcp");
    assert_eq!(got.packets, number(&printed, "frames"));
    assert_eq!(
        got.messages.len() as u64,
        responses + truncated,
        "seed {seed}: {:?}",
        got.stats
    );
    assert_eq!(got.stats.udp_messages, udp + truncated, "seed {seed}");
    assert_eq!(got.stats.tcp_messages, tcp, "seed {seed}");
    let tc_set = got
        .messages
        .iter()
        .filter(|m| m.transport == Transport::Udp && m.payload[2] & 0x02 != 0)
        .count() as u64;
    assert_eq!(tc_set, truncated, "seed {seed}: UDP replies with TC=1");
    // Every query was answered once: as many queries as responses.
    assert_eq!(got.stats.queries, responses + truncated, "seed {seed}");
    assert!(
        got.stats.skips.is_empty(),
        "seed {seed}: {:?}",
        got.stats.skips
    );
    // Timestamps come out in capture order within each transport.
    for transport in [Transport::Udp, Transport::Tcp] {
        let times: Vec<(i64, u32)> = got
            .messages
            .iter()
            .filter(|m| m.transport == transport)
            .map(|m| (m.ts_sec, m.ts_nanos))
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "seed {seed}");
    }
}

#[test]
fn generated_seed_1() {
    check_seed(1);
}

#[test]
fn generated_seed_2() {
    check_seed(2);
}
