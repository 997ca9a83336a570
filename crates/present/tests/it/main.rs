//! The sections and renderers on the Acme scenario of hark-intel's tests
//! (`crates/intel/tests/it/scenarios/acme.md`): every line checked against the story.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod acme;
// hark-intel's scenario loader, shared with its tests rather than copied; only `load` and
// `Scenario::store` are used here.
#[allow(dead_code)]
#[path = "../../../intel/tests/it/support.rs"]
mod support;
