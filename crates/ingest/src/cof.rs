//! Import of Passive DNS Common Output Format (COF) NDJSON as a [`Source`]: CIRCL pDNS output,
//! `dnsdbq -j` output, DNSDB SAF lines (`{"obj":{...}}`), and hark's own `export`.
//!
//! The format — which fields, which forms, which errors — is `hark-cof`'s
//! ([`hark_cof::read`]); this module streams it. [`CofSource`] reads one line at a time, one
//! unit per line that gives rows; a line longer than the cap ([`DEFAULT_MAX_LINE`]) is skipped
//! (counted as `cof_line_too_long`) without being held in memory, and a line `hark-cof` cannot
//! use is a counted skip under its [`hark_cof::CofError::reason`].

use crate::aggregate::Observations;
use crate::capture::input::Input;
use crate::gzip::ExpansionLimit;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_cof::{CofError, CofRow};
use std::io::BufRead;

/// The COF line parser, re-exported from [`hark_cof`] (where COF is read and written) for
/// callers that load COF lines next to a source, as the intel tests do.
pub use hark_cof::parse_line;

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
    file: FileInput,
    input: Box<dyn BufRead + Send>,
    max_line: usize,
    buffer: Vec<u8>,
    lines: u64,
    skips: Skips,
    bytes: u64,
    ended: Option<bool>,
    stopped: Option<String>,
    strict: bool,
}

impl CofSource {
    /// Opens a COF file, plain or gzip-compressed (decoded up to the default expansion limit,
    /// [`crate::gzip::ExpansionLimit`]); its identity is the hash of its content.
    pub fn open(path: &std::path::Path) -> std::io::Result<CofSource> {
        let input = FileInput::open(path)?;
        let file = std::fs::File::open(path)?;
        let data = Input::detect(Box::new(file), ExpansionLimit::default())?;
        let mut cof = CofSource::from_reader(
            Box::new(std::io::BufReader::with_capacity(1 << 20, data)),
            &input.label,
        );
        cof.file = input;
        Ok(cof)
    }

    /// COF from any reader (standard input), with no identity.
    pub fn from_reader(input: Box<dyn BufRead + Send>, label: &str) -> CofSource {
        CofSource {
            file: FileInput::unnamed(label),
            input,
            max_line: DEFAULT_MAX_LINE,
            buffer: Vec::new(),
            lines: 0,
            skips: Skips::default(),
            bytes: 0,
            ended: None,
            stopped: None,
            strict: false,
        }
    }

    /// Makes the first line that cannot be used stop the import (`--strict`): the source
    /// ends unfinished, naming the line.
    pub fn with_strict(mut self, strict: bool) -> CofSource {
        self.strict = strict;
        self
    }

    /// Sets the longest line accepted.
    pub fn with_max_line(mut self, bytes: usize) -> CofSource {
        self.max_line = bytes.max(1);
        self
    }

    fn skip(&mut self, err: &CofError) {
        if self.skips.total() < 10 {
            tracing::warn!(file = %self.file.label, line = self.lines, error = %err, "skipping COF line");
        }
        self.skips.add(err.reason());
    }
}

impl Source for CofSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        source::fingerprint(&[b"cof", &(self.max_line as u64).to_be_bytes()])
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
                    self.stopped = Some(format!("cannot read {}: {err}", self.file.label));
                    Some(Fill::End { complete: false })
                }
            };
            self.buffer = buffer;
            if let Some(fill) = outcome {
                break fill;
            }
            if self.strict && self.skips.total() > 0 {
                let reasons: Vec<&str> = self.skips.iter().map(|(reason, _)| reason).collect();
                self.stopped = Some(format!(
                    "{}:{}: line cannot be used ({}; --strict)",
                    self.file.label,
                    self.lines,
                    reasons.join(",")
                ));
                break Fill::End { complete: false };
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
    fn a_gzip_file_reads_as_its_plain_copy() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        let text = concat!(
            "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\",",
            "\"time_first\":1700000000,\"time_last\":1700000100,\"count\":3}\n",
            "not json\n",
        );
        let plain = dir.path().join("rows.json");
        std::fs::write(&plain, text).expect("writes");
        let packed = dir.path().join("rows.json.gz");
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(&packed).expect("creates"),
            flate2::Compression::default(),
        );
        encoder.write_all(text.as_bytes()).expect("compresses");
        encoder.finish().expect("finishes");
        let read = |path: &std::path::Path| {
            let mut source = CofSource::open(path).expect("opens");
            let mut chunk = Observations::default();
            let fill = source.fill(&mut chunk, &ChunkLimits::default());
            assert!(matches!(fill, Fill::End { complete: true }), "{fill:?}");
            (chunk.len(), source.report().skips.total())
        };
        assert_eq!(read(&packed), read(&plain));
        assert_eq!(read(&plain), (1, 1));
    }

    #[test]
    fn lines_are_capped_without_being_held() {
        assert_eq!(lines(b"ab\ncdefgh\nij", 5), vec!["ab", "too long 6", "ij"]);
        assert_eq!(lines(b"abcde\n\n", 5), vec!["abcde", ""]);
        assert_eq!(lines(b"", 5), Vec::<String>::new());
    }
}
