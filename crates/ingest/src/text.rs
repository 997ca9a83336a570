//! What every line-based import shares: opening a file (plain or gzip), reading it one capped
//! line at a time with line numbers, and skips that name the file and the line.
//!
//! [`LineInput`] never holds more than its cap of one line: the rest of a longer line is read
//! and dropped. [`SkipLog`] counts a skip under its named reason, logs the first few with
//! file and line, and in strict mode ([`SkipLog::strict`]) turns the first one into the
//! reason the source stops: the import then ends unfinished, keeping what came before it.
//! [`LineSource`] is a whole line-based import as a [`Source`], given a [`LineFormat`] (Zeek,
//! EVE, passivedns); [`detect`] recognises a text import from its first line.

use crate::aggregate::Observations;
use crate::capture::input::Input;
use crate::gzip::ExpansionLimit;
use crate::source::{ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use std::io::BufRead;
use std::path::Path;

/// Longest line accepted by default by text imports.
pub const DEFAULT_MAX_LINE: usize = 1024 * 1024;

/// How many skips are logged (the rest are only counted).
const LOGGED_SKIPS: u64 = 5;

/// Opens a file for a text import: plain, or gzip (detected by its magic) decoded up to the
/// default expansion limit.
pub fn open_text(path: &Path) -> std::io::Result<Box<dyn BufRead + Send>> {
    let file = std::fs::File::open(path)?;
    let data = Input::detect(Box::new(file), ExpansionLimit::default())?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, data)))
}

/// What reading one line found.
#[derive(Debug)]
pub enum LineRead {
    /// A line (without its newline, and without a `\r` before it) is in [`LineInput::line`].
    Line,
    /// A line longer than the cap was skipped; its length in bytes.
    TooLong(u64),
    /// End of input.
    End,
}

/// Lines of a text input, capped, numbered from 1.
pub struct LineInput {
    input: Box<dyn BufRead + Send>,
    max_line: usize,
    buffer: Vec<u8>,
    /// The number of the last line read (1 for the first).
    pub number: u64,
    /// Bytes consumed (of the decoded text).
    pub bytes: u64,
    /// The last line read ended at the end of the input without a newline: the file may
    /// have been cut (or still be being written) in the middle of it.
    pub unterminated: bool,
}

impl LineInput {
    /// Lines of `input`, each at most `max_line` bytes.
    pub fn new(input: Box<dyn BufRead + Send>, max_line: usize) -> LineInput {
        LineInput {
            input,
            max_line: max_line.max(1),
            buffer: Vec::new(),
            number: 0,
            bytes: 0,
            unterminated: false,
        }
    }

    /// The line read last.
    pub fn line(&self) -> &[u8] {
        &self.buffer
    }

    /// Reads the next line.
    pub fn next_line(&mut self) -> std::io::Result<LineRead> {
        self.buffer.clear();
        let mut length: u64 = 0;
        let mut any = false;
        self.unterminated = false;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                break;
            }
            any = true;
            let (part, found_newline) = match memchr::memchr(b'\n', available) {
                Some(at) => (available.get(..at).unwrap_or_default(), true),
                None => (available, false),
            };
            let room = self.max_line.saturating_sub(self.buffer.len());
            self.buffer
                .extend_from_slice(part.get(..part.len().min(room)).unwrap_or_default());
            length += part.len() as u64;
            let used = part.len() + usize::from(found_newline);
            self.input.consume(used);
            self.bytes += used as u64;
            self.unterminated = false;
            if found_newline {
                break;
            }
            self.unterminated = true;
        }
        if !any {
            return Ok(LineRead::End);
        }
        self.number += 1;
        if length > self.max_line as u64 {
            self.buffer.clear();
            return Ok(LineRead::TooLong(length));
        }
        if self.buffer.last() == Some(&b'\r') {
            self.buffer.pop();
        }
        Ok(LineRead::Line)
    }
}

/// Skips counted by reason, the first few logged with file and line; in strict mode the first
/// one is fatal.
#[derive(Debug, Default)]
pub struct SkipLog {
    skips: Skips,
    strict: bool,
    /// In strict mode, the first skip: why the source stopped.
    pub fatal: Option<String>,
}

impl SkipLog {
    /// A log that makes the first skip fatal when `strict`.
    pub fn strict(strict: bool) -> SkipLog {
        SkipLog {
            strict,
            ..SkipLog::default()
        }
    }

    /// Counts a skip of line `line` of `file` for `reason`, logging the first few with `detail`.
    pub fn skip(
        &mut self,
        reason: &'static str,
        file: &str,
        line: u64,
        detail: &dyn std::fmt::Display,
    ) {
        if self.skips.total() < LOGGED_SKIPS {
            tracing::warn!("{file}:{line}: skipping ({reason}): {detail}");
        }
        self.skips.add(reason);
        if self.strict && self.fatal.is_none() {
            self.fatal = Some(format!("{file}:{line}: {detail} ({reason}; --strict)"));
        }
    }

    /// Counts `n` skips for `reason` without logging (rows dropped inside a kept line).
    pub fn add_n(&mut self, reason: &'static str, n: u64) {
        self.skips.add_n(reason, n);
    }

    /// The counts.
    pub fn skips(&self) -> &Skips {
        &self.skips
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &'static [u8], max: usize) -> Vec<String> {
        let mut reader = LineInput::new(Box::new(std::io::BufReader::with_capacity(4, input)), max);
        let mut out = Vec::new();
        loop {
            match reader.next_line().expect("reads") {
                LineRead::End => break,
                LineRead::TooLong(n) => out.push(format!("{}: too long {n}", reader.number)),
                LineRead::Line => out.push(format!(
                    "{}: {}",
                    reader.number,
                    String::from_utf8_lossy(reader.line())
                )),
            }
        }
        assert_eq!(reader.bytes, input.len() as u64);
        out
    }

    #[test]
    fn lines_are_numbered_and_capped() {
        assert_eq!(
            lines(b"ab\r\ncdefgh\nij", 5),
            vec!["1: ab", "2: too long 6", "3: ij"]
        );
        assert_eq!(lines(b"abcde\n\n", 5), vec!["1: abcde", "2: "]);
        assert!(lines(b"", 5).is_empty());
    }

    #[test]
    fn strict_makes_the_first_skip_fatal() {
        let mut log = SkipLog::strict(true);
        log.skip("bad", "f.log", 7, &"garbage");
        log.skip("bad", "f.log", 9, &"more");
        assert_eq!(log.skips().get("bad"), 2);
        assert!(log
            .fatal
            .as_deref()
            .is_some_and(|f| f.starts_with("f.log:7:")));
        let mut lenient = SkipLog::strict(false);
        lenient.skip("bad", "f.log", 7, &"garbage");
        assert!(lenient.fatal.is_none());
    }
}

/// What one line-based format does with its lines: the part of a text import that differs
/// from format to format. [`LineSource`] does the rest (reading, cuts, strictness, reports).
pub trait LineFormat: Send {
    /// A fingerprint of what decides its units (for checkpoints).
    fn options(&self) -> u64;
    /// The skip reason of a line longer than the cap.
    fn too_long(&self) -> &'static str;
    /// Turns one line (`number` of `label`) into units of `chunk`, or skips it through `log`.
    fn line(
        &mut self,
        line: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    );
}

/// A line-based text import as a [`Source`]: one unit per line that gives rows.
///
/// A last line without a newline (a file cut short, or still being written) is left out and
/// the source ends unfinished, so the complete file later resumes after what was stored.
pub struct LineSource<F> {
    file: FileInput,
    lines: LineInput,
    format: F,
    log: SkipLog,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl<F: LineFormat> LineSource<F> {
    /// Opens a file (plain or gzip) in `format`; its identity is the hash of its content.
    pub fn open_with(path: &Path, format: F, strict: bool) -> std::io::Result<LineSource<F>> {
        let file = FileInput::open(path)?;
        let mut source = LineSource::with_reader(open_text(path)?, &file.label, format, strict);
        source.file = file;
        Ok(source)
    }

    /// Lines from any reader (standard input), with no identity.
    pub fn with_reader(
        input: Box<dyn BufRead + Send>,
        label: &str,
        format: F,
        strict: bool,
    ) -> LineSource<F> {
        LineSource {
            file: FileInput::unnamed(label),
            lines: LineInput::new(input, DEFAULT_MAX_LINE),
            format,
            log: SkipLog::strict(strict),
            ended: None,
            stopped: None,
        }
    }
}

impl<F: LineFormat> Source for LineSource<F> {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        self.format.options()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            if let Some(fatal) = self.log.fatal.take() {
                self.stopped = Some(fatal);
                break Fill::End { complete: false };
            }
            match self.lines.next_line() {
                Ok(LineRead::End) => break Fill::End { complete: true },
                Ok(LineRead::TooLong(length)) => {
                    let reason = self.format.too_long();
                    let detail = format!("a line of {length} bytes");
                    self.log
                        .skip(reason, &self.file.label, self.lines.number, &detail);
                }
                Ok(LineRead::Line) if self.lines.unterminated => {
                    self.stopped = Some(format!(
                        "{} ends in the middle of a line (cut short, or still being written); its last line is left out",
                        self.file.label
                    ));
                    break Fill::End { complete: false };
                }
                Ok(LineRead::Line) => {
                    let line = self.lines.line();
                    if !line.iter().all(u8::is_ascii_whitespace) {
                        let number = self.lines.number;
                        self.format
                            .line(line, &self.file.label, number, &mut self.log, chunk);
                    }
                }
                Err(err) => {
                    self.log.add_n("read_error", 1);
                    self.stopped = Some(format!("cannot read {}: {err}", self.file.label));
                    break Fill::End { complete: false };
                }
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.lines.bytes;
        if let Fill::End { complete } = fill {
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        SourceReport {
            messages: self.lines.number,
            skips: self.log.skips().clone(),
            bytes: self.lines.bytes,
            stopped: self.stopped.clone(),
            ..SourceReport::default()
        }
    }
}

/// The start of a line, for messages: at most 120 bytes.
pub fn shown(line: &[u8]) -> String {
    String::from_utf8_lossy(line.get(..line.len().min(120)).unwrap_or_default()).into_owned()
}

/// A text format `hark ingest` can recognise from a file's first lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    /// COF NDJSON (`rrname`, `rrtype`, `rdata`).
    Cof,
    /// Zeek `dns.log`, TSV or JSON.
    Zeek,
    /// Suricata EVE JSON.
    Eve,
    /// gamelinux passivedns, `||` text or JSON.
    PassiveDns,
    /// A zone file.
    Zone,
    /// go-dnscollector JSON.
    DnsCollector,
    /// Rapid7 Sonar FDNS/RDNS JSON.
    Sonar,
    /// crt.sh JSON (an array of certificate entries, or one a line).
    CrtSh,
    /// CertStream messages, one a line.
    CertStream,
    /// Cert Spotter issuances (an array, or one a line).
    CertSpotter,
}

/// Recognises a text import from its first non-blank line (read through gzip when the file is
/// compressed): `None` when it looks like none of them.
pub fn detect(path: &Path) -> std::io::Result<Option<TextFormat>> {
    // A JSON array (crt.sh, Cert Spotter) may be one line of many megabytes: its first
    // entry tells.
    let mut text = open_text(path)?;
    let starts_array = loop {
        let available = text.fill_buf()?;
        match available.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(at) => break available.get(at) == Some(&b'['),
            None if available.is_empty() => return Ok(None),
            None => {
                let used = available.len();
                text.consume(used);
            }
        }
    };
    if starts_array {
        let mut entries = crate::ct::EntryInput::new(text, crate::ct::MAX_ENTRY);
        if entries.next_entry()? != crate::ct::EntryRead::Entry {
            return Ok(None);
        }
        return Ok(serde_json::from_slice(entries.entry())
            .ok()
            .and_then(|value| crate::ct::detect_value(&value)));
    }
    let mut lines = LineInput::new(open_text(path)?, 64 * 1024);
    for _ in 0..64 {
        match lines.next_line()? {
            LineRead::End => return Ok(None),
            LineRead::TooLong(_) => return Ok(None),
            LineRead::Line => {}
        }
        let line = String::from_utf8_lossy(lines.line()).into_owned();
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') {
            continue;
        }
        return Ok(detect_line(line));
    }
    Ok(None)
}

/// The format one first line suggests.
fn detect_line(line: &str) -> Option<TextFormat> {
    if line.starts_with("#separator") || line.starts_with("#fields") {
        return Some(TextFormat::Zeek);
    }
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("$ORIGIN") || upper.starts_with("$TTL") || upper.starts_with("$INCLUDE") {
        return Some(TextFormat::Zone);
    }
    if line.starts_with('{') {
        let value: serde_json::Value = serde_json::from_str(line).ok()?;
        let has = |key: &str| value.get(key).is_some();
        if let Some(format) = crate::ct::detect_value(&value) {
            return Some(format);
        }
        return if has("event_type") {
            Some(TextFormat::Eve)
        } else if value
            .get("dns")
            .is_some_and(|d| d.get("resource-records").is_some() || d.get("qname").is_some())
        {
            Some(TextFormat::DnsCollector)
        } else if has("name") && has("type") && has("value") && has("timestamp") {
            Some(TextFormat::Sonar)
        } else if has("_path") || (has("uid") && has("query")) || has("qtype_name") {
            Some(TextFormat::Zeek)
        } else if has("timestamp_s") || (has("query") && has("answer")) {
            Some(TextFormat::PassiveDns)
        } else if has("rrname") || has("obj") || has("cond") {
            Some(TextFormat::Cof)
        } else {
            None
        };
    }
    if line.split("||").count() >= 5 {
        return Some(TextFormat::PassiveDns);
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words
        .windows(2)
        .any(|w| w[0].eq_ignore_ascii_case("IN") && w[1].eq_ignore_ascii_case("SOA"))
    {
        return Some(TextFormat::Zone);
    }
    None
}

#[cfg(test)]
mod detect_tests {
    use super::*;

    #[test]
    fn first_lines_name_their_format() {
        assert_eq!(detect_line("#separator \\x09"), Some(TextFormat::Zeek));
        assert_eq!(
            detect_line(r#"{"ts":1,"uid":"C1","query":"a"}"#),
            Some(TextFormat::Zeek)
        );
        assert_eq!(
            detect_line(r#"{"timestamp":"x","event_type":"dns"}"#),
            Some(TextFormat::Eve)
        );
        assert_eq!(
            detect_line(r#"{"rrname":"a.","rrtype":"A","rdata":"1.2.3.4"}"#),
            Some(TextFormat::Cof)
        );
        assert_eq!(
            detect_line(r#"{"timestamp_s":1,"query":"a.","answer":"b"}"#),
            Some(TextFormat::PassiveDns)
        );
        assert_eq!(
            detect_line("1.0||c||s||IN||a.||A||192.0.2.1||60||1"),
            Some(TextFormat::PassiveDns)
        );
        assert_eq!(detect_line("$ORIGIN example.com."), Some(TextFormat::Zone));
        assert_eq!(
            detect_line(".\t86400\tIN\tSOA\ta.root-servers.net. x. 1 2 3 4 5"),
            Some(TextFormat::Zone)
        );
        assert_eq!(detect_line("hello world"), None);
        assert_eq!(
            detect_line(r#"{"timestamp":"1","name":"a.example","type":"a","value":"192.0.2.1"}"#),
            Some(TextFormat::Sonar)
        );
        assert_eq!(
            detect_line(r#"{"dns":{"qname":"a","resource-records":{}},"dnstap":{}}"#),
            Some(TextFormat::DnsCollector)
        );
    }
}
