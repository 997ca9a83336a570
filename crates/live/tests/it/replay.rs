//! Debian's `fstrm_replay` (the reference Frame Streams writer, from fstrm-bin) sends the
//! shared dnstap fixtures to a listener on a unix socket and on TCP: every frame arrives, and
//! the rows equal those of reading the same file directly.

use crate::support::*;
use hark_ingest::dnstap::{DnstapOptions, DnstapSource};
use hark_ingest::gzip::ExpansionLimit;
use hark_ingest::pipeline::{run, PipelineOptions, VecSink};
use hark_live::{Endpoint, ListenerConfig, ListenerStats};
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixtures() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/dnstap");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "../shared/fixtures is missing under CI"
    );
    eprintln!("skipped: ../shared/fixtures is missing");
    None
}

fn replay_tool() -> bool {
    let found = std::process::Command::new("fstrm_replay")
        .arg("--help")
        .output()
        .is_ok();
    assert!(
        found || std::env::var_os("CI").is_none(),
        "fstrm_replay (Debian fstrm-bin) is missing under CI; scripts/setup-test-clients.sh installs it"
    );
    found
}

/// Rows of a file read by the file source: (rrname, rdata) → count.
fn rows_of_file(path: &std::path::Path) -> (u64, BTreeMap<(String, String), u64>) {
    let mut source =
        DnstapSource::open(path, DnstapOptions::default(), ExpansionLimit::DEFAULT).unwrap();
    let sink = VecSink::default();
    let report = run(&mut source, &sink, &PipelineOptions::default(), &mut |_| {}).unwrap();
    let mut rows = BTreeMap::new();
    for batch in sink.into_batches() {
        for (key, tally) in &batch.rows {
            let parts = key.parts();
            let mut name = String::new();
            hark_dns::name::to_presentation(parts.rrname, &mut name).unwrap();
            let mut rdata = String::new();
            hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
            *rows.entry((name, rdata)).or_insert(0) += tally.count;
        }
    }
    (report.source.packets, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fstrm_replay_delivers_every_frame_over_unix_and_tcp() {
    let (Some(dir), true) = (fixtures(), replay_tool()) else {
        return;
    };
    let socket_dir = tempfile::tempdir().unwrap();
    for name in ["bind9__dnstap.saved.fstrm", "go-dnscollector__dnstap.fstrm"] {
        let file = dir.join(name);
        let (frames, expected) = rows_of_file(&file);
        for endpoint in [
            Endpoint::Unix(socket_dir.path().join("replay.sock")),
            "tcp:127.0.0.1:0".parse().unwrap(),
        ] {
            let running = Running::start(ListenerConfig::new("replay", endpoint)).await;
            let local = running.listener.local().to_string();
            let mut command = std::process::Command::new("fstrm_replay");
            command
                .args(["-t", "protobuf:dnstap.Dnstap", "-r"])
                .arg(&file);
            match local.split_once(':').unwrap() {
                ("unix", path) => command.args(["-u", path]),
                (_, address) => {
                    let (host, port) = address.rsplit_once(':').unwrap();
                    command.args(["-a", host, "-p", port])
                }
            };
            let status = tokio::time::timeout(
                TIMEOUT,
                tokio::task::spawn_blocking(move || command.status()),
            )
            .await
            .expect("fstrm_replay finishes (it waits for FINISH)")
            .unwrap()
            .unwrap();
            assert!(status.success(), "fstrm_replay {name} to {local}");
            let stats = running.listener.stats().clone();
            let (report, rows) = running.finish().await;
            assert_eq!(report.source.packets, frames, "{name} over {local}: frames");
            assert_eq!(rows, expected, "{name} over {local}: rows");
            assert!(
                stats.events().is_empty(),
                "{name} over {local}: {:?}",
                stats.events()
            );
            assert_eq!(ListenerStats::get(&stats.connections), 1);
        }
    }
}
