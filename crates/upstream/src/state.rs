//! The previous answer of each (provider, target), so a refetch commits only what counts grew
//! by: `STATE_DIR/ID/HASH.json` (HASH: BLAKE3 of the target), `{"fetched_at": T, "counts":
//! [["HEXKEY", N], ...]}`. A new state is written beside it as `HASH.json.pending` before its
//! rows are committed and renamed over it after; [`Files::settle`] finishes or drops a pending
//! file a crash left, by whether the store holds the fetch's checkpoint.

use crate::{FetchError, Target};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Totals per row key.
#[derive(Default)]
pub(crate) struct Counts(HashMap<Vec<u8>, u64>);

impl Counts {
    /// The total recorded for `key` (0 when none).
    pub fn get(&self, key: &[u8]) -> u64 {
        self.0.get(key).copied().unwrap_or(0)
    }

    /// Records `count` for `key`, keeping the larger of two totals.
    pub fn insert(&mut self, key: &[u8], count: u64) {
        let slot = self.0.entry(key.to_vec()).or_insert(0);
        *slot = (*slot).max(count);
    }

    /// Adds the keys of `before` this answer did not repeat, and keeps the larger totals.
    pub fn keep_missing(&mut self, before: &Counts) {
        for (key, &count) in &before.0 {
            self.insert(key, count);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    fetched_at: i64,
    counts: Vec<(String, u64)>,
}

/// The state files of one (provider, target).
pub(crate) struct Files {
    current: PathBuf,
    pending: PathBuf,
}

impl Files {
    pub fn new(dir: &Path, provider: &str, target: &Target) -> Files {
        let hash = blake3::hash(target.text().as_bytes()).to_hex();
        let current = dir.join(provider).join(format!("{}.json", &hash[..32]));
        let pending = current.with_extension("json.pending");
        Files { current, pending }
    }

    fn io(&self, path: &Path, source: std::io::Error) -> FetchError {
        FetchError::State {
            path: path.to_path_buf(),
            source,
        }
    }

    fn read(&self, path: &Path) -> Result<Option<Stored>, FetchError> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|err| {
                self.io(
                    path,
                    std::io::Error::new(std::io::ErrorKind::InvalidData, err),
                )
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(self.io(path, err)),
        }
    }

    /// Finishes what a crash left: a pending state whose fetch the store recorded (its
    /// checkpoint's time is `recorded`) becomes the state; any other is dropped.
    pub fn settle(&self, recorded: Option<i64>) -> Result<(), FetchError> {
        let Some(pending) = self.read(&self.pending)? else {
            return Ok(());
        };
        if recorded == Some(pending.fetched_at) {
            self.promote()
        } else {
            std::fs::remove_file(&self.pending).map_err(|err| self.io(&self.pending, err))
        }
    }

    /// The totals of the last committed answer.
    pub fn previous(&self) -> Result<Counts, FetchError> {
        let mut counts = Counts::default();
        if let Some(stored) = self.read(&self.current)? {
            for (key, count) in stored.counts {
                if let Some(key) = unhex(&key) {
                    counts.insert(&key, count);
                }
            }
        }
        Ok(counts)
    }

    /// Writes (and syncs) the state of the answer about to be committed.
    pub fn write_pending(&self, fetched_at: i64, counts: &Counts) -> Result<(), FetchError> {
        use std::io::Write as _;
        if let Some(dir) = self.pending.parent() {
            std::fs::create_dir_all(dir).map_err(|err| self.io(dir, err))?;
        }
        let mut list: Vec<(String, u64)> = counts.0.iter().map(|(k, &n)| (hex(k), n)).collect();
        list.sort();
        let stored = Stored {
            fetched_at,
            counts: list,
        };
        let bytes = serde_json::to_vec(&stored).map_err(|err| {
            self.io(
                &self.pending,
                std::io::Error::new(std::io::ErrorKind::InvalidData, err),
            )
        })?;
        let mut file =
            std::fs::File::create(&self.pending).map_err(|err| self.io(&self.pending, err))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|err| self.io(&self.pending, err))
    }

    /// The pending state becomes the state.
    pub fn promote(&self) -> Result<(), FetchError> {
        std::fs::rename(&self.pending, &self.current).map_err(|err| self.io(&self.current, err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_state_is_kept_only_when_its_fetch_was_committed() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path(), "p", &Target::Name("example.com".into()));
        let mut counts = Counts::default();
        counts.insert(b"\x01key", 5);
        files.write_pending(100, &counts).unwrap();
        files.settle(Some(99)).unwrap();
        assert_eq!(files.previous().unwrap().get(b"\x01key"), 0, "dropped");
        files.write_pending(100, &counts).unwrap();
        files.settle(Some(100)).unwrap();
        assert_eq!(files.previous().unwrap().get(b"\x01key"), 5, "promoted");
        assert_eq!(unhex("0aff"), Some(vec![10, 255]));
        assert_eq!(unhex("0"), None);
    }
}
