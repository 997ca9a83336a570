//! Import of DNS zone files (RFC 1035 §5 master files) as a [`Source`]: one unit per record.
//!
//! Every record becomes a row with the zone as its bailiwick and a *zone* observation at the
//! snapshot's time ([`Tally::zone_seen`], no sensor time) and a count of 1, as DNSDB keeps the
//! records of the zone files it loads. Importing successive snapshots of a zone, each at its
//! own time, gives each record the time of the first snapshot that had it
//! (`zone_time_first`) and of the last (`zone_time_last`); a record that disappeared keeps
//! the time of the last snapshot that still had it, so "gone since" is the next snapshot's
//! time, which the store does not record. The count says in how many imported snapshots the
//! record was.
//!
//! The reader understands `$ORIGIN`, `$TTL`, `$INCLUDE` (relative to the including file, at
//! most [`MAX_INCLUDE_DEPTH`] deep, gzip too), relative owner and rdata names, `@`, a blank
//! owner (the previous one), parentheses over several lines, `;` comments, `\X` and `\DDD`
//! escapes, quoted strings, TTL (with units, `1h30m`) and class in either order, and the rdata
//! of every type `hark-dns` reads ([`hark_dns::rdata::from_presentation_in`]) plus RFC 3597
//! `\#` for any type. `$GENERATE` is not expanded (a counted skip, `zone_generate`).
//!
//! The zone (bailiwick, and the first origin) is `--origin` when given, else the file's first
//! `$ORIGIN`, else the owner of its first record when that is a SOA. A record whose owner is
//! not at or below the zone is skipped (`zone_out_of_zone`), as is a record of a class other
//! than IN (`zone_not_in_class`).
//!
//! Why not `domain`'s zonefile reader: it loads the whole file into memory (a TLD zone is
//! gigabytes), and after a syntax error it cannot go on, while hark skips the bad entry,
//! counts it with its line, and keeps reading. The rdata itself is read by `hark-dns`, which
//! knows more types (LOC, EUI48/64, SMIMEA, WKS…) in the same canonical form as every other
//! source.
//!
//! The source's identity is the hash of the file's content together with the snapshot time,
//! so the same unchanged zone imported again at a later time extends `zone_time_last`, while
//! the same file at the same time is recognised and not counted twice. Included files are
//! read but are not part of the identity.

use crate::aggregate::Observations;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::text::{LineInput, LineRead, SkipLog};
use hark_dns::rdata::{from_presentation_in, is_relative_name};
use hark_dns::RrType;
use hark_record::{Checkpoint, RrKeyParts, SourceId, Tally, TimeSpan};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// How deep `$INCLUDE`s may nest.
pub const MAX_INCLUDE_DEPTH: usize = 8;

/// Longest entry (a record over several lines in parentheses) accepted, in bytes.
pub const MAX_ENTRY: usize = 256 * 1024;

/// How to read a zone file.
#[derive(Clone, Debug, Default)]
pub struct ZoneOptions {
    /// The zone, canonical wire; `None`: from the file (first `$ORIGIN`, or the SOA owner).
    pub origin: Option<Vec<u8>>,
    /// The snapshot time, epoch seconds.
    pub time: i64,
    /// The first bad entry stops the import.
    pub strict: bool,
}

/// One token of an entry: its text as written (quotes and escapes kept).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    text: String,
    quoted: bool,
}

/// One entry: a record or a directive, possibly over several lines.
#[derive(Debug, Default)]
struct Entry {
    line: u64,
    /// The first line started with a blank: the owner is the previous one.
    indented: bool,
    tokens: Vec<Token>,
    bytes: usize,
    /// Why the entry cannot be used, if it cannot.
    bad: Option<(&'static str, String)>,
}

/// Splits one line into tokens, tracking parentheses. Returns a skip reason on bad syntax.
fn tokenize_line(
    line: &[u8],
    depth: &mut u32,
    tokens: &mut Vec<Token>,
) -> Result<(), (&'static str, String)> {
    let mut pos = 0;
    let text = |bytes: &[u8]| {
        String::from_utf8(bytes.to_vec())
            .map_err(|_| ("zone_not_utf8", "a token is not UTF-8".to_string()))
    };
    while let Some(&byte) = line.get(pos) {
        match byte {
            b' ' | b'\t' | b'\r' => pos += 1,
            b';' => break,
            b'(' => {
                *depth += 1;
                pos += 1;
            }
            b')' => {
                *depth = depth
                    .checked_sub(1)
                    .ok_or(("zone_unbalanced_parenthesis", "`)` without `(`".to_string()))?;
                pos += 1;
            }
            b'"' => {
                let start = pos;
                pos += 1;
                loop {
                    match line.get(pos) {
                        None => {
                            return Err((
                                "zone_unterminated_quote",
                                "a quoted string does not end on its line".to_string(),
                            ))
                        }
                        Some(b'\\') => pos += 2,
                        Some(b'"') => {
                            pos += 1;
                            break;
                        }
                        Some(_) => pos += 1,
                    }
                }
                let end = pos.min(line.len());
                tokens.push(Token {
                    text: text(line.get(start..end).unwrap_or_default())?,
                    quoted: true,
                });
            }
            _ => {
                let start = pos;
                while let Some(&b) = line.get(pos) {
                    match b {
                        b'\\' => pos += 2,
                        b' ' | b'\t' | b'\r' | b';' | b'(' | b')' | b'"' => break,
                        _ => pos += 1,
                    }
                }
                let end = pos.min(line.len());
                tokens.push(Token {
                    text: text(line.get(start..end).unwrap_or_default())?,
                    quoted: false,
                });
            }
        }
    }
    Ok(())
}

/// A TTL: decimal seconds, or BIND's units (`1w2d3h4m5s`).
fn is_ttl(token: &str) -> bool {
    token.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || b"smhdwSMHDW".contains(&b))
}

/// A class mnemonic: whether it is IN.
fn class(token: &str) -> Option<bool> {
    let upper = token.to_ascii_uppercase();
    match upper.as_str() {
        "IN" => Some(true),
        "CH" | "CS" | "HS" | "NONE" | "ANY" => Some(false),
        _ => {
            let number = upper.strip_prefix("CLASS")?;
            let value: u16 = number.parse().ok()?;
            Some(value == 1)
        }
    }
}

/// A type mnemonic or `TYPEnnn` (never a bare number, which would be a TTL).
fn rrtype(token: &str) -> Option<RrType> {
    if token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// A name of an entry (owner, `$ORIGIN`) in canonical wire form, completed with `origin` when
/// relative.
fn name_in(token: &str, origin: Option<&[u8]>) -> Result<Vec<u8>, (&'static str, String)> {
    if token == "@" {
        return origin
            .map(<[u8]>::to_vec)
            .ok_or(("zone_no_origin", "`@` before any origin".to_string()));
    }
    let mut wire = hark_dns::name::from_presentation(token)
        .map_err(|err| ("zone_bad_name", format!("bad name {token:?}: {err}")))?;
    if is_relative_name(token) {
        let origin = origin.ok_or((
            "zone_no_origin",
            format!("relative name {token:?} before any origin"),
        ))?;
        wire.pop();
        wire.extend_from_slice(origin);
        if wire.len() > 255 {
            return Err(("zone_bad_name", format!("name {token:?} is too long")));
        }
    }
    Ok(wire)
}

/// One file being read: the main one or an included one.
struct Frame {
    lines: LineInput,
    label: String,
    dir: Option<PathBuf>,
    origin: Option<Vec<u8>>,
    last_owner: Option<Vec<u8>>,
    depth: u32,
    /// The main file (not an included one): a last line without a newline means it was cut.
    main: bool,
    /// The main file ended in the middle of a line.
    cut: bool,
}

impl Frame {
    fn new(
        lines: LineInput,
        label: String,
        dir: Option<PathBuf>,
        origin: Option<Vec<u8>>,
    ) -> Frame {
        Frame {
            lines,
            label,
            dir,
            origin,
            last_owner: None,
            depth: 0,
            main: false,
            cut: false,
        }
    }

    /// The next entry, `None` at the end of the file.
    fn next_entry(&mut self, max_line: usize) -> std::io::Result<Option<Entry>> {
        let mut entry = Entry::default();
        loop {
            match self.lines.next_line()? {
                LineRead::End => {
                    if self.depth > 0 {
                        self.depth = 0;
                        entry.bad = Some((
                            "zone_unbalanced_parenthesis",
                            "the file ends inside parentheses".into(),
                        ));
                        return Ok(Some(entry));
                    }
                    return Ok(None);
                }
                LineRead::TooLong(length) => {
                    if entry.line == 0 {
                        entry.line = self.lines.number;
                    }
                    entry.bad.get_or_insert((
                        "zone_line_too_long",
                        format!("a line of {length} bytes (limit {max_line})"),
                    ));
                    if self.depth == 0 {
                        return Ok(Some(entry));
                    }
                }
                LineRead::Line => {
                    if self.main && self.lines.unterminated {
                        // Cut (or still being written): the partial line and its entry are
                        // left for a complete copy of the file.
                        self.cut = true;
                        return Ok(None);
                    }
                    let line = self.lines.line();
                    if entry.line == 0 {
                        entry.line = self.lines.number;
                        entry.indented = matches!(line.first(), Some(b' ' | b'\t'));
                    }
                    entry.bytes += line.len();
                    if entry.bytes > MAX_ENTRY {
                        entry.bad.get_or_insert((
                            "zone_entry_too_long",
                            format!("an entry longer than {MAX_ENTRY} bytes"),
                        ));
                    }
                    if entry.bad.is_none() {
                        if let Err(bad) = tokenize_line(line, &mut self.depth, &mut entry.tokens) {
                            // The rest of the line cannot be trusted: the entry ends here.
                            self.depth = 0;
                            entry.bad = Some(bad);
                        }
                    } else if self.depth > 0 {
                        // Only follow parentheses to find the end of the bad entry.
                        let mut ignored = Vec::new();
                        if tokenize_line(line, &mut self.depth, &mut ignored).is_err() {
                            self.depth = 0;
                        }
                    }
                    if self.depth == 0 {
                        if entry.tokens.is_empty() && entry.bad.is_none() {
                            entry = Entry::default(); // blank or comment
                            continue;
                        }
                        return Ok(Some(entry));
                    }
                }
            }
        }
    }
}

/// A zone file as a [`Source`].
pub struct ZoneSource {
    file: FileInput,
    id: Option<SourceId>,
    options: ZoneOptions,
    zone: Option<Vec<u8>>,
    apex_soa: Option<Vec<u8>>,
    frames: Vec<Frame>,
    max_line: usize,
    records: u64,
    log: SkipLog,
    bytes: u64,
    ended: Option<bool>,
    stopped: Option<String>,
}

/// The identity of a zone snapshot: its file's identity and its time.
fn snapshot_id(file: &SourceId, time: i64) -> SourceId {
    let mut id = b"zone:".to_vec();
    id.extend_from_slice(&time.to_be_bytes());
    id.extend_from_slice(&file.0);
    SourceId(id)
}

impl ZoneSource {
    /// Opens a zone file, plain or gzip.
    pub fn open(path: &Path, options: ZoneOptions) -> std::io::Result<ZoneSource> {
        let file = FileInput::open(path)?;
        let input = crate::text::open_text(path)?;
        let dir = path.parent().map(Path::to_path_buf);
        let mut zone = ZoneSource::from_reader(input, &file.label, options);
        zone.id = match file.identity().map(crate::source::FileIdentity::get) {
            Some(Ok(id)) => Some(snapshot_id(id, zone.options.time)),
            Some(Err(why)) => return Err(std::io::Error::other(why.to_string())),
            None => None,
        };
        if let Some(frame) = zone.frames.first_mut() {
            frame.dir = dir;
        }
        zone.file = file;
        Ok(zone)
    }

    /// A zone from any reader (standard input, an AXFR), with no identity; `$INCLUDE`s are
    /// relative to the current directory.
    pub fn from_reader(
        input: Box<dyn BufRead + Send>,
        label: &str,
        options: ZoneOptions,
    ) -> ZoneSource {
        let max_line = crate::text::DEFAULT_MAX_LINE;
        let mut frame = Frame::new(
            LineInput::new(input, max_line),
            label.to_string(),
            None,
            options.origin.clone(),
        );
        frame.main = true;
        ZoneSource {
            file: FileInput::unnamed(label),
            id: None,
            zone: options.origin.clone(),
            apex_soa: None,
            log: SkipLog::strict(options.strict),
            options,
            frames: vec![frame],
            max_line,
            records: 0,
            bytes: 0,
            ended: None,
            stopped: None,
        }
    }

    /// The zone the records belong to, once known.
    pub fn zone(&self) -> Option<&[u8]> {
        self.zone.as_deref()
    }

    /// Handles one entry of the innermost file; pushes a unit for a record.
    fn entry(&mut self, entry: Entry, chunk: &mut Observations) -> Result<(), String> {
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        let (label, line) = (frame.label.clone(), entry.line);
        if let Some((reason, detail)) = entry.bad {
            self.log.skip(reason, &label, line, &detail);
            return Ok(());
        }
        let first = entry.tokens.first().map(|t| t.text.as_str()).unwrap_or("");
        if !entry.indented && first.starts_with('$') {
            return match self.directive(&entry.tokens) {
                Ok(()) => Ok(()),
                Err((reason, detail)) => {
                    self.log.skip(reason, &label, line, &detail);
                    Ok(())
                }
            };
        }
        match self.record(&entry) {
            Ok(Some((owner, rrtype, rdata))) => {
                let zone = self.zone.as_deref();
                if rrtype == RrType::SOA && zone == Some(owner.as_slice()) {
                    // A transfer's text (dig AXFR) ends with the SOA again: one record.
                    if self.apex_soa.as_ref() == Some(&rdata) {
                        self.log.add_n("zone_repeated_soa", 1);
                        return Ok(());
                    }
                    self.apex_soa = Some(rdata.clone());
                }
                let tally = Tally {
                    seen: None,
                    zone_seen: Some(TimeSpan::at(self.options.time)),
                    count: 1,
                };
                let parts = RrKeyParts {
                    rrname: &owner,
                    rrtype,
                    bailiwick: zone,
                    rdata: &rdata,
                };
                if chunk.push_rows(std::iter::once(parts), tally) == 0 {
                    self.log.add_n("zone_bad_name", 1);
                }
                self.records += 1;
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(("zone_unknown_zone", detail)) => Err(format!("{label}:{line}: {detail}")),
            Err((reason, detail)) => {
                self.log.skip(reason, &label, line, &detail);
                Ok(())
            }
        }
    }

    /// `$ORIGIN`, `$TTL`, `$INCLUDE`.
    fn directive(&mut self, tokens: &[Token]) -> Result<(), (&'static str, String)> {
        let word = tokens
            .first()
            .map(|t| t.text.to_ascii_uppercase())
            .unwrap_or_default();
        let argument = |n: usize| tokens.get(n).map(|t| t.text.as_str());
        let nested = self.frames.len();
        let Some(frame) = self.frames.last_mut() else {
            return Ok(());
        };
        match word.as_str() {
            "$ORIGIN" => {
                let name =
                    argument(1).ok_or(("zone_bad_directive", "$ORIGIN without a name".into()))?;
                let origin = name_in(name, frame.origin.as_deref())?;
                if self.zone.is_none() && self.records == 0 {
                    self.zone = Some(origin.clone());
                }
                frame.origin = Some(origin);
                Ok(())
            }
            "$TTL" => match argument(1) {
                Some(ttl) if is_ttl(ttl) => Ok(()),
                other => Err(("zone_bad_directive", format!("$TTL {other:?} is not a TTL"))),
            },
            "$INCLUDE" => {
                if nested > MAX_INCLUDE_DEPTH {
                    return Err((
                        "zone_include_too_deep",
                        format!("$INCLUDE nested more than {MAX_INCLUDE_DEPTH} deep"),
                    ));
                }
                let file =
                    argument(1).ok_or(("zone_bad_directive", "$INCLUDE without a file".into()))?;
                let file = file.trim_matches('"');
                let origin = match argument(2) {
                    Some(name) => Some(name_in(name, frame.origin.as_deref())?),
                    None => frame.origin.clone(),
                };
                let path = match &frame.dir {
                    Some(dir) => dir.join(file),
                    None => PathBuf::from(file),
                };
                let input = crate::text::open_text(&path).map_err(|err| {
                    (
                        "zone_include_unreadable",
                        format!("cannot read $INCLUDE {}: {err}", path.display()),
                    )
                })?;
                let dir = path.parent().map(Path::to_path_buf);
                self.frames.push(Frame::new(
                    LineInput::new(input, self.max_line),
                    path.display().to_string(),
                    dir,
                    origin,
                ));
                Ok(())
            }
            "$GENERATE" => Err(("zone_generate", "$GENERATE is not expanded".into())),
            _ => Err((
                "zone_unknown_directive",
                format!("unknown directive {word}"),
            )),
        }
    }

    /// A record entry: its owner, type and canonical rdata; `None` for a record not kept.
    #[allow(clippy::type_complexity)]
    fn record(
        &mut self,
        entry: &Entry,
    ) -> Result<Option<(Vec<u8>, RrType, Vec<u8>)>, (&'static str, String)> {
        let Some(frame) = self.frames.last_mut() else {
            return Ok(None);
        };
        let mut tokens = entry.tokens.iter();
        let owner = if entry.indented {
            frame.last_owner.clone().ok_or((
                "zone_no_owner",
                "a record without owner comes first".to_string(),
            ))?
        } else {
            let token = tokens.next().map(|t| t.text.as_str()).unwrap_or("");
            name_in(token, frame.origin.as_deref())?
        };
        frame.last_owner = Some(owner.clone());
        let mut in_class = true;
        let mut rrtype_found = None;
        for token in tokens.by_ref().take(3) {
            if is_ttl(&token.text) {
                continue;
            }
            if let Some(is_in) = class(&token.text) {
                in_class = is_in;
                continue;
            }
            rrtype_found = Some(rrtype(&token.text).ok_or((
                "zone_unknown_rrtype",
                format!("unknown type {:?}", token.text),
            ))?);
            break;
        }
        let rrtype =
            rrtype_found.ok_or(("zone_no_rrtype", "a record without a type".to_string()))?;
        if !in_class {
            return Err((
                "zone_not_in_class",
                "a record of a class other than IN".into(),
            ));
        }
        if rrtype.is_meta() {
            return Err(("zone_meta_rrtype", format!("{rrtype} is not a record type")));
        }
        let rdata_text = tokens
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        if self.zone.is_none() {
            if rrtype == RrType::SOA && self.records == 0 {
                self.zone = Some(owner.clone());
                // Names after it are relative to the zone, as they would be to $ORIGIN.
                for frame in &mut self.frames {
                    frame.origin.get_or_insert_with(|| owner.clone());
                }
            } else {
                return Err((
                    "zone_unknown_zone",
                    "cannot tell the zone: the file starts with neither $ORIGIN nor a SOA record; give --origin".into(),
                ));
            }
        }
        let zone = self.zone.as_deref().unwrap_or(b"\0");
        if !hark_dns::name::is_at_or_below(&owner, zone) {
            return Err(("zone_out_of_zone", "an owner outside the zone".into()));
        }
        let origin = self
            .frames
            .last()
            .and_then(|f| f.origin.as_deref())
            .unwrap_or(zone);
        let rdata = from_presentation_in(rrtype, &rdata_text, origin)
            .map_err(|err| ("zone_bad_rdata", format!("{rrtype} {rdata_text:?}: {err}")))?;
        Ok(Some((owner, rrtype, rdata)))
    }
}

impl Source for ZoneSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn id(&self) -> Option<&SourceId> {
        self.id.as_ref()
    }

    fn options(&self) -> u64 {
        let origin = self.options.origin.as_deref().unwrap_or(b"");
        source::fingerprint(&[b"zone", origin, &[u8::from(self.options.strict)]])
    }

    fn resume_from(&mut self, unfinished: &[Checkpoint]) -> Option<Checkpoint> {
        let (path, size) = (self.file.path.as_ref()?, self.file.size?);
        let options = self.options();
        let time = self.options.time;
        unfinished
            .iter()
            .filter(|c| c.options == options && c.bytes > 0 && c.bytes < size)
            .find(|c| {
                source::file_prefix_id(path, c.bytes)
                    .is_ok_and(|id| snapshot_id(&id, time) == c.source)
            })
            .cloned()
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
            let max_line = self.max_line;
            let Some(frame) = self.frames.last_mut() else {
                break Fill::End { complete: true };
            };
            match frame.next_entry(max_line) {
                Ok(Some(entry)) => {
                    if let Err(fatal) = self.entry(entry, chunk) {
                        self.stopped = Some(fatal);
                        break Fill::End { complete: false };
                    }
                }
                Ok(None) if frame.cut => {
                    self.stopped = Some(format!(
                        "{} ends in the middle of a line (cut short, or still being written); its last line is left out",
                        frame.label
                    ));
                    break Fill::End { complete: false };
                }
                Ok(None) => {
                    self.frames.pop();
                }
                Err(err) => {
                    let label = frame.label.clone();
                    tracing::warn!(error = %err, "reading stopped; keeping what was read, the input stays unfinished");
                    self.log.add_n("read_error", 1);
                    self.stopped = Some(format!("cannot read {label}: {err}"));
                    break Fill::End { complete: false };
                }
            }
            if let Some(main) = self.frames.first() {
                self.bytes = main.lines.bytes;
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
            messages: self.records,
            skips: self.log.skips().clone(),
            bytes: self.bytes,
            stopped: self.stopped.clone(),
            ..SourceReport::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads a zone text; returns (owner, type, rdata presentation, bailiwick) per row, and the
    /// skips.
    fn read(text: &str, origin: Option<&str>) -> (Vec<String>, Vec<(String, u64)>) {
        let options = ZoneOptions {
            origin: origin.map(|o| hark_dns::name::from_presentation(o).expect("origin")),
            time: 1000,
            strict: false,
        };
        let mut source = ZoneSource::from_reader(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            "test.zone",
            options,
        );
        let mut chunk = Observations::default();
        let fill = source.fill(&mut chunk, &ChunkLimits::default());
        assert!(matches!(fill, Fill::End { .. }), "{fill:?}");
        let mut aggregator = crate::aggregate::Aggregator::new(1 << 20);
        aggregator.add_from(&chunk, 0);
        let batch = aggregator.take_batch();
        let mut rows: Vec<String> = batch
            .rows
            .iter()
            .map(|(key, tally)| {
                let parts = key.parts();
                let mut owner = String::new();
                hark_dns::name::to_presentation(parts.rrname, &mut owner).expect("name");
                let mut rdata = String::new();
                hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
                let mut zone = String::new();
                hark_dns::name::to_presentation(parts.bailiwick.unwrap_or(b"\0"), &mut zone)
                    .expect("zone");
                assert_eq!(tally.zone_seen, Some(TimeSpan::at(1000)));
                assert_eq!(tally.seen, None);
                format!("{owner} {} {rdata} @{zone}", parts.rrtype)
            })
            .collect();
        rows.sort();
        let skips = source
            .report()
            .skips
            .iter()
            .map(|(r, n)| (r.to_string(), n))
            .collect();
        (rows, skips)
    }

    #[test]
    fn master_file_syntax() {
        let text = concat!(
            "$ORIGIN example.com.\n",
            "$TTL 1h\n",
            "@ IN SOA ns1 hostmaster.example.com. ( 2024010101 ; serial\n",
            "      7200 3600 ; refresh, retry\n",
            "      1209600 300 )\n",
            "  IN 3600 NS ns1\n",
            "\tNS ns2.example.net.\n",
            "www 300 IN A 192.0.2.1 ; a comment\n",
            "txt TXT \"a b; c\" \"d\\\"e\" \\040x\n",
            "esc\\.dot A 192.0.2.2\n",
            "\\065bc CNAME www\n",
            "mx MX 10 @\n",
            "$ORIGIN sub\n",
            "host AAAA 2001:db8::1\n",
            "loc LOC 52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m\n",
            "gen TYPE65000 \\# 2 abcd\n",
        );
        let (rows, skips) = read(text, None);
        let expected = vec![
            "abc.example.com. CNAME www.example.com. @example.com.",
            "esc\\.dot.example.com. A 192.0.2.2 @example.com.",
            "example.com. NS ns1.example.com. @example.com.",
            "example.com. NS ns2.example.net. @example.com.",
            "example.com. SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300 @example.com.",
            "gen.sub.example.com. TYPE65000 \\# 2 ABCD @example.com.",
            "host.sub.example.com. AAAA 2001:db8::1 @example.com.",
            "loc.sub.example.com. LOC 52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m @example.com.",
            "mx.example.com. MX 10 example.com. @example.com.",
            "txt.example.com. TXT \"a b; c\" \"d\\\"e\" \"(x\" @example.com.",
            "www.example.com. A 192.0.2.1 @example.com.",
        ];
        assert_eq!(rows, expected);
        assert!(skips.is_empty(), "{skips:?}");
    }

    #[test]
    fn bad_entries_are_counted_skips_and_reading_goes_on() {
        let text = concat!(
            "example.org. SOA a. b. 1 2 3 4 5\n",
            "a A 300.1.1.1\n",
            "b BOGUS x\n",
            "c.example.net. A 192.0.2.1\n",
            "d CH TXT \"x\"\n",
            "e TXT \"unterminated\n",
            "f A 192.0.2.9 )\n",
            "$GENERATE 1-3 h$ A 192.0.2.$\n",
            "$FOO\n",
            "g A ( 192.0.2.7\n",
            "  )\n",
        );
        let (rows, skips) = read(text, None);
        assert_eq!(
            rows,
            vec![
                "example.org. SOA a. b. 1 2 3 4 5 @example.org.",
                "g.example.org. A 192.0.2.7 @example.org.",
            ]
        );
        let names: Vec<&str> = skips.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "zone_bad_rdata",
                "zone_generate",
                "zone_not_in_class",
                "zone_out_of_zone",
                "zone_unbalanced_parenthesis",
                "zone_unknown_directive",
                "zone_unknown_rrtype",
                "zone_unterminated_quote",
            ]
        );
    }

    #[test]
    fn the_zone_must_be_known() {
        let mut source = ZoneSource::from_reader(
            Box::new(std::io::Cursor::new(
                b"www.example.com. A 192.0.2.1\n".to_vec(),
            )),
            "z",
            ZoneOptions::default(),
        );
        let mut chunk = Observations::default();
        let fill = source.fill(&mut chunk, &ChunkLimits::default());
        assert_eq!(fill, Fill::End { complete: false });
        assert!(source
            .report()
            .stopped
            .is_some_and(|s| s.contains("--origin")));
        let (rows, _) = read("www.example.com. A 192.0.2.1\n", Some("example.com"));
        assert_eq!(rows, vec!["www.example.com. A 192.0.2.1 @example.com."]);
    }

    #[test]
    fn includes_are_relative_to_the_including_file_and_bounded() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(
            dir.path().join("main.zone"),
            "$ORIGIN example.com.\n@ SOA a b 1 2 3 4 5\n$INCLUDE sub/part.zone hosts\nafter A 192.0.2.9\n$INCLUDE loop.zone\n",
        )
        .expect("writes");
        std::fs::write(dir.path().join("sub/part.zone"), "www A 192.0.2.1\n").expect("writes");
        std::fs::write(dir.path().join("loop.zone"), "$INCLUDE loop.zone\n").expect("writes");
        let mut source = ZoneSource::open(
            &dir.path().join("main.zone"),
            ZoneOptions {
                time: 5,
                ..ZoneOptions::default()
            },
        )
        .expect("opens");
        let mut chunk = Observations::default();
        assert_eq!(
            source.fill(&mut chunk, &ChunkLimits::default()),
            Fill::End { complete: true }
        );
        assert_eq!(chunk.len(), 3);
        assert_eq!(source.report().skips.get("zone_include_too_deep"), 1);
    }
}
