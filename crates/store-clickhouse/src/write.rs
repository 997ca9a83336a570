//! Commits: exact through retries, killed connections, crashes and many writers.
//!
//! ClickHouse 18.16 has no transactions and no insert deduplication for non-replicated
//! tables, and an insert whose connection dies may or may not have been written. A commit
//! of batch `B` (a random 64-bit id) therefore goes in four steps:
//!
//! 1. **Stage.** Each shard gets its rows (routed by a hash of the owner name, so every key
//!    lives on one shard) in one RowBinary insert into `stage_states`, partition `B`, each row
//!    with a sequence number and its tally as the aggregate states the row tables hold (built
//!    here, so the servers only copy them). A retried insert may leave duplicates or a cut-short copy: readers
//!    of the stage take one row per sequence number, and after a failed call the writer
//!    counts the distinct sequence numbers before it moves on.
//! 2. **Record.** One insert into `ledger` on the first shard holds the batch's checkpoints
//!    and, last, its commit row. An insert is one block, written whole or as a prefix of its
//!    rows, so a commit row present means its checkpoints are too; checkpoints are read only
//!    from committed batches. This is the commit point: before it the batch never happened
//!    (a restarted writer drops its staged partitions), after it the batch will be applied.
//! 3. **Apply.** Per shard and row table, one `INSERT INTO t SELECT ... FROM stage_states` that
//!    also writes `B`'s marker row (empty keys, `batch = B`) in the same block, so the part
//!    holds all of the batch's rows for that table or none. The statement runs only when
//!    the table has no marker for `B` yet (a scalar subquery at its start) and under a fixed
//!    query id, which ClickHouse refuses to run twice at once: repeating it after a timeout
//!    or a killed connection is harmless, whatever the first attempt did.
//! 4. **Finish.** An applied row in `ledger`, then the stage partitions are dropped.
//!
//! A writer that restarts (same `writer` name) first finishes its recorded but unapplied
//! batches from their staged rows and drops staged partitions that were never recorded. The
//! sources then resume from the recorded checkpoints: nothing is counted twice or lost.

use crate::http::{hex, CallError, Endpoint, Setting};
use crate::rowbinary::Encoder;
use crate::{call, ClickHouseStore};
use hark_dns::name;
use hark_record::{Checkpoint, Committed};
use hark_store::keys;
use hark_store::{Batch, ChangeSet, CommitReport, Detail, Picked, StoreError};
use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Stage row kinds.
const KIND_ROW: u8 = 0;
const KIND_NEGATIVE: u8 = 1;
const KIND_CERT: u8 = 2;
const KIND_MARKER: u8 = 255;

/// Ledger row kinds.
const LEDGER_COMMIT: u8 = 0;
const LEDGER_CHECKPOINT: u8 = 1;
const LEDGER_APPLIED: u8 = 2;

/// How many times a call that may not have run is repeated before the commit fails.
const ATTEMPTS: u32 = 8;

/// Settings that make an `INSERT ... SELECT` one block, hence one part: all or nothing.
fn one_block() -> Vec<Setting<'static>> {
    vec![
        ("min_insert_block_size_rows", "1000000000000".into()),
        ("min_insert_block_size_bytes", "1000000000000000".into()),
        ("max_insert_block_size", "1000000000".into()),
    ]
}

/// What the commit lock guards.
#[derive(Default)]
pub struct WriterState {
    /// Half-done commits of this writer name were finished.
    recovered: bool,
    /// The version of the last commit (nanoseconds since the epoch, strictly increasing).
    version: u64,
}

/// One shard's share of a batch.
#[derive(Default)]
struct Share {
    data: Encoder,
    rows: u32,
    negatives: u32,
    certs: u32,
}

impl Share {
    /// Stage rows before the marker.
    fn len(&self) -> u32 {
        self.rows + self.negatives + self.certs
    }
}

/// The shard of an owner name: the first 8 bytes of its BLAKE3 hash, modulo the shards.
pub fn shard_of(rrname: &[u8], shards: usize) -> usize {
    let hash = blake3::hash(rrname);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    (u64::from_le_bytes(first) % shards.max(1) as u64) as usize
}

/// Repeats `attempt` while it fails with a call that may not have run, with growing pauses.
fn with_retries<T>(
    what: &str,
    mut attempt: impl FnMut() -> Result<T, CallError>,
) -> Result<T, StoreError> {
    let mut pause = Duration::from_millis(100);
    let mut tries = 0;
    loop {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(err @ CallError::Retry { .. }) if tries + 1 < ATTEMPTS => {
                tries += 1;
                tracing::warn!(error = %err, what, "retrying");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(err) => return Err(StoreError::Engine(format!("{what}: {err}"))),
        }
    }
}

/// Runs `job` for each item on its own thread; the first error wins.
fn each<T: Send>(
    items: Vec<T>,
    job: &(dyn Fn(T) -> Result<(), StoreError> + Sync),
) -> Result<(), StoreError> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || job(item)))
            .collect();
        let mut result = Ok(());
        for handle in handles {
            let outcome = handle
                .join()
                .unwrap_or_else(|_| Err(StoreError::Engine("a commit thread panicked".into())));
            if result.is_ok() {
                result = outcome;
            }
        }
        result
    })
}

/// The row tables and the stage kind each is applied from.
const TABLES: [(&str, u8); 5] = [
    ("rrset", KIND_ROW),
    ("forward", KIND_ROW),
    ("rdata", KIND_ROW),
    ("negative", KIND_NEGATIVE),
    ("cert", KIND_CERT),
];

impl ClickHouseStore {
    pub(crate) fn commit_batch(
        &self,
        batch: &Batch,
        detail: Detail,
    ) -> Result<CommitReport, StoreError> {
        let mut state = self
            .commits
            .lock()
            .map_err(|_| StoreError::Engine("commit lock poisoned".into()))?;
        if !state.recovered {
            self.recover()?;
            state.recovered = true;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        state.version = now.max(state.version + 1);
        let version = state.version;
        let id = batch_id(&self.writer, version);
        let changes = match detail {
            Detail::Changes => Some(self.find_changes(batch)?),
            Detail::Figures => None,
        };
        let started = std::time::Instant::now();
        let shares = self.split(batch, id);
        let split = started.elapsed();
        let staged: Vec<(usize, &Share)> = shares
            .iter()
            .enumerate()
            .filter(|(_, share)| share.len() > 0)
            .collect();
        each(staged.clone(), &|(shard, share)| {
            self.stage(shard, id, share)
        })?;
        let stage = started.elapsed();
        self.record(id, version, &batch.checkpoints)?;
        let record = started.elapsed();
        let applies: Vec<(usize, &str)> = staged
            .iter()
            .flat_map(|&(shard, share)| {
                TABLES.iter().filter_map(move |&(table, kind)| {
                    let present = match kind {
                        KIND_ROW => share.rows > 0,
                        KIND_NEGATIVE => share.negatives > 0,
                        _ => share.certs > 0,
                    };
                    present.then_some((shard, table))
                })
            })
            .collect();
        each(applies, &|(shard, table)| self.apply(shard, table, id))?;
        let apply = started.elapsed();
        self.finish(id, staged.iter().map(|&(shard, _)| shard))?;
        tracing::debug!(
            rows = batch.rows.len(),
            split_ms = split.as_millis(),
            stage_ms = (stage - split).as_millis(),
            record_ms = (record - stage).as_millis(),
            apply_ms = (apply - record).as_millis(),
            finish_ms = (started.elapsed() - apply).as_millis(),
            "committed"
        );
        let new_rows = changes
            .as_ref()
            .map(|set| set.new_rows.count(batch.rows.len()) as u64);
        let new_negatives = changes
            .as_ref()
            .map(|set| set.new_negatives.count(batch.negatives.len()) as u64);
        Ok(CommitReport {
            committed: Committed {
                rows: batch.rows.len() as u64,
                negatives: batch.negatives.len() as u64,
                new_rows,
                new_negatives,
                certs: batch.certs.len() as u64,
            },
            changes,
        })
    }

    /// Each shard's stage rows, the marker last.
    fn split(&self, batch: &Batch, id: u64) -> Vec<Share> {
        let mut shares: Vec<Share> = (0..self.shards.len()).map(|_| Share::default()).collect();
        let mut k = Vec::new();
        let mut fk = Vec::new();
        let mut rk = Vec::new();
        let mut owner = Vec::new();
        for (key, tally) in &batch.rows {
            let parts = key.parts();
            let index = shard_of(parts.rrname, shares.len());
            let Some(share) = shares.get_mut(index) else {
                continue;
            };
            for buf in [&mut k, &mut fk, &mut rk, &mut owner] {
                buf.clear();
            }
            keys::rrset_key(&parts, &mut k);
            keys::forward_rrset_key(&parts, &mut fk);
            keys::rdata_key(&parts, &mut rk);
            name::reversed_key(parts.rrname, &mut owner);
            let seq = share.len();
            stage_row(
                &mut share.data,
                id,
                &self.writer,
                KIND_ROW,
                seq,
                [&k, &fk, &rk, &owner],
                parts.rrtype.0,
                tally,
            );
            share.rows += 1;
        }
        for (key, tally) in &batch.negatives {
            let index = shard_of(&key.qname, shares.len());
            let Some(share) = shares.get_mut(index) else {
                continue;
            };
            k.clear();
            keys::negative_key(key, &mut k);
            let seq = share.len();
            stage_row(
                &mut share.data,
                id,
                &self.writer,
                KIND_NEGATIVE,
                seq,
                [&k, &[], &[], &[]],
                key.qtype.0,
                tally,
            );
            share.negatives += 1;
        }
        for (key, tally) in &batch.certs {
            let index = shard_of(&key.name, shares.len());
            let Some(share) = shares.get_mut(index) else {
                continue;
            };
            k.clear();
            keys::cert_key(key, &mut k);
            let seq = share.len();
            stage_row(
                &mut share.data,
                id,
                &self.writer,
                KIND_CERT,
                seq,
                [&k, &[], &[], &[]],
                0,
                tally,
            );
            share.certs += 1;
        }
        for share in &mut shares {
            let seq = share.len();
            stage_row(
                &mut share.data,
                id,
                &self.writer,
                KIND_MARKER,
                seq,
                [&[], &[], &[], &[]],
                0,
                &hark_record::Tally::default(),
            );
        }
        shares
    }

    /// Step 1: the shard's rows into `stage_states`, checked after any failed call.
    fn stage(&self, shard: usize, id: u64, share: &Share) -> Result<(), StoreError> {
        let endpoint = self.shard(shard)?;
        let expected = u64::from(share.len()) + 1;
        let sql = format!("INSERT INTO {}.stage_states FORMAT RowBinary", self.db);
        let count_sql = format!(
            "SELECT uniqExact(kind, seq) FROM {}.stage_states WHERE batch = {id} FORMAT TabSeparated",
            self.db
        );
        let query_id = format!("hark-stage-{id}");
        let mut settings = one_block();
        settings.push(("query_id", query_id));
        let mut failures = 0;
        loop {
            match self.http.insert(endpoint, &sql, &share.data.buf, &settings) {
                Ok(()) => return Ok(()),
                Err(err @ CallError::Retry { .. }) if failures + 1 < ATTEMPTS => {
                    failures += 1;
                    tracing::warn!(error = %err, shard = endpoint.address, "staging again");
                    std::thread::sleep(Duration::from_millis(100 << failures.min(5)));
                    // Whatever the failed call wrote is harmless; if it wrote everything,
                    // there is nothing to send again.
                    let found = with_retries("counting staged rows", || {
                        self.http.text(endpoint, &count_sql, &[])
                    })?;
                    if found.trim().parse::<u64>().ok() == Some(expected) {
                        return Ok(());
                    }
                }
                Err(err) => return Err(StoreError::Engine(format!("staging a batch: {err}"))),
            }
        }
    }

    /// Step 2: the checkpoints and the commit row, in one insert on the first shard.
    fn record(&self, id: u64, version: u64, checkpoints: &[Checkpoint]) -> Result<(), StoreError> {
        let mut data = Encoder::default();
        for checkpoint in checkpoints {
            ledger_row(
                &mut data,
                id,
                &self.writer,
                LEDGER_CHECKPOINT,
                version,
                Some(checkpoint),
            );
        }
        ledger_row(&mut data, id, &self.writer, LEDGER_COMMIT, version, None);
        let sql = format!("INSERT INTO {}.ledger FORMAT RowBinary", self.db);
        let endpoint = self.entry();
        with_retries("recording a commit", || {
            self.http.insert(endpoint, &sql, &data.buf, &one_block())
        })
    }

    /// Step 3: batch `id`'s staged rows into `table` on `shard`, at most once.
    fn apply(&self, shard: usize, table: &str, id: u64) -> Result<(), StoreError> {
        let endpoint = self.shard(shard)?;
        let db = &self.db;
        let (key_column, stage_kind, extra, extra_inner) = match table {
            "rrset" => (
                "k",
                KIND_ROW,
                "owner, rrtype, ",
                "if(kind = 255, '', owner) AS owner, if(kind = 255, 0, rrtype) AS rrtype, ",
            ),
            "forward" => ("fk", KIND_ROW, "", ""),
            "rdata" => ("rk", KIND_ROW, "", ""),
            "cert" => ("k", KIND_CERT, "", ""),
            _ => ("k", KIND_NEGATIVE, "", ""),
        };
        let marker_owner = if table == "rrset" {
            "owner = '' AND rrtype = 0 AND "
        } else {
            ""
        };
        // The staged states are copied as they are: one row per key of the batch (a key
        // twice would still merge right, in reads and in merges), no grouping.
        let sql = format!(
            "INSERT INTO {db}.{table} \
             SELECT {extra}k, mark, seen, first, last, zone_seen, zone_first, zone_last, count \
             FROM (SELECT {extra_inner}if(kind = 255, '', {key_column}) AS k, \
                          if(kind = 255, batch, toUInt64(0)) AS mark, \
                          seen, first, last, zone_seen, zone_first, zone_last, count \
                   FROM {db}.stage_states WHERE batch = {id} AND kind IN ({stage_kind}, 255) \
                   LIMIT 1 BY kind, seq) \
             WHERE (SELECT count() FROM {db}.{table} WHERE {marker_owner}k = '' AND batch = {id}) = 0"
        );
        let mut settings = one_block();
        settings.push(("query_id", format!("hark-apply-{id}-{table}")));
        with_retries("applying a batch", || {
            self.http.execute(endpoint, &sql, &settings)
        })
    }

    /// Step 4: the batch is applied; its staged rows go.
    fn finish(&self, id: u64, shards: impl Iterator<Item = usize>) -> Result<(), StoreError> {
        let mut data = Encoder::default();
        ledger_row(&mut data, id, &self.writer, LEDGER_APPLIED, 0, None);
        let sql = format!("INSERT INTO {}.ledger FORMAT RowBinary", self.db);
        with_retries("marking a batch applied", || {
            self.http.insert(self.entry(), &sql, &data.buf, &[])
        })?;
        for shard in shards {
            let endpoint = self.shard(shard)?;
            let drop = format!("ALTER TABLE {}.stage_states DROP PARTITION {id}", self.db);
            if let Err(err) = self.http.execute(endpoint, &drop, &[]) {
                // Harmless: the next recovery of this writer drops it.
                tracing::warn!(error = %err, "could not drop a staged batch");
            }
        }
        Ok(())
    }

    /// Finishes this writer's recorded but unapplied batches, and drops its staged batches
    /// that were never recorded.
    fn recover(&self) -> Result<(), StoreError> {
        let db = &self.db;
        let writer = crate::http::quote(&self.writer);
        let pending = with_retries("reading the ledger", || {
            self.http.text(
                self.entry(),
                &format!(
                    "SELECT DISTINCT batch FROM {db}.ledger WHERE kind = {LEDGER_COMMIT} AND \
                     writer = {writer} AND batch NOT IN (SELECT batch FROM {db}.ledger WHERE \
                     kind = {LEDGER_APPLIED}) FORMAT TabSeparated"
                ),
                &[],
            )
        })?;
        for id in pending
            .lines()
            .filter_map(|line| line.trim().parse::<u64>().ok())
        {
            tracing::warn!(
                batch = id,
                "finishing a commit a previous run left half-done"
            );
            let mut staged = Vec::new();
            for shard in 0..self.shards.len() {
                let kinds = with_retries("reading the stage", || {
                    self.http.text(
                        self.shard(shard).map_err(|err| CallError::Retry {
                            address: String::new(),
                            reason: err.to_string(),
                        })?,
                        &format!(
                            "SELECT DISTINCT kind FROM {db}.stage_states WHERE batch = {id} \
                             FORMAT TabSeparated"
                        ),
                        &[],
                    )
                })?;
                let kinds: Vec<u8> = kinds.lines().filter_map(|l| l.parse().ok()).collect();
                if kinds.is_empty() {
                    continue;
                }
                staged.push(shard);
                for (table, kind) in TABLES {
                    if kinds.contains(&kind) {
                        self.apply(shard, table, id)?;
                    }
                }
            }
            self.finish(id, staged.into_iter())?;
        }
        for shard in 0..self.shards.len() {
            let endpoint = self.shard(shard)?;
            let orphans = with_retries("reading the stage", || {
                self.http.text(
                    endpoint,
                    &format!(
                        "SELECT DISTINCT batch FROM {db}.stage_states WHERE writer = {writer} \
                         FORMAT TabSeparated"
                    ),
                    &[],
                )
            })?;
            for id in orphans.lines().filter_map(|l| l.trim().parse::<u64>().ok()) {
                tracing::warn!(
                    batch = id,
                    "dropping a staged batch that was never recorded"
                );
                let drop = format!("ALTER TABLE {db}.stage_states DROP PARTITION {id}");
                with_retries("dropping a staged batch", || {
                    self.http.execute(endpoint, &drop, &[])
                })?;
            }
        }
        Ok(())
    }

    /// Which rows and negative rows of `batch` are new, and which RRsets grow (read before
    /// the commit).
    fn find_changes(&self, batch: &Batch) -> Result<ChangeSet, StoreError> {
        const CHUNK: usize = 2000;
        let settings = [("max_query_size", "100000000".to_string())];
        let mut owners: Vec<Vec<u8>> = batch
            .rows
            .iter()
            .map(|(key, _)| {
                let mut owner = Vec::new();
                name::reversed_key(key.parts().rrname, &mut owner);
                owner
            })
            .collect();
        owners.sort();
        owners.dedup();
        let mut existing: HashSet<Vec<u8>> = HashSet::new();
        let table = self.read_table("rrset");
        for chunk in owners.chunks(CHUNK) {
            let list: Vec<String> = chunk.iter().map(|o| hex(o)).collect();
            let sql = format!(
                "SELECT k FROM {table} WHERE owner IN ({}) AND batch = 0 GROUP BY k FORMAT RowBinary",
                list.join(",")
            );
            self.http
                .rows(self.entry(), &sql, &settings, &mut |row, first| {
                    existing.insert(row.bytes(Some(first))?);
                    Ok(true)
                })
                .map_err(call)?;
        }
        let rrsets: HashSet<&[u8]> = existing
            .iter()
            .filter_map(|k| {
                let owner = keys::reversed_key_len(k)?;
                k.get(..owner + 2)
            })
            .collect();
        let mut set = ChangeSet::default();
        let mut new_rows = Vec::new();
        let mut grown = HashSet::new();
        let mut k = Vec::new();
        for (i, (key, _)) in batch.rows.iter().enumerate() {
            k.clear();
            keys::rrset_key(&key.parts(), &mut k);
            if existing.contains(&k) {
                continue;
            }
            new_rows.push(i as u32);
            let owner = keys::reversed_key_len(&k).unwrap_or(0);
            if let Some(prefix) = k.get(..owner + 2) {
                if rrsets.contains(prefix) && grown.insert(prefix.to_vec()) {
                    let parts = key.parts();
                    set.grown_rrsets.push((parts.rrname.to_vec(), parts.rrtype));
                }
            }
        }
        set.new_rows = Picked::These(new_rows);
        let negative_keys: Vec<Vec<u8>> = batch
            .negatives
            .iter()
            .map(|(key, _)| {
                let mut k = Vec::new();
                keys::negative_key(key, &mut k);
                k
            })
            .collect();
        set.new_negatives = Picked::These(self.absent_keys("negative", &negative_keys)?);
        let cert_keys: Vec<Vec<u8>> = batch
            .certs
            .iter()
            .map(|(key, _)| {
                let mut k = Vec::new();
                keys::cert_key(key, &mut k);
                k
            })
            .collect();
        set.new_certs = Picked::These(self.absent_keys("cert", &cert_keys)?);
        Ok(set)
    }

    /// The positions in `wanted` of the keys `table` does not hold (read before a commit).
    fn absent_keys(&self, table: &str, wanted: &[Vec<u8>]) -> Result<Vec<u32>, StoreError> {
        const CHUNK: usize = 2000;
        let settings = [("max_query_size", "100000000".to_string())];
        let mut existing = HashSet::new();
        let table = self.read_table(table);
        let mut sorted = wanted.to_vec();
        sorted.sort();
        sorted.dedup();
        for chunk in sorted.chunks(CHUNK) {
            let list: Vec<String> = chunk.iter().map(|k| hex(k)).collect();
            let sql = format!(
                "SELECT k FROM {table} WHERE k IN ({}) AND batch = 0 GROUP BY k FORMAT RowBinary",
                list.join(",")
            );
            self.http
                .rows(self.entry(), &sql, &settings, &mut |row, first| {
                    existing.insert(row.bytes(Some(first))?);
                    Ok(true)
                })
                .map_err(call)?;
        }
        Ok(wanted
            .iter()
            .enumerate()
            .filter(|(_, k)| !existing.contains(*k))
            .map(|(i, _)| i as u32)
            .collect())
    }

    pub(crate) fn shard(&self, index: usize) -> Result<&Endpoint, StoreError> {
        self.shards
            .get(index)
            .ok_or_else(|| StoreError::Engine(format!("no shard {index}")))
    }
}

/// A batch's id: from the writer's name and the commit's version, never 0 (0 marks data rows).
fn batch_id(writer: &str, version: u64) -> u64 {
    let mut hasher = blake3::Hasher::new();
    hasher.update(writer.as_bytes());
    hasher.update(&version.to_le_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hasher.finalize().as_bytes()[..8]);
    u64::from_le_bytes(first).max(1)
}

#[allow(clippy::too_many_arguments)]
fn stage_row(
    out: &mut Encoder,
    id: u64,
    writer: &str,
    kind: u8,
    seq: u32,
    [k, fk, rk, owner]: [&[u8]; 4],
    rrtype: u16,
    tally: &hark_record::Tally,
) {
    out.u64(id);
    out.bytes(writer.as_bytes());
    out.u8(kind);
    out.u32(seq);
    out.bytes(k);
    out.bytes(fk);
    out.bytes(rk);
    out.bytes(owner);
    out.u16(rrtype);
    // The states as ClickHouse serializes them: `max(UInt8)` a has-value byte (always 1: every
    // row has its flag) and the flag; `minIf`/`maxIf(Int64, UInt8)` a has-value byte (the
    // flag) and the time when there is one; `sum(UInt64)` the count.
    for span in [tally.seen, tally.zone_seen] {
        out.u8(1);
        out.u8(u8::from(span.is_some()));
        for time in [span.map(|s| s.first), span.map(|s| s.last)] {
            match time {
                Some(time) => {
                    out.u8(1);
                    out.i64(time);
                }
                None => out.u8(0),
            }
        }
    }
    out.u64(tally.count);
}

fn ledger_row(
    out: &mut Encoder,
    id: u64,
    writer: &str,
    kind: u8,
    version: u64,
    checkpoint: Option<&Checkpoint>,
) {
    out.u64(id);
    out.bytes(writer.as_bytes());
    out.u8(kind);
    out.u64(version);
    match checkpoint {
        Some(c) => {
            out.bytes(&c.source.0);
            out.u64(c.position);
            out.u8(u8::from(c.done));
            out.u64(c.options);
            out.u64(c.bytes);
            out.bytes(c.note.as_bytes());
        }
        None => {
            out.bytes(&[]);
            out.u64(0);
            out.u8(0);
            out.u64(0);
            out.u64(0);
            out.bytes(&[]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_and_ids_are_stable() {
        let owner = name::from_presentation("www.example.com.").expect("valid");
        assert_eq!(shard_of(&owner, 1), 0);
        assert_eq!(shard_of(&owner, 2), shard_of(&owner, 2));
        assert_ne!(batch_id("a", 1), batch_id("b", 1));
        assert_ne!(batch_id("a", 1), 0);
    }
}
