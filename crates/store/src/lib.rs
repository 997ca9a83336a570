//! hark-store: the [`Store`] trait every storage engine implements, and the queries it answers.
//!
//! A store keeps one row per (rrname, rrtype, rdata, bailiwick) with a [`Tally`] (first/last
//! seen, count), plus negative rows per (qname, qtype, rcode). It folds [`Batch`]es in with the
//! one merge rule of `hark-record`, and answers:
//! - [`RrsetQuery`]: rows by owner name, exact or with a left (`*.example.com`) or right
//!   (`www.example.*`) wildcard, optional type and bailiwick;
//! - [`RdataQuery`]: rows by what they point at: an address, CIDR or range; a name (who points
//!   at `ns1.example.net`, who points into `*.cloudfront.net`); raw rdata bytes;
//! - [`NegativeQuery`]: NXDOMAIN and NODATA answers by question name;
//! - [`CertQuery`]: names seen in certificates (Certificate Transparency), by name, with
//!   their issuers: a kind of observation of its own, kept beside the DNS rows.
//!
//! Every lookup takes a [`TimeFence`] and streams rows to a visitor, which can stop the scan
//! early (a limit reached, a client gone).
//!
//! Writes go through one [`Writer`] per store: it commits batches with their sources'
//! checkpoints (so a crash never counts anything twice) and hands what each commit changed to
//! the subscribers of its [`ChangeFeed`].
//!
//! It is not: an engine. The embedded LSM engine and the ClickHouse engine live in their own
//! crates, and only the `hark` binary picks one, so analyses and servers cannot reach into
//! engine internals. [`battery`] holds the tests every engine must pass; [`keys`] the key
//! encodings whose byte order is the order the lookups promise.
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
pub mod keys;
mod lookup;
mod writer;

pub use hark_query::{
    IpRange, Lookup, NamePattern, NegativeQuery, PatternError, QueryError, RangeError, RdataMatch,
    RdataQuery, RrsetQuery, TimeFence, TypeFilter, DNSSEC_TYPES,
};
pub use hark_record::{Batch, CertKey, Checkpoint, Committed, NegativeKey, RrKey, SourceId, Tally};
pub use lookup::{run_lookup, run_negatives};
pub use writer::{ChangeFeed, Subscriber, Writer};

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

/// One stored certificate-name row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertRow {
    /// (name, issuer).
    pub key: CertKey,
    /// First/last seen (as the source dates it) and how many certificates named it.
    pub tally: Tally,
}

/// A lookup of certificate names.
#[derive(Clone, Debug)]
pub struct CertQuery {
    /// The names: exact (`www.example.com`, or a stored wildcard name `*.example.com` given
    /// as `\*.example.com`), or the names below a domain (`*.example.com`: wildcard names
    /// included), or leading labels (`www.example.*`, a scan of every name).
    pub name: NamePattern,
    /// Only rows whose tally the fence admits.
    pub fence: TimeFence,
}

/// What a flex search matches its pattern against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlexField {
    /// Owner names, in presentation form with the trailing dot (`www.example.com.`).
    Rrnames,
    /// rdata in presentation form (`192.0.2.1`, `ns1.example.net.`, `"v=spf1 -all"`).
    Rdata,
}

/// A flex search as a store sees it ([`Store::flex`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlexSearch {
    /// What the pattern is matched against.
    pub field: FlexField,
    /// The pattern in the syntax of the `regex` crate, matched case-insensitively and
    /// unanchored (a search) against the field's text.
    pub pattern: String,
    /// What must not match, in the same syntax.
    pub exclude: Option<String>,
    /// Which rrtypes.
    pub filter: TypeFilter,
}

/// How much a commit must tell about what it changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Only the figures the engine knows cheaply ([`Committed`]).
    Figures,
    /// Which rows are new, which negative rows are new and which RRsets grew (a
    /// [`ChangeSet`]), for the change feed; an engine may have to read to tell, so callers ask
    /// only when someone listens.
    Changes,
}

/// Which items of a batch a commit found new: all of them, or these positions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    /// Every item (a commit into an empty store).
    All,
    /// The items at these positions of the batch's list, ascending.
    These(Vec<u32>),
}

impl Default for Picked {
    fn default() -> Self {
        Picked::These(Vec::new())
    }
}

impl Picked {
    /// The picked items of `items`.
    pub fn of<'a, T>(&'a self, items: &'a [T]) -> impl Iterator<Item = &'a T> + 'a {
        let (all, these) = match self {
            Picked::All => (Some(items.iter()), None),
            Picked::These(positions) => (None, Some(positions.iter())),
        };
        all.into_iter().flatten().chain(
            these
                .into_iter()
                .flatten()
                .filter_map(|&i| items.get(i as usize)),
        )
    }

    /// How many items of a list of `len` are picked.
    pub fn count(&self, len: usize) -> usize {
        match self {
            Picked::All => len,
            Picked::These(positions) => positions.len(),
        }
    }
}

/// What one commit changed, as positions in the committed batch: the change feed's unit.
/// It holds no copy of a row (the feed costs next to nothing when rows are many); read it
/// through [`Changes`], which pairs it with its batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// RR rows that did not exist before (their tallies as committed are the batch's).
    pub new_rows: Picked,
    /// Negative rows that did not exist before.
    pub new_negatives: Picked,
    /// (owner name, type) of RRsets that existed before and gained a member in this commit.
    pub grown_rrsets: Vec<(Vec<u8>, RrType)>,
    /// Certificate-name rows that did not exist before.
    pub new_certs: Picked,
}

/// A commit's changes with the batch they point into: what subscribers of the feed receive.
#[derive(Clone, Copy, Debug)]
pub struct Changes<'a> {
    /// The committed batch.
    pub batch: &'a Batch,
    /// What in it was new.
    pub set: &'a ChangeSet,
}

impl<'a> Changes<'a> {
    /// The new RR rows with their tallies.
    pub fn new_rows(&self) -> impl Iterator<Item = &'a (RrKey, Tally)> + 'a {
        self.set.new_rows.of(&self.batch.rows)
    }

    /// How many RR rows are new.
    pub fn new_row_count(&self) -> usize {
        self.set.new_rows.count(self.batch.rows.len())
    }

    /// The new negative rows with their tallies.
    pub fn new_negatives(&self) -> impl Iterator<Item = &'a (NegativeKey, Tally)> + 'a {
        self.set.new_negatives.of(&self.batch.negatives)
    }

    /// How many negative rows are new.
    pub fn new_negative_count(&self) -> usize {
        self.set.new_negatives.count(self.batch.negatives.len())
    }

    /// The new certificate-name rows with their tallies.
    pub fn new_certs(&self) -> impl Iterator<Item = &'a (CertKey, Tally)> + 'a {
        self.set.new_certs.of(&self.batch.certs)
    }

    /// RRsets that existed before and gained a member.
    pub fn grown_rrsets(&self) -> &'a [(Vec<u8>, RrType)] {
        &self.set.grown_rrsets
    }
}

/// What a commit did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CommitReport {
    /// The figures.
    pub committed: Committed,
    /// The changes, when asked for with [`Detail::Changes`].
    pub changes: Option<ChangeSet>,
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
    /// Certificate-name rows (name, issuer).
    pub certs: u64,
    /// RR rows per type.
    pub rows_per_type: BTreeMap<RrType, u64>,
    /// Sources read to their end (files by content hash, finished imports).
    pub files: u64,
    /// Bytes the store takes on disk (for the embedded engine, its journal included).
    pub disk_bytes: u64,
    /// Engine-specific figures worth showing (name, value), e.g. the embedded engine's journal.
    pub engine: Vec<(&'static str, u64)>,
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
/// The contract, checked by [`battery`] against every engine:
/// - [`Store::commit`] folds a batch in with [`Tally::merge`] and records its checkpoints
///   **atomically and durably**: when it returns, rows and checkpoints survive a crash; when
///   the process dies before it returns, neither is there. The result never depends on the
///   order or batching of commits. Commits from several threads are serialized by the engine
///   (one writer per store per process is the design, but two never lose counts).
/// - Reads run alongside commits. Each row a read returns is a state the row was in after
///   some commit (never a half-merged tally); a lookup may see some rows of a commit running
///   concurrently but not others.
/// - Orders are those stated per method, and are all callers may rely on.
/// - [`Store::stats`] is cheap (kept as rows are committed, never a scan).
/// - Every method blocks: async code calls them from a blocking pool.
pub trait Store: Send + Sync {
    /// Folds a batch in and records its checkpoints, atomically and durably.
    fn commit(&self, batch: &Batch, detail: Detail) -> Result<CommitReport, StoreError>;

    /// The recorded checkpoint of a source, if any.
    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, StoreError>;

    /// Checkpoints of sources that were not read to their end.
    fn unfinished(&self) -> Result<Vec<Checkpoint>, StoreError>;

    /// Every source's checkpoint (finished or not), in no promised order: where the rows came
    /// from (files, imports, upstream providers).
    fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError>;

    /// Streams the rows an rrset lookup matches.
    ///
    /// Order: by owner name in canonical DNS order (RFC 4034 §6.1: labels compared from the
    /// root), then type, bailiwick, rdata; for a right-hand wildcard (`www.example.*`), by
    /// owner name read left to right label by label (labels compared as canonical bytes),
    /// then type, bailiwick, rdata.
    fn rrset(
        &self,
        query: &RrsetQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.rrset_after(query, None, visit)
    }

    /// [`Store::rrset`], resumed: only the rows after the row keyed `after` in that order
    /// (which need not exist any more). A walk in pages, each resumed after the last row of
    /// the one before, meets every row that existed throughout exactly once, however the
    /// store changed between pages, and costs no more per page than the page itself.
    fn rrset_after(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams the rows an rdata lookup matches.
    ///
    /// Order, per kind of match: addresses ascending, then owner name (canonical), type,
    /// bailiwick; names by the target name (canonical), then owner, type, bailiwick, rdata;
    /// raw rdata by type ascending, then as for names (target types) or by owner and
    /// bailiwick; every row of a type: rows whose rdata names a target in the order for
    /// names, then the others by rdata length, rdata, owner, bailiwick.
    fn rdata(
        &self,
        query: &RdataQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.rdata_after(query, None, visit)
    }

    /// [`Store::rdata`], resumed after the row keyed `after`, with the promise of
    /// [`Store::rrset_after`].
    fn rdata_after(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams the negative rows a lookup matches, ordered by question name in canonical DNS
    /// order, then type.
    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams the certificate-name rows a lookup matches, ordered by name in canonical DNS
    /// order (RFC 4034 §6.1; `*.example.com` sorts as a name whose first label is `*`), then
    /// by issuer bytes.
    fn certs(
        &self,
        query: &CertQuery,
        visit: &mut dyn FnMut(CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError>;

    /// Streams every RR row, in the order of [`Store::rrset`].
    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError>;

    /// Streams, in the order of [`Store::scan`], the candidate rows of a flex search: at least
    /// every row of an admitted type whose owner name (or rdata) in presentation form matches
    /// the search's pattern and not its exclusion; rows that do not match may come too, so
    /// callers keep their exact filter. An engine that can evaluate (part of) the pattern
    /// where the rows are pushes it down; the default is [`Store::scan`] with the type filter.
    fn flex(
        &self,
        search: &FlexSearch,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.scan(&mut |row| {
            if search.filter.admits(row.key.parts().rrtype) {
                visit(row)
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    /// Figures about the contents; cheap (never a scan of the rows).
    fn stats(&self) -> Result<StoreStats, StoreError>;
}
