//! Import of Passive DNS Common Output Format (COF) NDJSON: CIRCL pDNS output, `dnsdbq -j`
//! output, DNSDB SAF lines (`{"obj":{...}}`), and hark's own `export`.
//!
//! One JSON object a line. `rrname`, `rrtype` and `rdata` are required; `rrtype` may be a name
//! (`"AAAA"`, `"TYPE65534"`) or a number, `rdata` a string or an array of strings (an RRset:
//! each element becomes a row with the set's tally). Times are epoch seconds: `time_first` and
//! `time_last` (sensor), `zone_time_first` and `zone_time_last` (zone file); at least one pair
//! is needed. `count` defaults to 1; `bailiwick` is optional. SAF condition lines
//! (`{"cond":...}`) and blank lines are skipped silently; anything else malformed is a counted
//! skip under a named reason.

use crate::aggregate::Aggregator;
use crate::stats::Skips;
use hark_dns::{name, rdata, RrType};
use hark_record::{Batch, KeyError, RrKey, RrKeyParts, Tally, TimeSpan};
use serde::Deserialize;
use std::io::BufRead;

/// A COF line that could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CofError {
    /// Not a JSON object of the expected shape.
    #[error("not a COF JSON object: {0}")]
    Json(String),
    /// A required field is absent.
    #[error("missing field {0:?}")]
    Missing(&'static str),
    /// `rrname` or `bailiwick` is not a domain name.
    #[error("bad name {text:?}: {reason}")]
    Name {
        /// The text given.
        text: String,
        /// Why it is not a name.
        reason: String,
    },
    /// `rrtype` is neither a known mnemonic, `TYPEnnn`, nor a number 0–65535.
    #[error("bad rrtype {0}")]
    RrType(String),
    /// `rdata` does not parse as that type's presentation format.
    #[error("bad {rrtype} rdata {text:?}: {reason}")]
    Rdata {
        /// The record type.
        rrtype: String,
        /// The text given.
        text: String,
        /// Why it does not parse.
        reason: String,
    },
    /// Neither `time_first`/`time_last` nor `zone_time_first`/`zone_time_last`.
    #[error("no time_first/time_last or zone_time_first/zone_time_last pair")]
    NoTimes,
    /// A meta type (OPT, TSIG, TKEY...) that is never a row.
    #[error("{0} records are never stored")]
    MetaType(String),
}

impl CofError {
    /// The skip-counter name of this error.
    pub fn reason(&self) -> &'static str {
        match self {
            CofError::Json(_) => "cof_bad_json",
            CofError::Missing(_) => "cof_missing_field",
            CofError::Name { .. } => "cof_bad_name",
            CofError::RrType(_) => "cof_bad_rrtype",
            CofError::Rdata { .. } => "cof_bad_rdata",
            CofError::NoTimes => "cof_no_times",
            CofError::MetaType(_) => "cof_meta_type",
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TextOrNumber {
    Text(String),
    Number(u64),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
struct Line {
    rrname: Option<String>,
    rrtype: Option<TextOrNumber>,
    rdata: Option<OneOrMany>,
    bailiwick: Option<String>,
    time_first: Option<i64>,
    time_last: Option<i64>,
    zone_time_first: Option<i64>,
    zone_time_last: Option<i64>,
    count: Option<u64>,
    obj: Option<Box<Line>>,
    cond: Option<String>,
}

/// One row read from COF: canonical names and rdata, and its tally.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CofRow {
    /// Owner name, canonical wire.
    pub rrname: Vec<u8>,
    /// Record type.
    pub rrtype: RrType,
    /// Bailiwick, canonical wire, when given.
    pub bailiwick: Option<Vec<u8>>,
    /// Canonical rdata.
    pub rdata: Vec<u8>,
    /// Times and count.
    pub tally: Tally,
}

impl CofRow {
    /// The row's key fields, borrowed.
    pub fn parts(&self) -> RrKeyParts<'_> {
        RrKeyParts {
            rrname: &self.rrname,
            rrtype: self.rrtype,
            bailiwick: self.bailiwick.as_deref(),
            rdata: &self.rdata,
        }
    }

    /// The row as a batch entry: its packed key and tally.
    pub fn into_entry(self) -> Result<(RrKey, Tally), KeyError> {
        Ok((RrKey::new(&self.parts())?, self.tally))
    }
}

fn parse_name(text: &str) -> Result<Vec<u8>, CofError> {
    name::from_presentation(text).map_err(|err| CofError::Name {
        text: text.to_string(),
        reason: err.to_string(),
    })
}

fn span(first: Option<i64>, last: Option<i64>) -> Option<TimeSpan> {
    match (first, last) {
        (Some(a), Some(b)) => Some(TimeSpan {
            first: a.min(b),
            last: a.max(b),
        }),
        (Some(t), None) | (None, Some(t)) => Some(TimeSpan::at(t)),
        (None, None) => None,
    }
}

/// Parses one COF line into its rows (several when `rdata` is an array). A blank line or a SAF
/// condition line gives no rows and no error.
pub fn parse_line(text: &str) -> Result<Vec<CofRow>, CofError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut line: Line =
        serde_json::from_str(text).map_err(|err| CofError::Json(err.to_string()))?;
    if let Some(obj) = line.obj.take() {
        line = *obj;
    } else if line.cond.is_some() {
        return Ok(Vec::new());
    }
    let rrname = parse_name(line.rrname.as_deref().ok_or(CofError::Missing("rrname"))?)?;
    let rrtype = match line.rrtype.ok_or(CofError::Missing("rrtype"))? {
        TextOrNumber::Number(n) => {
            RrType(u16::try_from(n).map_err(|_| CofError::RrType(n.to_string()))?)
        }
        TextOrNumber::Text(t) => t.parse::<RrType>().map_err(|_| CofError::RrType(t))?,
    };
    if rrtype.is_meta() {
        return Err(CofError::MetaType(rrtype.to_string()));
    }
    let bailiwick = line.bailiwick.as_deref().map(parse_name).transpose()?;
    let tally = Tally {
        seen: span(line.time_first, line.time_last),
        zone_seen: span(line.zone_time_first, line.zone_time_last),
        count: line.count.unwrap_or(1),
    };
    if tally.seen.is_none() && tally.zone_seen.is_none() {
        return Err(CofError::NoTimes);
    }
    let texts = match line.rdata.ok_or(CofError::Missing("rdata"))? {
        OneOrMany::One(t) => vec![t],
        OneOrMany::Many(v) => v,
    };
    texts
        .into_iter()
        .map(|text| {
            let wire = rdata::from_presentation(rrtype, &text).map_err(|err| CofError::Rdata {
                rrtype: rrtype.to_string(),
                text: text.clone(),
                reason: err.to_string(),
            })?;
            Ok(CofRow {
                rrname: rrname.clone(),
                rrtype,
                bailiwick: bailiwick.clone(),
                rdata: wire,
                tally,
            })
        })
        .collect()
}

/// What importing one COF stream did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    /// Lines read.
    pub lines: u64,
    /// Rows read (an rdata array gives several).
    pub rows: u64,
    /// Lines skipped, by reason.
    pub skips: Skips,
    /// Bytes read.
    pub bytes: u64,
}

/// Reads COF NDJSON from `input`, merging rows with the cache rule and handing batches to
/// `sink`; `file` (content hash, note) rides on the last batch.
pub fn import_cof<E: std::error::Error + 'static>(
    input: &mut dyn BufRead,
    cache_bytes: usize,
    file: Option<(Vec<u8>, String)>,
    sink: &mut dyn FnMut(Batch) -> Result<(), E>,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ImportError<E>> {
    let mut cache = Aggregator::new(cache_bytes);
    let mut report = ImportReport::default();
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .map_err(ImportError::Read)?;
        if read == 0 {
            break;
        }
        report.lines += 1;
        report.bytes += read as u64;
        let parsed = match std::str::from_utf8(&buffer) {
            Ok(text) => parse_line(text),
            Err(_) => Err(CofError::Json("line is not UTF-8".into())),
        };
        match parsed {
            Ok(rows) => {
                for row in rows {
                    match cache.add_row(&row.parts(), &row.tally) {
                        Ok(()) => report.rows += 1,
                        Err(_) => report.skips.add("cof_bad_name"),
                    }
                }
            }
            Err(err) => {
                if report.skips.total() < 10 {
                    tracing::warn!(line = report.lines, error = %err, "skipping COF line");
                }
                report.skips.add(err.reason());
            }
        }
        if cache.is_full() {
            sink(cache.take_batch()).map_err(ImportError::Sink)?;
        }
        if report.lines % 65_536 == 0 {
            progress(report.bytes);
        }
    }
    let mut last = cache.take_batch();
    last.files.extend(file);
    if !last.is_empty() {
        sink(last).map_err(ImportError::Sink)?;
    }
    progress(report.bytes);
    Ok(report)
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError<E: std::error::Error + 'static> {
    /// Reading the input failed.
    #[error("reading the input failed")]
    Read(#[source] std::io::Error),
    /// The sink (the store) failed; rows already handed over stay stored.
    #[error("storing rows failed")]
    Sink(#[source] E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circl_line_with_string_rdata() {
        let rows = parse_line(r#"{"count": 5, "time_first": 1696798385, "time_last": 1696898385, "rrtype": "A", "rrname": "circl.lu", "rdata": "185.194.93.14", "origin": "x"}"#).expect("parses");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rrname, b"\x05circl\x02lu\x00");
        assert_eq!(rows[0].rdata, [185, 194, 93, 14]);
        assert_eq!(rows[0].tally.count, 5);
        assert_eq!(
            rows[0].tally.seen,
            Some(TimeSpan {
                first: 1696798385,
                last: 1696898385
            })
        );
    }

    #[test]
    fn saf_line_with_rdata_array_and_numeric_type() {
        let rows = parse_line(r#"{"obj":{"count":2,"time_first":10,"time_last":20,"rrname":"Example.COM.","rrtype":28,"bailiwick":"com.","rdata":["2001:db8::1","2001:db8::2"]}}"#).expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].rrtype, RrType::AAAA);
        assert_eq!(rows[1].rrname, b"\x07example\x03com\x00");
        assert_eq!(rows[1].bailiwick.as_deref(), Some(&b"\x03com\x00"[..]));
    }

    #[test]
    fn zone_times_alone_are_enough() {
        let rows = parse_line(
            r#"{"rrname":"a.","rrtype":"NS","rdata":"b.","zone_time_first":1,"zone_time_last":2}"#,
        )
        .expect("parses");
        assert_eq!(rows[0].tally.seen, None);
        assert_eq!(
            rows[0].tally.zone_seen,
            Some(TimeSpan { first: 1, last: 2 })
        );
    }

    #[test]
    fn conditions_and_blank_lines_are_silent() {
        assert_eq!(parse_line(r#"{"cond":"begin"}"#), Ok(vec![]));
        assert_eq!(parse_line("   "), Ok(vec![]));
    }

    #[test]
    fn garbage_is_a_named_error() {
        let reason = |line: &str| parse_line(line).map(|_| ()).map_err(|e| e.reason());
        assert_eq!(reason("{not json"), Err("cof_bad_json"));
        assert_eq!(reason("[1,2]"), Err("cof_bad_json"));
        assert_eq!(
            reason(r#"{"rrtype":"A","rdata":"1.2.3.4","time_first":1}"#),
            Err("cof_missing_field")
        );
        assert_eq!(
            reason(r#"{"rrname":"a.","rrtype":"BOGUS","rdata":"x","time_first":1}"#),
            Err("cof_bad_rrtype")
        );
        assert_eq!(
            reason(r#"{"rrname":"a.","rrtype":"A","rdata":"1.2.3","time_first":1}"#),
            Err("cof_bad_rdata")
        );
        assert_eq!(
            reason(r#"{"rrname":"a.","rrtype":"A","rdata":"1.2.3.4"}"#),
            Err("cof_no_times")
        );
        assert_eq!(
            reason(r#"{"rrname":"a.","rrtype":"OPT","rdata":"","time_first":1}"#),
            Err("cof_meta_type")
        );
        assert_eq!(
            reason(r#"{"rrname":"a..b","rrtype":"A","rdata":"1.2.3.4","time_first":1}"#),
            Err("cof_bad_name")
        );
    }
}
