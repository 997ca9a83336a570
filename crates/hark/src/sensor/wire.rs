//! The batch a sensor ships to its centre: gzip-compressed NDJSON, one COF object per RR row
//! (the `hark export` form: bailiwick, sensor and zone times, count) and one object per
//! negative row (`qname`, `qtype`, `rcode`, times, count). The rows are deltas: the centre
//! folds them in with the one merge rule, so counts add up across batches and sensors.
//!
//! A batch is named by its sensor's epoch (a random number drawn when the spool is created)
//! and a sequence number that only grows; the centre records, atomically with the rows, the
//! highest sequence it committed per (sensor, epoch), so a batch sent again is acknowledged
//! without being counted twice.

use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use hark_record::{Batch, NegativeKey, RrKey, Tally, TimeSpan};
use hark_store::{NegativeRow, Row};
use serde_json::Value;
use std::io::{Read, Write};

/// The header naming a batch: `EPOCH-SEQ`, both in hexadecimal.
pub const BATCH_HEADER: &str = "x-hark-batch";

/// The path of the centre's intake endpoint.
pub const INTAKE_PATH: &str = "/sensor/v1/batch";

/// A batch's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchId {
    /// The sensor spool's epoch.
    pub epoch: u64,
    /// The batch's sequence number in that epoch, from 1.
    pub seq: u64,
}

impl BatchId {
    /// The header value.
    pub fn header(&self) -> String {
        format!("{:016x}-{:x}", self.epoch, self.seq)
    }

    /// Parses a header value.
    pub fn parse(text: &str) -> Option<BatchId> {
        let (epoch, seq) = text.trim().split_once('-')?;
        let epoch = u64::from_str_radix(epoch, 16).ok()?;
        let seq = u64::from_str_radix(seq, 16).ok()?;
        (seq > 0).then_some(BatchId { epoch, seq })
    }
}

/// The rows of `batch` as a compressed batch body (its checkpoints are not shipped).
pub fn encode(batch: &Batch) -> Vec<u8> {
    let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut line = Vec::new();
    for (key, tally) in &batch.rows {
        let row = Row {
            key: key.clone(),
            tally: *tally,
        };
        line.clear();
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut line, &hark_cof::object(&row, &hark_cof::Style::EXPORT));
        line.push(b'\n');
        let _ = out.write_all(&line);
    }
    for (key, tally) in &batch.negatives {
        let row = NegativeRow {
            key: key.clone(),
            tally: *tally,
        };
        line.clear();
        let _ = serde_json::to_writer(&mut line, &hark_cof::negative_object(&row, false));
        line.push(b'\n');
        let _ = out.write_all(&line);
    }
    out.finish().unwrap_or_default()
}

/// Reads a batch body back into rows, decompressing at most `max_bytes`.
pub fn decode(body: &[u8], max_bytes: u64) -> anyhow::Result<Batch> {
    let mut text = Vec::new();
    GzDecoder::new(body)
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(|err| anyhow::anyhow!("the batch is not complete gzip: {err}"))?;
    if text.len() as u64 > max_bytes {
        anyhow::bail!("the batch exceeds {max_bytes} bytes once decompressed");
    }
    let mut batch = Batch::default();
    for (index, line) in text.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let bad = |what: String| anyhow::anyhow!("line {}: {what}", index + 1);
        let line = std::str::from_utf8(line).map_err(|_| bad("not UTF-8".into()))?;
        if line.contains("\"rrname\"") {
            let rows = hark_cof::parse_line(line).map_err(|err| bad(err.to_string()))?;
            for row in rows {
                let key = RrKey::new(&row.parts()).map_err(|err| bad(err.to_string()))?;
                batch.rows.push((key, row.tally));
            }
        } else {
            batch.negatives.push(negative(line).map_err(bad)?);
        }
    }
    Ok(batch)
}

/// One negative row's object.
fn negative(line: &str) -> Result<(NegativeKey, Tally), String> {
    let object: Value = serde_json::from_str(line).map_err(|err| err.to_string())?;
    let text = |field: &str| {
        object[field]
            .as_str()
            .ok_or_else(|| format!("no {field} string"))
    };
    let qname = hark_dns::name::from_presentation(&text("qname")?.to_ascii_lowercase())
        .map_err(|err| format!("qname: {err}"))?;
    let qtype = text("qtype")?
        .parse()
        .map_err(|_| "qtype: not a type".to_string())?;
    let rcode = hark_record::rcode::parse(text("rcode")?).ok_or("rcode: unknown")?;
    let time = |field: &str| object[field].as_i64();
    let seen = match (time("time_first"), time("time_last")) {
        (Some(first), Some(last)) if first <= last => Some(TimeSpan { first, last }),
        (None, None) => None,
        _ => return Err("time_first/time_last: not a span".into()),
    };
    let count = object["count"].as_u64().ok_or("count: not a number")?;
    Ok((
        NegativeKey {
            qname: qname.into_boxed_slice(),
            qtype,
            rcode,
        },
        Tally {
            seen,
            zone_seen: None,
            count,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_ids_read_back() {
        let id = BatchId {
            epoch: 0xfeed_beef,
            seq: 42,
        };
        assert_eq!(id.header(), "00000000feedbeef-2a");
        assert_eq!(BatchId::parse(&id.header()), Some(id));
        assert_eq!(BatchId::parse("x-1"), None);
        assert_eq!(BatchId::parse("1-0"), None);
        assert_eq!(BatchId::parse("1"), None);
    }

    #[test]
    fn hostile_bodies_are_refused() {
        let error = |body: &[u8], max| decode(body, max).unwrap_err().to_string();
        assert!(error(b"not gzip", 100).contains("not complete gzip"));
        let big = {
            let mut out = GzEncoder::new(Vec::new(), flate2::Compression::best());
            out.write_all(&vec![b' '; 1 << 20]).unwrap();
            out.finish().unwrap()
        };
        assert!(error(&big, 1000).contains("exceeds 1000 bytes"));
        let garbage = {
            let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            out.write_all(b"{\"qname\":\"a.\",\"qtype\":\"A\"}\n")
                .unwrap();
            out.finish().unwrap()
        };
        assert!(error(&garbage, 1000).starts_with("line 1: "));
    }

    #[test]
    fn rows_and_negatives_travel_unchanged() {
        let lines = concat!(
            r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":10,"time_last":20,"count":3,"bailiwick":"example.com."}"#,
            "\n",
            r#"{"qname":"nx.example.com.","qtype":"AAAA","rcode":"NXDOMAIN","time_first":11,"time_last":12,"count":2}"#,
            "\n"
        );
        let mut body = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        body.write_all(lines.as_bytes()).unwrap();
        let batch = decode(&body.finish().unwrap(), 1 << 20).unwrap();
        assert_eq!(batch.rows.len(), 1);
        assert_eq!(batch.negatives.len(), 1);
        let again = decode(&encode(&batch), 1 << 20).unwrap();
        assert_eq!(again.rows, batch.rows);
        assert_eq!(again.negatives, batch.negatives);
        let (key, tally) = &batch.negatives[0];
        assert_eq!(&*key.qname, b"\x02nx\x07example\x03com\x00");
        assert_eq!(key.rcode, 3);
        assert_eq!(tally.count, 2);
        assert_eq!(
            tally.seen,
            Some(TimeSpan {
                first: 11,
                last: 12
            })
        );
        let parts = batch.rows[0].0.parts();
        assert_eq!(parts.bailiwick, Some(&b"\x07example\x03com\x00"[..]));
        assert_eq!(parts.rdata, &[192, 0, 2, 1]);
        assert_eq!(batch.rows[0].1.count, 3);
    }
}
