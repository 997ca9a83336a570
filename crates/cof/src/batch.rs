//! The batch a sensor ships to its centre: gzip-compressed NDJSON, one COF object per RR row
//! (the `hark export` form, [`Style::EXPORT`]: bailiwick, sensor and zone times, count) and
//! one object per negative row (`qname`, `qtype`, `rcode`, epoch times, count, as
//! [`negative_object`] writes it). The rows are deltas: the centre folds them in with the one
//! merge rule, so counts add up across batches and sensors.
//!
//! A line holding the key `"rrname"` is an RR line (read by
//! [`parse_line`](crate::parse_line): any COF or SAF object, an RRset of several rdata too);
//! any other line that is not blank is a negative line ([`parse_negative_line`]). One bad line
//! refuses the whole batch: a sensor writes every line itself, so a bad one means a broken or
//! hostile sender, not a row to skip.
//!
//! A batch is named by a [`BatchId`]: its sensor spool's epoch (a random number drawn when the
//! spool is created) and a sequence number that only grows, sent in the [`BATCH_HEADER`]
//! header. The centre records, atomically with the rows, the highest sequence it committed per
//! (sensor, epoch), so a batch sent again is acknowledged without being counted twice.
//!
//! [`decode`] reads bytes from the network, so its memory is bounded by the limit it is given:
//! it decompresses at most that, plus one byte to see that there is more; a line may be at
//! most [`MAX_LINE_BYTES`]; and the rows may take at most [`MEMORY_PER_BYTE`] bytes per
//! decompressed byte (plus [`MEMORY_SLACK`]), weighed as they are built by
//! [`parse_line_within`] (an `rdata` array repeats its owner name in every row, so a few
//! bytes of text could otherwise stand for hundreds of bytes of rows). A sensor's own
//! batches come nowhere near either bound: its longest line, a TXT row of 65,535 bytes
//! written with escapes, is a third of a line's limit, and its rows take less memory than
//! their text.

use crate::read::{parse_line_within, parse_negative_line, CofError, ROW_BYTES};
use crate::write::{negative_object, object, Style};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use hark_record::{Batch, KeyError};
use hark_store::{NegativeRow, Row};
use std::io::{Read, Write};

/// The HTTP header naming a batch: `EPOCH-SEQ`, both in hexadecimal ([`BatchId::header`]).
pub const BATCH_HEADER: &str = "x-hark-batch";

/// The longest line a batch may hold, as `hark import cof` reads COF lines.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The memory a batch's rows may take ([`crate::CofRow::size`]), in bytes per decompressed
/// byte of the batch...
pub const MEMORY_PER_BYTE: usize = 4;

/// ...plus this many bytes.
pub const MEMORY_SLACK: usize = 64 * 1024;

/// A batch's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchId {
    /// The sensor spool's epoch.
    pub epoch: u64,
    /// The batch's sequence number in that epoch, from 1.
    pub seq: u64,
}

impl BatchId {
    /// The header value: the epoch in 16 hexadecimal digits, `-`, the sequence in hexadecimal.
    pub fn header(&self) -> String {
        format!("{:016x}-{:x}", self.epoch, self.seq)
    }

    /// Parses a header value; `None` unless it is two hexadecimal numbers with a sequence
    /// above 0.
    pub fn parse(text: &str) -> Option<BatchId> {
        let (epoch, seq) = text.trim().split_once('-')?;
        let epoch = u64::from_str_radix(epoch, 16).ok()?;
        let seq = u64::from_str_radix(seq, 16).ok()?;
        (seq > 0).then_some(BatchId { epoch, seq })
    }
}

/// Why a batch body was refused.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The body is not gzip, or ends before its gzip trailer.
    #[error("the batch is not complete gzip: {0}")]
    Gzip(std::io::Error),
    /// The body decompresses to more than the limit.
    #[error("the batch exceeds {limit} bytes once decompressed")]
    TooLarge {
        /// The limit, in decompressed bytes.
        limit: u64,
    },
    /// A line is longer than [`MAX_LINE_BYTES`].
    #[error("line {line}: {bytes} bytes, over the {limit}-byte limit of a line")]
    LineTooLong {
        /// The line number, from 1.
        line: usize,
        /// Its length.
        bytes: usize,
        /// [`MAX_LINE_BYTES`].
        limit: usize,
    },
    /// A line is not UTF-8.
    #[error("line {line}: not UTF-8")]
    NotUtf8 {
        /// The line number, from 1.
        line: usize,
    },
    /// A line is not a COF row or a negative row.
    #[error("line {line}: {error}")]
    Line {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        error: CofError,
    },
    /// An RR line's fields do not make a key.
    #[error("line {line}: {error}")]
    Key {
        /// The line number, from 1.
        line: usize,
        /// Why the key cannot be packed.
        error: KeyError,
    },
}

/// The rows and negative rows of `batch` as a compressed batch body (its checkpoints and
/// certificate names are not shipped).
pub fn encode(batch: &Batch) -> Vec<u8> {
    let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut line = Vec::new();
    let mut put = |value: serde_json::Map<String, serde_json::Value>| {
        line.clear();
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut line, &value);
        line.push(b'\n');
        let _ = out.write_all(&line);
    };
    for (key, tally) in &batch.rows {
        let row = Row {
            key: key.clone(),
            tally: *tally,
        };
        put(object(&row, &Style::EXPORT));
    }
    for (key, tally) in &batch.negatives {
        let row = NegativeRow {
            key: key.clone(),
            tally: *tally,
        };
        put(negative_object(&row, false));
    }
    out.finish().unwrap_or_default()
}

/// Reads a batch body back into rows, decompressing at most `max_bytes`.
pub fn decode(body: &[u8], max_bytes: u64) -> Result<Batch, BatchError> {
    let mut text = Vec::new();
    GzDecoder::new(body)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(BatchError::Gzip)?;
    if text.len() as u64 > max_bytes {
        return Err(BatchError::TooLarge { limit: max_bytes });
    }
    let mut batch = Batch::default();
    let mut memory = text
        .len()
        .saturating_mul(MEMORY_PER_BYTE)
        .saturating_add(MEMORY_SLACK);
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let number = index + 1;
        if line.len() > MAX_LINE_BYTES {
            return Err(BatchError::LineTooLong {
                line: number,
                bytes: line.len(),
                limit: MAX_LINE_BYTES,
            });
        }
        let line = std::str::from_utf8(line).map_err(|_| BatchError::NotUtf8 { line: number })?;
        let bad = |error| BatchError::Line {
            line: number,
            error,
        };
        if line.contains("\"rrname\"") {
            for row in parse_line_within(line, memory).map_err(bad)? {
                // The rows take at most `memory` in all.
                memory = memory.saturating_sub(row.size());
                let entry = row.into_entry().map_err(|error| BatchError::Key {
                    line: number,
                    error,
                })?;
                batch.rows.push(entry);
            }
        } else {
            let (key, tally) = parse_negative_line(line).map_err(bad)?;
            let size = key.qname.len() + ROW_BYTES;
            memory = memory.checked_sub(size).ok_or_else(|| {
                bad(CofError::TooLarge {
                    rows: 1,
                    limit: memory,
                })
            })?;
            batch.negatives.push((key, tally));
        }
    }
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hark_dns::RrType;
    use hark_record::TimeSpan;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        out.write_all(text).unwrap();
        out.finish().unwrap()
    }

    fn error(body: &[u8], max_bytes: u64) -> String {
        decode(body, max_bytes).expect_err("refused").to_string()
    }

    #[test]
    fn batch_ids_read_back() {
        let id = BatchId {
            epoch: 0xfeed_beef,
            seq: 42,
        };
        assert_eq!(id.header(), "00000000feedbeef-2a");
        assert_eq!(BatchId::parse(&id.header()), Some(id));
        assert_eq!(
            BatchId::parse(" 1-ff\r\n"),
            Some(BatchId { epoch: 1, seq: 255 })
        );
        assert_eq!(BatchId::parse("x-1"), None);
        assert_eq!(BatchId::parse("1-0"), None);
        assert_eq!(BatchId::parse("1"), None);
        assert_eq!(BatchId::parse("1-2-3"), None);
        assert_eq!(BatchId::parse("10000000000000000-1"), None);
    }

    /// Rows of several types, bailiwicks, sensor and zone times, and negative rows travel
    /// unchanged; the expected keys are written out by hand.
    #[test]
    fn rows_and_negatives_travel_unchanged() {
        let lines = concat!(
            r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":10,"time_last":20,"count":3,"bailiwick":"example.com."}"#,
            "\n",
            r#"{"rrname":"Example.com","rrtype":"MX","rdata":"10 Mail.Example.com.","zone_time_first":5,"zone_time_last":6,"count":1}"#,
            "\n\r\n",
            r#"{"rrname":"a.test.","rrtype":28,"rdata":["2001:db8::1","2001:db8::2"],"time_first":7,"time_last":8,"zone_time_first":1,"zone_time_last":2,"count":4,"bailiwick":"test."}"#,
            "\n",
            r#"{"rrname":"t.test.","rrtype":"TYPE65534","rdata":"\\# 2 0102","time_first":30,"count":9}"#,
            "\n",
            r#"{"qname":"nx.example.com.","qtype":"AAAA","rcode":"NXDOMAIN","time_first":11,"time_last":12,"count":2}"#,
            "\n",
            r#"{"qname":"example.com.","qtype":"TXT","rcode":"NODATA","count":1}"#,
        );
        let batch = decode(&gzip(lines.as_bytes()), 1 << 20).unwrap();
        let rows: Vec<_> = batch
            .rows
            .iter()
            .map(|(key, tally)| {
                let parts = key.parts();
                (
                    parts.rrname.to_vec(),
                    parts.rrtype,
                    parts.bailiwick.map(<[u8]>::to_vec),
                    parts.rdata.to_vec(),
                    *tally,
                )
            })
            .collect();
        let span = |first, last| Some(TimeSpan { first, last });
        let v6 = |last: u8| {
            let mut address = vec![0x20, 0x01, 0x0d, 0xb8];
            address.extend([0; 11]);
            address.push(last);
            address
        };
        let tally = |seen, zone_seen, count| hark_record::Tally {
            seen,
            zone_seen,
            count,
        };
        assert_eq!(
            rows,
            [
                (
                    b"\x03www\x07example\x03com\x00".to_vec(),
                    RrType::A,
                    Some(b"\x07example\x03com\x00".to_vec()),
                    vec![192, 0, 2, 1],
                    tally(span(10, 20), None, 3)
                ),
                (
                    b"\x07example\x03com\x00".to_vec(),
                    RrType::MX,
                    None,
                    b"\x00\x0a\x04mail\x07example\x03com\x00".to_vec(),
                    tally(None, span(5, 6), 1)
                ),
                (
                    b"\x01a\x04test\x00".to_vec(),
                    RrType::AAAA,
                    Some(b"\x04test\x00".to_vec()),
                    v6(1),
                    tally(span(7, 8), span(1, 2), 4)
                ),
                (
                    b"\x01a\x04test\x00".to_vec(),
                    RrType::AAAA,
                    Some(b"\x04test\x00".to_vec()),
                    v6(2),
                    tally(span(7, 8), span(1, 2), 4)
                ),
                (
                    b"\x01t\x04test\x00".to_vec(),
                    RrType(65534),
                    None,
                    vec![1, 2],
                    tally(span(30, 30), None, 9)
                ),
            ]
        );
        let negatives: Vec<_> = batch
            .negatives
            .iter()
            .map(|(key, tally)| (key.qname.to_vec(), key.qtype, key.rcode, *tally))
            .collect();
        assert_eq!(
            negatives,
            [
                (
                    b"\x02nx\x07example\x03com\x00".to_vec(),
                    RrType::AAAA,
                    3,
                    tally(span(11, 12), None, 2)
                ),
                (
                    b"\x07example\x03com\x00".to_vec(),
                    RrType::TXT,
                    0,
                    tally(None, None, 1)
                ),
            ]
        );
        let again = decode(&encode(&batch), 1 << 20).unwrap();
        assert_eq!(again.rows, batch.rows);
        assert_eq!(again.negatives, batch.negatives);
    }

    #[test]
    fn an_empty_batch_is_an_empty_body() {
        let batch = decode(&encode(&Batch::default()), 100).unwrap();
        assert!(batch.is_empty());
        assert!(decode(&gzip(b"\n \n"), 100).unwrap().is_empty());
    }

    #[test]
    fn decompression_stops_at_the_limit() {
        let spaces = gzip(&vec![b' '; 1 << 20]);
        assert!(spaces.len() < 10_000, "{} bytes", spaces.len());
        assert_eq!(
            error(&spaces, 1000),
            "the batch exceeds 1000 bytes once decompressed"
        );
        // Exactly at the limit is fine; one byte over is not.
        assert!(decode(&spaces, 1 << 20).unwrap().is_empty());
        assert_eq!(
            error(&spaces, (1 << 20) - 1),
            "the batch exceeds 1048575 bytes once decompressed"
        );
        assert_eq!(
            error(&gzip(b"\n"), 0),
            "the batch exceeds 0 bytes once decompressed"
        );
    }

    #[test]
    fn bodies_that_are_not_gzip_are_refused() {
        assert!(error(b"not gzip", 100).starts_with("the batch is not complete gzip: "));
        let whole = gzip(b"{\"qname\":\"a.\"}\n");
        let cut = &whole[..whole.len() - 4];
        assert!(error(cut, 100).starts_with("the batch is not complete gzip: "));
        let mut corrupt = whole.clone();
        let crc = corrupt.len() - 8;
        corrupt[crc] ^= 1;
        assert!(error(&corrupt, 100).starts_with("the batch is not complete gzip: "));
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        let good = r#"{"qname":"a.","qtype":"A","rcode":"NXDOMAIN","count":1}"#;
        let mut body = format!("{good}\n\n").into_bytes();
        body.extend(b"\xff\n");
        assert_eq!(error(&gzip(&body), 100), "line 3: not UTF-8");
        let mut latin1 = format!("{good}\n").into_bytes();
        latin1.extend(b"{\"qname\":\"caf\xe9.\"}");
        assert_eq!(error(&gzip(&latin1), 1000), "line 2: not UTF-8");
        assert_eq!(
            error(
                &gzip(br#"{"qname":"a.","qtype":"BOGUS","rcode":"NXDOMAIN","count":1}"#),
                1000
            ),
            "line 1: bad rrtype BOGUS"
        );
        assert_eq!(
            error(
                &gzip(br#"{"qname":"a.","qtype":"A","rcode":"YXDOMAIN!","count":1}"#),
                1000
            ),
            r#"line 1: bad rcode "YXDOMAIN!""#
        );
        assert_eq!(
            error(&gzip(br#"{"qname":"a.","qtype":"A"}"#), 1000),
            r#"line 1: missing field "rcode""#
        );
        let rdata = format!(
            "{good}\n{good}\n{}",
            r#"{"rrname":"a.","rrtype":"A","rdata":"1.2.3","time_first":1}"#
        );
        let message = error(&gzip(rdata.as_bytes()), 1000);
        assert!(
            message.starts_with(r#"line 3: bad A rdata "1.2.3": "#),
            "{message}"
        );
        assert_eq!(
            error(&gzip(b"{\"cond\":\"begin\"}"), 1000),
            "line 1: missing field \"qname\""
        );
    }

    /// An RRset line of many one-letter TXT rdata under a long owner name: 4 bytes of text per
    /// row, over 500 bytes of memory per row once built. Refused before the rows are built
    /// (a 1 MB line of these took 220 MB before).
    #[test]
    fn rows_may_not_take_more_memory_than_their_text_allows() {
        let owner = format!("{0}.{0}.{0}.{0}.", "a".repeat(60));
        let rdata = vec!["\"a\""; 20_000].join(",");
        let line = format!(
            r#"{{"rrname":"{owner}","bailiwick":"{owner}","rrtype":"TXT","rdata":[{rdata}],"time_first":1}}"#
        );
        let limit = (line.len() + 1) * MEMORY_PER_BYTE + MEMORY_SLACK;
        assert_eq!(
            error(&gzip(format!("{line}\n").as_bytes()), 1 << 20),
            format!("line 1: 20000 rows would take more than the {limit} bytes allowed")
        );
        // A few rows of the same line fit.
        let few = line.replace(&format!("[{rdata}]"), r#"["a","b"]"#);
        let batch = decode(&gzip(few.as_bytes()), 1 << 20).unwrap();
        assert_eq!(batch.rows.len(), 2);
    }

    #[test]
    fn lines_are_at_most_a_mebibyte() {
        let name = format!(
            r#"{{"qname":"{}.","qtype":"A","rcode":"NXDOMAIN","count":1}}"#,
            "a".repeat(60)
        );
        let padded = format!(
            "{name}\n{name}{}\n",
            " ".repeat(MAX_LINE_BYTES - name.len() + 1)
        );
        assert_eq!(
            error(&gzip(padded.as_bytes()), 4 << 20),
            format!(
                "line 2: {} bytes, over the 1048576-byte limit of a line",
                MAX_LINE_BYTES + 1
            )
        );
        let fits = format!(
            "{name}\n{name}{}\n",
            " ".repeat(MAX_LINE_BYTES - name.len())
        );
        assert_eq!(
            decode(&gzip(fits.as_bytes()), 4 << 20)
                .unwrap()
                .negatives
                .len(),
            2
        );
    }
}
