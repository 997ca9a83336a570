//! Sensor batches (`hark_cof::batch`), the gzip NDJSON bodies remote sensors POST to the
//! centre's intake. The first byte chooses: odd, the rest is NDJSON and is gzipped here (so
//! the lines reach the parser); even, the rest is the body as it came. Then:
//! - `decode` under a 1 MiB limit never panics; every row and negative row it gives passes
//!   the shared checks (valid canonical names, rdata and keys that read back, spans forwards);
//! - round trip: a decoded batch (up to 10,000 rows: a larger one is an RRset line blown up,
//!   too big to encode twice within the memory limit) `encode`s to a body that decodes to the
//!   same rows and negative rows in the same order;
//! - bounded memory: the rows and negative rows decoded take at most `MEMORY_PER_BYTE` bytes
//!   (as `CofRow::size` counts them) per decompressed byte, plus `MEMORY_SLACK`;
//! - the decompression bound: a body decodes only if it decompresses to at most the limit;
//!   under a tiny limit taken from the first byte (0–1016 bytes) it decodes to the same batch
//!   as under 1 MiB when it fits, is refused as too large when it does not, and fails on the
//!   same line or the same gzip fault otherwise.
#![no_main]

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use hark_cof::batch::{decode, encode, BatchError, MEMORY_PER_BYTE, MEMORY_SLACK};
use hark_cof::read::ROW_BYTES;
use hark_fuzz::check_batch;
use libfuzzer_sys::fuzz_target;
use std::io::{Read, Write};

const LIMIT: u64 = 1 << 20;
const ROUND_TRIP_ROWS: usize = 10_000;

fn gzip(text: &[u8]) -> Vec<u8> {
    let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    out.write_all(text).expect("writing into a Vec");
    out.finish().expect("writing into a Vec")
}

/// The first `limit + 1` decompressed bytes of `body`, or `None` when it is not gzip so far.
fn decompressed(body: &[u8], limit: u64) -> Option<usize> {
    let mut text = Vec::new();
    GzDecoder::new(body)
        .take(limit + 1)
        .read_to_end(&mut text)
        .ok()
        .map(|_| text.len())
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let body = if selector & 1 == 1 {
        gzip(rest)
    } else {
        rest.to_vec()
    };
    let decoded = decode(&body, LIMIT);
    let size = decompressed(&body, LIMIT);
    match &decoded {
        Ok(batch) => {
            let size = size.expect("a decoded body is gzip");
            assert!(size as u64 <= LIMIT, "{size} bytes decoded under {LIMIT}");
            check_batch(batch);
            let memory: usize = batch
                .rows
                .iter()
                .map(|(key, _)| {
                    let parts = key.parts();
                    parts.rrname.len()
                        + parts.bailiwick.map_or(0, <[u8]>::len)
                        + parts.rdata.len()
                        + ROW_BYTES
                })
                .chain(batch.negatives.iter().map(|(key, _)| key.qname.len() + ROW_BYTES))
                .sum();
            assert!(
                memory <= size * MEMORY_PER_BYTE + MEMORY_SLACK,
                "{} rows take {memory} bytes from {size} bytes of text",
                batch.len()
            );
            assert!(batch.certs.is_empty() && batch.checkpoints.is_empty());
            if batch.len() <= ROUND_TRIP_ROWS {
                let again = decode(&encode(batch), u64::MAX)
                    .unwrap_or_else(|err| panic!("an encoded batch is refused: {err}"));
                assert_eq!(again.rows, batch.rows, "rows change on the way");
                assert_eq!(again.negatives, batch.negatives, "negatives change on the way");
            }
        }
        Err(BatchError::TooLarge { limit }) => {
            assert_eq!(*limit, LIMIT);
            assert_eq!(size, Some(LIMIT as usize + 1), "refused as too large");
        }
        Err(BatchError::Gzip(_)) => assert_eq!(size, None, "refused as not gzip"),
        Err(_) => {}
    }
    if selector & 1 == 1 {
        assert!(
            !matches!(decoded, Err(BatchError::Gzip(_))),
            "gzip made here is refused"
        );
    }
    let small = u64::from(selector >> 1) * 8;
    let tiny = decode(&body, small);
    match (&tiny, &decoded) {
        (Ok(under_small), Ok(under_limit)) => {
            assert!(size.is_some_and(|size| size as u64 <= small));
            assert_eq!(under_small.rows, under_limit.rows);
            assert_eq!(under_small.negatives, under_limit.negatives);
        }
        (Ok(_), Err(err)) => panic!("decodes under {small} bytes, not under {LIMIT}: {err}"),
        (Err(BatchError::TooLarge { limit }), _) => {
            assert_eq!(*limit, small);
            assert!(decompressed(&body, small) == Some(small as usize + 1));
        }
        (Err(BatchError::Gzip(_)), other) => {
            assert!(
                matches!(other, Err(BatchError::Gzip(_))),
                "not gzip under {small} bytes, yet {other:?} under {LIMIT}"
            );
        }
        (Err(line), other) => {
            let other = other.as_ref().map(|_| ()).map_err(ToString::to_string);
            assert_eq!(Err(line.to_string()), other, "under {small} bytes and under {LIMIT}");
        }
    }
});
