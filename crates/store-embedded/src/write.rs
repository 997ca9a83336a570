//! Commits: a batch's rows, negatives and checkpoints, atomically and durably.
//!
//! Three paths, one guarantee (all or nothing, durable on return). Each starts by reading what
//! the rows hold now, in key order, on two threads for large commits: point reads when the
//! batch is sparse in the store, one forward scan beside the batch when it is dense
//! ([`crate::ascending`]).
//! - **Through the journal** (every commit into a store that holds rows): one fjall write
//!   batch across all keyspaces, then an fsync. Each row is a read-modify-write (fjall has no
//!   merge operator); commits are serialized by the store's commit lock, so two writers in one
//!   process never lose counts. New rows add their index entries; the counters behind
//!   `stats()` and the checkpoints ride in the same write batch.
//! - **Bulk into an empty store** (the first large commit): nothing to read or merge, so each
//!   keyspace gets one sorted table written straight to disk (fjall ingestion, several times
//!   faster than the memtable). Tables of several keyspaces cannot be added atomically, so the
//!   load is bracketed: a durable `bulk-pending` marker goes in first, and the last write batch
//!   (checkpoints, counters) removes it. A store opened with the marker present was empty
//!   before the load, so rolling back is clearing the row keyspaces ([`EmbeddedStore::open`]).
//! - **Large commits into a store that holds rows** (a day's capture): the merged rows are
//!   written as sorted tables too, beside a redo log of every entry (final values, so replaying
//!   it is exact); a table joins its keyspace only once the log is durable, and a store opened
//!   with the log present writes it again ([`crate::redo`]). The tables shadow the rows they update (they are newer) until
//!   compaction folds them in.

use crate::arena::{ingest_sorted, KeyArena};
use crate::ascending::AscendingReader;
use crate::meta::{self, Counters};
use crate::redo::{self, RedoWriter, Space};
use crate::{engine, layout, EmbeddedStore};
use fjall::PersistMode;
use hark_dns::{name, RrType};
use hark_record::{Batch, Committed, RrKey};
use hark_store::{ChangeSet, CommitReport, Detail, Picked, StoreError};

/// (key, value) entries of one keyspace.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// Where a commit's writes go: a write batch, or the arenas of sorted tables.
type Put<'a> = dyn FnMut(Space, &[u8], &[u8]) + 'a;

/// Commits of at least this many rows sort their keys and read on two threads.
const PARALLEL_READS_FROM: usize = 4096;

/// What the read half of a commit found for its rows, and the sorted primary keys.
struct Reads {
    /// The rows' primary keys, in key order.
    primaries: KeyArena,
    /// The position in the batch of each of `primaries`.
    order: Vec<usize>,
    /// The two halves of `order`, read on two threads.
    halves: [RowReads; 2],
    negatives: NegativeReads,
}

/// What the read half of a commit found for some of its rows.
struct RowReads {
    /// The slots of `Reads::order` (and `Reads::primaries`) these are.
    slots: std::ops::Range<usize>,
    /// The merged tally of each, encoded, in the same order.
    values: KeyArena,
    /// The new rows, by their slot within `slots`, ascending.
    new_rows: Vec<(usize, NewRow)>,
}

/// What the read half knows of a new row.
struct NewRow {
    /// Its owner name is already in the names index.
    name_known: bool,
    /// Another row of its RRset was already stored.
    rrset_existed: bool,
}

/// What the read half of a commit found for its negative rows.
struct NegativeReads {
    keys: KeyArena,
    values: KeyArena,
    new: Vec<bool>,
}

impl Reads {
    /// Every row's rrset entry, key and merged tally, in key order.
    fn rrset_entries(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        self.halves.iter().flat_map(move |plan| {
            plan.slots
                .clone()
                .enumerate()
                .map(move |(at, slot)| (self.primaries.get(slot), plan.values.get(at)))
        })
    }
}

/// A position in a batch's list, as a change set holds it (batches are far below 2^32 items).
fn position(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

impl EmbeddedStore {
    /// Commits a batch on the path that fits (see the module doc).
    pub(crate) fn commit_batch(
        &self,
        batch: &Batch,
        detail: Detail,
    ) -> Result<CommitReport, StoreError> {
        let mut counters = self.counters.lock().map_err(|_| {
            StoreError::Engine("a commit panicked earlier; reopen the store".into())
        })?;
        let mut next = counters.clone();
        // Certificate names go through the journal only (a CT import commits nothing else):
        // the sorted-table paths write the DNS keyspaces.
        let large = batch.certs.is_empty() && batch.len() >= self.bulk_threshold.max(1);
        let report = if large && counters.is_empty() {
            self.write_bulk_into_empty(batch, detail, &mut next)?
        } else if large {
            self.write_ingested(batch, detail, &mut next)?
        } else {
            self.write_through_journal(batch, detail, &mut next)?
        };
        self.publish(&next);
        *counters = next;
        Ok(report)
    }

    /// The meta entries of a commit: its checkpoints and the counters after it, counting
    /// newly finished sources.
    fn checkpoint_entries(
        &self,
        batch: &Batch,
        counters: &mut Counters,
    ) -> Result<Entries, StoreError> {
        let mut entries = Vec::with_capacity(batch.checkpoints.len() + 1);
        for checkpoint in &batch.checkpoints {
            let key = meta::source_key(&checkpoint.source);
            if checkpoint.done {
                let was_done = match self.meta.get(&key).map_err(engine)? {
                    Some(old) => meta::decode_checkpoint(checkpoint.source.clone(), &old)?.done,
                    None => false,
                };
                counters.finished_sources += u64::from(!was_done);
            }
            let mut value = Vec::new();
            checkpoint.encode_value(&mut value);
            entries.push((key, value));
        }
        let mut value = Vec::new();
        counters.encode(&mut value);
        entries.push((meta::COUNTERS.to_vec(), value));
        entries.push((
            meta::CERT_COUNTER.to_vec(),
            counters.certs.to_be_bytes().to_vec(),
        ));
        Ok(entries)
    }

    /// Adds the checkpoints and the counters to a write batch.
    fn add_checkpoints(
        &self,
        write: &mut fjall::OwnedWriteBatch,
        batch: &Batch,
        counters: &mut Counters,
    ) -> Result<(), StoreError> {
        for (key, value) in self.checkpoint_entries(batch, counters)? {
            write.insert(&self.meta, key, value);
        }
        Ok(())
    }

    /// The keyspace a redo entry goes to.
    pub(crate) fn keyspace_of(&self, space: Space) -> &fjall::Keyspace {
        match space {
            Space::Rrset => &self.rrset,
            Space::Names => &self.names,
            Space::Rdata => &self.rdata,
            Space::Negative => &self.negative,
            Space::Meta => &self.meta,
        }
    }

    /// Reads what a commit needs: every row's stored tally (on two threads, over the two
    /// halves of the key order, for large commits) and every negative row's.
    fn read_phase(
        &self,
        batch: &Batch,
        stored: &Counters,
        want_changes: bool,
    ) -> Result<Reads, StoreError> {
        let (stored_rows, stored_negatives) = (stored.rows, stored.negatives);
        // Reading in key order keeps consecutive point reads in the same table blocks.
        let (primaries, order) =
            KeyArena::build_sorted(batch.rows.len(), PARALLEL_READS_FROM, |i, out| {
                if let Some((row_key, _)) = batch.rows.get(i) {
                    layout::rrset_key(&row_key.parts(), out);
                }
            })?;
        let split = if order.len() >= PARALLEL_READS_FROM {
            order.len() / 2
        } else {
            order.len()
        };
        let read =
            |slots| self.read_rows(batch, &primaries, &order, slots, stored_rows, want_changes);
        let (halves, negatives) = std::thread::scope(|scope| {
            let first = scope.spawn(|| read(0..split));
            let second = read(split..order.len());
            let negatives = self.read_negatives(batch, stored_negatives);
            let first = first
                .join()
                .map_err(|_| StoreError::Engine("a commit's read thread panicked".into()))?;
            Ok::<_, StoreError>(([first?, second?], negatives?))
        })?;
        Ok(Reads {
            primaries,
            order,
            halves,
            negatives,
        })
    }

    /// Turns a commit's reads into their index and negative writes, handed to `put` in key
    /// order per keyspace, and counts what they add. The rrset entries are
    /// [`Reads::rrset_entries`].
    fn apply_reads(
        &self,
        batch: &Batch,
        reads: &Reads,
        counters: &mut Counters,
        want_changes: bool,
        put: &mut Put<'_>,
    ) -> (Committed, Option<ChangeSet>) {
        let mut committed = Committed::zero();
        let mut last_new_name: Option<&[u8]> = None;
        let mut new_rows = Vec::new();
        let mut grown_rrsets: Vec<(Vec<u8>, RrType)> = Vec::new();
        let mut index_key = Vec::with_capacity(256);
        let mut forward = Vec::with_capacity(256);
        for plan in &reads.halves {
            let order = reads.order.get(plan.slots.clone()).unwrap_or_default();
            let mut news = plan.new_rows.iter().peekable();
            committed.rows += order.len() as u64;
            for (slot, &index) in order.iter().enumerate() {
                let new = news
                    .next_if(|(new_slot, _)| *new_slot == slot)
                    .map(|(_, new)| new);
                if let (Some(new), Some((row_key, _))) = (new, batch.rows.get(index)) {
                    let parts = row_key.parts();
                    *committed.new_rows.get_or_insert(0) += 1;
                    counters.rows += 1;
                    *counters.rows_per_type.entry(parts.rrtype).or_default() += 1;
                    index_key.clear();
                    layout::rdata_key(&parts, &mut index_key);
                    put(Space::Rdata, &index_key, &[]);
                    // Rows come in key order, owner name first: the rows of one name are
                    // adjacent, across the two halves too.
                    if !new.name_known && last_new_name != Some(parts.rrname) {
                        forward.clear();
                        name::forward_key(parts.rrname, &mut forward);
                        counters.names += 1;
                        put(Space::Names, &forward, &[]);
                        last_new_name = Some(parts.rrname);
                    }
                    if want_changes {
                        new_rows.push(position(index));
                        // One RRset can straddle the two halves: name it once.
                        let rrset = (parts.rrname, parts.rrtype);
                        let named = grown_rrsets
                            .last()
                            .is_some_and(|(n, t)| (n.as_slice(), *t) == rrset);
                        if new.rrset_existed && !named {
                            grown_rrsets.push((parts.rrname.to_vec(), parts.rrtype));
                        }
                    }
                }
            }
        }
        let negatives = &reads.negatives;
        let mut new_negatives = Vec::new();
        for (index, &new) in negatives.new.iter().enumerate() {
            committed.negatives += 1;
            if new {
                *committed.new_negatives.get_or_insert(0) += 1;
                counters.negatives += 1;
                if want_changes {
                    new_negatives.push(position(index));
                }
            }
            put(
                Space::Negative,
                negatives.keys.get(index),
                negatives.values.get(index),
            );
        }
        new_rows.sort_unstable();
        let changes = want_changes.then_some(ChangeSet {
            new_rows: Picked::These(new_rows),
            new_negatives: Picked::These(new_negatives),
            grown_rrsets,
            new_certs: Picked::default(),
        });
        (committed, changes)
    }

    fn write_through_journal(
        &self,
        batch: &Batch,
        detail: Detail,
        counters: &mut Counters,
    ) -> Result<CommitReport, StoreError> {
        let want_changes = detail == Detail::Changes;
        let reads = self.read_phase(batch, counters, want_changes)?;
        let mut write = self.db.batch();
        let (committed, changes) = self.apply_reads(
            batch,
            &reads,
            counters,
            want_changes,
            &mut |space, key, value| write.insert(self.keyspace_of(space), key, value),
        );
        for (key, value) in reads.rrset_entries() {
            write.insert(&self.rrset, key, value);
        }
        let mut changes = changes;
        let mut committed = committed;
        let new_certs = self.write_certs(batch, &mut write, counters)?;
        committed.certs = batch.certs.len() as u64;
        if let Some(set) = changes.as_mut() {
            set.new_certs = Picked::These(new_certs);
        }
        self.add_checkpoints(&mut write, batch, counters)?;
        write.commit().map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        Ok(CommitReport { committed, changes })
    }

    /// A large commit into a store that holds rows: the same reads and writes as through the
    /// journal, but written as sorted tables, with a redo log that makes them atomic ([`redo`]).
    fn write_ingested(
        &self,
        batch: &Batch,
        detail: Detail,
        counters: &mut Counters,
    ) -> Result<CommitReport, StoreError> {
        let want_changes = detail == Detail::Changes;
        let reads = self.read_phase(batch, counters, want_changes)?;
        let mut arenas: [KeyArena; 4] = std::array::from_fn(|_| KeyArena::with_capacity(0));
        let mut values: [KeyArena; 4] = std::array::from_fn(|_| KeyArena::with_capacity(0));
        let (committed, changes) = self.apply_reads(
            batch,
            &reads,
            counters,
            want_changes,
            &mut |space, key, value| {
                let slot = space as usize;
                if let (Some(keys), Some(vals)) = (arenas.get_mut(slot), values.get_mut(slot)) {
                    keys.push_with(|out| out.extend_from_slice(key));
                    vals.push_with(|out| out.extend_from_slice(value));
                }
            },
        );
        let meta_entries = self.checkpoint_entries(batch, counters)?;
        let spaces = [Space::Rrset, Space::Names, Space::Rdata, Space::Negative];
        let orders: Vec<Vec<usize>> = arenas.iter().map(KeyArena::sorted_order).collect();
        let io = |err: std::io::Error| StoreError::Engine(format!("redo log: {err}"));
        // Each keyspace's entries in key order (the rrset entries straight from the reads).
        type Sorted<'e> = Box<dyn Iterator<Item = (&'e [u8], &'e [u8])> + 'e>;
        let sorted = |space: Space| -> Sorted<'_> {
            if space == Space::Rrset {
                return Box::new(reads.rrset_entries());
            }
            let slot = space as usize;
            let (order, keys, vals) = (&orders[slot], &arenas[slot], &values[slot]);
            Box::new(order.iter().map(move |&i| (keys.get(i), vals.get(i))))
        };
        // Two threads: one writes the redo log and then the smaller keyspaces' tables; the
        // other writes the rrset and negative tables meanwhile, and adds each to its keyspace
        // only once the log is durable (a table written but not added is never read).
        std::thread::scope(|scope| -> Result<(), StoreError> {
            let (durable, logged) = std::sync::mpsc::channel::<()>();
            let meta_entries = &meta_entries;
            let logging = scope.spawn(move || -> Result<(), StoreError> {
                let mut redo = RedoWriter::create(&self.redo_path).map_err(io)?;
                for space in spaces {
                    for (key, value) in sorted(space) {
                        redo.entry(space, key, value).map_err(io)?;
                    }
                }
                for (key, value) in meta_entries {
                    redo.entry(Space::Meta, key, value).map_err(io)?;
                }
                redo.finish().map_err(io)?;
                let _ = durable.send(());
                for space in [Space::Names, Space::Rdata] {
                    ingest_sorted(self.keyspace_of(space), sorted(space), || Ok(()))?;
                }
                Ok(())
            });
            let mut is_durable = false;
            let mut wait_for_log = || -> Result<(), StoreError> {
                if !is_durable {
                    logged
                        .recv()
                        .map_err(|_| StoreError::Engine("the redo log was not written".into()))?;
                    is_durable = true;
                }
                Ok(())
            };
            let tables = [Space::Rrset, Space::Negative]
                .into_iter()
                .try_for_each(|space| {
                    ingest_sorted(self.keyspace_of(space), sorted(space), &mut wait_for_log)
                })
                .and_then(|()| wait_for_log());
            // The log's own error first: it explains "not written" on this side.
            logging
                .join()
                .map_err(|_| StoreError::Engine("the redo log thread panicked".into()))??;
            tables
        })?;
        let mut write = self.db.batch();
        for (key, value) in meta_entries {
            write.insert(&self.meta, key, value);
        }
        write.commit().map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        redo::remove(&self.redo_path).map_err(io)?;
        Ok(CommitReport { committed, changes })
    }

    /// Finishes a large commit that a crash interrupted after its redo log was written: its
    /// entries are final values, so writing them all again is exact whatever part of them had
    /// landed. Called by [`EmbeddedStore::open`] before anything reads the store.
    pub(crate) fn finish_interrupted_commit(&self) -> Result<(), StoreError> {
        let entries = match redo::read(&self.redo_path).map_err(StoreError::Engine)? {
            Some(entries) => entries,
            None => {
                return redo::remove(&self.redo_path)
                    .map_err(|err| StoreError::Engine(format!("redo log: {err}")))
            }
        };
        tracing::warn!(
            entries = entries.len(),
            "finishing a commit that a crash interrupted"
        );
        for chunk in entries.chunks(100_000) {
            let mut write = self.db.batch();
            for (space, key, value) in chunk {
                write.insert(self.keyspace_of(*space), key.as_slice(), value.as_slice());
            }
            write.commit().map_err(engine)?;
        }
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        redo::remove(&self.redo_path).map_err(|err| StoreError::Engine(format!("redo log: {err}")))
    }

    /// The read half of a commit for rows `order` (positions in the batch, in key order): each
    /// row's merged tally, and what is known of the new ones.
    fn read_rows(
        &self,
        batch: &Batch,
        primaries: &KeyArena,
        order: &[usize],
        slots: std::ops::Range<usize>,
        stored_rows: u64,
        want_changes: bool,
    ) -> Result<RowReads, StoreError> {
        let first_slot = slots.start;
        let order = order.get(slots.clone()).unwrap_or_default();
        // Each half covers about half the keyspace: compare the whole batch with the store.
        let mut stored = AscendingReader::new(
            &self.rrset,
            batch.rows.len(),
            stored_rows,
            primaries.get(first_slot),
            primaries.get((first_slot + order.len()).saturating_sub(1)),
        )?;
        let mut plan = RowReads {
            slots,
            values: KeyArena::with_capacity(order.len()),
            new_rows: Vec::new(),
        };
        // Rows come in key order, so the members of one RRset are adjacent: one look at the
        // store answers "did this RRset exist" for all of them.
        let mut last_rrset: Option<(&[u8], RrType, bool)> = None;
        // Likewise the rows of one owner name: one look at the names index for all of them.
        let mut last_name: Option<(&[u8], bool)> = None;
        let mut forward = Vec::with_capacity(256);
        for (slot, &index) in order.iter().enumerate() {
            let Some((row_key, tally)) = batch.rows.get(index) else {
                plan.values.push_with(|_| {});
                continue;
            };
            let merged = match stored.get(primaries.get(first_slot + slot))? {
                Some(old) => layout::decode_tally(&old, "rrset")?.merged(tally),
                None => {
                    let parts = row_key.parts();
                    let name_known = match last_name {
                        Some((name, known)) if name == parts.rrname => known,
                        _ => {
                            forward.clear();
                            name::forward_key(parts.rrname, &mut forward);
                            let known = self.names.contains_key(&forward).map_err(engine)?;
                            last_name = Some((parts.rrname, known));
                            known
                        }
                    };
                    let rrset_existed = match last_rrset {
                        Some((name, rrtype, existed))
                            if rrtype == parts.rrtype && name == parts.rrname =>
                        {
                            existed
                        }
                        // A name never seen has no RRset yet.
                        _ if want_changes && name_known => {
                            let existed = self.rrset_existed(&parts)?;
                            last_rrset = Some((parts.rrname, parts.rrtype, existed));
                            existed
                        }
                        _ => {
                            last_rrset = Some((parts.rrname, parts.rrtype, false));
                            false
                        }
                    };
                    plan.new_rows.push((
                        slot,
                        NewRow {
                            name_known,
                            rrset_existed,
                        },
                    ));
                    *tally
                }
            };
            plan.values
                .push_with(|out| layout::encode_tally(&merged, out));
        }
        Ok(plan)
    }

    /// The read half of a commit for its negative rows: each merged tally, and which are new.
    fn read_negatives(
        &self,
        batch: &Batch,
        stored_negatives: u64,
    ) -> Result<NegativeReads, StoreError> {
        let mut reads = NegativeReads {
            keys: KeyArena::with_capacity(batch.negatives.len()),
            values: KeyArena::with_capacity(batch.negatives.len()),
            new: vec![true; batch.negatives.len()],
        };
        for (negative_key, _) in &batch.negatives {
            reads
                .keys
                .push_with(|out| layout::negative_key(negative_key, out));
        }
        // Read in key order (one scan when the batch is dense in the keyspace), keep in
        // batch order.
        let order = reads.keys.sorted_order();
        let key_at = |at: Option<&usize>| at.map_or(&[][..], |&index| reads.keys.get(index));
        let mut stored = AscendingReader::new(
            &self.negative,
            batch.negatives.len(),
            stored_negatives,
            key_at(order.first()),
            key_at(order.last()),
        )?;
        let mut merged: Vec<Option<hark_record::Tally>> = vec![None; batch.negatives.len()];
        for &index in &order {
            if let (Some(old), Some((_, tally))) = (
                stored.get(reads.keys.get(index))?,
                batch.negatives.get(index),
            ) {
                if let (Some(slot), Some(new)) = (merged.get_mut(index), reads.new.get_mut(index)) {
                    *slot = Some(layout::decode_tally(&old, "negative")?.merged(tally));
                    *new = false;
                }
            }
        }
        for ((_, tally), merged) in batch.negatives.iter().zip(merged) {
            let value = merged.unwrap_or(*tally);
            reads
                .values
                .push_with(|out| layout::encode_tally(&value, out));
        }
        Ok(reads)
    }

    /// Merges a batch's certificate-name rows into the write batch (read-modify-write, like
    /// the rows through the journal), in key order (reads stay in the same blocks, and the
    /// memtable takes sorted inserts far faster); returns the positions of the new ones,
    /// ascending.
    fn write_certs(
        &self,
        batch: &Batch,
        write: &mut fjall::OwnedWriteBatch,
        counters: &mut Counters,
    ) -> Result<Vec<u32>, StoreError> {
        let mut keys = KeyArena::with_capacity(batch.certs.len());
        for (cert, _) in &batch.certs {
            keys.push_with(|out| layout::cert_key(cert, out));
        }
        let mut new = Vec::new();
        let mut value = Vec::new();
        for index in keys.sorted_order() {
            let Some((_, tally)) = batch.certs.get(index) else {
                continue;
            };
            let key = keys.get(index);
            let merged = match self.cert.get(key).map_err(engine)? {
                Some(old) => layout::decode_tally(&old, "cert")?.merged(tally),
                None => {
                    new.push(position(index));
                    counters.certs += 1;
                    *tally
                }
            };
            value.clear();
            layout::encode_tally(&merged, &mut value);
            write.insert(&self.cert, key, value.as_slice());
        }
        new.sort_unstable();
        Ok(new)
    }

    /// True when the store already holds a row of this owner and type (read before the
    /// current commit's writes, which are not visible yet).
    fn rrset_existed(&self, parts: &hark_record::RrKeyParts<'_>) -> Result<bool, StoreError> {
        let mut prefix = Vec::with_capacity(parts.rrname.len() + 3);
        name::reversed_key(parts.rrname, &mut prefix);
        prefix.extend_from_slice(&parts.rrtype.0.to_be_bytes());
        match self.rrset.prefix(&prefix).next() {
            Some(entry) => entry.key().map(|_| true).map_err(engine),
            None => Ok(false),
        }
    }

    fn write_bulk_into_empty(
        &self,
        batch: &Batch,
        detail: Detail,
        counters: &mut Counters,
    ) -> Result<CommitReport, StoreError> {
        self.meta.insert(meta::BULK_PENDING, []).map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        let names = std::thread::scope(|scope| -> Result<u64, StoreError> {
            let indexes = scope.spawn(|| {
                let keys: Vec<&RrKey> = batch.rows.iter().map(|(k, _)| k).collect();
                self.write_indexes(&keys)
            });
            let mut primaries = KeyArena::with_capacity(batch.rows.len());
            let mut values = KeyArena::with_capacity(batch.rows.len());
            for (key, tally) in &batch.rows {
                primaries.push_with(|out| layout::rrset_key(&key.parts(), out));
                values.push_with(|out| layout::encode_tally(tally, out));
            }
            let order = primaries.sorted_order();
            let mut negative_keys = KeyArena::with_capacity(batch.negatives.len());
            let mut negative_values = KeyArena::with_capacity(batch.negatives.len());
            for (key, tally) in &batch.negatives {
                negative_keys.push_with(|out| layout::negative_key(key, out));
                negative_values.push_with(|out| layout::encode_tally(tally, out));
            }
            let negative_order = negative_keys.sorted_order();
            // The keyspaces are independent: the primaries are written while the index
            // thread still works, and the join comes last.
            ingest_sorted(
                &self.rrset,
                order.iter().map(|&i| (primaries.get(i), values.get(i))),
                || Ok(()),
            )?;
            ingest_sorted(
                &self.negative,
                negative_order
                    .iter()
                    .map(|&i| (negative_keys.get(i), negative_values.get(i))),
                || Ok(()),
            )?;
            indexes
                .join()
                .map_err(|_| StoreError::Engine("the index writing thread panicked".into()))?
        })?;
        counters.rows += batch.rows.len() as u64;
        counters.negatives += batch.negatives.len() as u64;
        counters.names += names;
        for (key, _) in &batch.rows {
            *counters
                .rows_per_type
                .entry(key.parts().rrtype)
                .or_default() += 1;
        }
        let mut write = self.db.batch();
        self.add_checkpoints(&mut write, batch, counters)?;
        write.remove(&self.meta, meta::BULK_PENDING);
        write.commit().map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        let changes = (detail == Detail::Changes).then(|| ChangeSet {
            new_rows: Picked::All,
            new_negatives: Picked::All,
            grown_rrsets: Vec::new(),
            new_certs: Picked::default(),
        });
        Ok(CommitReport {
            committed: Committed {
                rows: batch.rows.len() as u64,
                negatives: batch.negatives.len() as u64,
                new_rows: Some(batch.rows.len() as u64),
                new_negatives: Some(batch.negatives.len() as u64),
                certs: 0,
            },
            changes,
        })
    }

    /// Writes the rdata-index and name-index entries of new rows as sorted tables; returns
    /// how many distinct names they hold.
    fn write_indexes(&self, new_rows: &[&RrKey]) -> Result<u64, StoreError> {
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
            || Ok(()),
        )?;
        let mut order = name_keys.sorted_order();
        order.dedup_by(|a, b| name_keys.get(*a) == name_keys.get(*b));
        ingest_sorted(
            &self.names,
            order.iter().map(|&i| (name_keys.get(i), &[][..])),
            || Ok(()),
        )?;
        Ok(order.len() as u64)
    }
}
