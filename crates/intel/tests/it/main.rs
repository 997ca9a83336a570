//! The analyses on scenario stores with a known story (`scenarios/*.md`), and on the
//! generator's world against answers computed independently from its truth file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod acme;
mod coverage;
mod generated;
mod support;
