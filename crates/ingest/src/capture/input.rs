//! The bytes under a capture reader (and under the dnstap reader, [`crate::dnstap`]): the file
//! as it is, or through a gzip decoder when it starts with the gzip magic (`1f 8b`), counted as
//! they are taken from the file so progress and checkpoints speak of the file's own bytes. The
//! decoder stops at an expansion limit ([`crate::gzip`]).

use std::io::{self, BufReader, Read};

use crate::gzip::{ExpansionLimit, LimitedGzDecoder};

/// Size of the buffer in front of the gzip decoder.
const GZIP_INPUT_BUFFER_LEN: usize = 256 * 1024;

/// Counts the bytes taken from the underlying reader and can give back peeked bytes.
pub(crate) struct CountingReader {
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

/// The capture data: the file's bytes, or what its gzip stream decodes to.
pub(crate) enum Input {
    Plain(CountingReader),
    Gzip(Box<LimitedGzDecoder<BufReader<CountingReader>>>),
}

impl Input {
    /// Wraps `reader` in a gzip decoder stopping past `limit` if its first bytes are the gzip
    /// magic.
    pub(crate) fn detect(reader: Box<dyn Read + Send>, limit: ExpansionLimit) -> io::Result<Input> {
        let mut counting = CountingReader {
            inner: reader,
            count: 0,
            peeked: Vec::new(),
        };
        if counting.peek(2)? == [0x1f, 0x8b] {
            let compressed = BufReader::with_capacity(GZIP_INPUT_BUFFER_LEN, counting);
            Ok(Input::Gzip(Box::new(LimitedGzDecoder::new(
                compressed, limit,
            ))))
        } else {
            Ok(Input::Plain(counting))
        }
    }

    /// Bytes taken from the file so far (compressed bytes for gzip).
    pub(crate) fn bytes_read(&self) -> u64 {
        match self {
            Input::Plain(reader) => reader.count,
            Input::Gzip(decoder) => decoder.get_ref().get_ref().count,
        }
    }
}

impl Read for Input {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            Input::Plain(reader) => reader.read(out),
            Input::Gzip(decoder) => decoder.read(out),
        }
    }
}
