//! The embedded engine against the shared store battery, plus reopen and recovery checks.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

use hark_dns::{name, RrType};
use hark_record::{RrKey, RrKeyParts, Tally};
use hark_store::{Batch, Store};
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
        store
            .merge(&Batch {
                rows: vec![a_row("a.example.", 1, 100)],
                ..Batch::default()
            })
            .expect("merge");
        store.sync().expect("sync");
    }
    let store = EmbeddedStore::open(dir.path()).expect("reopens");
    store
        .merge(&Batch {
            rows: vec![a_row("a.example.", 1, 50)],
            ..Batch::default()
        })
        .expect("merge");
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
