//! Reading capture files: classic pcap (µs and ns), pcapng, and either one gzip-compressed.
//!
//! The format is found from the first bytes, never from the file name:
//!
//! | first bytes | format |
//! |---|---|
//! | `1f 8b` | gzip; the format inside is detected the same way (one level only) |
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
//! Classic pcap records are parsed here (16 fixed bytes); pcapng interface description
//! blocks (options, `if_tsresol`) are parsed with `pcap-parser`, while enhanced and simple
//! packet blocks, which have a fixed layout, are read directly.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

/// The largest captured length accepted for one packet (256 KiB).
pub const MAX_CAPLEN: u32 = 256 * 1024;
/// The largest pcapng block accepted: a packet of [`MAX_CAPLEN`] plus 64 KiB for options.
pub const MAX_BLOCK_LEN: u32 = MAX_CAPLEN + 64 * 1024;

/// Size of the record buffer; refills read up to this much at once.
const BUFFER_LEN: usize = 4 * 1024 * 1024;
/// Size of the buffer in front of the gzip decoder.
const GZIP_INPUT_BUFFER_LEN: usize = 256 * 1024;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_IDB: u32 = 1;
const PCAPNG_SPB: u32 = 3;
const PCAPNG_EPB: u32 = 6;
const PCAPNG_BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

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

/// Counts the bytes taken from the underlying reader and can give back peeked bytes.
struct CountingReader {
    inner: Box<dyn Read + Send>,
    count: u64,
    peeked: Vec<u8>,
}

impl CountingReader {
    /// Reads up to `n` bytes ahead without consuming them.
    fn peek(&mut self, n: usize) -> io::Result<&[u8]> {
        while self.peeked.len() < n {
            let mut chunk = [0u8; 8];
            let want = (n - self.peeked.len()).min(chunk.len());
            let got = match self.inner.read(chunk.get_mut(..want).unwrap_or_default()) {
                Ok(got) => got,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if got == 0 {
                break;
            }
            self.count += got as u64;
            self.peeked
                .extend_from_slice(chunk.get(..got).unwrap_or_default());
        }
        Ok(&self.peeked)
    }
}

impl Read for CountingReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if !self.peeked.is_empty() {
            let n = self.peeked.len().min(out.len());
            if let (Some(dst), Some(src)) = (out.get_mut(..n), self.peeked.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.peeked.drain(..n);
            return Ok(n);
        }
        let n = self.inner.read(out)?;
        self.count += n as u64;
        Ok(n)
    }
}

enum Source {
    Plain(CountingReader),
    Gzip(Box<MultiGzDecoder<BufReader<CountingReader>>>),
}

impl Source {
    fn bytes_read(&self) -> u64 {
        match self {
            Source::Plain(reader) => reader.count,
            Source::Gzip(decoder) => decoder.get_ref().get_ref().count,
        }
    }
}

impl Read for Source {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(reader) => reader.read(out),
            Source::Gzip(decoder) => decoder.read(out),
        }
    }
}

/// One pcapng interface: what its packets' link type and timestamps mean.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    units_per_second: u64,
    offset_seconds: i64,
}

enum Format {
    Pcap {
        big_endian: bool,
        nanos: bool,
        link_type: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Reads packets out of a pcap, pcapng or gzip-compressed capture.
pub struct CaptureReader {
    path: PathBuf,
    source: Source,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Offset in the capture data of `buf[0]`.
    base: u64,
    eof: bool,
    /// The gzip stream ended before its trailer.
    cut: bool,
    done: bool,
    format: Format,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("path", &self.path)
            .field("offset", &self.offset())
            .finish_non_exhaustive()
    }
}

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

impl CaptureReader {
    /// Opens a capture file and reads its header.
    pub fn open(path: &Path) -> Result<CaptureReader, CaptureError> {
        let file = File::open(path).map_err(|source| CaptureError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_boxed(Box::new(file), path.to_path_buf())
    }

    /// Reads a capture from any reader; `name` is used in error messages.
    pub fn from_reader(
        reader: Box<dyn Read + Send>,
        name: &str,
    ) -> Result<CaptureReader, CaptureError> {
        Self::from_boxed(reader, PathBuf::from(name))
    }

    fn from_boxed(reader: Box<dyn Read + Send>, path: PathBuf) -> Result<Self, CaptureError> {
        let mut counting = CountingReader {
            inner: reader,
            count: 0,
            peeked: Vec::new(),
        };
        let magic = counting.peek(2).map_err(|source| CaptureError::Io {
            path: path.clone(),
            offset: 0,
            source,
        })?;
        let source = if magic == [0x1f, 0x8b] {
            let input = BufReader::with_capacity(GZIP_INPUT_BUFFER_LEN, counting);
            Source::Gzip(Box::new(MultiGzDecoder::new(input)))
        } else {
            Source::Plain(counting)
        };
        let mut reader = CaptureReader {
            path,
            source,
            buf: vec![0; BUFFER_LEN],
            start: 0,
            end: 0,
            base: 0,
            eof: false,
            cut: false,
            done: false,
            format: Format::Pcap {
                big_endian: false,
                nanos: false,
                link_type: 0,
            },
        };
        reader.read_header()?;
        Ok(reader)
    }

    /// Bytes consumed from the underlying file so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// The name or path given when opening.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    fn available(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Makes at least `n` bytes available from `start`; false if the data ends first.
    fn fill(&mut self, n: usize) -> Result<bool, CaptureError> {
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
            let Some(space) = self.buf.get_mut(self.end..) else {
                return Ok(false);
            };
            match self.source.read(space) {
                Ok(0) => self.eof = true,
                Ok(got) => self.end += got,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) if err.kind() == io::ErrorKind::UnexpectedEof => {
                    // A gzip stream cut short: what was decoded is usable.
                    self.eof = true;
                    self.cut = true;
                }
                Err(source) => {
                    return Err(CaptureError::Io {
                        path: self.path.clone(),
                        offset: self.base + self.end as u64,
                        source,
                    });
                }
            }
        }
        Ok(true)
    }

    fn truncated(&self, what: &'static str, needed: usize) -> CaptureError {
        CaptureError::Truncated {
            path: self.path.clone(),
            offset: self.offset(),
            what,
            needed: needed as u64,
            available: (self.end - self.start) as u64,
        }
    }

    fn malformed(&self, what: &'static str, detail: String) -> CaptureError {
        CaptureError::Malformed {
            path: self.path.clone(),
            offset: self.offset(),
            what,
            detail,
        }
    }

    fn read_header(&mut self) -> Result<(), CaptureError> {
        self.fill(4)?;
        let head = self.available();
        let magic: Vec<u8> = head.get(..4).unwrap_or(head).to_vec();
        // Fewer than 4 bytes read as 0, which is no magic number.
        let le = u32_at(head, 0, false);
        if le == PCAPNG_SHB {
            if !self.fill(12)? {
                return Err(self.truncated("pcapng section header", 12));
            }
            let big_endian = self.section_byte_order()?;
            self.format = Format::PcapNg {
                big_endian,
                interfaces: Vec::new(),
            };
            return Ok(());
        }
        let (big_endian, nanos) = match le {
            0xa1b2_c3d4 => (false, false),
            0xd4c3_b2a1 => (true, false),
            0xa1b2_3c4d => (false, true),
            0x4d3c_b2a1 => (true, true),
            _ => {
                return Err(CaptureError::NotACapture {
                    path: self.path.clone(),
                    magic,
                })
            }
        };
        if !self.fill(24)? {
            return Err(self.truncated("pcap file header", 24));
        }
        // The low 16 bits are the link type; the high bits may carry FCS information.
        let link_type = u32_at(self.available(), 20, big_endian) & 0xFFFF;
        self.start += 24;
        self.format = Format::Pcap {
            big_endian,
            nanos,
            link_type,
        };
        Ok(())
    }

    /// Reads the byte-order magic of the section header block at `start`.
    fn section_byte_order(&self) -> Result<bool, CaptureError> {
        match u32_at(self.available(), 8, false) {
            PCAPNG_BYTE_ORDER_MAGIC => Ok(false),
            m if m.swap_bytes() == PCAPNG_BYTE_ORDER_MAGIC => Ok(true),
            m => Err(self.malformed(
                "pcapng section header",
                format!("byte-order magic is {m:08x}, expected 1a2b3c4d"),
            )),
        }
    }

    /// The next packet, `Ok(None)` at the end of the data (or after an error).
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        if self.done {
            return Ok(None);
        }
        let result = match self.format {
            Format::Pcap { .. } => self.next_pcap_record(),
            Format::PcapNg { .. } => self.next_pcapng_packet(),
        };
        match result {
            Ok(Some((ts_sec, ts_nanos, link_type, from, to))) => Ok(Some(Packet {
                ts_sec,
                ts_nanos,
                link_type,
                data: self.buf.get(from..to).unwrap_or_default(),
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

    /// At the end of the data: a clean end, or the truncation error for `what`.
    fn end_of_data(&self, what: &'static str, needed: usize) -> Result<(), CaptureError> {
        if self.end == self.start && !self.cut {
            Ok(())
        } else {
            Err(self.truncated(what, needed))
        }
    }

    #[allow(clippy::type_complexity)]
    fn next_pcap_record(&mut self) -> Result<Option<(i64, u32, u32, usize, usize)>, CaptureError> {
        let Format::Pcap {
            big_endian,
            nanos,
            link_type,
        } = self.format
        else {
            return Ok(None);
        };
        if !self.fill(16)? {
            self.end_of_data("pcap record header", 16)?;
            return Ok(None);
        }
        let head = self.available();
        let ts_sec = u32_at(head, 0, big_endian);
        let fraction = u32_at(head, 4, big_endian);
        let caplen = u32_at(head, 8, big_endian);
        if caplen > MAX_CAPLEN {
            return Err(CaptureError::RecordTooLarge {
                path: self.path.clone(),
                offset: self.offset(),
                len: u64::from(caplen),
                limit: u64::from(MAX_CAPLEN),
            });
        }
        let record_len = 16 + caplen as usize;
        if !self.fill(record_len)? {
            return Err(self.truncated("pcap record", record_len));
        }
        // Some writers let the fraction overflow; carry it into the seconds.
        let (per_second, scale) = if nanos {
            (1_000_000_000, 1)
        } else {
            (1_000_000, 1000)
        };
        let ts_sec = i64::from(ts_sec) + i64::from(fraction / per_second);
        let ts_nanos = (fraction % per_second) * scale;
        let from = self.start + 16;
        let to = self.start + record_len;
        self.start = to;
        Ok(Some((ts_sec, ts_nanos, link_type, from, to)))
    }

    #[allow(clippy::type_complexity)]
    fn next_pcapng_packet(
        &mut self,
    ) -> Result<Option<(i64, u32, u32, usize, usize)>, CaptureError> {
        loop {
            if !self.fill(8)? {
                self.end_of_data("pcapng block header", 8)?;
                return Ok(None);
            }
            let Format::PcapNg { big_endian, .. } = self.format else {
                return Ok(None);
            };
            let block_type = u32_at(self.available(), 0, big_endian);
            let big_endian = if block_type == PCAPNG_SHB {
                if !self.fill(12)? {
                    return Err(self.truncated("pcapng section header", 12));
                }
                let order = self.section_byte_order()?;
                if let Format::PcapNg {
                    big_endian,
                    interfaces,
                } = &mut self.format
                {
                    *big_endian = order;
                    interfaces.clear();
                }
                order
            } else {
                big_endian
            };
            let block_len = u32_at(self.available(), 4, big_endian);
            if block_len < 12 || !block_len.is_multiple_of(4) {
                return Err(self.malformed(
                    "pcapng block",
                    format!("block length {block_len} is not a multiple of 4 of at least 12"),
                ));
            }
            if block_len > MAX_BLOCK_LEN {
                return Err(CaptureError::RecordTooLarge {
                    path: self.path.clone(),
                    offset: self.offset(),
                    len: u64::from(block_len),
                    limit: u64::from(MAX_BLOCK_LEN),
                });
            }
            let len = block_len as usize;
            if !self.fill(len)? {
                return Err(self.truncated("pcapng block", len));
            }
            let block = self.available().get(..len).unwrap_or_default();
            if u32_at(block, len - 4, big_endian) != block_len {
                return Err(self.malformed(
                    "pcapng block",
                    "trailing block length differs from the leading one".to_string(),
                ));
            }
            match block_type {
                PCAPNG_IDB => {
                    let interface = self.parse_interface(big_endian)?;
                    if let Format::PcapNg { interfaces, .. } = &mut self.format {
                        interfaces.push(interface);
                    }
                }
                PCAPNG_EPB => {
                    if len < 32 {
                        return Err(self.malformed(
                            "pcapng enhanced packet block",
                            format!("block length {len} is less than 32"),
                        ));
                    }
                    let interface_id = u32_at(block, 8, big_endian);
                    let ts_high = u32_at(block, 12, big_endian);
                    let ts_low = u32_at(block, 16, big_endian);
                    let caplen = u32_at(block, 20, big_endian);
                    if caplen > MAX_CAPLEN {
                        return Err(CaptureError::RecordTooLarge {
                            path: self.path.clone(),
                            offset: self.offset(),
                            len: u64::from(caplen),
                            limit: u64::from(MAX_CAPLEN),
                        });
                    }
                    if 28 + caplen as usize + 4 > len {
                        return Err(self.malformed(
                            "pcapng enhanced packet block",
                            format!("captured length {caplen} does not fit a block of {len}"),
                        ));
                    }
                    let interface = self.interface(interface_id)?;
                    let ticks = (u64::from(ts_high) << 32) | u64::from(ts_low);
                    let (ts_sec, ts_nanos) = ticks_to_time(ticks, interface);
                    let from = self.start + 28;
                    let to = from + caplen as usize;
                    self.start += len;
                    return Ok(Some((ts_sec, ts_nanos, interface.link_type, from, to)));
                }
                PCAPNG_SPB => {
                    if len < 16 {
                        return Err(self.malformed(
                            "pcapng simple packet block",
                            format!("block length {len} is less than 16"),
                        ));
                    }
                    let original_len = u32_at(block, 8, big_endian) as usize;
                    let caplen = original_len.min(len - 16);
                    let interface = self.interface(0)?;
                    let from = self.start + 12;
                    let to = from + caplen;
                    self.start += len;
                    return Ok(Some((0, 0, interface.link_type, from, to)));
                }
                _ => {}
            }
            self.start += len;
        }
    }

    fn interface(&self, id: u32) -> Result<Interface, CaptureError> {
        let Format::PcapNg { interfaces, .. } = &self.format else {
            return Err(self.malformed("pcapng packet block", "not pcapng".to_string()));
        };
        interfaces.get(id as usize).copied().ok_or_else(|| {
            self.malformed(
                "pcapng packet block",
                format!(
                    "it names interface {id} but the section describes {}",
                    interfaces.len()
                ),
            )
        })
    }

    fn parse_interface(&self, big_endian: bool) -> Result<Interface, CaptureError> {
        use pcap_parser::pcapng::{
            parse_interfacedescriptionblock_be, parse_interfacedescriptionblock_le,
        };
        let block = self.available();
        let parsed = if big_endian {
            parse_interfacedescriptionblock_be(block)
        } else {
            parse_interfacedescriptionblock_le(block)
        };
        let idb = match parsed {
            Ok((_, idb)) => idb,
            Err(err) => {
                return Err(self.malformed("pcapng interface description block", format!("{err:?}")))
            }
        };
        let units_per_second = match ts_resolution(idb.if_tsresol) {
            Some(units) => units,
            None => {
                return Err(self.malformed(
                    "pcapng interface description block",
                    format!("unusable if_tsresol {:#04x}", idb.if_tsresol),
                ))
            }
        };
        Ok(Interface {
            link_type: (idb.linktype.0 as u32) & 0xFFFF,
            units_per_second,
            offset_seconds: idb.if_tsoffset,
        })
    }
}

/// Units per second for an `if_tsresol` byte: 10^n, or 2^n when the high bit is set.
/// (Computed here: pcap-parser 0.17 rejects every power-of-two resolution.)
fn ts_resolution(tsresol: u8) -> Option<u64> {
    let exponent = u32::from(tsresol & 0x7F);
    if tsresol & 0x80 != 0 {
        1u64.checked_shl(exponent).filter(|_| exponent < 64)
    } else {
        10u64.checked_pow(exponent)
    }
}

/// Converts a pcapng timestamp in interface units to seconds and nanoseconds.
fn ticks_to_time(ticks: u64, interface: Interface) -> (i64, u32) {
    let units = interface.units_per_second.max(1);
    let seconds = ticks / units;
    let fraction = ticks % units;
    let nanos = (u128::from(fraction) * 1_000_000_000 / u128::from(units)) as u32;
    let seconds = i64::try_from(seconds)
        .unwrap_or(i64::MAX)
        .saturating_add(interface.offset_seconds);
    (seconds, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(bytes: Vec<u8>) -> Result<CaptureReader, CaptureError> {
        CaptureReader::from_reader(Box::new(io::Cursor::new(bytes)), "test.pcap")
    }

    fn pcap_header(magic: u32, link: u32) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&magic.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&link.to_le_bytes());
        out
    }

    fn record(out: &mut Vec<u8>, sec: u32, frac: u32, data: &[u8]) {
        out.extend_from_slice(&sec.to_le_bytes());
        out.extend_from_slice(&frac.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    }

    #[test]
    fn empty_input_is_not_a_capture() {
        let err = reader(Vec::new()).unwrap_err();
        assert!(matches!(err, CaptureError::NotACapture { ref magic, .. } if magic.is_empty()));
        assert!(err.to_string().contains("empty file"), "{err}");
    }

    #[test]
    fn text_is_not_a_capture() {
        let err = reader(b"hello world".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "test.pcap is not a capture file: it starts with 68 65 6c 6c (expected pcap, pcapng or gzip)"
        );
    }

    #[test]
    fn short_global_header_is_truncated() {
        let bytes = pcap_header(0xa1b2_c3d4, 1);
        let err = reader(bytes.get(..10).unwrap().to_vec()).unwrap_err();
        assert!(matches!(
            err,
            CaptureError::Truncated {
                offset: 0,
                needed: 24,
                available: 10,
                ..
            }
        ));
    }

    #[test]
    fn fraction_overflow_carries_into_seconds() {
        let mut bytes = pcap_header(0xa1b2_c3d4, 1);
        record(&mut bytes, 10, 2_500_000, b"x");
        let mut r = reader(bytes).unwrap();
        let p = r.next_packet().unwrap().unwrap();
        assert_eq!((p.ts_sec, p.ts_nanos), (12, 500_000_000));
        assert!(r.next_packet().unwrap().is_none());
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn record_header_cut_is_truncated_once() {
        let mut bytes = pcap_header(0xa1b2_c3d4, 1);
        record(&mut bytes, 1, 0, b"abc");
        bytes.extend_from_slice(&[1, 2, 3]);
        let mut r = reader(bytes).unwrap();
        assert_eq!(r.next_packet().unwrap().unwrap().data, b"abc");
        let err = r.next_packet().unwrap_err();
        assert!(
            matches!(
                err,
                CaptureError::Truncated {
                    offset: 43,
                    needed: 16,
                    available: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert!(r.next_packet().unwrap().is_none());
    }

    #[test]
    fn resolutions() {
        assert_eq!(ts_resolution(6), Some(1_000_000));
        assert_eq!(ts_resolution(9), Some(1_000_000_000));
        assert_eq!(ts_resolution(0x8a), Some(1024));
        assert_eq!(ts_resolution(0), Some(1));
        assert_eq!(ts_resolution(20), None);
        assert_eq!(ts_resolution(0x80 | 64), None);
    }

    #[test]
    fn ticks_convert_with_resolution_and_offset() {
        let interface = Interface {
            link_type: 1,
            units_per_second: 1 << 10,
            offset_seconds: 100,
        };
        assert_eq!(ticks_to_time(3 * 1024 + 512, interface), (103, 500_000_000));
    }
}
