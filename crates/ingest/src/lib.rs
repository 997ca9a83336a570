//! hark-ingest: turns capture files into DNS response messages and aggregated observations.
//! (crate doc to be completed)
#![deny(missing_docs)]

pub mod capture;
pub mod link;
pub mod defrag;
pub mod tcp;
pub mod extract;
pub mod stats;
pub mod aggregate;
pub mod pipeline;
pub mod cof;
