//! Sources: everything hark reads implements [`Source`], and one pipeline
//! ([`crate::pipeline`]) carries any of them into a store.
//!
//! A source yields **units** — a DNS response, an import line — into [`Observations`] chunks,
//! always in the same order for the same input and options. That is what makes a crash
//! harmless: the store records "the first N units of this source are in" with each commit, and
//! a source read again after a crash has its first N units skipped by the pipeline. A source
//! owns its identity ([`SourceId`]: for a file, the hash of its content) and says whether it
//! reached its real end ([`Fill::End`]); a file cut short is never marked finished, and a
//! longer copy of it later resumes where the short one stopped ([`Source::resume_from`]).
//!
//! Adding an input is one module implementing this trait; the pipeline, the writer and the
//! store do not change.

use crate::aggregate::Observations;
use crate::stats::Skips;
use hark_record::{Checkpoint, SourceId};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

/// How big a chunk may grow before it is handed on.
#[derive(Clone, Copy, Debug)]
pub struct ChunkLimits {
    /// Units per chunk.
    pub units: usize,
    /// Bytes per chunk ([`Observations::estimated_bytes`]).
    pub bytes: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits {
            units: 16_384,
            bytes: 4 * 1024 * 1024,
        }
    }
}

impl ChunkLimits {
    /// True once `chunk` should be handed on.
    pub fn reached(&self, chunk: &Observations) -> bool {
        chunk.len() >= self.units || chunk.estimated_bytes() >= self.bytes
    }
}

/// What a call to [`Source::fill`] ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// The chunk reached its limits; there is more.
    More,
    /// Nothing more for now (a stream waiting for data); call again later.
    Idle,
    /// The source ended. `complete`: it reached its real end (a file read to its last byte),
    /// rather than stopping at a cut or an unreadable part.
    End {
        /// Read to its real end.
        complete: bool,
    },
}

/// Counters of the reading side of a source, for its summary.
#[derive(Clone, Debug, Default)]
pub struct SourceReport {
    /// Packets read (captures).
    pub packets: u64,
    /// DNS messages from a server port (captures), or lines (imports).
    pub messages: u64,
    /// Queries seen and dropped (captures).
    pub queries: u64,
    /// Things skipped, by reason.
    pub skips: Skips,
    /// Bytes of input consumed.
    pub bytes: u64,
    /// Why the source ended before its real end, when it did: the error, for the summary.
    pub stopped: Option<String>,
}

/// An input that yields units of observations in a reproducible order.
///
/// A source that reads a file (or standard input) names it through [`Source::file`], and the
/// label, identity, size and resumption of a file follow from it; a source of another kind (a
/// stream) answers those itself.
pub trait Source: Send {
    /// The file it reads, for sources that read one.
    fn file(&self) -> Option<&FileInput> {
        None
    }

    /// What to call it in messages (a file name).
    fn label(&self) -> &str {
        self.file().map_or("input", |file| file.label.as_str())
    }

    /// Its identity, stable across runs; `None` for an input that cannot be recognised again
    /// (standard input), which then gets no checkpoints and no resumption.
    fn id(&self) -> Option<&SourceId> {
        self.file().and_then(FileInput::id)
    }

    /// A fingerprint of the options that decide its units (ports, sections...).
    fn options(&self) -> u64;

    /// Input size in bytes, when known (for progress).
    fn total_bytes(&self) -> Option<u64> {
        self.file().and_then(|file| file.size)
    }

    /// Given the unfinished checkpoints in the store, the one this source continues (a
    /// shorter copy of the same file), if any.
    fn resume_from(&mut self, unfinished: &[Checkpoint]) -> Option<Checkpoint> {
        let options = self.options();
        self.file()
            .and_then(|file| file.shorter_copy(options, unfinished))
    }

    /// Appends units to `chunk` until `limits` are reached or the source has nothing more
    /// now; sets `chunk.bytes_read`.
    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill;

    /// What the reading side counted so far.
    fn report(&self) -> SourceReport;
}

/// What a file source knows of its input, the same for every format: its name, its identity
/// and its size, and so which shorter copy of itself it continues. Standard input has a name
/// only.
#[derive(Debug, Default)]
pub struct FileInput {
    /// The name used in messages (the path as given).
    pub label: String,
    /// The file, none for standard input.
    pub path: Option<PathBuf>,
    /// `file:` and the hash of the content ([`file_id`]), none for standard input.
    identity: Option<FileIdentity>,
    /// Bytes in the file.
    pub size: Option<u64>,
}

impl FileInput {
    /// The file at `path`: reads its size, and starts hashing its content on a thread of its
    /// own ([`FileIdentity`]).
    pub fn open(path: &Path) -> std::io::Result<FileInput> {
        Ok(FileInput {
            label: path.display().to_string(),
            path: Some(path.to_path_buf()),
            size: Some(std::fs::metadata(path)?.len()),
            identity: Some(FileIdentity::hash(path)?),
        })
    }

    /// The file's identity, waiting for its hash if need be; `None` for standard input, or
    /// when hashing failed ([`FileInput::identity`] tells why).
    pub fn id(&self) -> Option<&SourceId> {
        self.identity
            .as_ref()
            .and_then(|identity| identity.get().ok())
    }

    /// The identity, while its hash may still be running (to wait for it elsewhere).
    pub fn identity(&self) -> Option<&FileIdentity> {
        self.identity.as_ref()
    }

    /// An input with a name and no identity (standard input): no checkpoints, no resumption.
    pub fn unnamed(label: &str) -> FileInput {
        FileInput {
            label: label.to_string(),
            ..FileInput::default()
        }
    }

    /// Among unfinished checkpoints taken under `options`, the one of a shorter copy of this
    /// file ([`shorter_copy_of`]); for [`Source::resume_from`].
    pub fn shorter_copy(&self, options: u64, unfinished: &[Checkpoint]) -> Option<Checkpoint> {
        let (path, size) = (self.path.as_ref()?, self.size?);
        shorter_copy_of(path, size, options, unfinished)
    }
}

/// A file's identity ([`file_id`]), hashed on a thread of its own from the moment the file is
/// opened. The hash of a large capture takes a tenth of a second or more; when the store cannot
/// know the file yet (no checkpoint of a file of its size, see
/// [`crate::pipeline::run`]), reading starts at once and the identity is first needed
/// at the first commit. Clones share the one hash.
#[derive(Clone, Debug, Default)]
pub struct FileIdentity(Arc<IdentityState>);

#[derive(Debug, Default)]
struct IdentityState {
    hashing: Mutex<Option<JoinHandle<std::io::Result<SourceId>>>>,
    known: OnceLock<Result<SourceId, String>>,
}

impl FileIdentity {
    /// Starts hashing the file at `path`.
    fn hash(path: &Path) -> std::io::Result<FileIdentity> {
        let path = path.to_path_buf();
        let hashing = std::thread::Builder::new()
            .name("hark-hash".into())
            .spawn(move || file_id(&path))?;
        Ok(FileIdentity(Arc::new(IdentityState {
            hashing: Mutex::new(Some(hashing)),
            known: OnceLock::new(),
        })))
    }

    /// The identity, waiting for the hash if it is still running; why not, if hashing failed.
    pub fn get(&self) -> Result<&SourceId, &str> {
        self.0
            .known
            .get_or_init(|| {
                let hashing = self
                    .0
                    .hashing
                    .lock()
                    .ok()
                    .and_then(|mut hashing| hashing.take());
                match hashing.map(JoinHandle::join) {
                    Some(Ok(Ok(id))) => Ok(id),
                    Some(Ok(Err(err))) => Err(format!("reading the file to hash it: {err}")),
                    Some(Err(_)) => Err("the hashing thread panicked".into()),
                    None => Err("the hash was lost".into()),
                }
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// True until the identity has been asked for.
    pub fn pending(&self) -> bool {
        self.0.known.get().is_none()
    }
}

/// The identity of a file: `file:` and the BLAKE3 hash of its content, so the same content is
/// recognised under any name. Hashed on every core: a 600 MB capture is a tenth of a second of
/// one core's work otherwise.
pub fn file_id(path: &Path) -> std::io::Result<SourceId> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_mmap_rayon(path)?;
    Ok(SourceId(
        [&b"file:"[..], hasher.finalize().as_bytes()].concat(),
    ))
}

/// The identity the first `len` bytes of a file would have as a file of their own.
pub fn file_prefix_id(path: &Path, len: u64) -> std::io::Result<SourceId> {
    let mut hasher = blake3::Hasher::new();
    let file = std::fs::File::open(path)?;
    std::io::copy(&mut file.take(len), &mut hasher)?;
    Ok(SourceId(
        [&b"file:"[..], hasher.finalize().as_bytes()].concat(),
    ))
}

/// Among unfinished checkpoints, one taken under the same options whose file is a shorter
/// prefix of the file at `path` (of `size` bytes).
pub fn shorter_copy_of(
    path: &Path,
    size: u64,
    options: u64,
    unfinished: &[Checkpoint],
) -> Option<Checkpoint> {
    unfinished
        .iter()
        .filter(|c| c.options == options && c.bytes > 0 && c.bytes < size)
        .filter(|c| c.source.0.starts_with(b"file:"))
        .find(|c| file_prefix_id(path, c.bytes).is_ok_and(|id| id == c.source))
        .cloned()
}

/// The note stored with a source's checkpoints: its label (a file's name) and when it was read.
pub fn checkpoint_note(label: &str) -> String {
    let now = jiff::Timestamp::now();
    format!(
        "{label} at {}",
        now.round(jiff::Unit::Second).unwrap_or(now)
    )
}

/// A 64-bit FNV-1a hash: fingerprints of options (stable across builds and platforms,
/// unlike `std`'s hasher).
pub fn fingerprint(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// A source that ends early when told: `hark run` stops a file it is reading at shutdown.
/// Ending this way is not the real end ([`Fill::End`] with `complete: false`), so the file
/// stays unfinished, and the next run resumes after what was committed.
pub struct UntilStopped<'a> {
    inner: &'a mut dyn Source,
    stop: &'a std::sync::atomic::AtomicBool,
}

impl<'a> UntilStopped<'a> {
    /// `inner`, ending once `stop` is set.
    pub fn new(inner: &'a mut dyn Source, stop: &'a std::sync::atomic::AtomicBool) -> Self {
        UntilStopped { inner, stop }
    }
}

impl Source for UntilStopped<'_> {
    fn file(&self) -> Option<&FileInput> {
        self.inner.file()
    }

    fn label(&self) -> &str {
        self.inner.label()
    }

    fn id(&self) -> Option<&SourceId> {
        self.inner.id()
    }

    fn options(&self) -> u64 {
        self.inner.options()
    }

    fn total_bytes(&self) -> Option<u64> {
        self.inner.total_bytes()
    }

    fn resume_from(&mut self, unfinished: &[Checkpoint]) -> Option<Checkpoint> {
        self.inner.resume_from(unfinished)
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if self.stop.load(std::sync::atomic::Ordering::Acquire) {
            return Fill::End { complete: false };
        }
        self.inner.fill(chunk, limits)
    }

    fn report(&self) -> SourceReport {
        self.inner.report()
    }
}
