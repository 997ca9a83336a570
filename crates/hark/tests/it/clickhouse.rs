//! hark on a 2-shard ClickHouse cluster (`../shared/harness/clickhouse`): the reference
//! capture gives the same export as the embedded store, two writers ingest at once, and the
//! real clients get the same answers from `hark serve` over the cluster.

#[path = "../../../store-clickhouse/tests/it/cluster.rs"]
#[allow(dead_code)] // shared with the engine's tests, which use all of it
mod cluster;

use crate::clients::{dnsdbq, every_lookup_kind, pypdns_checks};
use crate::served::Served;

use crate::support::{generate, shared, TempStore};
use cluster::Cluster;
use std::process::Command;

/// `hark export` (rows and negatives) of a store, as text sorted by line.
fn exported(store: &TempStore) -> (Vec<String>, Vec<String>) {
    let sort = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    (
        sort(store.ok(&["export"])),
        sort(store.ok(&["export", "--negatives"])),
    )
}

#[test]
fn the_reference_capture_exports_the_same_rows_from_the_cluster() {
    let Some(shared) = shared() else { return };
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let embedded = TempStore::new();
    let capture = embedded.dir.path().join("reference.pcap");
    generate(
        &shared,
        &capture,
        None,
        &["--responses", "30000", "--seed", "11"],
    );
    let on_cluster = TempStore::clickhouse(cluster.url("reference", ""));
    let capture = capture.to_str().unwrap();
    embedded.ok(&["ingest", capture]);
    on_cluster.ok(&["ingest", capture]);
    let (rows, negatives) = exported(&on_cluster);
    assert!(rows.len() > 10_000, "{} rows", rows.len());
    assert!(!negatives.is_empty());
    assert!(
        exported(&embedded) == (rows, negatives),
        "the cluster's export differs from the embedded store's"
    );
    // Ingesting the same capture again is a replay of a finished source: nothing changes.
    on_cluster.ok(&["ingest", capture]);
    let check = on_cluster.ok(&["store", "check", "--json"]);
    let report: serde_json::Value = serde_json::from_str(&check).unwrap();
    assert_eq!(report["unapplied_batches"], 0);
    assert_eq!(report["shards"].as_array().unwrap().len(), 2);
    assert!(exported(&embedded) == exported(&on_cluster));
}

#[test]
fn two_writers_at_once_count_every_response_once() {
    let Some(shared) = shared() else { return };
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let embedded = TempStore::new();
    let captures: Vec<String> = (0..2)
        .map(|i| {
            let path = embedded.dir.path().join(format!("part{i}.pcap"));
            generate(
                &shared,
                &path,
                None,
                &["--responses", "20000", "--seed", &format!("{}", 20 + i)],
            );
            path.to_str().unwrap().to_string()
        })
        .collect();
    for capture in &captures {
        embedded.ok(&["ingest", capture]);
    }
    // The schema first, then two processes writing to the cluster at the same time.
    let on_cluster = TempStore::clickhouse(cluster.url("writers", ""));
    on_cluster.ok(&["store", "migrate"]);
    let writers: Vec<_> = captures
        .iter()
        .enumerate()
        .map(|(i, capture)| {
            Command::new(env!("CARGO_BIN_EXE_hark"))
                .arg("--store")
                .arg(cluster.url("writers", &format!("?writer=w{i}")))
                // A small cache: many commits from each writer, interleaved.
                .args(["ingest", "--cache-mb", "1", capture])
                .env_remove("HARK_DB")
                .env_remove("HARK_STORE")
                .spawn()
                .unwrap()
        })
        .collect();
    for mut writer in writers {
        assert!(writer.wait().unwrap().success());
    }
    assert!(
        exported(&embedded) == exported(&on_cluster),
        "two writers gave another store than one writer reading both captures"
    );
}

#[test]
fn dnsdbq_and_pypdns_get_the_same_answers_from_the_cluster() {
    let Some(bin) = dnsdbq() else { return };
    let Some(cluster) = Cluster::start() else {
        return;
    };
    let served = Served::start_on(TempStore::clickhouse(cluster.url("clients", "")), "");
    every_lookup_kind(&bin, &served);
    pypdns_checks(&served);
}
