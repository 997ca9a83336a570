//! DNSDB Flexible Search: a regular expression or a glob matched against owner names or rdata.
//!
//! | path (under `/dnsdb/v2/`) | one object per |
//! |---|---|
//! | `regex/rrnames/{regex}[/{rrtype}]`, `glob/rrnames/{glob}[/{rrtype}]` | (rrname, rrtype) whose owner name matches: `{"rrname","rrtype"}` |
//! | `regex/rdata/{regex}[/{rrtype}]`, `glob/rdata/{glob}[/{rrtype}]` | (rdata, rrtype) whose rdata matches: `{"rdata","rrtype","raw_rdata"}` |
//!
//! With `verbose` (the default) each object also carries `count`, `time_first` and
//! `time_last` summed over the rows it stands for; `verbose=false` drops them. `exclude` takes
//! a second pattern of the same syntax: what it matches is left out. Time fences, `limit` and
//! `offset` work as on lookups. Answers are SAF, like lookups. Flex output is not COF: these
//! objects are finding aids, to be followed by a lookup.
//!
//! Matching follows DNSDB's documentation of FCRE and globs: case-insensitive, against the
//! master-file form of the data (owner names with their trailing dot, TXT strings quoted, rdata
//! names with their trailing dot). A regex is a search (unanchored: use `^` and `$`); a glob
//! matches the whole string (`*` any run, `?` one character, `[a-z]`/`[!a-z]` classes, `\`
//! escapes). Regexes run on the `regex` crate, whose matching time is linear in the input
//! whatever the pattern: a "catastrophic" pattern such as `(a+)+$` costs what `a+$` costs.
//! Patterns are bounded in length ([`MAX_PATTERN_BYTES`]) and compiled size.
//!
//! There is no flex index: a search walks every row (owner-name order) through
//! `Store::flex`, where an engine may push the pattern down (the ClickHouse engine evaluates it
//! on its servers and sends back only candidate rows), and stops at the query time limit
//! whether or not anything matched. The exact filter here runs on every candidate either way. rrnames results stream as they are found;
//! rdata results are gathered first (the same rdata appears under many owners), at most
//! `offset + limit` of them and never more than [`MAX_RDATA_RESULTS`].

use crate::metrics::QueryPermit;
use crate::params::Params;
use crate::saf::stream_items;
use crate::stream::{past, spawn_lines, LineSink};
use crate::{saf, ApiError};
use bytes::Bytes;
use hark_dns::{name, rdata, RrType};
use hark_record::Tally;
use hark_store::{FlexField, FlexSearch, Row, Store, StoreError, TimeFence, TypeFilter};
use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use tokio::time::Instant;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_BYTES: usize = 1024;
/// Most memory one compiled pattern may take.
const MAX_COMPILED_BYTES: usize = 2 * 1024 * 1024;

/// How a pattern is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// A regular expression, searched for anywhere in the text.
    Regex,
    /// A glob, matched against the whole text.
    Glob,
}

/// What a pattern is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Searched {
    /// Owner names.
    Rrnames,
    /// rdata in presentation format.
    Rdata,
}

/// A parsed flex search, ready to run.
#[derive(Clone, Debug)]
pub struct FlexQuery {
    /// What is searched.
    pub searched: Searched,
    /// What must match.
    pub pattern: Regex,
    /// What must not match.
    pub exclude: Option<Regex>,
    /// Which rrtypes.
    pub filter: TypeFilter,
    /// Time fences on the rows.
    pub fence: TimeFence,
}

impl FlexQuery {
    /// Parses the segments after `regex` or `glob`: `{rrnames|rdata}/{pattern}[/{rrtype}]`.
    pub fn parse(
        syntax: Syntax,
        segments: &[String],
        params: &Params,
    ) -> Result<FlexQuery, ApiError> {
        let text = |index: usize| segments.get(index).map(String::as_str);
        let searched = match text(0) {
            Some("rrnames") => Searched::Rrnames,
            Some("rdata") => Searched::Rdata,
            _ => return Err(ApiError::NotFound),
        };
        let pattern = match text(1) {
            Some(p) if !p.is_empty() => compile(syntax, p)?,
            _ => {
                return Err(ApiError::BadRequest(
                    "flex search: the pattern is missing".into(),
                ))
            }
        };
        if segments.len() > 3 {
            return Err(ApiError::BadRequest(
                "flex search: too many path segments".into(),
            ));
        }
        let exclude = match params.exclude.as_deref() {
            Some(p) if !p.is_empty() => Some(compile(syntax, p)?),
            _ => None,
        };
        Ok(FlexQuery {
            searched,
            pattern,
            exclude,
            filter: TypeFilter::parse(text(2), TypeFilter::Any)?,
            fence: params.fence,
        })
    }

    /// The search as the store sees it: the store may push the pattern down to where the rows
    /// are, and streams candidates this query still filters exactly.
    fn search(&self) -> FlexSearch {
        FlexSearch {
            field: match self.searched {
                Searched::Rrnames => FlexField::Rrnames,
                Searched::Rdata => FlexField::Rdata,
            },
            pattern: self.pattern.as_str().to_string(),
            exclude: self.exclude.as_ref().map(|ex| ex.as_str().to_string()),
            filter: self.filter,
        }
    }

    /// True when `text` matches the pattern and not the exclusion.
    fn selects(&self, text: &str) -> bool {
        self.pattern.is_match(text) && !self.exclude.as_ref().is_some_and(|ex| ex.is_match(text))
    }

    /// True when the row's type and times pass.
    fn admits(&self, row: &Row) -> bool {
        self.filter.admits(row.key.parts().rrtype) && self.fence.admits(&row.tally)
    }

    /// Streams the results to `visit`: for rrnames as they are found, for rdata once the
    /// scan is done (keeping at most `keep` distinct results). The scan stops at `deadline`
    /// whether or not anything matched.
    pub fn run(
        &self,
        store: &dyn Store,
        keep: u64,
        deadline: Instant,
        visit: &mut dyn FnMut(FlexHit) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        match self.searched {
            Searched::Rrnames => self.run_rrnames(store, deadline, visit),
            Searched::Rdata => self.run_rdata(store, keep.min(MAX_RDATA_RESULTS), deadline, visit),
        }
    }

    fn run_rrnames(
        &self,
        store: &dyn Store,
        deadline: Instant,
        visit: &mut dyn FnMut(FlexHit) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        // Rows come in owner order, then type: one owner's rows of one type are adjacent.
        let mut owner: Vec<u8> = Vec::new();
        let mut owner_text = String::new();
        let mut owner_selected = false;
        let mut current: Option<FlexHit> = None;
        let mut stopped = false;
        let mut rows = 0u32;
        store.flex(&self.search(), &mut |row| {
            if past(deadline, &mut rows) {
                stopped = true;
                return ControlFlow::Break(());
            }
            let parts = row.key.parts();
            if parts.rrname != owner.as_slice() {
                owner.clear();
                owner.extend_from_slice(parts.rrname);
                owner_text.clear();
                owner_selected = name::to_presentation(parts.rrname, &mut owner_text).is_ok()
                    && self.selects(&owner_text);
            }
            if !owner_selected || !self.admits(&row) {
                return ControlFlow::Continue(());
            }
            match &mut current {
                Some(hit) if hit.rrtype == parts.rrtype && hit.text == owner_text => {
                    hit.tally.merge(&row.tally);
                    ControlFlow::Continue(())
                }
                _ => {
                    let next = FlexHit {
                        text: owner_text.clone(),
                        rrtype: parts.rrtype,
                        raw: Vec::new(),
                        tally: row.tally,
                    };
                    match current.replace(next) {
                        Some(done) => {
                            let flow = visit(done);
                            stopped = flow.is_break();
                            flow
                        }
                        None => ControlFlow::Continue(()),
                    }
                }
            }
        })?;
        // An engine evaluating the pattern itself may return at the deadline with rows unseen.
        let stopped = stopped || Instant::now() >= deadline;
        if let (false, Some(last)) = (stopped, current) {
            let _ = visit(last);
        }
        Ok(())
    }

    fn run_rdata(
        &self,
        store: &dyn Store,
        keep: u64,
        deadline: Instant,
        visit: &mut dyn FnMut(FlexHit) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        let mut hits: Vec<FlexHit> = Vec::new();
        // rrtype -> rdata -> index in `hits`; looked up by borrowed bytes, no copy per row.
        let mut index: HashMap<RrType, HashMap<Vec<u8>, usize>> = HashMap::new();
        let mut text = String::new();
        let mut rows = 0u32;
        let mut timed_out = false;
        store.flex(&self.search(), &mut |row| {
            if past(deadline, &mut rows) {
                timed_out = true;
                return ControlFlow::Break(());
            }
            if !self.admits(&row) {
                return ControlFlow::Continue(());
            }
            let parts = row.key.parts();
            let known = index
                .get(&parts.rrtype)
                .and_then(|by_rdata| by_rdata.get(parts.rdata));
            if let Some(&at) = known {
                if let Some(hit) = hits.get_mut(at) {
                    hit.tally.merge(&row.tally);
                }
                return ControlFlow::Continue(());
            }
            if hits.len() >= keep {
                return ControlFlow::Continue(());
            }
            text.clear();
            rdata::to_presentation(parts.rrtype, parts.rdata, &mut text);
            if self.selects(&text) {
                index
                    .entry(parts.rrtype)
                    .or_default()
                    .insert(parts.rdata.to_vec(), hits.len());
                hits.push(FlexHit {
                    text: text.clone(),
                    rrtype: parts.rrtype,
                    raw: parts.rdata.to_vec(),
                    tally: row.tally,
                });
            }
            ControlFlow::Continue(())
        })?;
        if timed_out || Instant::now() >= deadline {
            return Ok(());
        }
        for hit in hits {
            if visit(hit).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// Most distinct rdata results one rdata search gathers, whatever offset and limit ask: each
/// is held in memory until the scan ends.
pub const MAX_RDATA_RESULTS: u64 = 100_000;

/// One flex result: an owner name or an rdata, its type, and the tally of its rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlexHit {
    /// The owner name or rdata, in presentation format.
    pub text: String,
    /// The rrtype.
    pub rrtype: RrType,
    /// The rdata bytes (empty for rrnames results).
    pub raw: Vec<u8>,
    /// The rows' tallies, merged.
    pub tally: Tally,
}

impl FlexHit {
    /// The SAF object: DNSDB's flex fields, times as epoch seconds.
    pub fn object(&self, searched: Searched, verbose: bool) -> Map<String, Value> {
        let mut obj = Map::new();
        match searched {
            Searched::Rrnames => {
                obj.insert("rrname".into(), self.text.clone().into());
                obj.insert("rrtype".into(), self.rrtype.to_string().into());
            }
            Searched::Rdata => {
                obj.insert("rdata".into(), self.text.clone().into());
                obj.insert("rrtype".into(), self.rrtype.to_string().into());
                obj.insert(
                    "raw_rdata".into(),
                    data_encoding::HEXLOWER.encode(&self.raw).into(),
                );
            }
        }
        if verbose {
            obj.insert("count".into(), self.tally.count.into());
            if let Some(seen) = self.tally.seen.or(self.tally.zone_seen) {
                obj.insert("time_first".into(), seen.first.into());
                obj.insert("time_last".into(), seen.last.into());
            }
        }
        obj
    }
}

/// Compiles a pattern of either syntax into a case-insensitive, size-bounded regex.
pub fn compile(syntax: Syntax, pattern: &str) -> Result<Regex, ApiError> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(ApiError::BadRequest(format!(
            "pattern of {} bytes is over the limit of {MAX_PATTERN_BYTES}",
            pattern.len()
        )));
    }
    if let Some(bad) = pattern.chars().find(|c| c.is_control()) {
        return Err(ApiError::BadRequest(format!(
            "pattern holds the control character {bad:?}: only printable characters are allowed"
        )));
    }
    let source = match syntax {
        Syntax::Regex => pattern.to_string(),
        Syntax::Glob => glob_to_regex(pattern)?,
    };
    RegexBuilder::new(&source)
        .case_insensitive(true)
        .size_limit(MAX_COMPILED_BYTES)
        .dfa_size_limit(MAX_COMPILED_BYTES)
        .nest_limit(64)
        .build()
        .map_err(|err| {
            let reason = match err {
                regex::Error::CompiledTooBig(_) => "the pattern is too complex".to_string(),
                other => other.to_string().replace('\n', " "),
            };
            ApiError::BadRequest(format!("bad pattern {pattern:?}: {reason}"))
        })
}

/// Translates a glob (glob(7): `*`, `?`, `[...]`, `[!...]`, `\x`) into an anchored regex.
///
/// Written by hand: the glob crates match paths (`/` is special to them) and offer no
/// translation into a `regex` that could share the size limits set above.
pub fn glob_to_regex(glob: &str) -> Result<String, ApiError> {
    let mut out = String::with_capacity(glob.len() * 2 + 2);
    out.push('^');
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '\\' => match chars.next() {
                Some(escaped) => push_literal(escaped, &mut out),
                None => return Err(bad_glob(glob, "it ends with a lone `\\`")),
            },
            '[' => {
                out.push('[');
                if chars.next_if_eq(&'!').is_some() {
                    out.push('^');
                }
                let mut members = 0usize;
                loop {
                    let Some(member) = chars.next() else {
                        return Err(bad_glob(glob, "a `[` class is not closed"));
                    };
                    match member {
                        ']' if members > 0 => break,
                        '[' if chars.peek() == Some(&':') => {
                            // A POSIX class such as [:digit:], copied through.
                            out.push_str("[:");
                            chars.next();
                            let mut closed = false;
                            for inner in chars.by_ref() {
                                out.push(inner);
                                if inner == ']' {
                                    closed = true;
                                    break;
                                }
                            }
                            if !closed {
                                return Err(bad_glob(glob, "a `[:` class is not closed"));
                            }
                        }
                        '[' if matches!(chars.peek(), Some('.' | '=')) => {
                            return Err(bad_glob(glob, "collating elements are not supported"));
                        }
                        '-' if members > 0 && chars.peek() != Some(&']') => out.push('-'),
                        other => {
                            if matches!(other, '\\' | '[' | ']' | '^' | '-' | '&' | '~') {
                                out.push('\\');
                            }
                            out.push(other);
                        }
                    }
                    members += 1;
                }
                out.push(']');
            }
            other => push_literal(other, &mut out),
        }
    }
    out.push('$');
    Ok(out)
}

fn push_literal(c: char, out: &mut String) {
    let mut buf = [0u8; 4];
    out.push_str(&regex::escape(c.encode_utf8(&mut buf)));
}

fn bad_glob(glob: &str, why: &str) -> ApiError {
    ApiError::BadRequest(format!("bad glob {glob:?}: {why}"))
}

/// Answers a flex search as SAF: results `offset..offset+limit`, holding `permit` until done.
pub fn respond(
    store: Arc<dyn Store>,
    query: FlexQuery,
    params: &Params,
    (offset, limit): (u64, u64),
    deadline: Instant,
    permit: QueryPermit,
) -> axum::body::Body {
    let verbose = params.verbose;
    let searched = query.searched;
    let keep = offset.saturating_add(limit).saturating_add(1);
    let timeout_line = Some(Bytes::from(saf::failed("query time limit reached")));
    let head = Some(Bytes::from_static(saf::BEGIN));
    spawn_lines(deadline, head, timeout_line, move |sink| {
        let _permit = permit;
        let mut emit = |hit: &FlexHit, sink: &mut LineSink| {
            saf::push_obj(hit.object(searched, verbose), sink.buffer());
        };
        stream_items(
            sink,
            |visit| query.run(&*store, keep, deadline, visit),
            offset,
            limit,
            &mut emit,
        );
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(g: &str) -> Regex {
        compile(Syntax::Glob, g).expect("compiles")
    }

    #[test]
    fn globs_match_whole_names() {
        assert!(glob("*.example.com.").is_match("www.example.com."));
        assert!(!glob("*.example.com").is_match("www.example.com."));
        assert!(glob("WWW.*").is_match("www.example.com."));
        assert!(glob("mail?.example.com.").is_match("mail1.example.com."));
        assert!(!glob("mail?.example.com.").is_match("mail12.example.com."));
        assert!(glob("[a-c]*").is_match("beta."));
        assert!(!glob("[!a-c]*").is_match("beta."));
        assert!(glob("[]x]*").is_match("]."));
        assert!(glob("*[[:digit:]].com.").is_match("host1.com."));
        assert!(glob(r"a\*b").is_match("a*b"));
        assert!(!glob(r"a\*b").is_match("axb"));
        assert!(glob("a+b.").is_match("a+b."));
        assert!(glob("*-*").is_match("a-b"));
        for bad in ["[abc", "abc\\", "[[.a.]]", "[[:digit"] {
            assert!(compile(Syntax::Glob, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regexes_search_case_insensitively() {
        let re = compile(Syntax::Regex, r"\._dkim\.").expect("ok");
        assert!(re.is_match("s1._domainkey._dkim.example.com."));
        assert!(compile(Syntax::Regex, "^WWW")
            .expect("ok")
            .is_match("www.x."));
        assert!(compile(Syntax::Regex, "(a").is_err());
        assert!(compile(Syntax::Regex, "a\u{7}").is_err());
        assert!(compile(Syntax::Regex, &"a".repeat(MAX_PATTERN_BYTES + 1)).is_err());
        // Compiled-size bound: a pattern that would expand enormously is refused.
        assert!(compile(Syntax::Regex, "(((a{100}){100}){100})").is_err());
        // A pattern that backtracking engines take exponential time on is linear here.
        let evil = compile(Syntax::Regex, "(a+)+$").expect("ok");
        assert!(!evil.is_match(&format!("{}!", "a".repeat(100_000))));
    }
}
