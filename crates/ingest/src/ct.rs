//! Certificate Transparency imports: the names certificates covered, as certificate-name
//! observations (name, issuer, first/last seen, count), not DNS rows.
//!
//! Three formats, one unit per certificate entry:
//! - **crt.sh** JSON ([`Ct::CrtSh`]): the array `https://crt.sh/?q=...&output=json` returns, or the
//!   same objects one a line. `name_value` holds the names separated by newlines (with
//!   `common_name` also read); `issuer_name` the issuer's distinguished name;
//!   `not_before`/`not_after` (UTC without a zone) the validity, `entry_timestamp` when the log
//!   took it.
//! - **CertStream** messages ([`Ct::CertStream`]): one JSON message a line;
//!   `message_type: certificate_update` with `data.leaf_cert.all_domains`,
//!   `data.leaf_cert.issuer` (its parts, `C`, `O`, `CN`...), `data.leaf_cert.not_before`/
//!   `not_after` (epoch seconds) and `data.seen`. Other messages (heartbeats) are counted as
//!   `certstream_not_an_update` and left.
//! - **Cert Spotter** JSON ([`Ct::CertSpotter`]): the array of issuances SSLMate's API v1 returns
//!   (`/v1/issuances`), or one issuance a line: `dns_names`, `issuer` (an object whose `name` is
//!   the distinguished name, or `friendly_name`; or a string), `not_before`/`not_after`
//!   (RFC 3339).
//!
//! Every name is lowercased and kept with its trailing dot; a wildcard (`*.example.com`) stays
//! a wildcard. Names that are not DNS names (an address, an e-mail address, a `*` past the
//! first label) are counted as `ct_bad_name` and left; a name repeated in one certificate
//! counts once. CertStream issuers are written as crt.sh writes them (`C=US, O=Let's Encrypt,
//! CN=R3`), so one issuer is one row whatever the source.
//!
//! Times: a certificate's names are seen from its `not_before` to its `not_after` (its
//! validity: what crt.sh shows, and what `hark recon` read before the store kept names); a
//! source that gives no validity contributes the time it saw the certificate (crt.sh's
//! `entry_timestamp`, CertStream's `seen`). An entry with no time at all is `ct_no_time`.
//!
//! crt.sh and Cert Spotter files are read with [`JsonEntrySource`], which takes the objects of
//! a JSON array (or a stream of objects) one at a time, never the whole array: an entry is at
//! most [`MAX_ENTRY`] bytes (longer: `ct_entry_too_long`), an entry that is not valid JSON or
//! has a field of the wrong type is `<format>_bad_entry`, and a file that ends inside an entry
//! (cut short) is `ct_truncated_json` and left unfinished, so a longer copy resumes it.

use crate::aggregate::Observations;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::text::{open_text, shown, LineFormat, LineSource, SkipLog};
use hark_record::{Tally, TimeSpan};
use std::io::BufRead;
use std::path::Path;

/// Longest entry of a JSON array accepted.
pub const MAX_ENTRY: usize = 1024 * 1024;

/// One certificate as the formats give it.
#[derive(Debug, Default, PartialEq)]
struct Certificate {
    names: Vec<String>,
    issuer: String,
    not_before: Option<i64>,
    not_after: Option<i64>,
    seen: Option<i64>,
}

impl Certificate {
    /// The span its names were seen over: the validity, else the time the source saw it.
    fn span(&self) -> Option<TimeSpan> {
        match (self.not_before, self.not_after) {
            (Some(first), Some(last)) if first <= last => Some(TimeSpan { first, last }),
            _ => self
                .seen
                .or(self.not_before)
                .or(self.not_after)
                .map(TimeSpan::at),
        }
    }

    /// Pushes it as one unit: its names (those that are DNS names) with its issuer.
    fn push(&self, label: &str, number: u64, log: &mut SkipLog, chunk: &mut Observations) {
        let Some(span) = self.span() else {
            log.skip("ct_no_time", label, number, &"the entry gives no time");
            return;
        };
        let mut wires = Vec::with_capacity(self.names.len());
        for name in &self.names {
            match cert_name(name) {
                Some(wire) => wires.push(wire),
                None => log.add_n("ct_bad_name", 1),
            }
        }
        let tally = Tally {
            seen: Some(span),
            zone_seen: None,
            count: 1,
        };
        chunk.push_certs(wires.iter().map(Vec::as_slice), &self.issuer, tally);
    }
}

/// A name from a certificate as canonical wire: lowercased, a leading `*` label kept; `None`
/// for what is not a DNS name (an address, an e-mail address, a misplaced `*`, bad labels).
pub fn cert_name(text: &str) -> Option<Vec<u8>> {
    let text = text.trim().trim_end_matches('.');
    if text.is_empty()
        || text.contains(['@', ' ', '/', ':'])
        || text.parse::<std::net::Ipv4Addr>().is_ok()
    {
        return None;
    }
    let rest = text.strip_prefix("*.").unwrap_or(text);
    if rest.contains('*') || rest.is_empty() || rest.contains('\\') {
        return None;
    }
    hark_dns::name::from_presentation(text).ok()
}

/// A time of the formats: RFC 3339, crt.sh's UTC date-time without a zone, or epoch seconds
/// (a number or a numeric string).
fn time(value: &serde_json::Value) -> Option<i64> {
    if let serde_json::Value::String(text) = value {
        if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
            if !text.ends_with('Z') && !text.contains('+') {
                return civil
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .ok()
                    .map(|z| z.timestamp().as_second());
            }
        }
    }
    crate::zeek::json_time(value)
}

/// A time field: absent or null is none; present but not a time is an error.
fn time_field(
    object: &serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<Option<i64>, ()> {
    match object.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => time(value).map(Some).ok_or(()),
    }
}

/// A string field: absent or null is none; another type is an error.
fn string_field<'a>(
    object: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<Option<&'a str>, ()> {
    match object.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(()),
    }
}

/// An array of strings: absent or null is empty; another type is an error.
fn strings_field(
    object: &serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<Vec<String>, ()> {
    match object.get(key) {
        None | Some(serde_json::Value::Null) => Ok(Vec::new()),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_string).ok_or(()))
            .collect(),
        Some(_) => Err(()),
    }
}

fn object(entry: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, ()> {
    match serde_json::from_slice(entry) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        _ => Err(()),
    }
}

/// A crt.sh entry.
fn crtsh(entry: &[u8]) -> Result<Certificate, ()> {
    let entry = object(entry)?;
    let mut names: Vec<String> = string_field(&entry, "name_value")?
        .ok_or(())?
        .split('\n')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(common) = string_field(&entry, "common_name")? {
        if !common.trim().is_empty() {
            names.push(common.trim().to_string());
        }
    }
    Ok(Certificate {
        names,
        issuer: string_field(&entry, "issuer_name")?
            .unwrap_or_default()
            .to_string(),
        not_before: time_field(&entry, "not_before")?,
        not_after: time_field(&entry, "not_after")?,
        seen: time_field(&entry, "entry_timestamp")?,
    })
}

/// The distinguished-name parts CertStream gives, in the order crt.sh writes them.
const DN_ORDER: [&str; 6] = ["C", "ST", "L", "O", "OU", "CN"];

/// A CertStream message, as far as hark reads it: typed and borrowed, so the fields it does
/// not read (extensions, the chain, DER blobs) are skipped without being built.
#[derive(serde::Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    message_type: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    data: Option<MessageData<'a>>,
}

#[derive(serde::Deserialize)]
struct MessageData<'a> {
    #[serde(borrow, default)]
    leaf_cert: Option<LeafCert<'a>>,
    #[serde(default)]
    seen: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct LeafCert<'a> {
    #[serde(borrow, default)]
    all_domains: Option<Vec<std::borrow::Cow<'a, str>>>,
    #[serde(borrow, default)]
    issuer: Option<IssuerField<'a>>,
    #[serde(default)]
    not_before: Option<serde_json::Value>,
    #[serde(default)]
    not_after: Option<serde_json::Value>,
}

/// CertStream's issuer: its distinguished-name parts (each a string or null), or a string.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum IssuerField<'a> {
    Text(String),
    Parts(#[serde(borrow)] std::collections::HashMap<std::borrow::Cow<'a, str>, Option<String>>),
}

/// A time field read as a value: none or null is none, another non-time is an error.
fn time_value(value: Option<&serde_json::Value>) -> Result<Option<i64>, ()> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => time(value).map(Some).ok_or(()),
    }
}

/// A CertStream message: `Ok(None)` for a message that is not a certificate update.
fn certstream(line: &[u8]) -> Result<Option<Certificate>, ()> {
    let message: Message<'_> = serde_json::from_slice(line).map_err(|_| ())?;
    if message.message_type.as_deref() != Some("certificate_update") {
        return Ok(None);
    }
    let data = message.data.ok_or(())?;
    let leaf = data.leaf_cert.ok_or(())?;
    let issuer = match leaf.issuer {
        None => String::new(),
        Some(IssuerField::Text(text)) => text,
        Some(IssuerField::Parts(parts)) => {
            let mut written = Vec::new();
            for key in DN_ORDER {
                if let Some(Some(value)) = parts.get(key) {
                    written.push(format!("{key}={value}"));
                }
            }
            match (written.is_empty(), parts.get("aggregated")) {
                (true, Some(Some(aggregated))) => aggregated.clone(),
                _ => written.join(", "),
            }
        }
    };
    Ok(Some(Certificate {
        names: leaf
            .all_domains
            .unwrap_or_default()
            .into_iter()
            .map(std::borrow::Cow::into_owned)
            .collect(),
        issuer,
        not_before: time_value(leaf.not_before.as_ref())?,
        not_after: time_value(leaf.not_after.as_ref())?,
        seen: time_value(data.seen.as_ref())?,
    }))
}

/// A Cert Spotter issuance.
fn certspotter(entry: &[u8]) -> Result<Certificate, ()> {
    let entry = object(entry)?;
    let issuer = match entry.get("issuer") {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Object(issuer)) => string_field(issuer, "name")?
            .or(string_field(issuer, "friendly_name")?)
            .unwrap_or_default()
            .to_string(),
        Some(_) => return Err(()),
    };
    if !entry.contains_key("dns_names") {
        return Err(());
    }
    Ok(Certificate {
        names: strings_field(&entry, "dns_names")?,
        issuer,
        not_before: time_field(&entry, "not_before")?,
        not_after: time_field(&entry, "not_after")?,
        seen: None,
    })
}

/// A CT format, as a [`LineFormat`]: over the lines of a CertStream file, or over the entries
/// of a crt.sh or Cert Spotter array ([`JsonEntrySource`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ct {
    /// crt.sh JSON entries.
    CrtSh,
    /// CertStream messages, one a line.
    CertStream,
    /// Cert Spotter issuances.
    CertSpotter,
}

/// A CertStream file as a [`Source`].
pub type CertStreamSource = LineSource<Ct>;

impl Ct {
    /// The format's name (as `hark import` spells it).
    pub fn name(self) -> &'static str {
        match self {
            Ct::CrtSh => "crtsh",
            Ct::CertStream => "certstream",
            Ct::CertSpotter => "certspotter",
        }
    }
}

impl LineFormat for Ct {
    fn options(&self) -> u64 {
        source::fingerprint(&[self.name().as_bytes()])
    }

    fn too_long(&self) -> &'static str {
        "ct_entry_too_long"
    }

    fn line(
        &mut self,
        entry: &[u8],
        label: &str,
        number: u64,
        log: &mut SkipLog,
        chunk: &mut Observations,
    ) {
        let (read, bad) = match self {
            Ct::CrtSh => (crtsh(entry).map(Some), "crtsh_bad_entry"),
            Ct::CertStream => (certstream(entry), "certstream_bad_message"),
            Ct::CertSpotter => (certspotter(entry).map(Some), "certspotter_bad_entry"),
        };
        match read {
            Ok(Some(certificate)) => certificate.push(label, number, log, chunk),
            Ok(None) => log.add_n("certstream_not_an_update", 1),
            Err(()) => log.skip(bad, label, number, &shown(entry)),
        }
    }
}

/// What [`EntryInput::next_entry`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum EntryRead {
    /// An object is in [`EntryInput::entry`].
    Entry,
    /// An object longer than the cap was read and dropped; its length.
    TooLong(u64),
    /// A top-level value that is not an object (read and dropped).
    NotAnObject,
    /// The input ended inside an object (cut short).
    Truncated,
    /// End of input.
    End,
}

/// The objects of a JSON array, or of a stream of objects, one at a time.
///
/// Written by hand because serde_json reads a whole array or a stream of whole values, and an
/// array of a million certificates must not be held at once: this finds each object's end by
/// its braces (outside strings, with escapes) and hands its bytes to serde_json.
pub struct EntryInput {
    input: Box<dyn BufRead + Send>,
    max: usize,
    buffer: Vec<u8>,
    /// The line the last entry started on (1 for the first line).
    pub line: u64,
    lines_seen: u64,
    /// Bytes consumed.
    pub bytes: u64,
}

impl EntryInput {
    /// Entries of `input`, each at most `max` bytes.
    pub fn new(input: Box<dyn BufRead + Send>, max: usize) -> EntryInput {
        EntryInput {
            input,
            max: max.max(2),
            buffer: Vec::new(),
            line: 0,
            lines_seen: 1,
            bytes: 0,
        }
    }

    /// The entry read last.
    pub fn entry(&self) -> &[u8] {
        &self.buffer
    }

    /// Reads the next top-level object.
    pub fn next_entry(&mut self) -> std::io::Result<EntryRead> {
        self.buffer.clear();
        // Between values: separators, and the start of the next one.
        let first = loop {
            let available = self.input.fill_buf()?;
            let Some(&byte) = available.first() else {
                return Ok(EntryRead::End);
            };
            self.input.consume(1);
            self.bytes += 1;
            match byte {
                b'\n' => self.lines_seen += 1,
                b' ' | b'\t' | b'\r' | b',' | b'[' | b']' => {}
                _ => break byte,
            }
        };
        self.line = self.lines_seen;
        if first != b'{' {
            // A scalar or a nested array at the top level: drop it up to the next separator.
            loop {
                let available = self.input.fill_buf()?;
                let Some(&byte) = available.first() else {
                    return Ok(EntryRead::NotAnObject);
                };
                if matches!(byte, b',' | b'\n' | b']' | b'{') {
                    return Ok(EntryRead::NotAnObject);
                }
                self.input.consume(1);
                self.bytes += 1;
            }
        }
        self.buffer.push(b'{');
        let mut depth: u32 = 1;
        let mut in_string = false;
        let mut escaped = false;
        let mut length: u64 = 1;
        loop {
            let available = self.input.fill_buf()?;
            if available.is_empty() {
                self.buffer.clear();
                return Ok(EntryRead::Truncated);
            }
            let mut used = 0;
            let mut done = false;
            for &byte in available {
                used += 1;
                if byte == b'\n' {
                    self.lines_seen += 1;
                }
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if byte == b'\\' {
                        escaped = true;
                    } else if byte == b'"' {
                        in_string = false;
                    }
                } else {
                    match byte {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                done = true;
                            }
                        }
                        _ => {}
                    }
                }
                if done {
                    break;
                }
            }
            let part = available.get(..used).unwrap_or_default();
            length += used as u64;
            let room = self.max.saturating_sub(self.buffer.len());
            self.buffer
                .extend_from_slice(part.get(..part.len().min(room)).unwrap_or_default());
            self.input.consume(used);
            self.bytes += used as u64;
            if done {
                if length > self.max as u64 {
                    self.buffer.clear();
                    return Ok(EntryRead::TooLong(length));
                }
                return Ok(EntryRead::Entry);
            }
        }
    }
}

/// A crt.sh or Cert Spotter file (a JSON array, or one object a line) as a [`Source`].
pub struct JsonEntrySource<F> {
    file: FileInput,
    entries: EntryInput,
    format: F,
    log: SkipLog,
    units: u64,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl<F: LineFormat> JsonEntrySource<F> {
    /// The file at `path` (plain or gzip).
    pub fn open_with(path: &Path, format: F, strict: bool) -> std::io::Result<Self> {
        let file = FileInput::open(path)?;
        let mut source = Self::with_reader(open_text(path)?, &file.label, format, strict);
        source.file = file;
        Ok(source)
    }

    /// A reader (standard input) with no identity, named `label` in messages.
    pub fn with_reader(
        input: Box<dyn BufRead + Send>,
        label: &str,
        format: F,
        strict: bool,
    ) -> Self {
        JsonEntrySource {
            file: FileInput::unnamed(label),
            entries: EntryInput::new(input, MAX_ENTRY),
            format,
            log: SkipLog::strict(strict),
            units: 0,
            ended: None,
            stopped: None,
        }
    }
}

impl<F: LineFormat> Source for JsonEntrySource<F> {
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
        let label = self.file.label.as_str();
        let fill = loop {
            if let Some(fatal) = self.log.fatal.take() {
                self.stopped = Some(fatal);
                break Fill::End { complete: false };
            }
            let line = self.entries.line;
            match self.entries.next_entry() {
                Ok(EntryRead::End) => break Fill::End { complete: true },
                Ok(EntryRead::Entry) => {
                    self.units += 1;
                    let number = self.entries.line;
                    self.format
                        .line(self.entries.entry(), label, number, &mut self.log, chunk);
                }
                Ok(EntryRead::TooLong(length)) => {
                    self.units += 1;
                    let detail = format!("an entry of {length} bytes");
                    self.log
                        .skip("ct_entry_too_long", label, self.entries.line, &detail);
                }
                Ok(EntryRead::NotAnObject) => {
                    self.units += 1;
                    self.log.skip(
                        "ct_not_an_object",
                        label,
                        self.entries.line,
                        &"a value that is not an object",
                    );
                }
                Ok(EntryRead::Truncated) => {
                    self.log.skip(
                        "ct_truncated_json",
                        label,
                        self.entries.line.max(line),
                        &"the input ends inside an entry",
                    );
                    self.stopped = Some(format!(
                        "{label} ends inside an entry (cut short, or still being written); \
                         its last entry is left out"
                    ));
                    break Fill::End { complete: false };
                }
                Err(err) => {
                    self.log.add_n("read_error", 1);
                    self.stopped = Some(format!("cannot read {label}: {err}"));
                    break Fill::End { complete: false };
                }
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.entries.bytes;
        if let Fill::End { complete } = fill {
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        SourceReport {
            messages: self.units,
            skips: self.log.skips().clone(),
            bytes: self.entries.bytes,
            stopped: self.stopped.clone(),
            ..SourceReport::default()
        }
    }
}

/// Which CT format a JSON value is, from its keys: for `hark ingest`'s detection.
pub fn detect_value(value: &serde_json::Value) -> Option<super::text::TextFormat> {
    use super::text::TextFormat;
    let has = |key: &str| value.get(key).is_some();
    if value.get("message_type").is_some() && (has("data") || value["message_type"] == "heartbeat")
    {
        Some(TextFormat::CertStream)
    } else if has("name_value") && (has("issuer_name") || has("not_before") || has("id")) {
        Some(TextFormat::CrtSh)
    } else if has("dns_names") && (has("tbs_sha256") || has("cert_sha256") || has("not_before")) {
        Some(TextFormat::CertSpotter)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &'static [u8]) -> Vec<String> {
        let mut entries =
            EntryInput::new(Box::new(std::io::BufReader::with_capacity(3, input)), 64);
        let mut out = Vec::new();
        loop {
            let read = entries.next_entry().expect("reads");
            let text = match read {
                EntryRead::End => break,
                EntryRead::Entry => String::from_utf8_lossy(entries.entry()).into_owned(),
                other => format!("{other:?}"),
            };
            out.push(format!("{}: {text}", entries.line));
        }
        out
    }

    #[test]
    fn entries_of_arrays_and_streams() {
        assert_eq!(
            read(b"[{\"a\":\"}{\\\"\"},\n {\"b\":[1,{\"c\":2}]}]"),
            ["1: {\"a\":\"}{\\\"\"}", "2: {\"b\":[1,{\"c\":2}]}"]
        );
        assert_eq!(
            read(b"{\"a\":1}\n{\"a\":2}\n"),
            ["1: {\"a\":1}", "2: {\"a\":2}"]
        );
        assert_eq!(read(b"[5, {\"a\":1}]"), ["1: NotAnObject", "1: {\"a\":1}"]);
        assert_eq!(
            read(b"[{\"a\":1},{\"b\":"),
            ["1: {\"a\":1}", "1: Truncated"]
        );
        let long: &'static [u8] = Box::leak(
            format!("[{{\"a\":\"{}\"}},{{}}]", "x".repeat(100))
                .into_bytes()
                .into_boxed_slice(),
        );
        assert_eq!(read(long), ["1: TooLong(108)", "1: {}"]);
        assert!(read(b"[]").is_empty());
    }

    #[test]
    fn names_from_certificates() {
        let text = |name: &str| {
            cert_name(name).map(|wire| {
                let mut out = String::new();
                hark_dns::name::to_presentation(&wire, &mut out).expect("prints");
                out
            })
        };
        assert_eq!(text("WWW.Example.COM").as_deref(), Some("www.example.com."));
        assert_eq!(text("*.Example.com.").as_deref(), Some("*.example.com."));
        assert_eq!(text("a.*.example.com"), None);
        assert_eq!(text("192.0.2.1"), None);
        assert_eq!(text("2001:db8::1"), None);
        assert_eq!(text("admin@example.com"), None);
        assert_eq!(text(""), None);
    }

    #[test]
    fn the_three_formats() {
        let le = "C=US, O=Let's Encrypt, CN=R3";
        let crt = crtsh(br#"{"issuer_ca_id":183267,"issuer_name":"C=US, O=Let's Encrypt, CN=R3","common_name":"example.com","name_value":"example.com\nwww.example.com","id":5573327040,"entry_timestamp":"2021-10-30T10:15:23.519","not_before":"2021-10-30T09:15:22","not_after":"2022-01-28T09:15:21","serial_number":"03f1"}"#).expect("reads");
        assert_eq!(crt.names, ["example.com", "www.example.com", "example.com"]);
        assert_eq!(crt.issuer, le);
        // 2021-10-30T09:15:22Z and 2022-01-28T09:15:21Z.
        assert_eq!(
            crt.span(),
            Some(TimeSpan {
                first: 1_635_585_322,
                last: 1_643_361_321
            })
        );
        assert!(crtsh(br#"{"name_value":5}"#).is_err());
        assert!(crtsh(br#"{"name_value":"a.example","not_before":"soon"}"#).is_err());
        let stream = certstream(br#"{"message_type":"certificate_update","data":{"update_type":"X509LogEntry","leaf_cert":{"all_domains":["shop.example.org","*.shop.example.org"],"issuer":{"C":"US","CN":"R3","O":"Let's Encrypt","aggregated":"/C=US/CN=R3/O=Let's Encrypt"},"not_before":1635585322,"not_after":1643361321.0},"cert_index":1,"seen":1635589000.25}}"#).expect("reads").expect("an update");
        assert_eq!(stream.issuer, le);
        assert_eq!(
            stream.span(),
            Some(TimeSpan {
                first: 1_635_585_322,
                last: 1_643_361_321
            })
        );
        assert_eq!(
            certstream(br#"{"message_type":"heartbeat","timestamp":1.0}"#),
            Ok(None)
        );
        assert!(certstream(br#"{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":"a.example"}}}"#).is_err());
        let seen_only = certstream(br#"{"message_type":"certificate_update","data":{"leaf_cert":{"all_domains":["a.example"]},"seen":1635589000.25}}"#).expect("reads").expect("an update");
        assert_eq!(seen_only.span(), Some(TimeSpan::at(1_635_589_000)));
        let spotter = certspotter(br#"{"id":"1","tbs_sha256":"ab","dns_names":["example.net","www.example.net"],"issuer":{"name":"C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1","friendly_name":"DigiCert"},"not_before":"2021-03-01T00:00:00Z","not_after":"2022-03-01T23:59:59Z","revoked":false}"#).expect("reads");
        assert_eq!(
            spotter.issuer,
            "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1"
        );
        assert_eq!(
            spotter.span(),
            Some(TimeSpan {
                first: 1_614_556_800,
                last: 1_646_179_199
            })
        );
        assert!(certspotter(br#"{"id":"1","issuer":"x"}"#).is_err());
    }
}
