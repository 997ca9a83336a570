//! Reading capture files: classic pcap (µs and ns), pcapng, and either one gzip-compressed.
//!
//! The format is found from the first bytes, never from the file name:
//!
//! | first bytes | format |
//! |---|---|
//! | `1f 8b` | gzip; the format inside is detected the same way (one level only); decoding stops past an [`ExpansionLimit`] (a gzip bomb) |
//! | `a1b2c3d4` / `d4c3b2a1` | pcap, microsecond timestamps, big / little endian |
//! | `a1b23c4d` / `4d3cb2a1` | pcap, nanosecond timestamps, big / little endian |
//! | `0a0d0d0a` | pcapng; every section has its own byte order, every interface its own link type, `if_tsresol` and `if_tsoffset` |
//!
//! Records are read out of one large buffer refilled with big reads, and a [`Packet`]
//! borrows its bytes from that buffer, so reading does not allocate per packet. A record
//! that claims more than [`MAX_CAPLEN`] captured bytes (or a pcapng block larger than
//! [`MAX_BLOCK_LEN`]) is an error, never an allocation. A file that ends inside a record
//! gives [`CaptureError::Truncated`] once; after any error the reader returns `Ok(None)`.
//!
//! The parts, one job each:
//! - this module: [`CaptureReader`] (detection by magic, then packets), [`Packet`],
//!   [`CaptureError`];
//! - `input`: the bytes under the reader — the file as it is, or through a gzip decoder —
//!   counted as they are taken from the file;
//! - `buffer`: the record buffer, its refills, and the errors that name an offset in it;
//! - `pcap`: classic pcap, whose records (16 fixed bytes) are parsed here;
//! - `pcapng`: pcapng sections, whose interface description blocks (options, `if_tsresol`)
//!   are parsed with `pcap-parser`, while enhanced and simple packet blocks, which have a
//!   fixed layout, are read directly.

mod buffer;
pub(crate) mod input;
mod pcap;
mod pcapng;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::gzip::{ExpansionError, ExpansionLimit};
use buffer::RecordBuffer;

/// The largest captured length accepted for one packet (256 KiB).
pub const MAX_CAPLEN: u32 = 256 * 1024;
/// The largest pcapng block accepted: a packet of [`MAX_CAPLEN`] plus 64 KiB for options.
pub const MAX_BLOCK_LEN: u32 = MAX_CAPLEN + 64 * 1024;

/// One captured frame, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet<'a> {
    /// Capture time, seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Capture time, nanoseconds within the second (always < 1,000,000,000).
    pub ts_nanos: u32,
    /// The LINKTYPE number of the frame (1 = Ethernet, ...); see [`crate::link::LinkType`].
    pub link_type: u32,
    /// The captured bytes (possibly fewer than went over the wire).
    pub data: &'a [u8],
}

/// Why a capture could not be read. Offsets are byte offsets into the capture data
/// (into the decompressed data for a gzip file).
#[derive(thiserror::Error, Debug)]
pub enum CaptureError {
    /// The file could not be opened.
    #[error("cannot open capture {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Reading failed (I/O error or corrupt gzip data).
    #[error("cannot read capture {} at byte {offset}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Where reading stopped.
        offset: u64,
        /// What went wrong.
        source: io::Error,
    },
    /// The data starts with no known capture magic number.
    #[error(
        "{} is not a capture file: it starts with {} (expected pcap, pcapng or gzip)",
        path.display(),
        hex(magic)
    )]
    NotACapture {
        /// The file.
        path: PathBuf,
        /// Its first bytes (up to 4).
        magic: Vec<u8>,
    },
    /// The data ends inside a header or record.
    #[error(
        "capture {} is truncated at byte {offset}: the {what} there needs {needed} bytes but only {available} remain",
        path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Where the incomplete header or record starts.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// Bytes it needs.
        needed: u64,
        /// Bytes left in the file.
        available: u64,
    },
    /// A record claims more bytes than any packet may have.
    #[error(
        "capture {} has a record at byte {offset} of {len} bytes, more than the limit of {limit}",
        path.display()
    )]
    RecordTooLarge {
        /// The file.
        path: PathBuf,
        /// Where the record starts.
        offset: u64,
        /// The length it claims.
        len: u64,
        /// The largest accepted length.
        limit: u64,
    },
    /// The gzip data expanded past its [`ExpansionLimit`]: a gzip bomb, or a genuine file
    /// that needs a higher limit.
    #[error("capture {} stopped at byte {offset} of its decompressed data: {source}", path.display())]
    GzipExpansion {
        /// The file.
        path: PathBuf,
        /// Decompressed bytes before the read that passed the limit.
        offset: u64,
        /// The expansion and the limit.
        source: ExpansionError,
    },
    /// A header or record is inconsistent.
    #[error("capture {} has a malformed {what} at byte {offset}: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where the header or record starts.
        offset: u64,
        /// What was being read.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
}

fn hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return "nothing (empty file)".to_string();
    }
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The 32-bit word at `at` in the given byte order; 0 where `bytes` is too short.
fn u32_at(bytes: &[u8], at: usize, big_endian: bool) -> u32 {
    let mut word = [0u8; 4];
    if let Some(src) = bytes.get(at..at + 4) {
        word.copy_from_slice(src);
    }
    if big_endian {
        u32::from_be_bytes(word)
    } else {
        u32::from_le_bytes(word)
    }
}

/// One packet found by a format reader: its time, its link type, and where its bytes are in
/// the record buffer.
struct Record {
    ts_sec: i64,
    ts_nanos: u32,
    link_type: u32,
    data: std::ops::Range<usize>,
}

/// The format found at the start of the data, with what its reader keeps between records.
enum Format {
    Pcap(pcap::FileHeader),
    PcapNg(pcapng::Section),
}

/// Reads packets out of a pcap, pcapng or gzip-compressed capture.
pub struct CaptureReader {
    buffer: RecordBuffer,
    format: Format,
    done: bool,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("path", &self.buffer.path)
            .field("offset", &self.buffer.offset())
            .finish_non_exhaustive()
    }
}

impl CaptureReader {
    /// Opens a capture file and reads its header; gzip is decoded up to the default
    /// [`ExpansionLimit`].
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        Self::open_with_limit(path, ExpansionLimit::DEFAULT)
    }

    /// Opens a capture file and reads its header; gzip is decoded up to `limit`.
    pub fn open_with_limit(
        path: &Path,
        limit: ExpansionLimit,
    ) -> Result<CaptureReader, CaptureError> {
        let file = File::open(path).map_err(|source| CaptureError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_boxed(Box::new(file), path.to_path_buf(), limit)
    }

    /// Reads a capture from any reader; `name` is used in error messages. Gzip is decoded up
    /// to the default [`ExpansionLimit`].
    pub fn from_reader(
        reader: Box<dyn Read + Send>,
        name: &str,
    ) -> Result<CaptureReader, CaptureError> {
        Self::from_boxed(reader, PathBuf::from(name), ExpansionLimit::DEFAULT)
    }

    fn from_boxed(
        reader: Box<dyn Read + Send>,
        path: PathBuf,
        limit: ExpansionLimit,
    ) -> Result<Self, CaptureError> {
        let input = match input::Input::detect(reader, limit) {
            Ok(input) => input,
            Err(source) => {
                return Err(CaptureError::Io {
                    path,
                    offset: 0,
                    source,
                })
            }
        };
        let mut buffer = RecordBuffer::new(path, input);
        let format = detect_format(&mut buffer)?;
        Ok(CaptureReader {
            buffer,
            format,
            done: false,
        })
    }

    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.buffer.bytes_read()
    }

    /// The name or path given when opening.
    pub fn path(&self) -> &Path {
        &self.buffer.path
    }

    /// The next packet, `Ok(None)` at the end of the data (or after an error).
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let result = match &mut self.format {
            Format::Pcap(header) => header.next_record(&mut self.buffer),
            Format::PcapNg(section) => section.next_packet(&mut self.buffer),
        };
        match result {
            Ok(Some(record)) => Ok(Some(Packet {
                ts_sec: record.ts_sec,
                ts_nanos: record.ts_nanos,
                link_type: record.link_type,
                data: self.buffer.bytes(record.data),
            })),
            Ok(None) => {
                self.done = true;
                Ok(None)
            }
            Err(err) => {
                self.done = true;
                Err(err)
            }
        }
    }
}

/// Finds the format from the first four bytes of the data and reads its header.
fn detect_format(buffer: &mut RecordBuffer) -> Result<Format, CaptureError> {
    buffer.fill(4)?;
    let head = buffer.available();
    let magic: Vec<u8> = head.get(..4).unwrap_or(head).to_vec();
    // Fewer than 4 bytes read as 0, which is no magic number.
    let word = u32_at(head, 0, false);
    if word == pcapng::SECTION_HEADER {
        return Ok(Format::PcapNg(pcapng::Section::read_header(buffer)?));
    }
    match pcap::FileHeader::recognise(word) {
        Some((big_endian, nanos)) => Ok(Format::Pcap(pcap::FileHeader::read(
            buffer, big_endian, nanos,
        )?)),
        None => Err(CaptureError::NotACapture {
            path: buffer.path.clone(),
            magic,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(bytes: &[u8]) -> Result<CaptureReader, CaptureError> {
        CaptureReader::from_reader(Box::new(io::Cursor::new(bytes.to_vec())), "test.pcap")
    }

    #[test]
    fn empty_input_is_not_a_capture() {
        let err = open(b"").unwrap_err();
        assert!(matches!(err, CaptureError::NotACapture { ref magic, .. } if magic.is_empty()));
        assert!(err.to_string().contains("empty file"), "{err}");
    }

    #[test]
    fn text_is_not_a_capture() {
        let err = open(b"hello world").unwrap_err();
        assert_eq!(
            err.to_string(),
            "test.pcap is not a capture file: it starts with 68 65 6c 6c (expected pcap, pcapng or gzip)"
        );
    }

    #[test]
    fn words_read_in_either_byte_order_and_short_input_reads_zero() {
        assert_eq!(u32_at(&[1, 2, 3, 4], 0, false), 0x0403_0201);
        assert_eq!(u32_at(&[1, 2, 3, 4], 0, true), 0x0102_0304);
        assert_eq!(u32_at(&[1, 2, 3], 0, true), 0);
    }
}
