//! The record buffer shared by the pcap and pcapng readers: one large buffer refilled by
//! reads of a cache-sized chunk, the offset of its first byte in the capture data, and the
//! errors that name a place in that data.

use std::io::{self, Read};
use std::ops::Range;
use std::path::PathBuf;

use super::input::Input;
use super::CaptureError;
use crate::gzip::ExpansionError;

/// Size of the record buffer: room for the largest record and what precedes it.
const BUFFER_LEN: usize = 4 * 1024 * 1024;

/// Bytes asked of the input per read. Small enough that the records are parsed while the
/// copy the read made is still in the core's cache: refilling the whole buffer at once left
/// the parser waiting on memory at every record header (5 % of a reference ingest).
const READ_CHUNK: usize = 256 * 1024;

/// Capture data read ahead of the parsers; `start..end` is what is not consumed yet.
pub(super) struct RecordBuffer {
    /// The file (or name) errors are reported against.
    pub(super) path: PathBuf,
    input: Input,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the capture data of `buf[0]`.
    base: u64,
    eof: bool,
    /// The gzip stream ended before its trailer.
    cut: bool,
}

impl RecordBuffer {
    /// An empty buffer in front of `input`.
    pub(super) fn new(path: PathBuf, input: Input) -> RecordBuffer {
        RecordBuffer {
            path,
            input,
            buf: vec![0; BUFFER_LEN],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            cut: false,
        }
    }

    /// Bytes taken from the file so far (compressed bytes for gzip).
    pub(super) fn bytes_read(&self) -> u64 {
        self.input.bytes_read()
    }

    /// Offset in the capture data of the first unconsumed byte.
    pub(super) fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// The unconsumed bytes.
    pub(super) fn available(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Where the unconsumed bytes start in the buffer.
    pub(super) fn position(&self) -> usize {
        self.start
    }

    /// Marks `n` more bytes as consumed; they stay in the buffer until the next refill.
    pub(super) fn consume(&mut self, n: usize) {
        self.start += n;
    }

    /// Bytes of the buffer by position (a record found by a parser).
    pub(super) fn bytes(&self, range: Range<usize>) -> &[u8] {
        self.buf.get(range).unwrap_or_default()
    }

    /// Makes at least `n` bytes available from `start`; false if the data ends first.
    pub(super) fn fill(&mut self, n: usize) -> Result<bool, CaptureError> {
        while self.end - self.start < n {
            if self.eof {
                return Ok(false);
            }
            if self.buf.len() - self.start < n || self.end == self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.base += self.start as u64;
                self.end -= self.start;
                self.start = 0;
            }
            let until = self.buf.len().min(self.end + READ_CHUNK);
            let Some(space) = self.buf.get_mut(self.end..until) else {
                return Ok(false);
            };
            match self.input.read(space) {
                Ok(0) => self.eof = true,
                Ok(got) => self.end += got,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    // A gzip stream cut short: what was decoded is usable.
                    self.eof = true;
                    self.cut = true;
                }
                Err(source) => {
                    let path = self.path.clone();
                    let offset = self.base + self.end as u64;
                    return Err(match ExpansionError::find(&source) {
                        Some(expansion) => CaptureError::GzipExpansion {
                            path,
                            offset,
                            source: expansion.clone(),
                        },
                        None => CaptureError::Io {
                            path,
                            offset,
                            source,
                        },
                    });
                }
            }
        }
        Ok(true)
    }

    /// At the end of the data: a clean end, or the truncation error for `what`.
    pub(super) fn end_of_data(
        &self,
        what: &'static str,
        needed: usize,
    ) -> Result<(), CaptureError> {
        if self.end == self.start && !self.cut {
            Ok(())
        } else {
            Err(self.truncated(what, needed))
        }
    }

    /// The data ends inside the `what` at the current offset, which needs `needed` bytes.
    pub(super) fn truncated(&self, what: &'static str, needed: usize) -> CaptureError {
        CaptureError::Truncated {
            path: self.path.clone(),
            offset: self.offset(),
            what,
            needed: needed as u64,
            available: (self.end - self.start) as u64,
        }
    }

    /// The `what` at the current offset is inconsistent.
    pub(super) fn malformed(&self, what: &'static str, detail: String) -> CaptureError {
        CaptureError::Malformed {
            path: self.path.clone(),
            offset: self.offset(),
            what,
            detail,
        }
    }

    /// The record at the current offset claims `len` bytes, more than `limit`.
    pub(super) fn too_large(&self, len: u32, limit: u32) -> CaptureError {
        CaptureError::RecordTooLarge {
            path: self.path.clone(),
            offset: self.offset(),
            len: u64::from(len),
            limit: u64::from(limit),
        }
    }
}
