//! Integration tests of hark-watch: rule files, each rule kind over a real embedded store and
//! its change feed, the alert log across reopenings, and sinks talking to receivers on
//! 127.0.0.1. Every expected alert is written by hand.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod kinds;
mod log;
mod lookalike;
mod rule_file;
mod sinks;

use hark_dns::RrType;
use hark_record::{Batch, NegativeKey, RrKey, RrKeyParts, Tally};
use hark_store::Writer;
use hark_store_embedded::EmbeddedStore;
use hark_watch::{Alert, AlertLog, RuleSet, Watcher};
use std::sync::Arc;

/// Canonical wire name.
pub fn wire(text: &str) -> Vec<u8> {
    hark_dns::name::from_presentation(text).unwrap()
}

/// A row seen once at `time`.
pub fn row(rrname: &str, rrtype: &str, rdata: &str, time: i64) -> (RrKey, Tally) {
    let rrtype: RrType = rrtype.parse().unwrap();
    let rdata = hark_dns::rdata::from_presentation(rrtype, rdata).unwrap();
    let rrname = wire(rrname);
    let key = RrKey::new(&RrKeyParts {
        rrname: &rrname,
        rrtype,
        bailiwick: None,
        rdata: &rdata,
    })
    .unwrap();
    (key, Tally::seen_at(time))
}

/// An NXDOMAIN seen once at `time`.
pub fn nxdomain(qname: &str, qtype: &str, time: i64) -> (NegativeKey, Tally) {
    (
        NegativeKey {
            qname: wire(qname).into(),
            qtype: qtype.parse().unwrap(),
            rcode: 3,
        },
        Tally::seen_at(time),
    )
}

/// A store, its alert log and a watcher with `rules`.
pub struct Env {
    /// Holds the store and the log.
    pub dir: tempfile::TempDir,
    /// The store.
    pub store: Arc<EmbeddedStore>,
    /// The alert log.
    pub log: Arc<AlertLog>,
    /// The watcher, subscribed to every commit of [`Env::commit`].
    pub watcher: Arc<Watcher>,
}

impl Env {
    /// A fresh directory with `rules`.
    pub fn new(rules: &str) -> Env {
        let dir = tempfile::tempdir().unwrap();
        Env::in_dir(dir, rules)
    }

    /// `dir` (new or reused) with `rules`.
    pub fn in_dir(dir: tempfile::TempDir, rules: &str) -> Env {
        let rules = RuleSet::parse(rules, dir.path()).unwrap();
        let store = Arc::new(EmbeddedStore::open(&dir.path().join("db")).unwrap());
        let log = Arc::new(AlertLog::open(&dir.path().join("watch")).unwrap());
        let watcher = Arc::new(Watcher::new(store.clone(), log.clone(), rules));
        Env {
            dir,
            store,
            log,
            watcher,
        }
    }

    /// Commits rows and negatives through a writer the watcher listens to.
    pub fn commit(&self, rows: Vec<(RrKey, Tally)>, negatives: Vec<(NegativeKey, Tally)>) {
        let writer = Writer::new(&*self.store);
        writer.feed().subscribe(self.watcher.subscriber());
        hark_record::Sink::commit(
            &writer,
            Batch {
                rows,
                negatives,
                checkpoints: Vec::new(),
                certs: Vec::new(),
            },
        )
        .unwrap();
    }

    /// Commits certificate-name rows ((name, issuer, time)) through a writer the watcher
    /// listens to.
    pub fn commit_certs(&self, certs: &[(&str, &str, i64)]) {
        let writer = Writer::new(&*self.store);
        writer.feed().subscribe(self.watcher.subscriber());
        let certs = certs
            .iter()
            .map(|(name, issuer, time)| {
                (
                    hark_record::CertKey::new(&wire(name), issuer),
                    Tally::seen_at(*time),
                )
            })
            .collect();
        hark_record::Sink::commit(
            &writer,
            Batch {
                certs,
                ..Batch::default()
            },
        )
        .unwrap();
    }

    /// Every alert.
    pub fn alerts(&self) -> Vec<Alert> {
        self.watcher.flush();
        self.log.list().unwrap()
    }

    /// (rule, subject) of every alert, sorted.
    pub fn subjects(&self) -> Vec<(String, String)> {
        let mut list: Vec<_> = self
            .alerts()
            .into_iter()
            .map(|a| (a.rule, a.subject))
            .collect();
        list.sort();
        list
    }
}

/// Sorted owned pairs.
pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut list: Vec<_> = list
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    list.sort();
    list
}
