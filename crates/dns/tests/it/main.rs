//! Integration tests for hark-dns: property round trips, the raw-message
//! corpus, hand-written golden presentations, and the shared reference
//! tables.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod corpus;
mod expected;
mod golden;
mod roundtrip;

#[allow(dead_code)]
#[path = "../../benches/support/pcap_walk.rs"]
mod pcap_walk;

use std::path::PathBuf;

/// A file under `shared/fixtures/`, or `None` (with a note) when it is
/// missing outside CI. In CI a missing fixture fails the test.
pub fn fixture(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/"
    ))
    .join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("fixture {} is missing (CI is set)", path.display());
    }
    eprintln!("note: skipping, fixture {} is missing", path.display());
    None
}
