//! The redo log of a large commit into a store that already holds rows.
//!
//! Such a commit is written as sorted tables (fjall ingestion, as a load into the empty store
//! is), several times cheaper than a write batch through the memtables, but tables of several
//! keyspaces cannot be added atomically. So before any table is added, every entry the commit
//! writes — each row's *merged* tally (its final value, not a delta), the new index entries,
//! the checkpoints and counters — goes into one file, made durable and then renamed into
//! place. A store opened with that file present died part-way through the commit; writing the
//! entries again is idempotent (they are final values), so recovery writes them all through
//! the journal and removes the file. A file that never got its final name (a crash while it was
//! being written) is removed unread: no table had been added yet.
//!
//! The file: the magic line, then entries `space (u8) · key length (u32 LE) · key · value
//! length (u32 LE) · value`, then `0xFF · entry count (u64 LE) · BLAKE3 of all before`.
//! Hand-written: it is a few dozen lines, and no crate offers "a durable list of keyspace
//! writes for fjall".

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a redo entry goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Space {
    Rrset = 0,
    Names = 1,
    Rdata = 2,
    Negative = 3,
    Meta = 4,
}

impl Space {
    fn from_tag(tag: u8) -> Option<Space> {
        Some(match tag {
            0 => Space::Rrset,
            1 => Space::Names,
            2 => Space::Rdata,
            3 => Space::Negative,
            4 => Space::Meta,
            _ => return None,
        })
    }
}

const MAGIC: &[u8] = b"hark-redo-1\n";
const TRAILER: u8 = 0xFF;
/// The name of the redo file in the store's directory.
pub(crate) const FILE_NAME: &str = "commit.redo";

/// Bytes buffered before they are hashed and written: BLAKE3 hashes large updates with SIMD
/// over many blocks at once, and small ones a block at a time (an entry is five small pieces).
const BUFFER: usize = 1 << 20;

/// Writes a redo file: entries go to a temporary name, which is synced, then renamed to
/// `path` and the directory synced, so `path` exists only whole.
pub(crate) struct RedoWriter {
    path: PathBuf,
    temporary: PathBuf,
    file: File,
    buffer: Vec<u8>,
    hasher: blake3::Hasher,
    entries: u64,
}

impl RedoWriter {
    pub(crate) fn create(path: &Path) -> std::io::Result<RedoWriter> {
        let temporary = path.with_extension("redo-partial");
        let mut buffer = Vec::with_capacity(BUFFER);
        buffer.extend_from_slice(MAGIC);
        Ok(RedoWriter {
            path: path.to_path_buf(),
            file: File::create(&temporary)?,
            temporary,
            buffer,
            hasher: blake3::Hasher::new(),
            entries: 0,
        })
    }

    /// Hashes and writes what is buffered.
    fn flush(&mut self) -> std::io::Result<()> {
        self.hasher.update(&self.buffer);
        self.file.write_all(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// Adds one entry.
    pub(crate) fn entry(&mut self, space: Space, key: &[u8], value: &[u8]) -> std::io::Result<()> {
        let length = |bytes: &[u8]| {
            u32::try_from(bytes.len())
                .map(u32::to_le_bytes)
                .map_err(|_| std::io::Error::other("a redo entry over 4 GiB"))
        };
        let (key_length, value_length) = (length(key)?, length(value)?);
        self.buffer.push(space as u8);
        self.buffer.extend_from_slice(&key_length);
        self.buffer.extend_from_slice(key);
        self.buffer.extend_from_slice(&value_length);
        self.buffer.extend_from_slice(value);
        self.entries += 1;
        if self.buffer.len() >= BUFFER {
            self.flush()?;
        }
        Ok(())
    }

    /// Ends the file and makes it durable under its final name.
    pub(crate) fn finish(mut self) -> std::io::Result<()> {
        self.flush()?;
        let mut trailer = vec![TRAILER];
        trailer.extend_from_slice(&self.entries.to_le_bytes());
        trailer.extend_from_slice(self.hasher.finalize().as_bytes());
        self.file.write_all(&trailer)?;
        self.file.sync_all()?;
        std::fs::rename(&self.temporary, &self.path)?;
        sync_dir(&self.path)
    }
}

/// Syncs the directory holding `path`, so a rename or removal in it is durable.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) => File::open(dir)?.sync_all(),
        None => Ok(()),
    }
}

/// Removes the redo file (and a partial one), durably; with neither there, touches nothing
/// (no directory sync on every open).
pub(crate) fn remove(path: &Path) -> std::io::Result<()> {
    let mut removed = false;
    for file in [path.to_path_buf(), path.with_extension("redo-partial")] {
        match std::fs::remove_file(&file) {
            Ok(()) => removed = true,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
    }
    if removed {
        sync_dir(path)?;
    }
    Ok(())
}

/// One entry read back.
pub(crate) type Entry = (Space, Vec<u8>, Vec<u8>);

/// Reads a redo file whole; `None` when there is none. A file that fails its checks is an
/// error: it was renamed into place only after it was synced, so damage is not a crash's doing.
pub(crate) fn read(path: &Path) -> Result<Option<Vec<Entry>>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("{}: {err}", path.display())),
    };
    let bad = |why: &str| format!("{}: damaged redo file: {why}", path.display());
    let body_end = bytes
        .len()
        .checked_sub(1 + 8 + 32)
        .ok_or_else(|| bad("too short"))?;
    let (body, trailer) = bytes.split_at(body_end);
    if trailer.first() != Some(&TRAILER) || blake3::hash(body).as_bytes()[..] != trailer[9..] {
        return Err(bad("checksum"));
    }
    let count = u64::from_le_bytes(trailer[1..9].try_into().map_err(|_| bad("count"))?);
    let mut rest = body.strip_prefix(MAGIC).ok_or_else(|| bad("magic"))?;
    let mut entries = Vec::new();
    let take = |n: usize, rest: &mut &[u8]| -> Result<Vec<u8>, String> {
        let (head, tail) = rest.split_at_checked(n).ok_or_else(|| bad("entry cut"))?;
        *rest = tail;
        Ok(head.to_vec())
    };
    while !rest.is_empty() {
        let space = Space::from_tag(take(1, &mut rest)?[0]).ok_or_else(|| bad("space"))?;
        let length = |rest: &mut &[u8]| -> Result<usize, String> {
            let raw = take(4, rest)?;
            Ok(u32::from_le_bytes(raw.try_into().map_err(|_| bad("length"))?) as usize)
        };
        let key_len = length(&mut rest)?;
        let key = take(key_len, &mut rest)?;
        let value_len = length(&mut rest)?;
        let value = take(value_len, &mut rest)?;
        entries.push((space, key, value));
    }
    if entries.len() as u64 != count {
        return Err(bad("entry count"));
    }
    Ok(Some(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_is_caught() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        assert_eq!(read(&path), Ok(None));
        let mut writer = RedoWriter::create(&path).expect("creates");
        writer
            .entry(Space::Rrset, b"key", b"value")
            .expect("writes");
        writer.entry(Space::Meta, b"counters", b"").expect("writes");
        // Not yet renamed: a crash here leaves no redo file to apply.
        assert_eq!(read(&path), Ok(None));
        writer.finish().expect("finishes");
        let entries = read(&path).expect("reads").expect("present");
        assert_eq!(
            entries,
            vec![
                (Space::Rrset, b"key".to_vec(), b"value".to_vec()),
                (Space::Meta, b"counters".to_vec(), Vec::new()),
            ]
        );
        let mut bytes = std::fs::read(&path).expect("reads");
        bytes[MAGIC.len() + 3] ^= 1;
        std::fs::write(&path, &bytes).expect("writes");
        assert!(read(&path).is_err());
        remove(&path).expect("removes");
        assert_eq!(read(&path), Ok(None));
    }

    /// A file larger than the writer's buffer (written and hashed in several pieces) reads
    /// back whole and in order.
    #[test]
    fn a_file_of_many_buffers_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(FILE_NAME);
        let mut writer = RedoWriter::create(&path).expect("creates");
        let entry = |i: u32| {
            let key = format!("key-{i:08}").into_bytes();
            let value = vec![(i % 251) as u8; (i % 300) as usize];
            (key, value)
        };
        let count = 20_000;
        for i in 0..count {
            let (key, value) = entry(i);
            writer.entry(Space::Rdata, &key, &value).expect("writes");
        }
        writer.finish().expect("finishes");
        assert!(std::fs::metadata(&path).expect("exists").len() > 2 * BUFFER as u64);
        let entries = read(&path).expect("reads").expect("present");
        assert_eq!(entries.len(), count as usize);
        for (i, (space, key, value)) in entries.into_iter().enumerate() {
            let (want_key, want_value) = entry(i as u32);
            assert_eq!((space, key, value), (Space::Rdata, want_key, want_value));
        }
    }
}
