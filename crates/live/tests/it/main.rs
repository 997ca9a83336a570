//! hark-live end to end: emitters written here and Debian's `fstrm_replay` connect to real
//! listeners on loopback sockets, and what reaches the pipeline is checked row by row.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a test failure

mod emitters;
mod hostile;
mod replay;
mod support;
mod tls;
