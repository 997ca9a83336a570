//! hark-store: the [`Store`] trait every storage engine implements, and the queries it answers.
//!
//! A store keeps one row per (rrname, rrtype, rdata, bailiwick) with a [`Tally`] (first/last
//! seen, count), plus negative rows per (qname, qtype, rcode). It folds [`Batch`]es in with the
//! one merge rule of `hark-record`, and answers:
//! - [`RrsetQuery`]: rows by owner name, exact or with a left (`*.example.com`) or right
//!   (`www.example.*`) wildcard, optional type and bailiwick;
//! - [`RdataQuery`]: rows by what they point at: an address, CIDR or range; a name (who points
//!   at `ns1.example.net`, who points into `*.cloudfront.net`); raw rdata bytes;
//! - [`NegativeQuery`]: NXDOMAIN and NODATA answers by question name.
//!
//! Every lookup takes a [`TimeFence`] and streams rows to a visitor, which can stop the scan
//! early (a limit reached, a client gone).
//!
//! It is not: an engine. The embedded LSM engine and the ClickHouse engine live in their own
//! crates, and only the `hark` binary picks one, so analyses and servers cannot reach into
//! engine internals. [`battery`] holds the tests every engine must pass.
//!
//! ```
//! use hark_store::{NamePattern, RrsetQuery, TimeFence};
//! let query = RrsetQuery {
//!     name: NamePattern::parse("*.example.com")?,
//!     rrtype: Some(hark_dns::RrType::A),
//!     bailiwick: None,
//!     fence: TimeFence { last_after: Some(1_700_000_000), ..TimeFence::default() },
//! };
//! assert!(query.name.matches(&hark_dns::name::from_presentation("www.example.com.").unwrap()));
//! # Ok::<(), hark_store::PatternError>(())
//! ```
#![deny(missing_docs)]

pub mod battery;
mod query;

pub use hark_record::{Batch, NegativeKey, RrKey, Tally};
pub use query::{
    IpRange, NamePattern, NegativeQuery, PatternError, RangeError, RdataMatch, RdataQuery,
    RrsetQuery, TimeFence,
};

use hark_dns::RrType;
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// One stored RR row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// (rrname, rrtype, bailiwick, rdata).
    pub key: RrKey,
    /// First/last seen and count.
    pub tally: Tally,
}

/// One stored negative row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NegativeRow {
    /// (qname, qtype, rcode).
    pub key: NegativeKey,
    /// First/last seen and count.
    pub tally: Tally,
}

/// What merging a batch changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// RR rows that did not exist before.
    pub new_rows: u64,
    /// RR rows that existed and were merged into.
    pub updated_rows: u64,
    /// Negative rows that did not exist before.
    pub new_negatives: u64,
}

impl MergeSummary {
    /// Adds another summary's figures to this one.
    pub fn add(&mut self, other: &MergeSummary) {
        self.new_rows += other.new_rows;
        self.updated_rows += other.updated_rows;
        self.new_negatives += other.new_negatives;
    }
}

/// Figures about a store's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// RR rows.
    pub rows: u64,
    /// Distinct owner names among the RR rows.
    pub names: u64,
    /// Negative rows.
    pub negatives: u64,
    /// RR rows per type.
    pub rows_per_type: BTreeMap<RrType, u64>,
    /// Files ingested (by content hash).
    pub files: u64,
    /// Bytes the store takes on disk, write-ahead journal included.
    pub disk_bytes: u64,
    /// Of `disk_bytes`, the write-ahead journal: bounded, reclaimed as memtables are flushed.
    pub journal_bytes: u64,
}

/// A failure of the storage engine.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The engine reported an error (I/O, a lock held by another process...).
    #[error("storage engine error: {0}")]
    Engine(String),
    /// A stored entry could not be decoded: the store is damaged or from another version.
    #[error("corrupt entry in {table}: {reason}")]
    Corrupt {
        /// The table (keyspace) holding it.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// A place that keeps passive DNS rows and answers lookups on them.
///
/// Implementations must make [`Store::merge`] atomic per batch and durable once it returns
/// after [`Store::sync`]; they must give the same rows whatever the order or batching of the
/// merged batches.
pub trait Store: Send + Sync {
    /// Folds a batch in with [`Tally::merge`].
    fn merge(&self, batch: &Batch) -> Result<MergeSummary, StoreError>;

    /// Makes everything merged so far durable (survives a crash or power loss).
    fn sync(&self) -> Result<(), StoreError>;

    /// Ends a bulk load: makes everything durable and lets the engine put what it buffered
    /// into its long-term layout (sorted tables), so the journal can be reclaimed.
    fn settle(&self) -> Result<(), StoreError> {
        self.sync()
    }

    /// Streams the rows an rrset lookup matches, in owner-name order.
    fn rrset(
        &self,
        query: &RrsetQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams the rows an rdata lookup matches, in rdata order.
    fn rdata(
        &self,
        query: &RdataQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams the negative rows a lookup matches.
    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams every RR row, in owner-name order.
    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError>;

    /// Figures about the contents.
    fn stats(&self) -> Result<StoreStats, StoreError>;

    /// What was noted when a file with this content hash was ingested, if it was.
    fn ingested_file(&self, digest: &[u8]) -> Result<Option<String>, StoreError>;
}
