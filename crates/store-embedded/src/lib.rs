//! hark-store-embedded: the default store, an LSM tree (fjall) in one data directory.
//!
//! [`EmbeddedStore`] implements [`hark_store::Store`] over five fjall keyspaces whose key layout
//! is documented in [`layout`]. Merging a batch is a read-modify-write of each row inside one
//! atomic cross-keyspace write batch: fjall has no merge operator, and the aggregation cache in
//! front of the store means each row is written once per flush, so the point reads are few and
//! cheap (bloom filters answer "absent" for new rows). Durability comes from fjall's journal:
//! [`Store::sync`] fsyncs it, and recovery after a crash replays it.
//!
//! It is not: the query language (that is `hark-store`), nor the ingest cache. Only the `hark`
//! binary depends on it.
//!
//! ```
//! use hark_store::{Batch, NamePattern, RrsetQuery, Store, TimeFence};
//! use hark_record::{RrKey, RrKeyParts, Tally};
//! use hark_dns::{name, RrType};
//! # let dir = tempfile::tempdir()?;
//! let store = hark_store_embedded::EmbeddedStore::open(dir.path())?;
//! let owner = name::from_presentation("www.example.com.")?;
//! let key = RrKey::new(&RrKeyParts { rrname: &owner, rrtype: RrType::A, bailiwick: None, rdata: &[192, 0, 2, 1] })?;
//! store.merge(&Batch { rows: vec![(key, Tally::seen_at(1_700_000_000))], ..Batch::default() })?;
//! let mut found = 0;
//! store.rrset(
//!     &RrsetQuery { name: NamePattern::parse("*.example.com")?, rrtype: None, bailiwick: None, fence: TimeFence::default() },
//!     &mut |_row| { found += 1; std::ops::ControlFlow::Continue(()) },
//! )?;
//! assert_eq!(found, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod layout;

use fjall::config::{BlockSizePolicy, CompressionPolicy};
use fjall::{CompressionType, Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use hark_dns::{name, RrType};
use hark_store::{
    Batch, MergeSummary, NamePattern, NegativeQuery, NegativeRow, RdataMatch, RdataQuery, Row,
    RrsetQuery, Store, StoreError, StoreStats,
};
use std::ops::ControlFlow;
use std::path::Path;

/// The on-disk format version this build writes and reads.
pub const FORMAT_VERSION: &str = "hark-embedded-1";

const META_FORMAT: &[u8] = b"format";
const META_FILE_PREFIX: &[u8] = b"file/";

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
    meta: Keyspace,
    bulk_threshold: usize,
}

/// Batches of at least this many rows take the bulk path (see [`EmbeddedStore::merge`]).
pub const DEFAULT_BULK_THRESHOLD: usize = 20_000;

impl EmbeddedStore {
    /// Opens (creating when absent) the store in `dir`.
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
        let options = || {
            KeyspaceCreateOptions::default()
                .data_block_compression_policy(CompressionPolicy::all(CompressionType::Lz4))
                .data_block_size_policy(BlockSizePolicy::all(16 * 1024))
        };
        let keyspace = |name: &str| db.keyspace(name, options).map_err(engine);
        let store = EmbeddedStore {
            rrset: keyspace("rrset")?,
            names: keyspace("names")?,
            rdata: keyspace("rdata")?,
            negative: keyspace("negative")?,
            meta: keyspace("meta")?,
            db,
            bulk_threshold: DEFAULT_BULK_THRESHOLD,
        };
        match store.meta.get(META_FORMAT).map_err(engine)? {
            Some(version) if &*version == FORMAT_VERSION.as_bytes() => {}
            Some(version) => {
                return Err(StoreError::Engine(format!(
                    "{} holds a store of format {:?}, this hark reads {FORMAT_VERSION:?}",
                    dir.display(),
                    String::from_utf8_lossy(&version)
                )))
            }
            None => store
                .meta
                .insert(META_FORMAT, FORMAT_VERSION.as_bytes())
                .map_err(engine)?,
        }
        Ok(store)
    }

    /// Sets the batch size from which merges take the bulk path (0: always).
    pub fn with_bulk_threshold(mut self, rows: usize) -> EmbeddedStore {
        self.bulk_threshold = rows;
        self
    }

    /// The bulk path: tallies are read and merged as usual, then every keyspace gets one sorted
    /// run written straight into a table (fjall ingestion), bypassing memtable and journal.
    ///
    /// It is several times faster than a write batch for large batches (the memtable skiplist
    /// dominated the profile), but not atomic across keyspaces: indexes are written before
    /// rows and the file marks last, so a crash part-way leaves at worst index entries without
    /// rows (lookups skip them) and rows of a file not yet marked as ingested.
    fn merge_bulk(&self, batch: &Batch) -> Result<MergeSummary, StoreError> {
        // A store with no rows yet has nothing to merge with: no point reads, every row is
        // new, and the indexes can be written while the rows are being prepared.
        let rows_empty = self.rrset.first_key_value().is_none();
        let negatives_empty = self.negative.first_key_value().is_none();
        std::thread::scope(|scope| -> Result<MergeSummary, StoreError> {
            let early_indexes = rows_empty.then(|| {
                let keys: Vec<&hark_record::RrKey> = batch.rows.iter().map(|(k, _)| k).collect();
                scope.spawn(move || self.write_indexes(&keys))
            });
            let mut summary = MergeSummary::default();
            let mut primaries = KeyArena::with_capacity(batch.rows.len());
            for (key, _) in &batch.rows {
                primaries.push_with(|out| layout::rrset_key(&key.parts(), out));
            }
            let order = primaries.sorted_order();
            let mut values = KeyArena::with_capacity(batch.rows.len());
            let mut new_rows = Vec::new();
            for &i in &order {
                let Some((key, tally)) = batch.rows.get(i) else {
                    continue;
                };
                let (merged, is_new) =
                    merge_stored(&self.rrset, "rrset", rows_empty, primaries.get(i), tally)?;
                if is_new {
                    summary.new_rows += 1;
                    if !rows_empty {
                        new_rows.push(key);
                    }
                } else {
                    summary.updated_rows += 1;
                }
                values.push_with(|out| layout::encode_tally(&merged, out));
            }
            let late_indexes = if rows_empty {
                None
            } else {
                Some(scope.spawn(move || self.write_indexes(&new_rows)))
            };

            let mut negative_keys = KeyArena::with_capacity(batch.negatives.len());
            for (key, _) in &batch.negatives {
                negative_keys.push_with(|out| layout::negative_key(key, out));
            }
            let negative_order = negative_keys.sorted_order();
            let mut negative_values = KeyArena::with_capacity(batch.negatives.len());
            for &i in &negative_order {
                let Some((_, tally)) = batch.negatives.get(i) else {
                    continue;
                };
                let (merged, is_new) = merge_stored(
                    &self.negative,
                    "negative",
                    negatives_empty,
                    negative_keys.get(i),
                    tally,
                )?;
                summary.new_negatives += u64::from(is_new);
                negative_values.push_with(|out| layout::encode_tally(&merged, out));
            }

            // Rows are written only once their indexes are in, so a crash never leaves a row
            // its indexes miss (at worst an index entry without its row, which lookups skip).
            for handle in early_indexes.into_iter().chain(late_indexes) {
                handle.join().map_err(|_| {
                    StoreError::Engine("the index writing thread panicked".into())
                })??;
            }
            ingest_sorted(
                &self.rrset,
                order
                    .iter()
                    .enumerate()
                    .map(|(n, &i)| (primaries.get(i), values.get(n))),
            )?;
            ingest_sorted(
                &self.negative,
                negative_order
                    .iter()
                    .enumerate()
                    .map(|(n, &i)| (negative_keys.get(i), negative_values.get(n))),
            )?;
            let mut write = self.db.batch();
            self.mark_files(&mut write, &batch.files);
            write.commit().map_err(engine)?;
            Ok(summary)
        })
    }

    /// Adds the "ingested" marks of completed input files to a write batch.
    fn mark_files(&self, write: &mut fjall::OwnedWriteBatch, files: &[(Vec<u8>, String)]) {
        for (digest, note) in files {
            write.insert(
                &self.meta,
                [META_FILE_PREFIX, digest].concat(),
                note.as_bytes(),
            );
        }
    }

    /// Writes the rdata-index and name-index entries of new rows (bulk path).
    fn write_indexes(&self, new_rows: &[&hark_record::RrKey]) -> Result<(), StoreError> {
        let mut index_keys = KeyArena::with_capacity(new_rows.len());
        let mut name_keys = KeyArena::with_capacity(new_rows.len());
        for key in new_rows {
            let parts = key.parts();
            index_keys.push_with(|out| layout::rdata_key(&parts, out));
            name_keys.push_with(|out| name::forward_key(parts.rrname, out));
        }
        let order = index_keys.sorted_order();
        ingest_sorted(
            &self.rdata,
            order.iter().map(|&i| (index_keys.get(i), &[][..])),
        )?;
        let mut order = name_keys.sorted_order();
        order.dedup_by(|a, b| name_keys.get(*a) == name_keys.get(*b));
        ingest_sorted(
            &self.names,
            order.iter().map(|&i| (name_keys.get(i), &[][..])),
        )
    }

    fn rows_with_prefix(
        &self,
        prefix: &[u8],
        skip_apex: bool,
        query: &RrsetQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<ControlFlow<()>, StoreError> {
        for entry in self.rrset.prefix(prefix) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            // For a subdomain scan the prefix is the base name without its end marker: a 0x00
            // right after it means the key is the base name itself, not a subdomain.
            if skip_apex && key.get(prefix.len()) == Some(&0) {
                continue;
            }
            let row_key = layout::decode_rrset_key(&key)?;
            let parts = row_key.parts();
            if query.rrtype.is_some_and(|t| t != parts.rrtype)
                || query
                    .bailiwick
                    .as_deref()
                    .is_some_and(|b| Some(b) != parts.bailiwick)
            {
                continue;
            }
            let tally = layout::decode_tally(&value, "rrset")?;
            if !query.fence.admits(&tally) {
                continue;
            }
            if visit(Row {
                key: row_key,
                tally,
            })
            .is_break()
            {
                return Ok(ControlFlow::Break(()));
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Rows of `rrtype` whose rdata is exactly `bytes`: one prefix scan of the rdata index.
    fn raw_rdata(
        &self,
        query: &RdataQuery,
        rrtype: RrType,
        bytes: &[u8],
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let parts = hark_record::RrKeyParts {
            rrname: b"\x00",
            rrtype,
            bailiwick: None,
            rdata: bytes,
        };
        let mut full = Vec::new();
        layout::rdata_key(&parts, &mut full);
        // Cut the owner name and what follows: the prefix ends where the rdata ends.
        let prefix_len = match full.first() {
            Some(&layout::KIND_IPV4) => 5,
            Some(&layout::KIND_IPV6) => 17,
            Some(&layout::KIND_NAME) => {
                1 + layout::reversed_key_len(full.get(1..).unwrap_or_default()).unwrap_or(0)
            }
            _ => 5 + bytes.len(),
        };
        let prefix = full.get(..prefix_len).unwrap_or_default().to_vec();
        let wanted = bytes.to_vec();
        let accept = move |row: &Row| row.key.parts().rdata == wanted.as_slice();
        self.visit_index_range(self.rdata.prefix(&prefix), query, &accept, visit)
    }

    /// The types a raw lookup without a type must try: A or AAAA by length, the types whose
    /// rdata names a target when the bytes hold one, and every type present in the
    /// whole-rdata part of the index (found by seeking from one type to the next).
    fn raw_candidate_types(&self, bytes: &[u8]) -> Result<Vec<RrType>, StoreError> {
        let mut types = Vec::new();
        match bytes.len() {
            4 => types.push(RrType::A),
            16 => types.push(RrType::AAAA),
            _ => {}
        }
        for rrtype in RrType::TARGET_TYPES {
            if layout::target_name(rrtype, bytes).is_some() {
                types.push(rrtype);
            }
        }
        let mut next: u32 = 0;
        while next <= u32::from(u16::MAX) {
            let start = [&[layout::KIND_WHOLE][..], &(next as u16).to_be_bytes()].concat();
            let Some(entry) = self.rdata.range(start..).next() else {
                break;
            };
            let key = entry.key().map_err(engine)?;
            match (key.first(), key.get(1..3)) {
                (Some(&layout::KIND_WHOLE), Some(&[high, low])) => {
                    let rrtype = u16::from_be_bytes([high, low]);
                    types.push(RrType(rrtype));
                    next = u32::from(rrtype) + 1;
                }
                _ => break,
            }
        }
        types.sort();
        types.dedup();
        Ok(types)
    }

    fn visit_index_range(
        &self,
        range: impl Iterator<Item = fjall::Guard>,
        query: &RdataQuery,
        accept: &dyn Fn(&Row) -> bool,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let mut primary = Vec::new();
        for entry in range {
            let key = entry.key().map_err(engine)?;
            let row_key = layout::decode_rdata_key(&key)?;
            let parts = row_key.parts();
            if query.rrtype.is_some_and(|t| t != parts.rrtype) {
                continue;
            }
            primary.clear();
            layout::rrset_key(&parts, &mut primary);
            let Some(value) = self.rrset.get(&primary).map_err(engine)? else {
                // Left by a bulk load cut short by a crash: the row was never written.
                tracing::debug!("skipping an rdata index entry without its row");
                continue;
            };
            let tally = layout::decode_tally(&value, "rrset")?;
            let row = Row {
                key: row_key,
                tally,
            };
            if !query.fence.admits(&row.tally) || !accept(&row) {
                continue;
            }
            if visit(row).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// The reversed key of `base` without its end marker: the prefix shared by its subdomains.
fn subdomain_prefix(base: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::new();
    name::reversed_key(base, &mut prefix);
    prefix.pop();
    prefix
}

/// The forward key of `leading` without its end marker.
fn leading_prefix(leading: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::new();
    name::forward_key(leading, &mut prefix);
    prefix.pop();
    prefix
}

/// The smallest key greater than every key starting with `prefix`, if any.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// `tally` merged with what `keyspace` holds under `key` (nothing is read when the keyspace is
/// known to be empty), and whether the key is new.
fn merge_stored(
    keyspace: &Keyspace,
    table: &'static str,
    known_empty: bool,
    key: &[u8],
    tally: &hark_record::Tally,
) -> Result<(hark_record::Tally, bool), StoreError> {
    if known_empty {
        return Ok((*tally, true));
    }
    match keyspace.get(key).map_err(engine)? {
        Some(old) => Ok((layout::decode_tally(&old, table)?.merged(tally), false)),
        None => Ok((*tally, true)),
    }
}

/// Many byte strings in one buffer: one allocation instead of one per key.
struct KeyArena {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl KeyArena {
    fn with_capacity(keys: usize) -> KeyArena {
        KeyArena {
            bytes: Vec::with_capacity(keys * 48),
            ends: Vec::with_capacity(keys),
        }
    }

    /// Appends one key written by `write`.
    fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        write(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    /// Key number `i`.
    fn get(&self, i: usize) -> &[u8] {
        let start = i
            .checked_sub(1)
            .and_then(|p| self.ends.get(p))
            .copied()
            .unwrap_or(0);
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// Key numbers in ascending key order.
    fn sorted_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.ends.len()).collect();
        order.sort_unstable_by(|&a, &b| self.get(a).cmp(self.get(b)));
        order
    }
}

/// Writes strictly ascending, distinct (key, value) pairs into `keyspace` as one new table.
fn ingest_sorted<'a>(
    keyspace: &Keyspace,
    entries: impl Iterator<Item = (&'a [u8], &'a [u8])>,
) -> Result<(), StoreError> {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        return Ok(());
    }
    let mut ingestion = keyspace.start_ingestion().map_err(engine)?;
    let mut previous: Option<&[u8]> = None;
    for (key, value) in entries {
        // fjall panics on unsorted input; the callers sort and de-duplicate, and this check
        // turns a broken invariant into an error instead of a panic.
        if previous.is_some_and(|p| p >= key) {
            return Err(StoreError::Engine("bulk load keys out of order".into()));
        }
        previous = Some(key);
        ingestion.write(key, value).map_err(engine)?;
    }
    ingestion.finish().map_err(engine)
}

impl Store for EmbeddedStore {
    fn merge(&self, batch: &Batch) -> Result<MergeSummary, StoreError> {
        if batch.rows.len() + batch.negatives.len() >= self.bulk_threshold.max(1) {
            return self.merge_bulk(batch);
        }
        let mut summary = MergeSummary::default();
        let mut write = self.db.batch();
        let mut key = Vec::with_capacity(128);
        let mut value = Vec::with_capacity(32);
        for (row_key, tally) in &batch.rows {
            let parts = row_key.parts();
            key.clear();
            layout::rrset_key(&parts, &mut key);
            let (merged, is_new) = merge_stored(&self.rrset, "rrset", false, &key, tally)?;
            if is_new {
                summary.new_rows += 1;
                let mut index = Vec::with_capacity(key.len() + 8);
                layout::rdata_key(&parts, &mut index);
                write.insert(&self.rdata, index, []);
                let mut forward = Vec::with_capacity(parts.rrname.len() + 2);
                name::forward_key(parts.rrname, &mut forward);
                write.insert(&self.names, forward, []);
            } else {
                summary.updated_rows += 1;
            }
            value.clear();
            layout::encode_tally(&merged, &mut value);
            write.insert(&self.rrset, key.as_slice(), value.as_slice());
        }
        for (negative_key, tally) in &batch.negatives {
            key.clear();
            layout::negative_key(negative_key, &mut key);
            let (merged, is_new) = merge_stored(&self.negative, "negative", false, &key, tally)?;
            summary.new_negatives += u64::from(is_new);
            value.clear();
            layout::encode_tally(&merged, &mut value);
            write.insert(&self.negative, key.as_slice(), value.as_slice());
        }
        self.mark_files(&mut write, &batch.files);
        write.commit().map_err(engine)?;
        Ok(summary)
    }

    fn sync(&self) -> Result<(), StoreError> {
        self.db.persist(PersistMode::SyncAll).map_err(engine)
    }

    fn settle(&self) -> Result<(), StoreError> {
        self.sync()?;
        // fjall keeps `rotate_memtable_and_wait` out of its documented API; it is the one way
        // to flush memtables to tables on demand, which frees the journal after a bulk load.
        for keyspace in [
            &self.rrset,
            &self.names,
            &self.rdata,
            &self.negative,
            &self.meta,
        ] {
            keyspace.rotate_memtable_and_wait().map_err(engine)?;
        }
        Ok(())
    }

    fn rrset(
        &self,
        query: &RrsetQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match &query.name {
            NamePattern::Exact(wire) => {
                let mut prefix = Vec::new();
                name::reversed_key(wire, &mut prefix);
                if let Some(rrtype) = query.rrtype {
                    prefix.extend_from_slice(&rrtype.0.to_be_bytes());
                }
                let _ = self.rows_with_prefix(&prefix, false, query, visit)?;
            }
            NamePattern::Subdomains(base) => {
                let _ = self.rows_with_prefix(&subdomain_prefix(base), true, query, visit)?;
            }
            NamePattern::LeadingLabels(leading) => {
                let prefix = leading_prefix(leading);
                let mut exact = Vec::new();
                for entry in self.names.prefix(&prefix) {
                    let key = entry.key().map_err(engine)?;
                    if key.get(prefix.len()) == Some(&0) {
                        continue; // the leading labels alone, not a longer name
                    }
                    let (wire, _) =
                        name::from_forward_key(&key).map_err(|err| StoreError::Corrupt {
                            table: "names",
                            reason: err.to_string(),
                        })?;
                    exact.clear();
                    name::reversed_key(&wire, &mut exact);
                    if let Some(rrtype) = query.rrtype {
                        exact.extend_from_slice(&rrtype.0.to_be_bytes());
                    }
                    if self
                        .rows_with_prefix(&exact, false, query, visit)?
                        .is_break()
                    {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    fn rdata(
        &self,
        query: &RdataQuery,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match &query.rdata {
            RdataMatch::Ip(range) => {
                let (kind, low, high) = match (range.low, range.high) {
                    (std::net::IpAddr::V4(l), std::net::IpAddr::V4(h)) => {
                        (layout::KIND_IPV4, l.octets().to_vec(), h.octets().to_vec())
                    }
                    (std::net::IpAddr::V6(l), std::net::IpAddr::V6(h)) => {
                        (layout::KIND_IPV6, l.octets().to_vec(), h.octets().to_vec())
                    }
                    _ => return Ok(()),
                };
                let start = [&[kind][..], &low].concat();
                let high_prefix = [&[kind][..], &high].concat();
                let iter: Box<dyn Iterator<Item = fjall::Guard>> = match prefix_end(&high_prefix) {
                    Some(end) => Box::new(self.rdata.range(start..end)),
                    None => Box::new(self.rdata.range(start..)),
                };
                self.visit_index_range(iter, query, &|_| true, visit)
            }
            RdataMatch::Name(pattern) => {
                let (prefix, pattern) = match pattern {
                    NamePattern::Exact(wire) => {
                        let mut prefix = vec![layout::KIND_NAME];
                        name::reversed_key(wire, &mut prefix);
                        (prefix, None)
                    }
                    NamePattern::Subdomains(base) => {
                        let prefix = [&[layout::KIND_NAME][..], &subdomain_prefix(base)].concat();
                        (prefix, Some(pattern.clone()))
                    }
                    NamePattern::LeadingLabels(_) => {
                        (vec![layout::KIND_NAME], Some(pattern.clone()))
                    }
                };
                let accept = move |row: &Row| {
                    let parts = row.key.parts();
                    pattern.as_ref().is_none_or(|p| {
                        layout::target_name(parts.rrtype, parts.rdata).is_some_and(|t| p.matches(t))
                    })
                };
                self.visit_index_range(Box::new(self.rdata.prefix(&prefix)), query, &accept, visit)
            }
            RdataMatch::EveryOfType => {
                let Some(rrtype) = query.rrtype else {
                    return Err(StoreError::Engine(
                        "a lookup of every row of a type needs the type".into(),
                    ));
                };
                let prefix = match rrtype {
                    RrType::A => vec![layout::KIND_IPV4],
                    RrType::AAAA => vec![layout::KIND_IPV6],
                    t if RrType::TARGET_TYPES.contains(&t) => vec![layout::KIND_NAME],
                    t => [&[layout::KIND_WHOLE][..], &t.0.to_be_bytes()].concat(),
                };
                // Rows of a target type whose rdata holds no usable name sit in the
                // whole-rdata part: read both parts for those types.
                self.visit_index_range(self.rdata.prefix(&prefix), query, &|_| true, visit)?;
                if RrType::TARGET_TYPES.contains(&rrtype) {
                    let whole = [&[layout::KIND_WHOLE][..], &rrtype.0.to_be_bytes()].concat();
                    self.visit_index_range(self.rdata.prefix(&whole), query, &|_| true, visit)?;
                }
                Ok(())
            }
            RdataMatch::Raw(bytes) => {
                // Raw rdata of one type is one prefix scan; without a type, one scan per type
                // that could hold these bytes.
                let types = match query.rrtype {
                    Some(rrtype) => vec![rrtype],
                    None => self.raw_candidate_types(bytes)?,
                };
                let mut stopped = false;
                for rrtype in types {
                    let typed = RdataQuery {
                        rrtype: Some(rrtype),
                        ..query.clone()
                    };
                    self.raw_rdata(&typed, rrtype, bytes, &mut |row| {
                        let flow = visit(row);
                        stopped = flow.is_break();
                        flow
                    })?;
                    if stopped {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let (prefix, skip_apex) = match &query.name {
            NamePattern::Exact(wire) => {
                let mut prefix = Vec::new();
                name::reversed_key(wire, &mut prefix);
                if let Some(qtype) = query.qtype {
                    prefix.extend_from_slice(&qtype.0.to_be_bytes());
                }
                (prefix, false)
            }
            NamePattern::Subdomains(base) => (subdomain_prefix(base), true),
            NamePattern::LeadingLabels(_) => (Vec::new(), false),
        };
        for entry in self.negative.prefix(&prefix) {
            let (key, value) = entry.into_inner().map_err(engine)?;
            if skip_apex && key.get(prefix.len()) == Some(&0) {
                continue;
            }
            let negative_key = layout::decode_negative_key(&key)?;
            if query.qtype.is_some_and(|t| t != negative_key.qtype)
                || !query.name.matches(&negative_key.qname)
            {
                continue;
            }
            let tally = layout::decode_tally(&value, "negative")?;
            if !query.fence.admits(&tally) {
                continue;
            }
            if visit(NegativeRow {
                key: negative_key,
                tally,
            })
            .is_break()
            {
                break;
            }
        }
        Ok(())
    }

    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        for entry in self.rrset.iter() {
            let (key, value) = entry.into_inner().map_err(engine)?;
            let row = Row {
                key: layout::decode_rrset_key(&key)?,
                tally: layout::decode_tally(&value, "rrset")?,
            };
            if visit(row).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let mut stats = StoreStats::default();
        for entry in self.rrset.iter() {
            let key = entry.key().map_err(engine)?;
            stats.rows += 1;
            *stats
                .rows_per_type
                .entry(layout::rrset_key_rrtype(&key)?)
                .or_default() += 1;
        }
        stats.names = self.names.len().map_err(engine)? as u64;
        stats.negatives = self.negative.len().map_err(engine)? as u64;
        stats.files = self.meta.prefix(META_FILE_PREFIX).count() as u64;
        stats.disk_bytes = self.db.disk_space().map_err(engine)?;
        stats.journal_bytes = self.db.journal_disk_space().map_err(engine)?;
        Ok(stats)
    }

    fn ingested_file(&self, digest: &[u8]) -> Result<Option<String>, StoreError> {
        let key = [META_FILE_PREFIX, digest].concat();
        Ok(self
            .meta
            .get(key)
            .map_err(engine)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }
}
