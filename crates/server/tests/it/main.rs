//! End-to-end tests of the HTTP faces: a real server on 127.0.0.1 over an embedded store
//! loaded with hand-written rows, driven by a plain HTTP/1.1 client over TCP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod api;
mod circl;
mod compat;
mod compat_clients;
mod dnsdb;
mod flex;
mod flex_clickhouse;
mod hostile;
mod ratelimit;
mod serving;
mod support;
mod ui;
