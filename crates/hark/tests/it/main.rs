//! End-to-end tests of the `hark` binary on real inputs, checked against independent answers:
//! the shared fixtures' tables (tshark + dnspython) and the generator's ground truth.

mod cli;
mod crash;
mod fixtures;
mod generated;
mod support;
