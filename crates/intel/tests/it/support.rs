//! Scenario stores: COF rows and a negatives table, loaded into a fresh embedded store.

use hark_record::{NegativeKey, Tally, TimeSpan};
use hark_store::{Batch, Store};
use std::path::Path;

/// A store in a temporary directory, removed at drop.
pub struct Scenario {
    pub store: hark_store_embedded::EmbeddedStore,
    _dir: tempfile::TempDir,
}

/// The scenario files, named so that they are found from both crates whose tests share this
/// module: hark-intel's, and hark-present's (which includes it by path).
const SCENARIOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../intel/tests/it/scenarios");

/// Loads `scenarios/NAME.json` (COF) and `scenarios/NAME-negatives.tsv`.
pub fn load(name: &str) -> Scenario {
    let base = Path::new(SCENARIOS);
    let dir = tempfile::tempdir().unwrap();
    let store = hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let mut batch = Batch::default();
    let rows = std::fs::read_to_string(base.join(format!("{name}.json"))).unwrap();
    for line in rows.lines() {
        for row in hark_ingest::cof::parse_line(line).unwrap() {
            batch.rows.push(row.into_entry().unwrap());
        }
    }
    let negatives = std::fs::read_to_string(base.join(format!("{name}-negatives.tsv"))).unwrap();
    for line in negatives.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        batch.negatives.push((
            NegativeKey {
                qname: hark_dns::name::from_presentation(f[0])
                    .unwrap()
                    .into_boxed_slice(),
                qtype: f[1].parse().unwrap(),
                rcode: f[2].parse().unwrap(),
            },
            Tally {
                seen: Some(TimeSpan {
                    first: f[3].parse().unwrap(),
                    last: f[4].parse().unwrap(),
                }),
                zone_seen: None,
                count: f[5].parse().unwrap(),
            },
        ));
    }
    store.commit(&batch, hark_store::Detail::Figures).unwrap();
    Scenario { store, _dir: dir }
}

/// 2023-01-01 plus `days`, as the scenarios count time.
pub fn day(days: i64) -> i64 {
    1_672_531_200 + days * 86_400
}

/// Owned strings.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl Scenario {
    pub fn store(&self) -> &dyn Store {
        &self.store
    }
}
