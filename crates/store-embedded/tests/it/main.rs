//! The embedded engine against the shared store battery, plus reopen and recovery checks.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use hark_dns::{name, RrType};
use hark_record::{Checkpoint, SourceId};
use hark_record::{RrKey, RrKeyParts, Tally};
use hark_store::{Batch, Detail, Store};
use hark_store_embedded::EmbeddedStore;
use std::ops::ControlFlow;

#[test]
fn passes_the_store_battery() {
    let mut dirs = Vec::new();
    hark_store::battery::run_all(&mut || {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path()).expect("opens");
        dirs.push(dir);
        Box::new(store)
    });
}

#[test]
fn passes_the_store_battery_on_the_bulk_path() {
    let mut dirs = Vec::new();
    hark_store::battery::run_all(&mut || {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = EmbeddedStore::open(dir.path())
            .expect("opens")
            .with_bulk_threshold(0);
        dirs.push(dir);
        Box::new(store)
    });
}

fn a_row(owner: &str, last_octet: u8, time: i64) -> (RrKey, Tally) {
    let owner = name::from_presentation(owner).expect("valid");
    let key = RrKey::new(&RrKeyParts {
        rrname: &owner,
        rrtype: RrType::A,
        bailiwick: None,
        rdata: &[192, 0, 2, last_octet],
    })
    .expect("packs");
    (key, Tally::seen_at(time))
}

/// Commits rows (and checkpoints) in one batch.
fn commit_rows(store: &EmbeddedStore, rows: Vec<(RrKey, Tally)>, checkpoints: Vec<Checkpoint>) {
    store
        .commit(
            &Batch {
                rows,
                negatives: Vec::new(),
                checkpoints,
                certs: Vec::new(),
            },
            Detail::Figures,
        )
        .expect("commit");
}

fn all_rows(store: &EmbeddedStore) -> Vec<(RrKey, Tally)> {
    let mut rows = Vec::new();
    store
        .scan(&mut |row| {
            rows.push((row.key, row.tally));
            ControlFlow::Continue(())
        })
        .expect("scan");
    rows
}

#[test]
fn rows_survive_reopen_and_keep_merging() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = EmbeddedStore::open(dir.path()).expect("opens");
        commit_rows(&store, vec![a_row("a.example.", 1, 100)], Vec::new());
    }
    let store = EmbeddedStore::open(dir.path()).expect("reopens");
    commit_rows(&store, vec![a_row("a.example.", 1, 50)], Vec::new());
    let rows = all_rows(&store);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.count, 2);
    assert_eq!(rows[0].1.seen.map(|s| (s.first, s.last)), Some((50, 100)));
}

#[test]
fn a_second_process_cannot_open_the_same_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _first = EmbeddedStore::open(dir.path()).expect("opens");
    let second = EmbeddedStore::open(dir.path());
    assert!(second.is_err(), "the data directory is locked while open");
}

#[test]
fn a_store_of_another_format_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = EmbeddedStore::open(dir.path()).expect("opens");
        drop(store);
    }
    // Write a foreign format marker through fjall directly.
    {
        let db = fjall::Database::builder(dir.path())
            .open()
            .expect("opens raw");
        let meta = db
            .keyspace("meta", fjall::KeyspaceCreateOptions::default)
            .expect("meta");
        meta.insert("format", "hark-embedded-999").expect("insert");
        db.persist(fjall::PersistMode::SyncAll).expect("persist");
    }
    let err = EmbeddedStore::open(dir.path()).err().expect("refused");
    assert!(err.to_string().contains("hark-embedded-999"), "{err}");
}

fn raw_meta(dir: &std::path::Path, edit: impl FnOnce(&fjall::Keyspace)) {
    let db = fjall::Database::builder(dir).open().expect("opens raw");
    let meta = db
        .keyspace("meta", fjall::KeyspaceCreateOptions::default)
        .expect("meta");
    edit(&meta);
    db.persist(fjall::PersistMode::SyncAll).expect("persist");
}

#[test]
fn a_bulk_load_cut_short_is_rolled_back_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = SourceId(b"file:x".to_vec());
    {
        let store = EmbeddedStore::open(dir.path())
            .expect("opens")
            .with_bulk_threshold(0);
        let rows = (0..50)
            .map(|i| a_row(&format!("h{i}.example."), 1, 10))
            .collect();
        let checkpoint = Checkpoint {
            source: source.clone(),
            position: 50,
            done: true,
            options: 0,
            bytes: 500,
            note: "load".into(),
        };
        commit_rows(&store, rows, vec![checkpoint]);
        assert_eq!(all_rows(&store).len(), 50);
    }
    // The state a crash between the tables and the closing write batch leaves: the tables are
    // in, the marker is still there, the counters and checkpoint are as before the load.
    raw_meta(dir.path(), |meta| {
        meta.insert("bulk-pending", "").expect("marker");
        let mut empty = Vec::new();
        empty.extend_from_slice(&[0u8; 32]);
        meta.insert("counters", empty).expect("counters");
        meta.remove([&b"source/"[..], &source.0].concat())
            .expect("checkpoint");
    });
    let store = EmbeddedStore::open(dir.path()).expect("reopens");
    assert!(all_rows(&store).is_empty(), "the interrupted load is gone");
    let stats = store.stats().expect("stats");
    assert_eq!((stats.rows, stats.names), (0, 0));
    assert_eq!(store.checkpoint(&source).expect("reads"), None);
    // and the store works on: the same load again gives the rows once.
    let rows = (0..50)
        .map(|i| a_row(&format!("h{i}.example."), 1, 10))
        .collect();
    commit_rows(&store, rows, Vec::new());
    let rows = all_rows(&store);
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|(_, t)| t.count == 1));
    assert_eq!(store.stats().expect("stats").names, 50);
}

#[test]
fn a_format_1_store_is_migrated() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let store = EmbeddedStore::open(dir.path()).expect("opens");
        commit_rows(
            &store,
            vec![
                a_row("a.example.", 1, 1),
                a_row("a.example.", 2, 1),
                a_row("b.example.", 3, 1),
            ],
            Vec::new(),
        );
    }
    // What format 1 kept: no counters, a file mark under file/ + digest.
    raw_meta(dir.path(), |meta| {
        meta.insert("format", "hark-embedded-1").expect("format");
        meta.remove("counters").expect("counters");
        meta.insert(
            [&b"file/"[..], &[7u8; 32]].concat(),
            "old.pcap at 2026-01-01",
        )
        .expect("mark");
    });
    let store = EmbeddedStore::open(dir.path()).expect("migrates");
    let stats = store.stats().expect("stats");
    assert_eq!((stats.rows, stats.names, stats.files), (3, 2, 1));
    assert_eq!(stats.rows_per_type.get(&RrType::A), Some(&3));
    let checkpoint: Checkpoint = store
        .checkpoint(&SourceId([&b"file:"[..], &[7u8; 32]].concat()))
        .expect("reads")
        .expect("the file mark became a checkpoint");
    assert!(checkpoint.done);
    assert_eq!(checkpoint.note, "old.pcap at 2026-01-01");
    drop(store);
    let store = EmbeddedStore::open(dir.path()).expect("reopens migrated");
    assert_eq!(store.stats().expect("stats").rows, 3);
}
