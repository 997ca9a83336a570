//! Gzip decompression that stops at an expansion limit, so a gzip bomb ends with an error
//! rather than being decoded to its end.
//!
//! Reading a bomb never costs memory (every stage reads in bounded chunks), but it costs
//! time: 2 GiB of zeros compress to about 2 MiB, and a file of a few MiB can hold terabytes
//! of nothing. [`LimitedGzDecoder`] counts the compressed bytes the decoder takes and the
//! decompressed bytes it gives, and once more than [`ExpansionLimit::check_after`] bytes
//! came out, fails with [`ExpansionError`] as soon as the output exceeds
//! [`ExpansionLimit::max_ratio`] times the input so far (checked at least every 64 KiB of
//! output). The failure is sticky: every later read fails the same way.
//!
//! Why it is written here: `flate2` decodes without any limit, and `Read::take` caps the
//! output's size, which cannot tell a genuine 50 GiB capture from a bomb; what tells them apart
//! is the ratio, and that needs the count of compressed bytes from under the decoder. Crates
//! that guard against bombs do so for archives (zip entries declare their sizes); a gzip
//! stream declares none that can be trusted (ISIZE is modulo 2³², per member, at its end).

use flate2::bufread::MultiGzDecoder;
use std::io::{self, BufRead, Read};

/// Most bytes one read gives while a limit is set, so the limit is checked at least this
/// often however large the caller's buffer (the capture reader asks for 4 MiB at a time).
const CHECK_EVERY: usize = 64 * 1024;

/// How far gzip data may expand before decompression stops.
///
/// The defaults, 200× checked after 256 MiB ([`ExpansionLimit::DEFAULT`]):
/// - DNS captures compress little: measured at `gzip -6`, 20,000 generated responses
///   (`../shared/bench/gen_pcap.py --responses 20000 --seed 1`, 6.1 MB) 2.7×, the shared real
///   fixtures (`../shared/fixtures/pcap`) 1.0–6.1×; the range usually quoted for DNS captures
///   is 3–15×. 200 leaves more than ten times the top of that range.
/// - Deflate cannot expand more than about 1032×, and a bomb is near that ceiling (zeros:
///   ≈ 1030×), so 200× stops every bomb that costs real time while being far from real data.
/// - Below 256 MiB of output (well under a second of decompression) nothing is checked, so
///   small files that compress very well — a test capture, a capture of one packet repeated —
///   always pass. A bomb is stopped after 256 MiB of output, about 256 KiB of its input.
/// - The ratio is over the whole input so far, so a very compressible stretch inside a real
///   capture (a burst of identical answers) is averaged with the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpansionLimit {
    /// Most decompressed bytes per compressed byte read so far; 0 for no limit.
    pub max_ratio: u64,
    /// Decompressed bytes up to which the ratio is not checked.
    pub check_after: u64,
}

impl ExpansionLimit {
    /// The default most decompressed bytes per compressed byte.
    pub const DEFAULT_MAX_RATIO: u64 = 200;
    /// The default output checked by nothing: 256 MiB.
    pub const DEFAULT_CHECK_AFTER: u64 = 256 * 1024 * 1024;
    /// The default limit: 200× after 256 MiB (see the type's documentation for why).
    pub const DEFAULT: ExpansionLimit = ExpansionLimit {
        max_ratio: Self::DEFAULT_MAX_RATIO,
        check_after: Self::DEFAULT_CHECK_AFTER,
    };
    /// No limit: data is decompressed to its end, whatever it expands to.
    pub const NONE: ExpansionLimit = ExpansionLimit {
        max_ratio: 0,
        check_after: 0,
    };

    /// True when `decompressed` bytes out of `compressed` are past the limit.
    pub fn exceeded_by(&self, decompressed: u64, compressed: u64) -> bool {
        self.max_ratio != 0
            && decompressed > self.check_after
            && decompressed > compressed.saturating_mul(self.max_ratio)
    }
}

impl Default for ExpansionLimit {
    fn default() -> Self {
        ExpansionLimit::DEFAULT
    }
}

/// Gzip data expanded past its [`ExpansionLimit`]. Carried inside the [`io::Error`] that
/// [`LimitedGzDecoder`] returns; find it with [`ExpansionError::find`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "its gzip data expands {ratio}× ({decompressed} bytes from {compressed} compressed bytes), more than the limit of {max_ratio}× — a gzip bomb? If the file is genuine, raise --max-gzip-ratio (0 = no limit)",
    ratio = self.ratio()
)]
pub struct ExpansionError {
    /// Bytes decompressed when reading stopped.
    pub decompressed: u64,
    /// Compressed bytes they came from.
    pub compressed: u64,
    /// The limit that was passed.
    pub max_ratio: u64,
}

impl ExpansionError {
    /// Decompressed bytes per compressed byte, rounded down.
    pub fn ratio(&self) -> u64 {
        self.decompressed / self.compressed.max(1)
    }

    /// The expansion error inside an I/O error, if that is what it is.
    pub fn find(err: &io::Error) -> Option<&ExpansionError> {
        err.get_ref()?.downcast_ref::<ExpansionError>()
    }
}

/// Counts the bytes a [`BufRead`] consumer takes: exactly the compressed bytes the decoder
/// used, not what was read ahead into buffers.
struct CountConsumed<R> {
    inner: R,
    consumed: u64,
}

impl<R: BufRead> Read for CountConsumed<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(out)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountConsumed<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
        self.consumed += amount as u64;
    }
}

/// A gzip decoder (every member of a multi-member file) that stops at an [`ExpansionLimit`].
pub struct LimitedGzDecoder<R: BufRead> {
    decoder: MultiGzDecoder<CountConsumed<R>>,
    limit: ExpansionLimit,
    decompressed: u64,
    stopped: Option<ExpansionError>,
}

impl<R: BufRead> LimitedGzDecoder<R> {
    /// Decodes the gzip data of `input`, stopping past `limit`.
    pub fn new(input: R, limit: ExpansionLimit) -> LimitedGzDecoder<R> {
        LimitedGzDecoder {
            decoder: MultiGzDecoder::new(CountConsumed {
                inner: input,
                consumed: 0,
            }),
            limit,
            decompressed: 0,
            stopped: None,
        }
    }

    /// The compressed input.
    pub fn get_ref(&self) -> &R {
        &self.decoder.get_ref().inner
    }

    /// Compressed bytes the decoder used so far.
    pub fn compressed(&self) -> u64 {
        self.decoder.get_ref().consumed
    }

    /// Bytes decompressed so far.
    pub fn decompressed(&self) -> u64 {
        self.decompressed
    }
}

impl<R: BufRead> Read for LimitedGzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if let Some(stopped) = &self.stopped {
            return Err(io::Error::new(io::ErrorKind::InvalidData, stopped.clone()));
        }
        let out = match self.limit.max_ratio {
            0 => out,
            _ => {
                let len = out.len().min(CHECK_EVERY);
                out.get_mut(..len).unwrap_or_default()
            }
        };
        let n = self.decoder.read(out)?;
        self.decompressed += n as u64;
        let compressed = self.compressed();
        if self.limit.exceeded_by(self.decompressed, compressed) {
            let stopped = ExpansionError {
                decompressed: self.decompressed,
                compressed,
                max_ratio: self.limit.max_ratio,
            };
            self.stopped = Some(stopped.clone());
            return Err(io::Error::new(io::ErrorKind::InvalidData, stopped));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(members: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for member in members {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(member).expect("compress");
            out.extend(encoder.finish().expect("compress"));
        }
        out
    }

    /// Reads everything in 4 MiB reads, as the capture reader does; the bytes read and the
    /// error that stopped it, if any.
    fn read_all(data: &[u8], limit: ExpansionLimit) -> (u64, Option<io::Error>) {
        let mut decoder = LimitedGzDecoder::new(data, limit);
        let mut buffer = vec![0u8; 4 * 1024 * 1024];
        let mut total = 0u64;
        loop {
            match decoder.read(&mut buffer) {
                Ok(0) => return (total, None),
                Ok(n) => total += n as u64,
                Err(err) => return (total, Some(err)),
            }
        }
    }

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn a_bomb_stops_just_past_the_floor() {
        let zeros = vec![0u8; 16 * MIB as usize];
        let bomb = gzip(&[&zeros]);
        assert!(
            bomb.len() < 32 * 1024,
            "zeros compress ~1000x: {}",
            bomb.len()
        );
        let limit = ExpansionLimit {
            max_ratio: 100,
            check_after: MIB,
        };
        let (read, err) = read_all(&bomb, limit);
        let err = err.expect("the bomb is stopped");
        let expansion = ExpansionError::find(&err).expect("an expansion error");
        assert_eq!(expansion.max_ratio, 100);
        assert!(expansion.ratio() > 100, "{expansion:?}");
        assert!(expansion.decompressed > MIB, "{expansion:?}");
        assert!(
            expansion.decompressed <= MIB + CHECK_EVERY as u64,
            "checked every 64 KiB even under 4 MiB reads: {expansion:?}"
        );
        assert!(
            read <= MIB,
            "the bytes of the failing read are not given: {read}"
        );
        let message = err.to_string();
        assert!(message.contains("more than the limit of 100×"), "{message}");
        assert!(message.contains("--max-gzip-ratio"), "{message}");
    }

    #[test]
    fn the_stop_is_sticky() {
        let bomb = gzip(&[&vec![0u8; 4 * MIB as usize]]);
        let mut decoder = LimitedGzDecoder::new(
            &bomb[..],
            ExpansionLimit {
                max_ratio: 10,
                check_after: 1,
            },
        );
        let mut buffer = [0u8; 4096];
        let first = decoder.read(&mut buffer).expect_err("stops at once");
        let again = decoder.read(&mut buffer).expect_err("stays stopped");
        assert_eq!(ExpansionError::find(&first), ExpansionError::find(&again));
    }

    #[test]
    fn small_or_ordinary_data_passes() {
        // Under the floor, any ratio passes.
        let small = gzip(&[&vec![0u8; MIB as usize]]);
        let limit = ExpansionLimit {
            max_ratio: 2,
            check_after: 2 * MIB,
        };
        assert_eq!(read_all(&small, limit).0, MIB);
        // Past the floor, data that expands less than the limit passes: bytes from a
        // pseudo-random walk over a small alphabet compress about 3x, like a capture.
        let mut state = 1u32;
        let text: Vec<u8> = (0..3 * MIB)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                b"abcdefghijklmnop"[(state >> 28) as usize]
            })
            .collect();
        let ordinary = gzip(&[&text[..MIB as usize], &text[MIB as usize..]]);
        let limit = ExpansionLimit {
            max_ratio: 10,
            check_after: MIB / 2,
        };
        let (read, err) = read_all(&ordinary, limit);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(read, 3 * MIB, "both members are read");
    }

    #[test]
    fn no_limit_reads_a_bomb_to_its_end() {
        let bomb = gzip(&[&vec![0u8; 8 * MIB as usize]]);
        let (read, err) = read_all(&bomb, ExpansionLimit::NONE);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(read, 8 * MIB);
    }

    #[test]
    fn compressed_bytes_are_those_the_decoder_used() {
        let data = gzip(&[b"hello", b"world"]);
        let mut decoder = LimitedGzDecoder::new(&data[..], ExpansionLimit::DEFAULT);
        let mut out = Vec::new();
        decoder.read_to_end(&mut out).expect("reads");
        assert_eq!(out, b"helloworld");
        assert_eq!(decoder.compressed(), data.len() as u64);
        assert_eq!(decoder.decompressed(), 10);
    }

    #[test]
    fn limits() {
        let limit = ExpansionLimit {
            max_ratio: 200,
            check_after: 1000,
        };
        assert!(!limit.exceeded_by(1000, 1), "not past the floor");
        assert!(limit.exceeded_by(1001, 5));
        assert!(!limit.exceeded_by(1001, 6), "1001 <= 6 * 200");
        assert!(!ExpansionLimit::NONE.exceeded_by(u64::MAX, 1));
        assert!(!limit.exceeded_by(u64::MAX, u64::MAX), "no overflow");
    }
}
