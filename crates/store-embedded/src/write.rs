//! Commits: a batch's rows, negatives and checkpoints, atomically and durably.
//!
//! Two paths, one guarantee (all or nothing, durable on return):
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

use crate::arena::{ingest_sorted, KeyArena};
use crate::meta::{self, Counters};
use crate::{engine, layout, EmbeddedStore};
use fjall::PersistMode;
use hark_dns::{name, RrType};
use hark_record::{Batch, Committed, RrKey};
use hark_store::{ChangeSet, CommitReport, Detail, Picked, StoreError};
use std::collections::{HashMap, HashSet};

/// Commits of at least this many rows read on two threads.
const PARALLEL_READS_FROM: usize = 4096;

/// What the read half of a commit found for some of its rows.
struct RowReads<'o> {
    /// Positions in the batch, in key order.
    order: &'o [usize],
    /// The merged tally of each, encoded, in the same order.
    values: KeyArena,
    /// The new rows, by their slot in `order`.
    new_rows: HashMap<usize, NewRow>,
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
    values: Vec<Vec<u8>>,
    new: Vec<bool>,
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
        let bulk = counters.is_empty() && batch.len() >= self.bulk_threshold.max(1);
        let report = if bulk {
            self.write_bulk_into_empty(batch, detail, &mut next)?
        } else {
            self.write_through_journal(batch, detail, &mut next)?
        };
        self.publish(&next);
        *counters = next;
        Ok(report)
    }

    /// Adds the checkpoints and the counters to a write batch, counting newly finished
    /// sources.
    fn add_checkpoints(
        &self,
        write: &mut fjall::OwnedWriteBatch,
        batch: &Batch,
        counters: &mut Counters,
    ) -> Result<(), StoreError> {
        let mut value = Vec::new();
        for checkpoint in &batch.checkpoints {
            let key = meta::source_key(&checkpoint.source);
            if checkpoint.done {
                let was_done = match self.meta.get(&key).map_err(engine)? {
                    Some(old) => meta::decode_checkpoint(checkpoint.source.clone(), &old)?.done,
                    None => false,
                };
                counters.finished_sources += u64::from(!was_done);
            }
            value.clear();
            checkpoint.encode_value(&mut value);
            write.insert(&self.meta, key, value.as_slice());
        }
        value.clear();
        counters.encode(&mut value);
        write.insert(&self.meta, meta::COUNTERS, value);
        Ok(())
    }

    fn write_through_journal(
        &self,
        batch: &Batch,
        detail: Detail,
        counters: &mut Counters,
    ) -> Result<CommitReport, StoreError> {
        let want_changes = detail == Detail::Changes;
        // Reading in key order keeps consecutive point reads in the same table blocks.
        let mut primaries = KeyArena::with_capacity(batch.rows.len());
        for (row_key, _) in &batch.rows {
            primaries.push_with(|out| layout::rrset_key(&row_key.parts(), out));
        }
        let order = primaries.sorted_order();
        // The reads (most of a commit's work when rows already exist) run on two threads, over
        // the two halves of the key order; the writes then go into one write batch in order.
        let split = if order.len() >= PARALLEL_READS_FROM {
            order.len() / 2
        } else {
            order.len()
        };
        let (first, second) = order.split_at(split);
        let (plans, negatives) = std::thread::scope(|scope| {
            let first_half = scope.spawn(|| self.read_rows(batch, &primaries, first, want_changes));
            let second_half = self.read_rows(batch, &primaries, second, want_changes);
            let negatives = self.read_negatives(batch);
            let first_half = first_half
                .join()
                .map_err(|_| StoreError::Engine("a commit's read thread panicked".into()))?;
            Ok::<_, StoreError>(([first_half?, second_half?], negatives?))
        })?;
        let mut committed = Committed::zero();
        let mut write = self.db.batch();
        let mut new_names: HashSet<Vec<u8>> = HashSet::new();
        let mut new_rows = Vec::new();
        let mut grown_rrsets: Vec<(Vec<u8>, RrType)> = Vec::new();
        for plan in &plans {
            for (slot, &index) in plan.order.iter().enumerate() {
                let Some((row_key, _)) = batch.rows.get(index) else {
                    continue;
                };
                committed.rows += 1;
                if let Some(new) = plan.new_rows.get(&slot) {
                    let parts = row_key.parts();
                    *committed.new_rows.get_or_insert(0) += 1;
                    counters.rows += 1;
                    *counters.rows_per_type.entry(parts.rrtype).or_default() += 1;
                    let mut index_key = Vec::with_capacity(primaries.get(index).len() + 8);
                    layout::rdata_key(&parts, &mut index_key);
                    write.insert(&self.rdata, index_key, []);
                    if !new.name_known {
                        let mut forward = Vec::with_capacity(parts.rrname.len() + 2);
                        name::forward_key(parts.rrname, &mut forward);
                        if new_names.insert(forward.clone()) {
                            counters.names += 1;
                            write.insert(&self.names, forward, []);
                        }
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
                write.insert(&self.rrset, primaries.get(index), plan.values.get(slot));
            }
        }
        let mut new_negatives = Vec::new();
        for (index, value) in negatives.values.iter().enumerate() {
            committed.negatives += 1;
            if negatives.new[index] {
                *committed.new_negatives.get_or_insert(0) += 1;
                counters.negatives += 1;
                if want_changes {
                    new_negatives.push(position(index));
                }
            }
            write.insert(&self.negative, negatives.keys.get(index), value.as_slice());
        }
        self.add_checkpoints(&mut write, batch, counters)?;
        write.commit().map_err(engine)?;
        self.db.persist(PersistMode::SyncAll).map_err(engine)?;
        new_rows.sort_unstable();
        Ok(CommitReport {
            committed,
            changes: want_changes.then_some(ChangeSet {
                new_rows: Picked::These(new_rows),
                new_negatives: Picked::These(new_negatives),
                grown_rrsets,
            }),
        })
    }

    /// The read half of a commit for rows `order` (positions in the batch, in key order): each
    /// row's merged tally, and what is known of the new ones.
    fn read_rows<'o>(
        &self,
        batch: &Batch,
        primaries: &KeyArena,
        order: &'o [usize],
        want_changes: bool,
    ) -> Result<RowReads<'o>, StoreError> {
        let mut plan = RowReads {
            order,
            values: KeyArena::with_capacity(order.len()),
            new_rows: HashMap::new(),
        };
        // Rows come in key order, so the members of one RRset are adjacent: one look at the
        // store answers "did this RRset exist" for all of them.
        let mut last_rrset: Option<(&[u8], RrType, bool)> = None;
        let mut forward = Vec::with_capacity(256);
        for (slot, &index) in order.iter().enumerate() {
            let Some((row_key, tally)) = batch.rows.get(index) else {
                plan.values.push_with(|_| {});
                continue;
            };
            let merged = match self.rrset.get(primaries.get(index)).map_err(engine)? {
                Some(old) => layout::decode_tally(&old, "rrset")?.merged(tally),
                None => {
                    let parts = row_key.parts();
                    forward.clear();
                    name::forward_key(parts.rrname, &mut forward);
                    let name_known = self.names.contains_key(&forward).map_err(engine)?;
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
                    plan.new_rows.insert(
                        slot,
                        NewRow {
                            name_known,
                            rrset_existed,
                        },
                    );
                    *tally
                }
            };
            plan.values
                .push_with(|out| layout::encode_tally(&merged, out));
        }
        Ok(plan)
    }

    /// The read half of a commit for its negative rows: each merged tally, and which are new.
    fn read_negatives(&self, batch: &Batch) -> Result<NegativeReads, StoreError> {
        let mut reads = NegativeReads {
            keys: KeyArena::with_capacity(batch.negatives.len()),
            values: Vec::with_capacity(batch.negatives.len()),
            new: Vec::with_capacity(batch.negatives.len()),
        };
        let mut value = Vec::with_capacity(32);
        for (negative_key, tally) in &batch.negatives {
            reads
                .keys
                .push_with(|out| layout::negative_key(negative_key, out));
            let key = reads.keys.get(reads.new.len());
            let (merged, new) = match self.negative.get(key).map_err(engine)? {
                Some(old) => (layout::decode_tally(&old, "negative")?.merged(tally), false),
                None => (*tally, true),
            };
            value.clear();
            layout::encode_tally(&merged, &mut value);
            reads.values.push(value.clone());
            reads.new.push(new);
        }
        Ok(reads)
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
            let names = indexes
                .join()
                .map_err(|_| StoreError::Engine("the index writing thread panicked".into()))??;
            ingest_sorted(
                &self.rrset,
                order.iter().map(|&i| (primaries.get(i), values.get(i))),
            )?;
            ingest_sorted(
                &self.negative,
                negative_order
                    .iter()
                    .map(|&i| (negative_keys.get(i), negative_values.get(i))),
            )?;
            Ok(names)
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
        });
        Ok(CommitReport {
            committed: Committed {
                rows: batch.rows.len() as u64,
                negatives: batch.negatives.len() as u64,
                new_rows: Some(batch.rows.len() as u64),
                new_negatives: Some(batch.negatives.len() as u64),
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
        )?;
        let mut order = name_keys.sorted_order();
        order.dedup_by(|a, b| name_keys.get(*a) == name_keys.get(*b));
        ingest_sorted(
            &self.names,
            order.iter().map(|&i| (name_keys.get(i), &[][..])),
        )?;
        Ok(order.len() as u64)
    }
}
