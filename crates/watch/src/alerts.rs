//! Alerts and their durable log.
//!
//! An [`Alert`] is one finding of one rule about one subject (a name, a domain, an RRset):
//! its first and last time, how many times it was seen, the first pieces of [`Evidence`], and
//! its state (new → acknowledged → resolved). Findings of the same (rule, subject) within the
//! rule's window are one alert; after it (or once the alert is resolved) a new alert opens.
//!
//! # The log (`alerts.ndjson`)
//!
//! Alerts live in one append-only file of JSON lines in the watch directory
//! (`<store>/watch/`), each line an operation:
//!
//! ```json
//! {"op":"open","alert":{"id":"3f2a…","rule":"canary","subject":"vpn.corp.example.",…}}
//! {"op":"hit","id":"3f2a…","time":1767000000,"evidence":{…}}
//! {"op":"state","id":"3f2a…","state":"acknowledged","at":1767000100,"by":"cli"}
//! ```
//!
//! Reading the file from the start gives every alert as it stands. Each write appends whole
//! lines under an exclusive `flock` and is synced before the call returns, so an alert that was
//! raised survives a crash, and `hark alerts ack` from another process interleaves safely with
//! a running `hark run` (each process reads what the other appended before it writes). The
//! same file is the sinks' outbox ([`crate::sinks`]): each sink keeps the byte offset it has
//! delivered up to. The log is not compacted: alerts are few (the change feed raises each
//! finding once, and windows fold repeats).

use crate::rules::Severity;
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use std::fs::File;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// Pieces of evidence kept per alert (the count goes on).
pub const MAX_EVIDENCE: usize = 10;

/// The log's file name in the watch directory.
pub const LOG_FILE: &str = "alerts.ndjson";

/// Where an alert stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Nobody has looked yet.
    New,
    /// Someone is on it.
    Acknowledged,
    /// Done; a new finding opens a new alert.
    Resolved,
}

impl State {
    /// Parses `new`, `acknowledged` (or `ack`), `resolved`.
    pub fn parse(text: &str) -> Option<State> {
        Some(match text {
            "new" => State::New,
            "acknowledged" | "ack" => State::Acknowledged,
            "resolved" => State::Resolved,
            _ => return None,
        })
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Acknowledged => "acknowledged",
            State::Resolved => "resolved",
        }
    }
}

/// One observation behind an alert: a stored row, a negative answer, or a logged query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `row`, `negative`, `query` or `certificate`.
    pub source: String,
    /// The owner or question name (presentation, final dot).
    pub rrname: String,
    /// The type.
    pub rrtype: String,
    /// The rdata (rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdata: Option<String>,
    /// The bailiwick (rows that have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bailiwick: Option<String>,
    /// `NXDOMAIN` or `NODATA` (negatives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    /// Who asked (queries, when the emitter says). Rows never carry it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// The dnstap message type (queries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The server that answered (zone transfers, when the source says).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// What a canary token's labels carried ([`crate::canarytoken`]), `convention` among them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decoded: Option<std::collections::BTreeMap<String, String>>,
    /// The analysis behind the alert: for `takeover-risk`, the recon takeover candidate
    /// (`hark-intel`'s `takeover::Candidate`, with its own evidence rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<serde_json::Value>,
    /// The issuer (certificates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// First seen, epoch seconds.
    pub time_first: i64,
    /// Last seen, epoch seconds.
    pub time_last: i64,
    /// How many times.
    pub count: u64,
}

/// One alert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: the same log always gives the same ids.
    pub id: String,
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's kind.
    pub kind: String,
    /// How bad.
    pub severity: Severity,
    /// What it is about (a name, a domain, `name TYPE`).
    pub subject: String,
    /// One line for people.
    pub summary: String,
    /// Where it stands.
    pub state: State,
    /// First finding's observation time, epoch seconds.
    pub first: i64,
    /// Last finding's observation time.
    pub last: i64,
    /// Findings folded in.
    pub count: u64,
    /// The first pieces of evidence.
    pub evidence: Vec<Evidence>,
    /// Sinks it goes to (empty: all).
    #[serde(default)]
    pub sinks: Vec<String>,
    /// When it was raised (wall clock, epoch seconds).
    pub raised_at: i64,
    /// When its state last changed, and by whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_changed: Option<(i64, String)>,
}

/// A finding, before it is folded into an alert.
#[derive(Clone, Debug)]
pub struct Finding {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's kind.
    pub kind: &'static str,
    /// The rule's severity.
    pub severity: Severity,
    /// The rule's window, seconds.
    pub window: i64,
    /// The rule's sinks.
    pub sinks: Vec<String>,
    /// What it is about.
    pub subject: String,
    /// One line.
    pub summary: String,
    /// The observation.
    pub evidence: Evidence,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Op {
    Open {
        alert: Alert,
    },
    Hit {
        id: String,
        time: i64,
        evidence: Evidence,
    },
    State {
        id: String,
        state: State,
        at: i64,
        by: String,
    },
}

/// A failure of the alert log.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    /// Reading or writing the log failed.
    #[error("alert log {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

#[derive(Default)]
struct Inner {
    alerts: Vec<Alert>,
    by_id: HashMap<String, usize>,
    latest: HashMap<(String, String), (usize, u64)>,
    offset: u64,
}

impl Inner {
    fn apply(&mut self, op: Op) {
        match op {
            Op::Open { alert } => {
                let key = (alert.rule.clone(), alert.subject.clone());
                let index = self.alerts.len();
                let opened = self.latest.get(&key).map_or(0, |&(_, n)| n) + 1;
                self.by_id.insert(alert.id.clone(), index);
                self.latest.insert(key, (index, opened));
                self.alerts.push(alert);
            }
            Op::Hit { id, time, evidence } => {
                if let Some(alert) = self.by_id.get(&id).and_then(|&i| self.alerts.get_mut(i)) {
                    alert.count += 1;
                    alert.last = alert.last.max(time);
                    alert.first = alert.first.min(time);
                    if alert.evidence.len() < MAX_EVIDENCE {
                        alert.evidence.push(evidence);
                    }
                }
            }
            Op::State { id, state, at, by } => {
                if let Some(alert) = self.by_id.get(&id).and_then(|&i| self.alerts.get_mut(i)) {
                    alert.state = state;
                    alert.state_changed = Some((at, by));
                }
            }
        }
    }
}

/// The durable log of alerts, shared by the rules that raise them, the faces that list and
/// acknowledge them, and the sinks that send them.
pub struct AlertLog {
    path: PathBuf,
    file: Mutex<(File, Inner)>,
    changed: (Mutex<u64>, Condvar),
}

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl AlertLog {
    /// Opens (creating) the log in `dir`.
    pub fn open(dir: &Path) -> Result<AlertLog, AlertError> {
        let path = dir.join(LOG_FILE);
        let io = |source| AlertError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io)?;
        let log = AlertLog {
            path: path.clone(),
            file: Mutex::new((file, Inner::default())),
            changed: (Mutex::new(0), Condvar::new()),
        };
        log.with(|_, _| Ok(()))?;
        Ok(log)
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` with the file locked against other processes and the state caught up
    /// with what they appended.
    fn with<T>(
        &self,
        work: impl FnOnce(&mut File, &mut Inner) -> std::io::Result<T>,
    ) -> Result<T, AlertError> {
        let io = |source| AlertError::Io {
            path: self.path.clone(),
            source,
        };
        let mut guard = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (file, inner) = &mut *guard;
        rustix::fs::flock(&*file, rustix::fs::FlockOperation::LockExclusive)
            .map_err(|e| io(e.into()))?;
        let result = catch_up(file, inner).and_then(|()| work(file, inner));
        let _ = rustix::fs::flock(&*file, rustix::fs::FlockOperation::Unlock);
        result.map_err(io)
    }

    fn append(file: &mut File, inner: &mut Inner, ops: Vec<Op>) -> std::io::Result<()> {
        if ops.is_empty() {
            return Ok(());
        }
        let mut text = Vec::new();
        for op in &ops {
            serde_json::to_writer(&mut text, op)?;
            text.push(b'\n');
        }
        file.write_all(&text)?;
        file.sync_data()?;
        inner.offset += text.len() as u64;
        for op in ops {
            inner.apply(op);
        }
        Ok(())
    }

    fn notify(&self) {
        let (lock, condvar) = &self.changed;
        let mut generation = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *generation += 1;
        condvar.notify_all();
    }

    /// Waits until something is appended through this log, or `timeout`; returns the number
    /// of changes so far (compare with the last value to tell).
    pub fn wait(&self, seen: u64, timeout: Duration) -> u64 {
        let (lock, condvar) = &self.changed;
        let generation = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (generation, _) = condvar
            .wait_timeout_while(generation, timeout, |g| *g == seen)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *generation
    }

    /// Folds findings into alerts: each opens an alert, or adds to the open one of its (rule,
    /// subject) when it falls within the window. Returns the alerts opened.
    pub fn raise(&self, findings: Vec<Finding>) -> Result<Vec<Alert>, AlertError> {
        if findings.is_empty() {
            return Ok(Vec::new());
        }
        let opened = self.with(|file, inner| {
            let mut ops = Vec::new();
            let mut opened = Vec::new();
            // Findings of this call fold into each other as they would across calls.
            let mut pending: HashMap<(String, String), (usize, u64)> = HashMap::new();
            for finding in findings {
                let key = (finding.rule.clone(), finding.subject.clone());
                let time = finding.evidence.time_last;
                let existing = pending
                    .get(&key)
                    .copied()
                    .or_else(|| inner.latest.get(&key).copied());
                let current = existing.and_then(|(index, n)| {
                    let alert = if index >= inner.alerts.len() {
                        opened.get(index - inner.alerts.len())
                    } else {
                        inner.alerts.get(index)
                    }?;
                    Some((alert, n))
                });
                let fold = current.as_ref().and_then(|(alert, _)| {
                    (finding.window > 0
                        && alert.state != State::Resolved
                        && time <= alert.last.saturating_add(finding.window)
                        && time >= alert.first.saturating_sub(finding.window))
                    .then(|| alert.id.clone())
                });
                if let Some(id) = fold {
                    ops.push(Op::Hit {
                        id,
                        time,
                        evidence: finding.evidence,
                    });
                    continue;
                }
                let n = current.map_or(0, |(_, n)| n) + 1;
                let alert = Alert {
                    id: alert_id(
                        &finding.rule,
                        &finding.subject,
                        finding.evidence.time_first,
                        n,
                    ),
                    rule: finding.rule,
                    title: finding.title,
                    kind: finding.kind.to_string(),
                    severity: finding.severity,
                    subject: finding.subject,
                    summary: finding.summary,
                    state: State::New,
                    first: finding.evidence.time_first,
                    last: time,
                    count: 1,
                    sinks: finding.sinks,
                    evidence: vec![finding.evidence],
                    raised_at: now(),
                    state_changed: None,
                };
                pending.insert(key, (inner.alerts.len() + opened.len(), n));
                opened.push(alert);
            }
            // Open before hits, so a hit on an alert opened in this call finds it.
            let mut all: Vec<Op> = opened
                .iter()
                .cloned()
                .map(|alert| Op::Open { alert })
                .collect();
            all.extend(ops);
            Self::append(file, inner, all)?;
            Ok(opened)
        })?;
        self.notify();
        Ok(opened)
    }

    /// Sets the state of the alert `id` (`by` says who); `None` when no alert has that id.
    pub fn set_state(&self, id: &str, state: State, by: &str) -> Result<Option<Alert>, AlertError> {
        let alert = self.with(|file, inner| {
            if !inner.by_id.contains_key(id) {
                return Ok(None);
            }
            Self::append(
                file,
                inner,
                vec![Op::State {
                    id: id.to_string(),
                    state,
                    at: now(),
                    by: by.to_string(),
                }],
            )?;
            Ok(inner
                .by_id
                .get(id)
                .and_then(|&i| inner.alerts.get(i))
                .cloned())
        })?;
        self.notify();
        Ok(alert)
    }

    /// Every alert as it stands, oldest first.
    pub fn list(&self) -> Result<Vec<Alert>, AlertError> {
        self.with(|_, inner| Ok(inner.alerts.clone()))
    }

    /// The alert `id`.
    pub fn get(&self, id: &str) -> Result<Option<Alert>, AlertError> {
        self.with(|_, inner| {
            Ok(inner
                .by_id
                .get(id)
                .and_then(|&i| inner.alerts.get(i))
                .cloned())
        })
    }

    /// The log's length in bytes (what the sinks' offsets count).
    pub fn len(&self) -> Result<u64, AlertError> {
        self.with(|_, inner| Ok(inner.offset))
    }

    /// True when nothing was ever raised.
    pub fn is_empty(&self) -> Result<bool, AlertError> {
        self.len().map(|len| len == 0)
    }
}

/// A stable id: the same (rule, subject, first time, how many alerts it had before) gives the
/// same id in any process.
fn alert_id(rule: &str, subject: &str, first: i64, n: u64) -> String {
    let mut hash = sha2::Sha256::new();
    for part in [
        rule.as_bytes(),
        subject.as_bytes(),
        &first.to_be_bytes(),
        &n.to_be_bytes(),
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Reads what was appended since `inner.offset` (whole lines only) and applies it.
fn catch_up(file: &mut File, inner: &mut Inner) -> std::io::Result<()> {
    let end = file.seek(SeekFrom::End(0))?;
    if end <= inner.offset {
        return Ok(());
    }
    file.seek(SeekFrom::Start(inner.offset))?;
    let mut reader = std::io::BufReader::new(file.take(end - inner.offset));
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        inner.offset += read as u64;
        match serde_json::from_slice::<Op>(&line) {
            Ok(op) => inner.apply(op),
            Err(err) => {
                tracing::warn!(error = %err, offset = inner.offset, "skipping a line of the alert log that does not parse")
            }
        }
    }
    Ok(())
}

/// The alerts opened in the log at `path` from byte `offset` on (at most `most`), each with
/// the offset just after it, and the offset reading stopped at: what a sink delivers next.
pub fn opened_since(
    path: &Path,
    offset: u64,
    most: usize,
) -> std::io::Result<(Vec<(Alert, u64)>, u64)> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), offset)),
        Err(err) => return Err(err),
    };
    file.seek(SeekFrom::Start(offset))?;
    let mut reader = std::io::BufReader::new(file);
    let mut position = offset;
    let mut out = Vec::new();
    let mut line = Vec::new();
    while out.len() < most {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 || line.last() != Some(&b'\n') {
            break;
        }
        position += read as u64;
        if let Ok(Op::Open { alert }) = serde_json::from_slice::<Op>(&line) {
            out.push((alert, position));
        }
    }
    Ok((out, position))
}
