//! hark-store-embedded: the default store, an LSM tree (fjall) in one data directory.
//!
//! [`EmbeddedStore`] implements [`hark_store::Store`] over six fjall keyspaces whose key layout
//! is documented in [`layout`]:
//! - `write`: commits — atomic with their checkpoints and durable on return, through the
//!   journal or, for the first large load into an empty store, as sorted tables bracketed by
//!   a marker that makes a crash part-way roll back;
//! - `read`: lookups as prefix and range scans;
//! - `meta`: format version, checkpoints, the counters behind `stats()`, migration from
//!   format 1.
//!
//! It is not: the query language (that is `hark-store`), nor the ingest cache. Only the `hark`
//! binary depends on it.
//!
//! ```
//! use hark_store::{Batch, Detail, NamePattern, RrsetQuery, Store, TimeFence};
//! use hark_record::{RrKey, RrKeyParts, Tally};
//! use hark_dns::{name, RrType};
//! # let dir = tempfile::tempdir()?;
//! let store = hark_store_embedded::EmbeddedStore::open(dir.path())?;
//! let owner = name::from_presentation("www.example.com.")?;
//! let key = RrKey::new(&RrKeyParts { rrname: &owner, rrtype: RrType::A, bailiwick: None, rdata: &[192, 0, 2, 1] })?;
//! let batch = Batch { rows: vec![(key, Tally::seen_at(1_700_000_000))], ..Batch::default() };
//! store.commit(&batch, Detail::Figures)?;
//! let mut found = 0;
//! store.rrset(
//!     &RrsetQuery { name: NamePattern::parse("*.example.com")?, rrtype: None, bailiwick: None, fence: TimeFence::default() },
//!     &mut |_row| { found += 1; std::ops::ControlFlow::Continue(()) },
//! )?;
//! assert_eq!(found, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod arena;
mod ascending;
pub mod layout;
mod meta;
mod read;
mod redo;
mod write;

use fjall::config::{BlockSizePolicy, CompressionPolicy, PartitioningPolicy};
use fjall::{CompressionType, Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use hark_record::{Checkpoint, RrKey, SourceId};
use hark_store::{
    Batch, CertQuery, CertRow, CommitReport, Detail, NegativeQuery, NegativeRow, RdataQuery, Row,
    RrsetQuery, Store, StoreError, StoreStats,
};
use meta::Counters;
use std::ops::ControlFlow;
use std::path::Path;
use std::sync::{Mutex, RwLock};

/// The on-disk format version this build writes and reads.
pub const FORMAT_VERSION: &str = "hark-embedded-2";
/// The previous format, migrated on open (it kept no counters and marked only whole files).
const FORMAT_1: &str = "hark-embedded-1";

fn engine(err: impl std::fmt::Display) -> StoreError {
    StoreError::Engine(err.to_string())
}

/// The embedded passive DNS store.
pub struct EmbeddedStore {
    db: Database,
    rrset: Keyspace,
    names: Keyspace,
    rdata: Keyspace,
    negative: Keyspace,
    cert: Keyspace,
    meta: Keyspace,
    bulk_threshold: usize,
    /// Where a large commit's redo log goes ([`redo`]).
    redo_path: std::path::PathBuf,
    /// The commit lock, holding the counters as of the last commit.
    counters: Mutex<Counters>,
    /// A copy of the counters for `stats()`, which must not wait for a running commit.
    published: RwLock<Counters>,
}

/// Batches of at least this many rows take the bulk path when the store is empty (see
/// the `write` module).
pub const DEFAULT_BULK_THRESHOLD: usize = 20_000;

impl EmbeddedStore {
    /// Opens (creating when absent) the store in `dir`, rolling back a bulk load a crash
    /// interrupted and migrating a format-1 store.
    ///
    /// Fails when another process holds the store, or when `dir` holds a store of another
    /// format version.
    pub fn open(dir: &Path) -> Result<EmbeddedStore, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|err| StoreError::Engine(format!("cannot create {}: {err}", dir.display())))?;
        let db = Database::builder(dir)
            .cache_size(64 * 1024 * 1024)
            .journal_compression(CompressionType::Lz4)
            .open()
            .map_err(|err| StoreError::Engine(format!("cannot open {}: {err}", dir.display())))?;
        // fjall leaves the first two levels uncompressed by default; passive DNS keys compress
        // well (sorted names, repeated rdata), and bytes per row is a target, so every level
        // gets LZ4, in larger blocks than the default 4 KiB.
        // Memory is bounded by bytes: a 64 MiB block cache, and memtables of at most 32 MiB per
        // keyspace (fjall's default is 64 MiB) before they are sealed and flushed.
        // Index and filter blocks are partitioned: a table of ten million rows has a filter
        // of about 12 MB, and loading (and checksumming) it whole for a point read whenever the
        // cache had dropped it made a day's commit into such a store take minutes instead of
        // seconds (tables added by ingestion are not pinned in memory).
        let options = || {
            KeyspaceCreateOptions::default()
                .max_memtable_size(32 * 1024 * 1024)
                .filter_block_partitioning_policy(PartitioningPolicy::all(true))
                .index_block_partitioning_policy(PartitioningPolicy::all(true))
                .data_block_compression_policy(CompressionPolicy::all(CompressionType::Lz4))
                .data_block_size_policy(BlockSizePolicy::all(16 * 1024))
        };
        let keyspace = |name: &str| db.keyspace(name, options).map_err(engine);
        let meta = keyspace("meta")?;
        roll_back_interrupted_bulk_load(&db, &meta, &keyspace)?;
        let store = EmbeddedStore {
            rrset: keyspace("rrset")?,
            names: keyspace("names")?,
            rdata: keyspace("rdata")?,
            negative: keyspace("negative")?,
            cert: keyspace("cert")?,
            meta,
            db,
            bulk_threshold: DEFAULT_BULK_THRESHOLD,
            redo_path: dir.join(redo::FILE_NAME),
            counters: Mutex::new(Counters::default()),
            published: RwLock::new(Counters::default()),
        };
        store.finish_interrupted_commit()?;
        match store.meta.get(meta::FORMAT).map_err(engine)? {
            Some(version) if &*version == FORMAT_VERSION.as_bytes() => {}
            Some(version) if &*version == FORMAT_1.as_bytes() => store.migrate_from_format_1()?,
            Some(version) => {
                return Err(StoreError::Engine(format!(
                    "{} holds a store of format {:?}, this hark reads {FORMAT_VERSION:?}",
                    dir.display(),
                    String::from_utf8_lossy(&version)
                )))
            }
            None => {
                let mut write = store.db.batch();
                write.insert(&store.meta, meta::FORMAT, FORMAT_VERSION.as_bytes());
                let mut value = Vec::new();
                Counters::default().encode(&mut value);
                write.insert(&store.meta, meta::COUNTERS, value);
                write.commit().map_err(engine)?;
                store.db.persist(PersistMode::SyncAll).map_err(engine)?;
            }
        }
        let mut counters = match store.meta.get(meta::COUNTERS).map_err(engine)? {
            Some(bytes) => Counters::decode(&bytes)?,
            None => Counters::default(),
        };
        if let Some(bytes) = store.meta.get(meta::CERT_COUNTER).map_err(engine)? {
            counters.certs = meta::decode_cert_counter(&bytes)?;
        }
        store.publish(&counters);
        *store
            .counters
            .lock()
            .map_err(|_| StoreError::Engine("commit lock poisoned".into()))? = counters;
        Ok(store)
    }

    /// Sets the batch size from which a commit into an empty store takes the bulk path
    /// (0: always).
    pub fn with_bulk_threshold(mut self, rows: usize) -> EmbeddedStore {
        self.bulk_threshold = rows;
        self
    }

    /// Moves what the memtables hold into tables, so the journal can be reclaimed: worth
    /// calling at the end of a long ingest (the next open then replays nothing).
    pub fn settle(&self) -> Result<(), StoreError> {
        // fjall keeps `rotate_memtable_and_wait` out of its documented API; it is the one way
        // to flush memtables to tables on demand.
        for keyspace in self.keyspaces() {
            keyspace.rotate_memtable_and_wait().map_err(engine)?;
        }
        Ok(())
    }

    /// Makes `counters` what `stats()` reports.
    fn publish(&self, counters: &Counters) {
        *self
            .published
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = counters.clone();
    }

    fn keyspaces(&self) -> [&Keyspace; 6] {
        [
            &self.rrset,
            &self.names,
            &self.rdata,
            &self.negative,
            &self.cert,
            &self.meta,
        ]
    }

    /// Format 1 kept no counters and marked whole files by content hash: count once, and turn
    /// each file mark into a finished checkpoint of the same source.
    fn migrate_from_format_1(&self) -> Result<(), StoreError> {
        tracing::info!("migrating the store from {FORMAT_1} to {FORMAT_VERSION}");
        let mut counters = Counters::default();
        for entry in self.rrset.iter() {
            let key = entry.key().map_err(engine)?;
            counters.rows += 1;
            *counters
                .rows_per_type
                .entry(layout::rrset_key_rrtype(&key)?)
                .or_default() += 1;
        }
        counters.names = self.names.len().map_err(engine)? as u64;
        counters.negatives = self.negative.len().map_err(engine)? as u64;
        let mut write = self.db.batch();
        for entry in self.meta.prefix(meta::LEGACY_FILE_PREFIX) {
            let (key, note) = entry.into_inner().map_err(engine)?;
            let digest = key
                .get(meta::LEGACY_FILE_PREFIX.len()..)
                .unwrap_or_default();
            let source = SourceId([b"file:", digest].concat());
            let checkpoint = Checkpoint {
                position: u64::MAX,
                done: true,
                options: 0,
                bytes: 0,
                note: String::from_utf8_lossy(&note).into_owned(),
                source: source.clone(),
            };
            let mut value = Vec::new();
            checkpoint.encode_value(&mut value);
            write.insert(&self.meta, meta::source_key(&source), value);
            write.remove(&self.meta, key);
            counters.finished_sources += 1;
        }
        let mut value = Vec::new();
        counters.encode(&mut value);
        write.insert(&self.meta, meta::COUNTERS, value);
        write.insert(&self.meta, meta::FORMAT, FORMAT_VERSION.as_bytes());
        write.commit().map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)
    }
}

/// A bulk load into the empty store died part-way (its marker is still there): the store held
/// no rows before it, so dropping the row keyspaces and making them anew restores exactly that
/// state; the load's checkpoints were never written, so its sources read those units again.
///
/// Dropping rather than clearing: fjall logs a clear in the journal, and replaying it at the
/// next open would also wipe tables loaded after it.
fn roll_back_interrupted_bulk_load(
    db: &Database,
    meta: &Keyspace,
    keyspace: &dyn Fn(&str) -> Result<Keyspace, StoreError>,
) -> Result<(), StoreError> {
    if !meta.contains_key(meta::BULK_PENDING).map_err(engine)? {
        return Ok(());
    }
    tracing::warn!("rolling back a bulk load that a crash interrupted");
    for name in ["rrset", "names", "rdata", "negative"] {
        db.delete_keyspace(keyspace(name)?).map_err(engine)?;
    }
    meta.remove(meta::BULK_PENDING).map_err(engine)?;
    db.persist(PersistMode::SyncAll).map_err(engine)
}

impl Store for EmbeddedStore {
    fn commit(&self, batch: &Batch, detail: Detail) -> Result<CommitReport, StoreError> {
        self.commit_batch(batch, detail)
    }

    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, StoreError> {
        self.meta
            .get(meta::source_key(source))
            .map_err(engine)?
            .map(|value| meta::decode_checkpoint(source.clone(), &value))
            .transpose()
    }

    fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let mut found = Vec::new();
        for entry in self.meta.prefix(meta::SOURCE_PREFIX) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            found.push(meta::decode_checkpoint(meta::source_of_key(&key), &value)?);
        }
        Ok(found)
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let mut found = Vec::new();
        for entry in self.meta.prefix(meta::SOURCE_PREFIX) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            let checkpoint = meta::decode_checkpoint(meta::source_of_key(&key), &value)?;
            if !checkpoint.done {
                found.push(checkpoint);
            }
        }
        Ok(found)
    }

    fn rrset_after(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_rrset(query, after, visit)
    }

    fn rdata_after(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_rdata(query, after, visit)
    }

    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_negatives(query, visit)
    }

    fn certs(
        &self,
        query: &CertQuery,
        visit: &mut dyn FnMut(CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.lookup_certs(query, visit)
    }

    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        self.scan_rows(visit)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut stats = self
            .published
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .stats();
        stats.disk_bytes = self.db.disk_space().map_err(engine)?;
        stats.engine = vec![(
            "journal_bytes",
            self.db.journal_disk_space().map_err(engine)?,
        )];
        Ok(stats)
    }
}
