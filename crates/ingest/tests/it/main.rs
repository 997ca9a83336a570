//! Integration tests for hark-ingest's packet side: capture files, link layers, IP
//! defragmentation, TCP reassembly, against real fixtures, the shared generator and
//! hand-built hostile inputs.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod build;
mod capture_files;
mod dnstap;
mod encapsulations;
mod fixtures;
mod fragments;
mod generated;
mod links;
mod mutations;
mod ports;
mod tcp_streams;
