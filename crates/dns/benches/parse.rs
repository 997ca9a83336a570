//! Parse + iterate all records (with reversed owner keys) of realistic
//! responses from the shared traffic generator.
//!
//! Input: `$HARK_BENCH_PCAP`, or else
//! `python3 shared/bench/gen_pcap.py --responses 20000 --seed 7` into a
//! temporary file. Run: `cargo bench -p hark-dns --bench parse`.

// criterion_group! generates an undocumented pub fn.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::process::Command;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hark_dns::{name, ResponseParser};

#[path = "support/pcap_walk.rs"]
mod pcap_walk;

fn load_pcap() -> Vec<u8> {
    if let Ok(path) = std::env::var("HARK_BENCH_PCAP") {
        return std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/bench/gen_pcap.py"
    );
    let out: PathBuf =
        std::env::temp_dir().join(format!("hark-dns-bench-{}.pcap", std::process::id()));
    let status = Command::new("python3")
        .arg(script)
        .args(["--responses", "20000", "--seed", "7", "--out"])
        .arg(&out)
        .status()
        .expect("running python3 gen_pcap.py");
    assert!(status.success(), "gen_pcap.py failed");
    let bytes = std::fs::read(&out).expect("reading generated pcap");
    let _ = std::fs::remove_file(&out);
    bytes
}

fn bench_parse(c: &mut Criterion) {
    let file = load_pcap();
    let messages = pcap_walk::udp_dns_responses(&file).expect("classic Ethernet pcap");
    assert!(!messages.is_empty(), "no UDP responses in the pcap");
    let mut parser = ResponseParser::new();
    let mut records = 0usize;
    let mut parsed = 0usize;
    for message in &messages {
        if let Ok(response) = parser.parse(message) {
            parsed += 1;
            records += response.record_count();
        }
    }
    eprintln!(
        "{} UDP responses, {} parse, {:.2} records per response",
        messages.len(),
        parsed,
        records as f64 / parsed.max(1) as f64
    );

    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Elements(messages.len() as u64));
    group.bench_function("responses_with_keys", |b| {
        let mut key = Vec::with_capacity(512);
        b.iter(|| {
            let mut total = 0usize;
            for message in &messages {
                if let Ok(response) = parser.parse(message) {
                    for record in response.records() {
                        key.clear();
                        name::reversed_key(record.owner, &mut key);
                        total += key.len() + record.rdata.len();
                    }
                }
            }
            assert!(total > 0);
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
