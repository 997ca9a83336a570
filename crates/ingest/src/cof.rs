//! Import of Passive DNS Common Output Format (COF) NDJSON: CIRCL pDNS output, `dnsdbq -j`
//! output, DNSDB SAF lines (`{"obj":{...}}`), and hark's own `export`.
//!
//! One JSON object a line. `rrname`, `rrtype` and `rdata` are required; `rrtype` may be a name
//! (`"AAAA"`, `"TYPE65534"`) or a number, `rdata` a string or an array of strings (an RRset:
//! each element becomes a row with the set's tally). Times are epoch seconds: `time_first` and
//! `time_last` (sensor), `zone_time_first` and `zone_time_last` (zone file); at least one pair
//! is needed. `count` defaults to 1; `bailiwick` is optional. SAF condition lines
//! (`{"cond":...}`) and blank lines are skipped silently; anything else malformed is a counted
//! skip under a named reason, and a line longer than the cap ([`DEFAULT_MAX_LINE`]) is skipped
//! without being held in memory. Errors repeat at most the first 80 characters of a bad value.
//!
//! [`CofSource`] is the [`Source`] that reads such a stream: one unit per line that gives rows.

use crate::aggregate::Observations;
use crate::source::{self, ChunkLimits, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_dns::{name, rdata, RrType};
use hark_record::{Checkpoint, KeyError, RrKey, RrKeyParts, SourceId, Tally, TimeSpan};
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
                text: clip(&text),
                reason: clip(&err.to_string()),
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

/// Longest COF line accepted by default: a line past it is skipped (counted as
/// `cof_line_too_long`) without being held in memory.
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

/// What reading one line found.
enum LineRead {
    /// A line (without its newline) is in the buffer.
    Line,
    /// A line longer than the cap was skipped; its length in bytes.
    TooLong(u64),
    /// End of input.
    End,
}

/// Reads one line into `buffer`, keeping at most `max` bytes: the rest of a longer line is
/// read and dropped, so memory stays bounded whatever the input.
fn read_capped_line(
    input: &mut dyn BufRead,
    buffer: &mut Vec<u8>,
    max: usize,
    consumed: &mut u64,
) -> std::io::Result<LineRead> {
    buffer.clear();
    let mut length: u64 = 0;
    let mut any = false;
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            break;
        }
        any = true;
        let (part, found_newline) = match available.iter().position(|&b| b == b'\n') {
            Some(at) => (available.get(..at).unwrap_or_default(), true),
            None => (available, false),
        };
        let room = max.saturating_sub(buffer.len());
        buffer.extend_from_slice(part.get(..part.len().min(room)).unwrap_or_default());
        length += part.len() as u64;
        let used = part.len() + usize::from(found_newline);
        input.consume(used);
        *consumed += used as u64;
        if found_newline {
            break;
        }
    }
    if !any {
        return Ok(LineRead::End);
    }
    if length > max as u64 {
        buffer.clear();
        return Ok(LineRead::TooLong(length));
    }
    Ok(LineRead::Line)
}

/// A COF NDJSON stream as a [`Source`]: one unit per line that gives rows.
pub struct CofSource {
    label: String,
    id: Option<SourceId>,
    path: Option<std::path::PathBuf>,
    size: Option<u64>,
    input: Box<dyn BufRead + Send>,
    max_line: usize,
    buffer: Vec<u8>,
    lines: u64,
    skips: Skips,
    bytes: u64,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl CofSource {
    /// Opens a COF file; its identity is the hash of its content.
    pub fn open(path: &std::path::Path) -> std::io::Result<CofSource> {
        let id = source::file_id(path)?;
        let file = std::fs::File::open(path)?;
        let size = file.metadata()?.len();
        let mut cof = CofSource::from_reader(
            Box::new(std::io::BufReader::with_capacity(1 << 20, file)),
            &path.display().to_string(),
        );
        cof.id = Some(id);
        cof.path = Some(path.to_path_buf());
        cof.size = Some(size);
        Ok(cof)
    }

    /// COF from any reader (standard input), with no identity.
    pub fn from_reader(input: Box<dyn BufRead + Send>, label: &str) -> CofSource {
        CofSource {
            label: label.to_string(),
            id: None,
            path: None,
            size: None,
            input,
            max_line: DEFAULT_MAX_LINE,
            buffer: Vec::new(),
            lines: 0,
            skips: Skips::default(),
            bytes: 0,
            ended: None,
            stopped: None,
        }
    }

    /// Sets the longest line accepted.
    pub fn with_max_line(mut self, bytes: usize) -> CofSource {
        self.max_line = bytes.max(1);
        self
    }

    fn skip(&mut self, err: &CofError) {
        if self.skips.total() < 10 {
            tracing::warn!(line = self.lines, error = %err, "skipping COF line");
        }
        self.skips.add(err.reason());
    }
}

impl Source for CofSource {
    fn label(&self) -> &str {
        &self.label
    }

    fn id(&self) -> Option<&SourceId> {
        self.id.as_ref()
    }

    fn options(&self) -> u64 {
        source::fingerprint(&[b"cof", &(self.max_line as u64).to_be_bytes()])
    }

    fn total_bytes(&self) -> Option<u64> {
        self.size
    }

    fn resume_from(&mut self, unfinished: &[Checkpoint]) -> Option<Checkpoint> {
        let (path, size) = (self.path.as_ref()?, self.size?);
        source::shorter_copy_of(path, size, self.options(), unfinished)
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            let mut buffer = std::mem::take(&mut self.buffer);
            let read =
                read_capped_line(&mut self.input, &mut buffer, self.max_line, &mut self.bytes);
            let outcome = match read {
                Ok(LineRead::End) => Some(Fill::End { complete: true }),
                Ok(LineRead::TooLong(length)) => {
                    self.lines += 1;
                    if self.skips.total() < 10 {
                        tracing::warn!(
                            line = self.lines,
                            bytes = length,
                            limit = self.max_line,
                            "skipping a COF line longer than the limit"
                        );
                    }
                    self.skips.add("cof_line_too_long");
                    None
                }
                Ok(LineRead::Line) => {
                    self.lines += 1;
                    let parsed = match std::str::from_utf8(&buffer) {
                        Ok(text) => parse_line(text),
                        Err(_) => Err(CofError::Json("line is not UTF-8".into())),
                    };
                    match parsed {
                        Ok(rows) if rows.is_empty() => {}
                        Ok(rows) => {
                            // Every row of a line shares the line's tally.
                            let tally = rows.first().map(|r| r.tally).unwrap_or_default();
                            let kept = chunk.push_rows(rows.iter().map(CofRow::parts), tally);
                            if kept < rows.len() {
                                self.skips.add_n("cof_bad_name", (rows.len() - kept) as u64);
                            }
                        }
                        Err(err) => self.skip(&err),
                    }
                    None
                }
                Err(err) => {
                    tracing::warn!(error = %err, "reading stopped; keeping what was read, the input stays unfinished");
                    self.skips.add("read_error");
                    self.stopped = Some(format!("cannot read {}: {err}", self.label));
                    Some(Fill::End { complete: false })
                }
            };
            self.buffer = buffer;
            if let Some(fill) = outcome {
                break fill;
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.bytes;
        if let Fill::End { complete } = fill {
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        SourceReport {
            messages: self.lines,
            skips: self.skips.clone(),
            bytes: self.bytes,
            stopped: self.stopped.clone(),
            ..SourceReport::default()
        }
    }
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

#[cfg(test)]
mod line_tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut reader = std::io::BufReader::with_capacity(4, input);
        let mut buffer = Vec::new();
        let mut consumed = 0;
        let mut out = Vec::new();
        loop {
            match read_capped_line(&mut reader, &mut buffer, max, &mut consumed).expect("reads") {
                LineRead::End => break,
                LineRead::TooLong(n) => out.push(format!("too long {n}")),
                LineRead::Line => out.push(String::from_utf8_lossy(&buffer).into_owned()),
            }
        }
        assert_eq!(consumed, input.len() as u64);
        out
    }

    #[test]
    fn lines_are_capped_without_being_held() {
        assert_eq!(lines(b"ab\ncdefgh\nij", 5), vec!["ab", "too long 6", "ij"]);
        assert_eq!(lines(b"abcde\n\n", 5), vec!["abcde", ""]);
        assert_eq!(lines(b"", 5), Vec::<String>::new());
    }

    #[test]
    fn bad_values_are_clipped_in_errors() {
        let long = "x".repeat(10_000);
        let line = format!(r#"{{"rrname":"a.","rrtype":"A","rdata":"{long}","time_first":1}}"#);
        let err = parse_line(&line).expect_err("bad rdata");
        assert!(err.to_string().len() < 300, "{err}");
        assert!(err.to_string().contains("10000 bytes"), "{err}");
    }
}
