//! The sensor's spool: every batch the pipeline commits becomes a file, written and synced
//! before the commit returns, and stays until the centre has it. Bounded by bytes: past the
//! bound a batch is dropped and counted (the sources never block on a centre that is away).
//!
//! Files are named `batch-EPOCH-SEQ.ndjson.gz` (hexadecimal, fixed width, so names sort in
//! sending order). A sensor starting with an empty spool draws a new random epoch; one
//! starting with batches left keeps their epoch and continues their sequence, so a batch
//! the centre committed but the sensor had not yet deleted is recognised when sent again.

use anyhow::Context;
use hark_cof::batch::{self, BatchId};
use hark_record::{Batch, Checkpoint, Committed, Sink, SinkError, SourceId};
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// What the spool did, for `hark status` and the logs.
#[derive(Debug, Default)]
pub struct SpoolStats {
    /// Batches written to the spool.
    pub spooled: AtomicU64,
    /// Rows (RR and negative) in them.
    pub rows_spooled: AtomicU64,
    /// Batches dropped because the spool was full.
    pub dropped: AtomicU64,
    /// Rows in them.
    pub rows_dropped: AtomicU64,
    /// Bytes waiting in the spool now.
    pub bytes: AtomicU64,
    /// Batches waiting in the spool now.
    pub waiting: AtomicU64,
}

/// The spool directory, as a [`Sink`] for the sensor's pipelines.
pub struct Spool {
    dir: PathBuf,
    epoch: u64,
    next_seq: Mutex<u64>,
    max_bytes: u64,
    /// Its figures.
    pub stats: SpoolStats,
    arrived: Condvar,
}

fn file_name(id: BatchId) -> String {
    format!("batch-{:016x}-{:016x}.ndjson.gz", id.epoch, id.seq)
}

fn parse_name(name: &str) -> Option<BatchId> {
    let rest = name.strip_prefix("batch-")?.strip_suffix(".ndjson.gz")?;
    let (epoch, seq) = rest.split_once('-')?;
    Some(BatchId {
        epoch: u64::from_str_radix(epoch, 16).ok()?,
        seq: u64::from_str_radix(seq, 16).ok()?,
    })
}

impl Spool {
    /// Opens (creating) the spool at `dir`, bounded to `max_bytes`.
    pub fn open(dir: &Path, max_bytes: u64) -> anyhow::Result<Spool> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the spool {}", dir.display()))?;
        let waiting = Self::list(dir)?;
        let (epoch, next_seq) = match waiting.last() {
            Some((_, last)) => (last.epoch, last.seq + 1),
            None => (
                std::collections::hash_map::RandomState::new()
                    .build_hasher()
                    .finish(),
                1,
            ),
        };
        let stats = SpoolStats::default();
        for (path, _) in &waiting {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            stats.bytes.fetch_add(size, Ordering::Relaxed);
        }
        stats.waiting.store(waiting.len() as u64, Ordering::Relaxed);
        Ok(Spool {
            dir: dir.to_path_buf(),
            epoch,
            next_seq: Mutex::new(next_seq),
            max_bytes,
            stats,
            arrived: Condvar::new(),
        })
    }

    /// The batches waiting in `dir`, oldest first; temporary files of an interrupted write
    /// are removed.
    fn list(dir: &Path) -> anyhow::Result<Vec<(PathBuf, BatchId)>> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the spool {}", dir.display()))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                let _ = std::fs::remove_file(entry.path());
            } else if let Some(id) = parse_name(&name) {
                found.push((entry.path(), id));
            }
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// The oldest batch waiting, if any; waits up to `patience` for one.
    pub fn oldest(&self, patience: Duration) -> anyhow::Result<Option<(PathBuf, BatchId)>> {
        let guard = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
        if self.stats.waiting.load(Ordering::Acquire) == 0 {
            let _ = self
                .arrived
                .wait_timeout(guard, patience)
                .unwrap_or_else(|e| e.into_inner());
        } else {
            drop(guard);
        }
        Ok(Self::list(&self.dir)?.into_iter().next())
    }

    /// Removes a batch the centre has.
    pub fn remove(&self, path: &Path) -> std::io::Result<()> {
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        std::fs::remove_file(path)?;
        self.stats.bytes.fetch_sub(size, Ordering::Relaxed);
        self.stats.waiting.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }

    /// Moves a batch the centre refuses as malformed aside (into `rejected/`), so it is
    /// kept for a person to look at and the batches after it still go.
    pub fn reject(&self, path: &Path) -> std::io::Result<()> {
        let aside = self.dir.join("rejected");
        std::fs::create_dir_all(&aside)?;
        let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        std::fs::rename(path, aside.join(path.file_name().unwrap_or_default()))?;
        self.stats.bytes.fetch_sub(size, Ordering::Relaxed);
        self.stats.waiting.fetch_sub(1, Ordering::AcqRel);
        Ok(())
    }

    fn write(&self, id: BatchId, body: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        let path = self.dir.join(file_name(id));
        let temporary = path.with_extension("gz.tmp");
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(body)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        std::fs::File::open(&self.dir)?.sync_all()
    }
}

impl Sink for Spool {
    fn commit(&self, batch: Batch) -> Result<Committed, SinkError> {
        let rows = batch.len() as u64;
        if rows == 0 {
            return Ok(Committed::default());
        }
        let body = batch::encode(&batch);
        let mut next = self.next_seq.lock().unwrap_or_else(|e| e.into_inner());
        if self.stats.bytes.load(Ordering::Relaxed) + body.len() as u64 > self.max_bytes {
            if self
                .stats
                .dropped
                .fetch_add(1, Ordering::Relaxed)
                .is_multiple_of(100)
            {
                tracing::warn!(
                    rows,
                    "the spool is full (the centre is away?): a batch is dropped and counted"
                );
            }
            self.stats.rows_dropped.fetch_add(rows, Ordering::Relaxed);
            return Ok(Committed::default());
        }
        let id = BatchId {
            epoch: self.epoch,
            seq: *next,
        };
        self.write(id, &body)
            .map_err(|err| -> SinkError { format!("cannot write to the spool: {err}").into() })?;
        *next += 1;
        self.stats
            .bytes
            .fetch_add(body.len() as u64, Ordering::Relaxed);
        self.stats.waiting.fetch_add(1, Ordering::AcqRel);
        self.stats.spooled.fetch_add(1, Ordering::Relaxed);
        self.stats.rows_spooled.fetch_add(rows, Ordering::Relaxed);
        self.arrived.notify_all();
        Ok(Committed {
            rows: batch.rows.len() as u64,
            negatives: batch.negatives.len() as u64,
            new_rows: None,
            new_negatives: None,
            // Sensors ship DNS observations only; certificate names come from imports.
            certs: 0,
        })
    }

    /// Live sources have no position to resume from; a sensor keeps none.
    fn checkpoint(&self, _source: &SourceId) -> Result<Option<Checkpoint>, SinkError> {
        Ok(None)
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, SinkError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_record::{RrKey, RrKeyParts, Tally};

    fn batch(n: u8) -> Batch {
        let rows = (0..n)
            .map(|i| {
                let key = RrKey::new(&RrKeyParts {
                    rrname: b"\x01a\x04test\x00",
                    rrtype: hark_dns::RrType::A,
                    bailiwick: None,
                    rdata: &[192, 0, 2, i],
                })
                .unwrap();
                (key, Tally::seen_at(100))
            })
            .collect();
        Batch {
            rows,
            ..Batch::default()
        }
    }

    #[test]
    fn batches_keep_their_epoch_and_order_across_restarts_and_the_bound_holds() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path(), 1 << 20).unwrap();
        spool.commit(batch(3)).unwrap();
        spool.commit(batch(0)).unwrap();
        spool.commit(batch(2)).unwrap();
        let (first, id) = spool.oldest(Duration::ZERO).unwrap().unwrap();
        assert_eq!(id.seq, 1);
        assert_eq!(spool.stats.waiting.load(Ordering::Relaxed), 2);
        let epoch = id.epoch;
        drop(spool);
        // A restart with batches left continues their epoch and sequence.
        let spool = Spool::open(dir.path(), 1 << 20).unwrap();
        spool.commit(batch(1)).unwrap();
        let names: Vec<BatchId> = Spool::list(dir.path())
            .unwrap()
            .into_iter()
            .map(|x| x.1)
            .collect();
        assert_eq!(names.iter().map(|i| i.seq).collect::<Vec<_>>(), [1, 2, 3]);
        assert!(names.iter().all(|i| i.epoch == epoch));
        let body = std::fs::read(&first).unwrap();
        assert_eq!(batch::decode(&body, 1 << 20).unwrap().rows.len(), 3);
        for (path, _) in Spool::list(dir.path()).unwrap() {
            spool.remove(&path).unwrap();
        }
        drop(spool);
        // Empty again: a new epoch.
        let spool = Spool::open(dir.path(), 1 << 20).unwrap();
        spool.commit(batch(1)).unwrap();
        let (_, id) = spool.oldest(Duration::ZERO).unwrap().unwrap();
        assert_ne!(id.epoch, epoch);
        assert_eq!(id.seq, 1);
        // A full spool drops and counts.
        let small = tempfile::tempdir().unwrap();
        let spool = Spool::open(small.path(), 10).unwrap();
        spool.commit(batch(4)).unwrap();
        assert_eq!(spool.stats.rows_dropped.load(Ordering::Relaxed), 4);
        assert!(spool.oldest(Duration::ZERO).unwrap().is_none());
    }
}
