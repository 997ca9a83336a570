//! Integration tests of hark-cof: everything written reads back.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod roundtrip;
