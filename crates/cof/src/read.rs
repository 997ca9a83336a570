//! Reading COF: one JSON object (one NDJSON line) into rows.
//!
//! Accepted: CIRCL pDNS output, `dnsdbq -j` output, DNSDB SAF lines (`{"obj":{...}}`), and
//! everything [`write`](mod@crate::write) produces in any [`crate::Style`].
//!
//! - `rrname`, `rrtype` and `rdata` are required. `rrtype` may be a name (`"AAAA"`,
//!   `"TYPE65534"`) or a number; `rdata` a string or an array of strings (an RRset: each
//!   element becomes a row with the set's tally).
//! - Times are epoch seconds or RFC 3339 strings (`"2023-11-14T22:13:20Z"`, as DNSDB's
//!   `humantime` gives them): `time_first` and `time_last` (sensor), `zone_time_first` and
//!   `zone_time_last` (zone file). At least one pair is needed; one time of a pair alone is a
//!   span of one second.
//! - `count` defaults to 1; `bailiwick` is optional; other fields (`origin`, `sensor_id`...)
//!   are ignored.
//! - SAF condition lines (`{"cond":...}`) and blank lines give no rows and no error.
//!
//! Negative rows (NXDOMAIN/NODATA) have their own object, as
//! [`negative_object`](crate::write::negative_object) writes it and [`parse_negative_line`]
//! reads it: `qname`, `qtype` and `rcode` strings, `count`, and optionally
//! `time_first`/`time_last` in epoch seconds (both or neither, first not after last).
//!
//! Anything else malformed is a [`CofError`] with a stable [`CofError::reason`], and an error
//! repeats at most the first 80 characters of a bad value, so a hostile line cannot make a
//! huge message.

use hark_dns::{name, rdata, RrType};
use hark_record::{KeyError, NegativeKey, RrKey, RrKeyParts, Tally, TimeSpan};
use serde::Deserialize;

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
    /// A time is a string that is not an RFC 3339 time.
    #[error("bad {field} {text:?}: neither epoch seconds nor an RFC 3339 time")]
    Time {
        /// The field (`time_first`...).
        field: &'static str,
        /// The text given.
        text: String,
    },
    /// Neither `time_first`/`time_last` nor `zone_time_first`/`zone_time_last`.
    #[error("no time_first/time_last or zone_time_first/zone_time_last pair")]
    NoTimes,
    /// A meta type (OPT, TSIG, TKEY...) that is never a row.
    #[error("{0} records are never stored")]
    MetaType(String),
    /// A negative row's `rcode` is neither a mnemonic (`NXDOMAIN`, `NODATA`...) nor a number
    /// 0–65535 (`RCODEnnn`).
    #[error("bad rcode {0:?}")]
    Rcode(String),
    /// The rows of a line would take more memory than the reader allows
    /// ([`parse_line_within`]).
    #[error("{rows} rows would take more than the {limit} bytes allowed")]
    TooLarge {
        /// Rows the line stands for (its rdata).
        rows: usize,
        /// What the reader allows ([`CofRow::size`] summed over the rows).
        limit: usize,
    },
    /// A negative row's `time_first`/`time_last` are one without the other, or run backwards.
    #[error("time_first {first:?} and time_last {last:?} are not a span")]
    Span {
        /// `time_first`, when given.
        first: Option<i64>,
        /// `time_last`, when given.
        last: Option<i64>,
    },
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
            CofError::Time { .. } => "cof_bad_time",
            CofError::NoTimes => "cof_no_times",
            CofError::MetaType(_) => "cof_meta_type",
            CofError::TooLarge { .. } => "cof_too_large",
            CofError::Rcode(_) => "cof_bad_rcode",
            CofError::Span { .. } => "cof_bad_span",
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

/// A time as COF gives it: epoch seconds, or an RFC 3339 string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Time {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
struct Line {
    rrname: Option<String>,
    rrtype: Option<TextOrNumber>,
    rdata: Option<OneOrMany>,
    bailiwick: Option<String>,
    time_first: Option<Time>,
    time_last: Option<Time>,
    zone_time_first: Option<Time>,
    zone_time_last: Option<Time>,
    count: Option<u64>,
    obj: Option<Box<Line>>,
    cond: Option<String>,
}

/// A negative row's object: every field a string or a number of the right kind.
#[derive(Deserialize)]
struct NegativeLine {
    qname: Option<String>,
    qtype: Option<String>,
    rcode: Option<String>,
    time_first: Option<i64>,
    time_last: Option<i64>,
    count: Option<u64>,
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

    /// The memory the row takes, in a `CofRow` or as a batch entry: its names and rdata and
    /// [`ROW_BYTES`].
    pub fn size(&self) -> usize {
        self.rrname.len()
            + self.bailiwick.as_ref().map_or(0, Vec::len)
            + self.rdata.len()
            + ROW_BYTES
    }

    /// The row as a batch entry: its packed key and tally.
    pub fn into_entry(self) -> Result<(RrKey, Tally), KeyError> {
        Ok((RrKey::new(&self.parts())?, self.tally))
    }
}

/// The memory a row takes besides its names and rdata, as [`CofRow::size`] counts it: the
/// tally, the headers of its buffers and the allocator's share.
pub const ROW_BYTES: usize = 96;

/// At most this many characters of a bad value are repeated in an error.
const ECHO_CHARS: usize = 80;

/// A bad value as errors repeat it: whole when short, else its start and its length.
fn clip(text: &str) -> String {
    if text.chars().count() <= ECHO_CHARS {
        return text.to_string();
    }
    let start: String = text.chars().take(ECHO_CHARS).collect();
    format!("{start}… ({} bytes)", text.len())
}

fn parse_name(text: &str) -> Result<Vec<u8>, CofError> {
    name::from_presentation(text).map_err(|err| CofError::Name {
        text: clip(text),
        reason: clip(&err.to_string()),
    })
}

/// Epoch seconds of a time field, if present.
fn seconds(field: &'static str, time: Option<Time>) -> Result<Option<i64>, CofError> {
    match time {
        None => Ok(None),
        Some(Time::Seconds(seconds)) => Ok(Some(seconds)),
        Some(Time::Text(text)) => match text.trim().parse::<jiff::Timestamp>() {
            Ok(timestamp) => Ok(Some(timestamp.as_second())),
            Err(_) => Err(CofError::Time {
                field,
                text: clip(&text),
            }),
        },
    }
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

/// Parses one COF line (one JSON object) into its rows: several when `rdata` is an array.
/// A blank line or a SAF condition line gives no rows and no error.
pub fn parse_line(text: &str) -> Result<Vec<CofRow>, CofError> {
    parse_line_within(text, usize::MAX)
}

/// [`parse_line`], refusing a line whose rows would take more than `max_bytes`
/// ([`CofRow::size`] each) as soon as it knows: every row of an `rdata` array repeats the
/// owner name and bailiwick, so a line of a few bytes per rdata can stand for rows of
/// hundreds of bytes each. The rows it gives take at most `max_bytes`.
pub fn parse_line_within(text: &str, max_bytes: usize) -> Result<Vec<CofRow>, CofError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut line: Line =
        serde_json::from_str(text).map_err(|err| CofError::Json(clip(&err.to_string())))?;
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
        TextOrNumber::Text(t) => t
            .parse::<RrType>()
            .map_err(|_| CofError::RrType(clip(&t)))?,
    };
    if rrtype.is_meta() {
        return Err(CofError::MetaType(rrtype.to_string()));
    }
    let bailiwick = line.bailiwick.as_deref().map(parse_name).transpose()?;
    let tally = Tally {
        seen: span(
            seconds("time_first", line.time_first)?,
            seconds("time_last", line.time_last)?,
        ),
        zone_seen: span(
            seconds("zone_time_first", line.zone_time_first)?,
            seconds("zone_time_last", line.zone_time_last)?,
        ),
        count: line.count.unwrap_or(1),
    };
    if tally.seen.is_none() && tally.zone_seen.is_none() {
        return Err(CofError::NoTimes);
    }
    let texts = match line.rdata.ok_or(CofError::Missing("rdata"))? {
        OneOrMany::One(t) => vec![t],
        OneOrMany::Many(v) => v,
    };
    let shared = rrname.len() + bailiwick.as_ref().map_or(0, Vec::len) + ROW_BYTES;
    let too_large = CofError::TooLarge {
        rows: texts.len(),
        limit: max_bytes,
    };
    // The rows' names alone are too much: refused before any rdata is read.
    if texts.len().saturating_mul(shared) > max_bytes {
        return Err(too_large);
    }
    let mut rows = Vec::with_capacity(texts.len());
    let mut bytes = 0usize;
    for text in texts {
        let wire = rdata::from_presentation(rrtype, &text).map_err(|err| CofError::Rdata {
            rrtype: rrtype.to_string(),
            text: clip(&text),
            reason: clip(&err.to_string()),
        })?;
        bytes = bytes.saturating_add(shared + wire.len());
        if bytes > max_bytes {
            return Err(too_large);
        }
        rows.push(CofRow {
            rrname: rrname.clone(),
            rrtype,
            bailiwick: bailiwick.clone(),
            rdata: wire,
            tally,
        });
    }
    Ok(rows)
}

/// Parses one negative row's object (as [`negative_object`](crate::write::negative_object)
/// writes it with epoch times) into its key and tally. Unlike RR lines, every field but the
/// times is required, and the times are epoch seconds.
pub fn parse_negative_line(text: &str) -> Result<(NegativeKey, Tally), CofError> {
    let line: NegativeLine =
        serde_json::from_str(text.trim()).map_err(|err| CofError::Json(clip(&err.to_string())))?;
    let qname = parse_name(line.qname.as_deref().ok_or(CofError::Missing("qname"))?)?;
    let qtype = line.qtype.ok_or(CofError::Missing("qtype"))?;
    let qtype = qtype
        .parse::<RrType>()
        .map_err(|_| CofError::RrType(clip(&qtype)))?;
    let rcode = line.rcode.ok_or(CofError::Missing("rcode"))?;
    let rcode = hark_record::rcode::parse(&rcode).ok_or_else(|| CofError::Rcode(clip(&rcode)))?;
    let seen = match (line.time_first, line.time_last) {
        (Some(first), Some(last)) if first <= last => Some(TimeSpan { first, last }),
        (None, None) => None,
        (first, last) => return Err(CofError::Span { first, last }),
    };
    let count = line.count.ok_or(CofError::Missing("count"))?;
    let key = NegativeKey {
        qname: qname.into_boxed_slice(),
        qtype,
        rcode,
    };
    let tally = Tally {
        seen,
        zone_seen: None,
        count,
    };
    Ok((key, tally))
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
    fn rfc3339_times_read_as_epoch_seconds() {
        let rows = parse_line(r#"{"rrname":"a.","rrtype":"A","rdata":"192.0.2.1","time_first":"2023-11-14T22:13:20Z","time_last":"2023-11-14T23:15:00+01:00"}"#)
            .expect("parses");
        assert_eq!(
            rows[0].tally.seen,
            Some(TimeSpan {
                first: 1_700_000_000,
                last: 1_700_000_100
            })
        );
        let err = parse_line(
            r#"{"rrname":"a.","rrtype":"A","rdata":"192.0.2.1","time_first":"yesterday"}"#,
        )
        .expect_err("not a time");
        assert_eq!(err.reason(), "cof_bad_time");
        assert_eq!(
            err.to_string(),
            r#"bad time_first "yesterday": neither epoch seconds nor an RFC 3339 time"#
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
        assert_eq!(
            reason(r#"{"rrname":"a.","rrtype":"A","rdata":"1.2.3.4","time_first":1.5}"#),
            Err("cof_bad_json")
        );
    }

    #[test]
    fn bad_values_are_clipped_in_errors() {
        let long = "x".repeat(10_000);
        let line = format!(r#"{{"rrname":"a.","rrtype":"A","rdata":"{long}","time_first":1}}"#);
        let err = parse_line(&line).expect_err("bad rdata");
        assert!(err.to_string().len() < 300, "{err}");
        assert!(err.to_string().contains("10000 bytes"), "{err}");
        let line =
            format!(r#"{{"rrname":"a.","rrtype":"A","rdata":"1.2.3.4","time_first":"{long}"}}"#);
        let err = parse_line(&line).expect_err("bad time");
        assert!(err.to_string().len() < 300, "{err}");
    }

    #[test]
    fn negative_lines_read_as_written() {
        let (key, tally) = parse_negative_line(
            r#"{"qname":"NX.Example.com.","qtype":"AAAA","rcode":"NXDOMAIN","time_first":11,"time_last":12,"count":2}"#,
        )
        .expect("parses");
        assert_eq!(&*key.qname, b"\x02nx\x07example\x03com\x00");
        assert_eq!(key.qtype, RrType::AAAA);
        assert_eq!(key.rcode, 3);
        assert_eq!(
            tally.seen,
            Some(TimeSpan {
                first: 11,
                last: 12
            })
        );
        assert_eq!(tally.zone_seen, None);
        assert_eq!(tally.count, 2);
        let (key, tally) =
            parse_negative_line(r#"{"qname":"a.","qtype":"TYPE65534","rcode":"NODATA","count":0}"#)
                .expect("no times");
        assert_eq!((key.qtype, key.rcode), (RrType(65534), 0));
        assert_eq!(tally.seen, None);
    }

    #[test]
    fn bad_negative_lines_are_named_errors() {
        let error = |line: &str| {
            let err = parse_negative_line(line).expect_err(line);
            (err.reason(), err.to_string())
        };
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"BOGUS","rcode":"NXDOMAIN","count":1}"#),
            ("cof_bad_rrtype", "bad rrtype BOGUS".into())
        );
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"A","rcode":"NOPE","count":1}"#),
            ("cof_bad_rcode", r#"bad rcode "NOPE""#.into())
        );
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"A","rcode":"RCODE65536","count":1}"#),
            ("cof_bad_rcode", r#"bad rcode "RCODE65536""#.into())
        );
        assert_eq!(
            error(
                r#"{"qname":"a.","qtype":"A","rcode":"NXDOMAIN","time_first":2,"time_last":1,"count":1}"#
            ),
            (
                "cof_bad_span",
                "time_first Some(2) and time_last Some(1) are not a span".into()
            )
        );
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"A","rcode":"NXDOMAIN","time_last":1,"count":1}"#).0,
            "cof_bad_span"
        );
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"A","rcode":"NXDOMAIN"}"#),
            ("cof_missing_field", r#"missing field "count""#.into())
        );
        assert_eq!(
            error(r#"{"qname":"a..b","qtype":"A","rcode":"NXDOMAIN","count":1}"#).0,
            "cof_bad_name"
        );
        // A time that is not epoch seconds is refused, not dropped.
        assert_eq!(
            error(r#"{"qname":"a.","qtype":"A","rcode":"NXDOMAIN","time_first":1.5,"time_last":2,"count":1}"#).0,
            "cof_bad_json"
        );
        assert_eq!(error("[1]").0, "cof_bad_json");
    }

    #[test]
    fn rows_of_an_rdata_array_are_weighed_before_they_are_built() {
        let owner = format!("{}.example.", "a".repeat(60));
        let line = format!(
            r#"{{"rrname":"{owner}","bailiwick":"example.","rrtype":"TXT","rdata":["a","bc","def"],"time_first":1}}"#
        );
        // Each row: owner 70 wire bytes, bailiwick 9, ROW_BYTES, and its rdata: 2, 3 and 4
        // wire bytes.
        let bytes = 3 * (70 + 9 + ROW_BYTES) + 9;
        let rows = parse_line_within(&line, bytes).expect("at the limit");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.iter().map(CofRow::size).sum::<usize>(), bytes);
        for limit in [bytes - 1, 3 * (70 + 9 + ROW_BYTES) - 1, 0] {
            let err = parse_line_within(&line, limit).expect_err("over the limit");
            assert_eq!(err.reason(), "cof_too_large");
            assert_eq!(
                err.to_string(),
                format!("3 rows would take more than the {limit} bytes allowed")
            );
        }
    }
}
