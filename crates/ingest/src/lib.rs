//! hark-ingest: turns capture files into DNS response messages and aggregated observations.
//! (crate doc to be completed)
#![deny(missing_docs)]

pub mod aggregate;
pub mod capture;
pub mod cof;
pub mod defrag;
pub mod extract;
pub mod link;
pub mod pipeline;
pub mod stats;
pub mod tcp;
