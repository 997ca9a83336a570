//! End-to-end tests of the `hark` binary on real inputs, checked against independent answers:
//! the shared fixtures' tables (tshark + dnspython) and the generator's ground truth.

#![allow(clippy::unwrap_used)] // test code: a panic is a test failure

mod alongside;
mod capture;
mod cli;
mod clickhouse;
mod clients;
mod crash;
mod ct;
mod dnstap;
mod fetch;
mod fixtures;
mod generated;
mod gzip_bomb;
mod hostile_serve;
mod imports;
mod licences;
mod recon;
mod resolvers;
mod run_service;
mod sensor;
mod served;
mod support;
mod ui_browser;
mod verify;
mod watch;
