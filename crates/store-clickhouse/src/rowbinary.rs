//! ClickHouse's RowBinary format, the few column types hark uses.
//!
//! Written by hand: RowBinary is little-endian integers and strings as a LEB128 length then
//! the bytes, nothing more. The one Rust crate that speaks it (`clickhouse`) is async over
//! hyper and reads results as RowBinaryWithNamesAndTypes, which ClickHouse 18.16 lacks.

use std::io::Read;

/// Appends RowBinary values to a buffer.
#[derive(Default)]
pub struct Encoder {
    /// The encoded rows.
    pub buf: Vec<u8>,
}

impl Encoder {
    /// A `UInt8`.
    pub fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    /// A `UInt16`.
    pub fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// A `UInt32`.
    pub fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// A `UInt64`.
    pub fn u64(&mut self, value: u64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// An `Int64`.
    pub fn i64(&mut self, value: i64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// A `String`: LEB128 length, then the bytes.
    pub fn bytes(&mut self, value: &[u8]) {
        let mut len = value.len() as u64;
        while len >= 0x80 {
            self.buf.push((len as u8) | 0x80);
            len >>= 7;
        }
        self.buf.push(len as u8);
        self.buf.extend_from_slice(value);
    }
}

/// Why a RowBinary answer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The answer ended inside a row.
    #[error("answer ends inside a row")]
    Truncated,
    /// A string longer than any key hark writes.
    #[error("string of {0} bytes in an answer (limit 16 MiB)")]
    TooLong(u64),
    /// The connection failed while reading.
    #[error("reading the answer: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads RowBinary values from a stream.
pub struct Decoder<R> {
    reader: R,
}

const MAX_STRING: u64 = 16 << 20;

impl<R: Read> Decoder<R> {
    /// A decoder over `reader` (buffer it).
    pub fn new(reader: R) -> Decoder<R> {
        Decoder { reader }
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<(), DecodeError> {
        self.reader.read_exact(out).map_err(|err| {
            if err.kind() == std::io::ErrorKind::UnexpectedEof {
                DecodeError::Truncated
            } else {
                DecodeError::Io(err)
            }
        })
    }

    fn exact<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        self.fill(&mut out)?;
        Ok(out)
    }

    /// True when the stream is at its end (between rows); else reads the row's first byte
    /// into `first`.
    pub fn at_end(&mut self, first: &mut Option<u8>) -> Result<bool, DecodeError> {
        let mut byte = [0u8; 1];
        loop {
            match self.reader.read(&mut byte) {
                Ok(0) => return Ok(true),
                Ok(_) => {
                    *first = Some(byte[0]);
                    return Ok(false);
                }
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(DecodeError::Io(err)),
            }
        }
    }

    /// A `UInt8`.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.exact::<1>()?[0])
    }

    /// A `UInt16`.
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.exact()?))
    }

    /// A `UInt64`.
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.exact()?))
    }

    /// An `Int64`.
    pub fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.exact()?))
    }

    /// A `String` whose first length byte was already read (see [`Decoder::at_end`]), or
    /// not (`None`).
    pub fn bytes(&mut self, first: Option<u8>) -> Result<Vec<u8>, DecodeError> {
        let mut len = 0u64;
        let mut shift = 0;
        let mut next = first;
        loop {
            let byte = match next.take() {
                Some(byte) => byte,
                None => self.u8()?,
            };
            len |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err(DecodeError::TooLong(u64::MAX));
            }
        }
        if len > MAX_STRING {
            return Err(DecodeError::TooLong(len));
        }
        let mut out = vec![0u8; len as usize];
        self.fill(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_integers_round_trip() {
        let mut enc = Encoder::default();
        let long = vec![7u8; 300];
        enc.bytes(&long);
        enc.u16(0xbeef);
        enc.i64(-5);
        enc.bytes(b"");
        assert_eq!(&enc.buf[..2], &[0xac, 0x02], "300 as LEB128");
        let mut dec = Decoder::new(&enc.buf[..]);
        let mut first = None;
        assert!(!dec.at_end(&mut first).expect("reads"));
        assert_eq!(dec.bytes(first).expect("string"), long);
        assert_eq!(dec.u16().expect("u16"), 0xbeef);
        assert_eq!(dec.i64().expect("i64"), -5);
        assert_eq!(dec.bytes(None).expect("empty"), b"");
        assert!(dec.at_end(&mut first).expect("reads"));
    }

    #[test]
    fn a_cut_answer_is_an_error() {
        let mut dec = Decoder::new(&[5u8, b'a', b'b'][..]);
        assert!(matches!(dec.bytes(None), Err(DecodeError::Truncated)));
        let mut dec = Decoder::new(&[1u8, 2][..]);
        assert!(matches!(dec.u64(), Err(DecodeError::Truncated)));
    }
}
