//! The [`Watcher`]: rules applied to what each commit changed and to the queries dnstap logs.
//!
//! It subscribes to the store writer's change feed ([`Watcher::subscriber`]): every row and
//! negative answer a commit found **new** is matched once, on the writer's thread, after the
//! commit is durable. So replaying an input counts nothing twice, and a restart raises
//! nothing again: rows already stored are not new. Queries (which never become rows) come
//! through the dnstap decoder's tap ([`Watcher::query_tap`]), with the client's address.
//!
//! Matching is hash probes per label and one binary search per address, whatever the size of
//! the lists; the store is read only for candidates of the rules that need history (is this
//! name, this registrable domain, new? what did this SPF record say before?), and each
//! registrable domain is looked up at most once per process.
//!
//! Findings are written to the alert log by a thread of their own ([`Watcher::flush`] waits
//! for it), so the writer never waits for the log's fsync. The price: a crash between a
//! commit and the log's next sync (one fsync, milliseconds) loses that commit's alerts, since
//! its rows are no longer new afterwards; nothing is ever raised twice.

use crate::alerts::{AlertLog, Evidence, Finding};
use crate::matchers::rdata_address;
use crate::rules::{Kind, Rule, RuleSet};
use hark_dns::RrType;
use hark_ingest::dnstap::{QueryEvent, QueryTap};
use hark_record::{CertKey, NegativeKey, RrKey, Tally};
use hark_store::{Changes, NamePattern, Picked, RrsetQuery, Store, Subscriber, TimeFence};
use hashbrown::{HashMap, HashSet};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Most registrable domains remembered as known before the memory is cleared (each costs one
/// store lookup again after that).
const KNOWN_DOMAINS_MAX: usize = 4_000_000;

/// The file keeping when the watcher first saw an observation (the start of warm-ups).
const STATE_FILE: &str = "state.json";

/// Figures about the matching, for logs and benchmarks.
#[derive(Debug, Default)]
pub struct Figures {
    /// New rows and negatives matched.
    pub rows: AtomicU64,
    /// Queries matched.
    pub queries: AtomicU64,
    /// Findings (before folding into alerts).
    pub findings: AtomicU64,
    /// Alerts opened.
    pub opened: AtomicU64,
    /// Store lookups made for history.
    pub lookups: AtomicU64,
    /// Findings lost because the log could not be written.
    pub lost: AtomicU64,
}

/// A name's new rows in one commit, and the (rule index, first row) of each new-name rule
/// it matched.
type NameHits<'a> = (usize, Vec<(usize, &'a (RrKey, Tally))>);

/// A registrable domain's text, its new rows in one commit, and the first of them.
type DomainHits<'a> = (String, usize, &'a (RrKey, Tally));

/// A takeover-risk candidate of one commit: (rule index, owner, CNAME or NS, target, the
/// evidence that made it one).
type Takeover<'a> = (
    usize,
    std::borrow::Cow<'a, [u8]>,
    RrType,
    std::borrow::Cow<'a, [u8]>,
    Evidence,
);

/// Most owners pointing at one dead name that a takeover-risk rule checks per commit.
const TAKEOVER_OWNERS_MAX: usize = 1000;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Persisted {
    first_time: Option<i64>,
}

struct Memory {
    known_domains: HashSet<Box<[u8]>>,
    first_time: Option<i64>,
}

/// Applies a [`RuleSet`] to the change feed and to logged queries, raising alerts in an
/// [`AlertLog`].
pub struct Watcher {
    rules: RwLock<Arc<RuleSet>>,
    log: Arc<AlertLog>,
    store: Arc<dyn Store>,
    memory: Mutex<Memory>,
    state_path: PathBuf,
    figures: Arc<Figures>,
    raiser: Raiser,
}

/// Most batches of findings waiting for the alert log; past it, matching waits (the writer
/// slows down rather than memory growing).
const RAISE_QUEUE: usize = 4096;

/// The thread writing findings to the alert log, so the store's writer never waits for the
/// log's fsync: batches that queue up while one is written are written together (one fsync).
struct Raiser {
    sender: Option<crossbeam_channel::Sender<Vec<Finding>>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// (batches sent, batches written), for [`Watcher::flush`].
    progress: Arc<(Mutex<(u64, u64)>, std::sync::Condvar)>,
}

impl Raiser {
    fn start(log: Arc<AlertLog>, figures: Arc<Figures>) -> Raiser {
        let (sender, receiver) = crossbeam_channel::bounded::<Vec<Finding>>(RAISE_QUEUE);
        let progress = Arc::new((Mutex::new((0u64, 0u64)), std::sync::Condvar::new()));
        let done = progress.clone();
        let thread = std::thread::Builder::new()
            .name("hark-alerts".into())
            .spawn(move || {
                while let Ok(first) = receiver.recv() {
                    let mut findings = first;
                    let mut batches = 1u64;
                    while let Ok(more) = receiver.try_recv() {
                        findings.extend(more);
                        batches += 1;
                    }
                    let count = findings.len() as u64;
                    match log.raise(findings) {
                        Ok(opened) => {
                            figures
                                .opened
                                .fetch_add(opened.len() as u64, Ordering::Relaxed);
                        }
                        Err(err) => {
                            figures.lost.fetch_add(count, Ordering::Relaxed);
                            tracing::error!(error = %err, findings = count, "cannot record alerts: they are lost");
                        }
                    }
                    let (lock, condvar) = &*done;
                    let mut state = lock.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    state.1 += batches;
                    condvar.notify_all();
                }
            })
            .map_err(|err| tracing::error!(error = %err, "cannot start the alert thread; alerts are written inline"))
            .ok();
        Raiser {
            sender: thread.as_ref().map(|_| sender),
            thread,
            progress,
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.raiser.sender.take();
        if let Some(thread) = self.raiser.thread.take() {
            let _ = thread.join();
        }
    }
}

fn present_name(wire: &[u8]) -> String {
    let mut out = String::new();
    if hark_dns::name::to_presentation(wire, &mut out).is_err() {
        out = String::from_utf8_lossy(wire).into_owned();
    }
    out
}

fn span(tally: &Tally) -> (i64, i64) {
    tally
        .seen
        .or(tally.zone_seen)
        .map_or((0, 0), |s| (s.first, s.last))
}

fn row_evidence(key: &RrKey, tally: &Tally) -> Evidence {
    let parts = key.parts();
    let mut rdata = String::new();
    hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
    let (time_first, time_last) = span(tally);
    Evidence {
        source: "row".into(),
        rrname: present_name(parts.rrname),
        rrtype: parts.rrtype.to_string(),
        rdata: Some(rdata),
        bailiwick: parts.bailiwick.map(present_name),
        time_first,
        time_last,
        count: tally.count,
        ..Evidence::default()
    }
}

fn negative_evidence(key: &NegativeKey, tally: &Tally) -> Evidence {
    let (time_first, time_last) = span(tally);
    Evidence {
        source: "negative".into(),
        rrname: present_name(&key.qname),
        rrtype: key.qtype.to_string(),
        rcode: Some(hark_record::rcode::negative_kind(key.rcode)),
        time_first,
        time_last,
        count: tally.count,
        ..Evidence::default()
    }
}

/// How an alert names a certificate's issuer.
fn issuer_named(key: &CertKey) -> &str {
    if key.issuer.is_empty() {
        "an unnamed issuer"
    } else {
        &key.issuer
    }
}

fn cert_evidence(key: &CertKey, tally: &Tally) -> Evidence {
    let (time_first, time_last) = span(tally);
    Evidence {
        source: "certificate".into(),
        rrname: present_name(&key.name),
        rrtype: String::new(),
        issuer: Some(key.issuer.to_string()),
        time_first,
        time_last,
        count: tally.count,
        ..Evidence::default()
    }
}

fn query_evidence(event: &QueryEvent<'_>) -> Evidence {
    Evidence {
        source: "query".into(),
        rrname: present_name(event.qname),
        rrtype: event.qtype.to_string(),
        client: event.client.map(|c| c.to_string()),
        server: event.server.map(|c| c.to_string()),
        message: Some(event.kind.name().to_string()),
        time_first: event.time,
        time_last: event.time,
        count: 1,
        ..Evidence::default()
    }
}

/// Decodes what a canary token's labels carry (the labels of `name` left of `decoy`) into
/// `evidence`; the text to add to the summary.
fn token_data(name: &[u8], decoy: &[u8], evidence: &mut Evidence) -> String {
    let labels = crate::canarytoken::prefix_labels(name, decoy);
    match crate::canarytoken::decode(&labels) {
        Some(decoded) => {
            let text = format!("; token data: {}", decoded.describe());
            evidence.decoded = Some(decoded.into_map());
            text
        }
        None => String::new(),
    }
}

/// A zone-transfer finding for a query or answer, unless it is not a transfer, not of a
/// watched zone, or between allowed parties. The party checked is the one outside the
/// logging server: the client for what a server received or answered (AUTH_*, CLIENT_*),
/// the server for what a resolver, forwarder, stub or tool sent or got back; a capture's
/// answer names only its server.
fn zone_transfer(
    rule: &Rule,
    zones: &crate::matchers::NameSet,
    allow: &crate::matchers::CidrSet,
    event: &QueryEvent<'_>,
) -> Option<Finding> {
    use hark_ingest::dnstap::proto::MessageType;
    if !hark_ingest::dnstap::is_transfer(event.qtype) {
        return None;
    }
    let (zone, _) = zones.find(event.qname)?;
    let served_here = matches!(
        event.kind,
        MessageType::AuthQuery
            | MessageType::AuthResponse
            | MessageType::ClientQuery
            | MessageType::ClientResponse
    );
    let (peer, role) = if served_here {
        match (event.client, event.server) {
            (Some(client), _) => (Some(client), "client"),
            (None, server) => (server, "server"),
        }
    } else {
        match (event.server, event.client) {
            (Some(server), _) => (Some(server), "server"),
            (None, client) => (client, "client"),
        }
    };
    if peer.is_some_and(|p| allow.contains(p)) {
        return None;
    }
    let evidence = query_evidence(event);
    let who = peer.map_or_else(|| "unknown".to_string(), |p| p.to_string());
    let answer = if event.kind.is_query() {
        "asked"
    } else {
        "answered"
    };
    Some(finding(
        rule,
        format!("{} {} {who}", evidence.rrname, evidence.rrtype),
        format!(
            "zone transfer {} of {} {answer} ({role} {who} is not allowed; zone {})",
            evidence.rrtype,
            evidence.rrname,
            present_name(zone)
        ),
        evidence,
    ))
}

fn finding(rule: &Rule, subject: String, summary: String, evidence: Evidence) -> Finding {
    Finding {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        kind: rule.kind.name(),
        severity: rule.severity,
        window: rule.window,
        sinks: rule.sinks.clone(),
        subject,
        summary,
        evidence,
    }
}

/// The registrable domain of a canonical wire name: its wire suffix, and its text (no final
/// dot), by the Public Suffix List.
fn registrable(wire: &[u8]) -> Option<(&[u8], String)> {
    let text = present_name(wire);
    let domain = psl::domain_str(text.trim_end_matches('.'))?;
    // The domain is the name's last labels: as many as it has dots, plus one.
    let keep = domain.bytes().filter(|&b| b == b'.').count() + 1;
    let mut starts = Vec::with_capacity(8);
    let mut at = 0usize;
    while let Some(&len) = wire.get(at) {
        if len == 0 {
            break;
        }
        starts.push(at);
        at += 1 + usize::from(len);
    }
    let start = *starts.get(starts.len().checked_sub(keep)?)?;
    Some((wire.get(start..)?, domain.to_string()))
}

impl Watcher {
    /// A watcher applying `rules` to commits into `store`, raising alerts in `log`; its
    /// warm-up state is kept in the log's directory.
    pub fn new(store: Arc<dyn Store>, log: Arc<AlertLog>, rules: RuleSet) -> Watcher {
        let state_path = log
            .path()
            .parent()
            .map_or_else(|| PathBuf::from(STATE_FILE), |d| d.join(STATE_FILE));
        let persisted: Persisted = std::fs::read(&state_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        // A store that already holds rows when watching starts has its history: no warm-up.
        let first_time = persisted
            .first_time
            .or_else(|| store.stats().ok().filter(|s| s.rows > 0).map(|_| i64::MIN));
        let figures = Arc::new(Figures::default());
        let log_for_raiser = log.clone();
        let watcher = Watcher {
            rules: RwLock::new(Arc::new(rules)),
            log,
            store,
            memory: Mutex::new(Memory {
                known_domains: HashSet::new(),
                first_time,
            }),
            state_path,
            raiser: Raiser::start(log_for_raiser, figures.clone()),
            figures,
        };
        if persisted.first_time.is_none() && first_time.is_some() {
            watcher.persist(first_time);
        }
        watcher
    }

    fn persist(&self, first_time: Option<i64>) {
        let text = serde_json::to_vec(&Persisted { first_time }).unwrap_or_default();
        let temporary = self.state_path.with_extension("tmp");
        let written = std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &self.state_path));
        if let Err(err) = written {
            tracing::warn!(error = %err, path = %self.state_path.display(), "cannot keep the watch state");
        }
    }

    /// Replaces the rules (a reload); commits from now on see the new ones.
    pub fn set_rules(&self, rules: RuleSet) {
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(rules);
    }

    /// The rules in force.
    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The log alerts go to.
    pub fn log(&self) -> &Arc<AlertLog> {
        &self.log
    }

    /// The figures so far.
    pub fn figures(&self) -> &Figures {
        &self.figures
    }

    /// The change-feed subscriber to hand to [`hark_store::ChangeFeed::subscribe`].
    pub fn subscriber(self: &Arc<Self>) -> Subscriber {
        let watcher = self.clone();
        Arc::new(move |changes: &Changes<'_>| watcher.on_changes(changes))
    }

    /// The tap to hand to dnstap decoders, so queries reach `canary` and `intel` rules.
    pub fn query_tap(self: &Arc<Self>) -> QueryTap {
        let watcher = self.clone();
        QueryTap(Arc::new(move |event: &QueryEvent<'_>| {
            watcher.on_query(event)
        }))
    }

    /// Hands findings to the alert thread (or writes them here when it could not start).
    fn raise(&self, findings: Vec<Finding>) {
        if findings.is_empty() {
            return;
        }
        let count = findings.len() as u64;
        self.figures.findings.fetch_add(count, Ordering::Relaxed);
        if let Some(sender) = &self.raiser.sender {
            let (lock, _) = &*self.raiser.progress;
            lock.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0 += 1;
            if sender.send(findings).is_ok() {
                return;
            }
            self.figures.lost.fetch_add(count, Ordering::Relaxed);
            tracing::error!(
                findings = count,
                "the alert thread is gone: alerts are lost"
            );
            return;
        }
        match self.log.raise(findings) {
            Ok(opened) => {
                self.figures
                    .opened
                    .fetch_add(opened.len() as u64, Ordering::Relaxed);
            }
            Err(err) => {
                self.figures.lost.fetch_add(count, Ordering::Relaxed);
                tracing::error!(error = %err, findings = count, "cannot record alerts: they are lost");
            }
        }
    }

    /// Waits until every finding raised so far is in the alert log (synced).
    pub fn flush(&self) {
        let (lock, condvar) = &*self.raiser.progress;
        let mut state = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let target = state.0;
        while state.1 < target && self.raiser.thread.is_some() {
            state = condvar
                .wait(state)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    /// Applies the rules to one query a dnstap emitter logged.
    pub fn on_query(&self, event: &QueryEvent<'_>) {
        let rules = self.rules();
        if rules.rules.is_empty() {
            return;
        }
        self.figures.queries.fetch_add(1, Ordering::Relaxed);
        let mut findings = Vec::new();
        for rule in &rules.rules {
            if rule.except.contains(event.qname) {
                continue;
            }
            match &rule.kind {
                Kind::Canary { names } => {
                    if let Some((decoy, _)) = names.find(event.qname) {
                        let mut evidence = query_evidence(event);
                        let data = token_data(event.qname, decoy, &mut evidence);
                        let asker = evidence
                            .client
                            .clone()
                            .unwrap_or_else(|| "an unknown client".into());
                        findings.push(finding(
                            rule,
                            evidence.rrname.clone(),
                            format!(
                                "{asker} asked for {} {} (decoy {}){data}",
                                evidence.rrname,
                                evidence.rrtype,
                                present_name(decoy)
                            ),
                            evidence,
                        ));
                    }
                }
                Kind::ZoneTransfer { zones, allow } => {
                    if let Some(found) = zone_transfer(rule, zones, allow, event) {
                        findings.push(found);
                    }
                }
                Kind::Intel { names, networks } => {
                    if let Some((listed, source)) = names.find(event.qname) {
                        let evidence = query_evidence(event);
                        findings.push(finding(
                            rule,
                            present_name(listed),
                            format!("query for {} (listed by {source})", evidence.rrname),
                            evidence,
                        ));
                    } else if let Some(client) = event.client {
                        if let Some(source) = networks.find(client) {
                            let evidence = query_evidence(event);
                            findings.push(finding(
                                rule,
                                client.to_string(),
                                format!(
                                    "query from {client} (listed by {source}) for {}",
                                    evidence.rrname
                                ),
                                evidence,
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        self.raise(findings);
    }

    /// Applies the rules to what one commit changed.
    pub fn on_changes(&self, changes: &Changes<'_>) {
        let rules = self.rules();
        if rules.rules.is_empty() {
            return;
        }
        let rows = changes.new_row_count()
            + changes.new_negative_count()
            + changes.set.new_certs.count(changes.batch.certs.len());
        self.figures.rows.fetch_add(rows as u64, Ordering::Relaxed);
        let first_commit = matches!(changes.set.new_rows, Picked::All);
        let mut findings = Vec::new();
        let batch_first = changes
            .new_rows()
            .filter_map(|(_, t)| t.seen.map(|s| s.first))
            .min();
        let first_time = {
            let mut memory = self
                .memory
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if memory.first_time.is_none() && batch_first.is_some() {
                memory.first_time = batch_first;
                self.persist(batch_first);
            }
            memory.first_time
        };
        let domain_rules = rules.has("new-domain") || rules.has("lookalike");
        // Names and domains whose newness needs the store: the new rows of each in this batch.
        let mut names: HashMap<&[u8], NameHits<'_>> = HashMap::new();
        let mut domains: HashMap<&[u8], DomainHits<'_>> = HashMap::new();
        // Takeover-risk candidates: (rule index, owner, type, target, evidence).
        let mut takeovers: Vec<Takeover<'_>> = Vec::new();
        let takeover_rules = rules.has("takeover-risk");
        for row in changes.new_rows() {
            let (key, tally) = row;
            let parts = key.parts();
            if domain_rules {
                if let Some((wire, text)) = registrable(parts.rrname) {
                    domains
                        .entry(wire)
                        .and_modify(|entry| entry.1 += 1)
                        .or_insert((text, 1, row));
                }
            }
            let target = hark_dns::rdata::target_name(parts.rrtype, parts.rdata);
            let address = rdata_address(parts.rrtype, parts.rdata);
            let mut counted = false;
            for (index, rule) in rules.rules.iter().enumerate() {
                if rule.except.contains(parts.rrname) {
                    continue;
                }
                match &rule.kind {
                    Kind::Canary { names: decoys } => {
                        let hit = decoys
                            .find(parts.rrname)
                            .or_else(|| target.and_then(|t| decoys.find(t)));
                        if let Some((decoy, _)) = hit {
                            let mut evidence = row_evidence(key, tally);
                            let data = if decoys.find(parts.rrname).is_some() {
                                token_data(parts.rrname, decoy, &mut evidence)
                            } else {
                                String::new()
                            };
                            findings.push(finding(
                                rule,
                                evidence.rrname.clone(),
                                format!(
                                    "{} {} answered (decoy {}){data}",
                                    evidence.rrname,
                                    evidence.rrtype,
                                    present_name(decoy)
                                ),
                                evidence,
                            ));
                        }
                    }
                    Kind::Intel {
                        names: listed,
                        networks,
                    } => {
                        let by_name = listed
                            .find(parts.rrname)
                            .or_else(|| target.and_then(|t| listed.find(t)))
                            .map(|(name, source)| (present_name(name), source.to_string()));
                        let by_address = || {
                            address.and_then(|a| {
                                networks
                                    .find(a)
                                    .map(|source| (a.to_string(), source.to_string()))
                            })
                        };
                        if let Some((indicator, source)) = by_name.or_else(by_address) {
                            let evidence = row_evidence(key, tally);
                            findings.push(finding(
                                rule,
                                indicator.clone(),
                                format!(
                                    "{} {} {} matches {indicator} (listed by {source})",
                                    evidence.rrname,
                                    evidence.rrtype,
                                    evidence.rdata.as_deref().unwrap_or("")
                                ),
                                evidence,
                            ));
                        }
                    }
                    Kind::NewName { zones } => {
                        if zones.find_below(parts.rrname).is_some() {
                            let entry = names.entry(parts.rrname).or_insert((0, Vec::new()));
                            // Count each row once, whatever the number of rules matching it.
                            if !counted {
                                entry.0 += 1;
                                counted = true;
                            }
                            if !entry.1.iter().any(|(i, _)| *i == index) {
                                entry.1.push((index, row));
                            }
                        }
                    }
                    Kind::RecordChange {
                        names: exact,
                        below,
                        types,
                        expect_names,
                        expect_networks,
                        expect_asns,
                    } => {
                        let watched = exact.names_exactly(parts.rrname)
                            || below.find_below(parts.rrname).is_some();
                        if !watched || !(types.is_empty() || types.contains(&parts.rrtype)) {
                            continue;
                        }
                        let in_expected_as = |a: std::net::IpAddr| {
                            !expect_asns.is_empty()
                                && rules
                                    .asn
                                    .as_ref()
                                    .and_then(|db| db.lookup(a))
                                    .is_some_and(|info| expect_asns.contains(&info.asn))
                        };
                        let expected = match (target, address) {
                            (Some(t), _) => expect_names.contains(t),
                            (None, Some(a)) => expect_networks.contains(a) || in_expected_as(a),
                            (None, None) => false,
                        };
                        let has_expect = !expect_names.is_empty()
                            || !expect_networks.is_empty()
                            || !expect_asns.is_empty();
                        if has_expect && expected {
                            continue;
                        }
                        let grown = changes.grown_rrsets().iter().any(|(name, rrtype)| {
                            name.as_slice() == parts.rrname && *rrtype == parts.rrtype
                        });
                        let evidence = row_evidence(key, tally);
                        let summary = format!(
                            "{} {} {} {}{}",
                            evidence.rrname,
                            evidence.rrtype,
                            if grown { "gained" } else { "appeared with" },
                            evidence.rdata.as_deref().unwrap_or(""),
                            if has_expect { " (not expected)" } else { "" }
                        );
                        findings.push(finding(
                            rule,
                            format!("{} {}", evidence.rrname, evidence.rrtype),
                            summary,
                            evidence,
                        ));
                    }
                    Kind::Posture { zones } => {
                        if parts.rrtype == RrType::TXT {
                            self.posture(rule, zones, key, tally, &mut findings);
                        }
                    }
                    Kind::TakeoverRisk { zones } => {
                        if (parts.rrtype == RrType::CNAME || parts.rrtype == RrType::NS)
                            && zones.contains(parts.rrname)
                        {
                            if let Some(t) = target {
                                takeovers.push((
                                    index,
                                    std::borrow::Cow::Borrowed(parts.rrname),
                                    parts.rrtype,
                                    std::borrow::Cow::Borrowed(t),
                                    row_evidence(key, tally),
                                ));
                            }
                        }
                    }
                    Kind::NewDomain { .. }
                    | Kind::Lookalike { .. }
                    | Kind::ZoneTransfer { .. }
                    | Kind::Cert { .. } => {}
                }
            }
        }
        for (key, tally) in changes.new_negatives() {
            if takeover_rules && key.rcode == hark_record::rcode::NXDOMAIN {
                self.pointing_at(&rules, key, tally, &mut takeovers);
            }
            for rule in &rules.rules {
                if rule.except.contains(&key.qname) {
                    continue;
                }
                let (hit, what) = match &rule.kind {
                    Kind::Canary { names } => (
                        names
                            .find(&key.qname)
                            .map(|(n, _)| (present_name(n), String::new())),
                        "decoy",
                    ),
                    Kind::Intel { names, .. } => (
                        names
                            .find(&key.qname)
                            .map(|(n, s)| (present_name(n), s.to_string())),
                        "listed",
                    ),
                    _ => (None, ""),
                };
                if let Some((matched, source)) = hit {
                    let mut evidence = negative_evidence(key, tally);
                    let mut data = String::new();
                    if let (Kind::Canary { names }, true) = (&rule.kind, what == "decoy") {
                        if let Some((decoy, _)) = names.find(&key.qname) {
                            data = token_data(&key.qname, decoy, &mut evidence);
                        }
                    }
                    let subject = if what == "decoy" {
                        evidence.rrname.clone()
                    } else {
                        matched.clone()
                    };
                    let by = if source.is_empty() {
                        String::new()
                    } else {
                        format!(" by {source}")
                    };
                    findings.push(finding(
                        rule,
                        subject,
                        format!(
                            "{} {} answered {} ({what}{by}: {matched}){data}",
                            evidence.rrname,
                            evidence.rrtype,
                            evidence.rcode.as_deref().unwrap_or("")
                        ),
                        evidence,
                    ));
                }
            }
        }
        for (name, (in_batch, hits)) in names {
            if !first_commit && !self.name_is_new(name, in_batch) {
                continue;
            }
            for (index, (key, tally)) in hits {
                let Some(rule) = rules.rules.get(index) else {
                    continue;
                };
                let evidence = row_evidence(key, tally);
                findings.push(finding(
                    rule,
                    evidence.rrname.clone(),
                    format!(
                        "first sighting of {} ({} {})",
                        evidence.rrname,
                        evidence.rrtype,
                        evidence.rdata.as_deref().unwrap_or("")
                    ),
                    evidence,
                ));
            }
        }
        if domain_rules {
            self.new_domains(&rules, domains, first_commit, first_time, &mut findings);
        }
        if !takeovers.is_empty() {
            self.takeover_risks(&rules, takeovers, &mut findings);
        }
        if rules.has("cert") {
            self.certs(&rules, changes, &mut findings);
        }
        if rules.has("new-name") {
            self.new_certificate_names(&rules, changes, &mut findings);
        }
        self.raise(findings);
    }

    /// The CNAME rows naming `key`'s name as their target, and the NS rows naming it or a
    /// name below it, whose owners a takeover-risk rule watches: candidates to check.
    fn pointing_at<'c>(
        &self,
        rules: &RuleSet,
        key: &NegativeKey,
        tally: &Tally,
        takeovers: &mut Vec<Takeover<'c>>,
    ) {
        use hark_store::{RdataMatch, RdataQuery};
        let lookups = [
            (NamePattern::Exact(key.qname.to_vec()), RrType::CNAME),
            (NamePattern::Exact(key.qname.to_vec()), RrType::NS),
            (NamePattern::Subdomains(key.qname.to_vec()), RrType::NS),
        ];
        for (pattern, rrtype) in lookups {
            self.figures.lookups.fetch_add(1, Ordering::Relaxed);
            let query = RdataQuery {
                rdata: RdataMatch::Name(pattern),
                rrtype: Some(rrtype),
                fence: TimeFence::default(),
            };
            let mut owners: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let result = self.store.rdata(&query, &mut |row| {
                let parts = row.key.parts();
                if let Some(target) = hark_dns::rdata::target_name(parts.rrtype, parts.rdata) {
                    owners.push((parts.rrname.to_vec(), target.to_vec()));
                }
                if owners.len() >= TAKEOVER_OWNERS_MAX {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            });
            if let Err(err) = result {
                tracing::warn!(error = %err, "watch: a takeover lookup failed");
                continue;
            }
            for (owner, target) in owners {
                for (index, rule) in rules.rules.iter().enumerate() {
                    if let Kind::TakeoverRisk { zones } = &rule.kind {
                        if zones.contains(&owner) && !rule.except.contains(&owner) {
                            takeovers.push((
                                index,
                                std::borrow::Cow::Owned(owner.clone()),
                                rrtype,
                                std::borrow::Cow::Owned(target.clone()),
                                negative_evidence(key, tally),
                            ));
                        }
                    }
                }
            }
        }
    }

    /// Asks the recon takeover analysis (`hark-intel`) about each candidate (once per
    /// owner, type and target in a commit) and raises those whose target answers NXDOMAIN.
    fn takeover_risks(
        &self,
        rules: &RuleSet,
        takeovers: Vec<Takeover<'_>>,
        findings: &mut Vec<Finding>,
    ) {
        let mut asked: HashSet<(usize, Vec<u8>, RrType, Vec<u8>)> = HashSet::new();
        for (index, owner, rrtype, target, evidence) in takeovers {
            let Some(rule) = rules.rules.get(index) else {
                continue;
            };
            if !asked.insert((index, owner.to_vec(), rrtype, target.to_vec())) {
                continue;
            }
            self.figures.lookups.fetch_add(1, Ordering::Relaxed);
            let owner_text = present_name(&owner);
            let target_text = present_name(&target);
            let analysis = match hark_intel::takeover::analyse(&*self.store, &owner_text) {
                Ok(analysis) => analysis,
                Err(err) => {
                    tracing::warn!(error = %err, name = %owner_text, "watch: the takeover analysis failed");
                    continue;
                }
            };
            let kind = rrtype.to_string().to_ascii_lowercase();
            let Some(candidate) = analysis.candidates.into_iter().find(|c| {
                c.kind == kind
                    && c.name == owner_text
                    && c.target == target_text
                    && c.evidence.iter().any(|e| e.row.ends_with(" NXDOMAIN"))
            }) else {
                continue;
            };
            let service = candidate
                .service
                .as_deref()
                .map(|s| format!(", {s}"))
                .unwrap_or_default();
            let summary = format!(
                "{owner_text} {rrtype} {target_text}: the target answers NXDOMAIN \
                 (takeover risk {}{service})",
                candidate.severity
            );
            let mut evidence = evidence;
            evidence.finding = serde_json::to_value(&candidate).ok();
            findings.push(finding(
                rule,
                format!("{owner_text} {rrtype}"),
                summary,
                evidence,
            ));
        }
    }

    /// The `cert` rules over the certificate names a commit found new: a name DNS never
    /// showed (no row at it, nor below the base of a wildcard), or an issuer not allowed.
    fn certs(&self, rules: &RuleSet, changes: &Changes<'_>, findings: &mut Vec<Finding>) {
        for (key, tally) in changes.new_certs() {
            // `*.x.example` is covered by DNS rows at or below `x.example`.
            let base = match key.name.get(..2) {
                Some([1, b'*']) => key.name.get(2..).unwrap_or_default(),
                _ => &key.name[..],
            };
            let mut dns_showed: Option<bool> = None;
            for rule in &rules.rules {
                let Kind::Cert { zones, issuers } = &rule.kind else {
                    continue;
                };
                if rule.except.contains(base) || zones.find(base).is_none() {
                    continue;
                }
                let issuer = key.issuer.to_lowercase();
                let foreign =
                    !issuers.is_empty() && !issuers.iter().any(|i| issuer.contains(i.as_str()));
                let showed = *dns_showed.get_or_insert_with(|| {
                    self.count_rows(NamePattern::Exact(base.to_vec()), None, 1) > 0
                        || self.count_rows(NamePattern::Subdomains(base.to_vec()), None, 1) > 0
                });
                let unseen = !showed;
                if !foreign && !unseen {
                    continue;
                }
                let evidence = cert_evidence(key, tally);
                let why = match (unseen, foreign) {
                    (true, true) => "a name DNS never showed, from an issuer not allowed",
                    (true, false) => "a name DNS never showed",
                    _ => "an issuer not allowed",
                };
                let summary = format!(
                    "certificate for {} by {} ({why})",
                    evidence.rrname,
                    issuer_named(key)
                );
                findings.push(finding(rule, evidence.rrname.clone(), summary, evidence));
            }
        }
    }

    /// The `new-name` rules over certificate names: a name under a watched zone seen first in
    /// a certificate — no DNS row at it, and no certificate row of it before this commit. (A
    /// name seen in a certificate and later in DNS is reported by both paths, under the same
    /// subject: the rule's dedup window folds them into one alert.)
    fn new_certificate_names(
        &self,
        rules: &RuleSet,
        changes: &Changes<'_>,
        findings: &mut Vec<Finding>,
    ) {
        let mut in_batch: HashMap<&[u8], usize> = HashMap::new();
        for (key, _) in changes.new_certs() {
            *in_batch.entry(&key.name[..]).or_default() += 1;
        }
        let mut first_sighting: HashMap<&[u8], bool> = HashMap::new();
        for (key, tally) in changes.new_certs() {
            let name = &key.name[..];
            for rule in &rules.rules {
                let Kind::NewName { zones } = &rule.kind else {
                    continue;
                };
                if rule.except.contains(name) || zones.find_below(name).is_none() {
                    continue;
                }
                let new = *first_sighting.entry(name).or_insert_with(|| {
                    let here = in_batch.get(name).copied().unwrap_or(1);
                    self.count_rows(NamePattern::Exact(name.to_vec()), None, 0) == 0
                        && self.count_certs(name, here) <= here
                });
                if !new {
                    continue;
                }
                let evidence = cert_evidence(key, tally);
                let summary = format!(
                    "first sighting of {} (in a certificate by {})",
                    evidence.rrname,
                    issuer_named(key)
                );
                findings.push(finding(rule, evidence.rrname.clone(), summary, evidence));
            }
        }
    }

    /// Certificate-name rows of exactly `name` (any issuer), counted up to `most + 1`.
    fn count_certs(&self, name: &[u8], most: usize) -> usize {
        let query = hark_store::CertQuery {
            name: NamePattern::Exact(name.to_vec()),
            fence: TimeFence::default(),
        };
        self.count_up_to(most, "certificate", |visit| {
            self.store.certs(&query, &mut |_| visit())
        })
    }

    fn count_rows(&self, pattern: NamePattern, rrtype: Option<RrType>, most: usize) -> usize {
        let query = RrsetQuery {
            name: pattern,
            rrtype,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        self.count_up_to(most, "history", |visit| {
            self.store.rrset(&query, &mut |_| visit())
        })
    }

    /// Counts what `lookup` visits, stopping past `most`; a failed lookup counts as
    /// `usize::MAX` (the name is taken as known: no alert from a store error).
    fn count_up_to(
        &self,
        most: usize,
        what: &str,
        lookup: impl FnOnce(&mut dyn FnMut() -> ControlFlow<()>) -> Result<(), hark_store::StoreError>,
    ) -> usize {
        self.figures.lookups.fetch_add(1, Ordering::Relaxed);
        let mut seen = 0usize;
        let result = lookup(&mut || {
            seen += 1;
            if seen > most {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        if let Err(err) = result {
            tracing::warn!(error = %err, "watch: a {what} lookup failed; taking the name as known");
            return usize::MAX;
        }
        seen
    }

    /// True when the store holds no row of `name` beyond the `in_batch` this commit added.
    fn name_is_new(&self, name: &[u8], in_batch: usize) -> bool {
        self.count_rows(NamePattern::Exact(name.to_vec()), None, in_batch) <= in_batch
    }

    fn new_domains(
        &self,
        rules: &RuleSet,
        domains: HashMap<&[u8], DomainHits<'_>>,
        first_commit: bool,
        first_time: Option<i64>,
        findings: &mut Vec<Finding>,
    ) {
        for (wire, (text, in_batch, (key, tally))) in domains {
            {
                let mut memory = self
                    .memory
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if memory.known_domains.len() >= KNOWN_DOMAINS_MAX {
                    memory.known_domains.clear();
                }
                if !memory.known_domains.insert(wire.into()) {
                    continue;
                }
            }
            // What each rule would say if the domain is new; the store is asked only then
            // (never during a warm-up, never for a domain no brand resembles).
            let (time, _) = span(tally);
            let candidate = crate::lookalike::Candidate::new(&text);
            let mut would: Vec<(&Rule, String)> = Vec::new();
            for rule in &rules.rules {
                if rule.except.contains(wire) || rule.except.contains(key.parts().rrname) {
                    continue;
                }
                match &rule.kind {
                    Kind::NewDomain { warmup, zones } => {
                        let warm =
                            first_time.is_some_and(|start| time >= start.saturating_add(*warmup));
                        if warm && (zones.is_empty() || zones.contains(wire)) {
                            would.push((rule, format!("newly observed domain {text}")));
                        }
                    }
                    Kind::Lookalike { brands, except_ns } => {
                        let Some(candidate) = &candidate else {
                            continue;
                        };
                        let found = brands.iter().find_map(|brand| {
                            brand
                                .classify_candidate(candidate)
                                .map(|family| (brand, family))
                        });
                        if let Some((brand, family)) = found {
                            if except_ns.is_empty() || !self.served_by(wire, except_ns) {
                                would.push((
                                    rule,
                                    format!(
                                        "{text} looks like {} ({})",
                                        brand.domain,
                                        family.as_str()
                                    ),
                                ));
                            }
                        }
                    }
                    _ => {}
                }
            }
            if would.is_empty() {
                continue;
            }
            let is_new = first_commit || {
                let exact = self.count_rows(NamePattern::Exact(wire.to_vec()), None, in_batch);
                exact <= in_batch
                    && exact.saturating_add(self.count_rows(
                        NamePattern::Subdomains(wire.to_vec()),
                        None,
                        in_batch,
                    )) <= in_batch
            };
            if !is_new {
                continue;
            }
            for (rule, summary) in would {
                findings.push(finding(
                    rule,
                    format!("{text}."),
                    summary,
                    row_evidence(key, tally),
                ));
            }
        }
    }

    /// True when a name server of `domain` in the store is at or below a name of `servers`.
    fn served_by(&self, domain: &[u8], servers: &crate::matchers::NameSet) -> bool {
        let query = RrsetQuery {
            name: NamePattern::Exact(domain.to_vec()),
            rrtype: Some(RrType::NS),
            bailiwick: None,
            fence: TimeFence::default(),
        };
        let mut found = false;
        let _ = self.store.rrset(&query, &mut |row| {
            let parts = row.key.parts();
            found = hark_dns::rdata::target_name(parts.rrtype, parts.rdata)
                .is_some_and(|t| servers.contains(t));
            if found {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        found
    }

    /// SPF loosened or its includes changed, DMARC weakened: a new TXT row at a watched zone's
    /// apex or `_dmarc` name, compared with the record seen there before (the parsing is
    /// `hark-intel`'s).
    fn posture(
        &self,
        rule: &Rule,
        zones: &crate::matchers::NameSet,
        key: &RrKey,
        tally: &Tally,
        findings: &mut Vec<Finding>,
    ) {
        use hark_intel::txt;
        let parts = key.parts();
        let is_apex = zones.names_exactly(parts.rrname);
        let is_dmarc = parts.rrname.starts_with(b"\x06_dmarc")
            && zones.names_exactly(parts.rrname.get(7..).unwrap_or(&[]));
        if !is_apex && !is_dmarc {
            return;
        }
        let value = txt::txt_value(parts.rdata);
        let lower = value.to_ascii_lowercase();
        let spf = |v: &str| v == "v=spf1" || v.starts_with("v=spf1 ");
        let dmarc = |v: &str| v.starts_with("v=dmarc1");
        if !((is_apex && spf(&lower)) || (is_dmarc && dmarc(&lower))) {
            return;
        }
        // The record of the same kind seen last before this one.
        let mut previous: Option<(i64, String)> = None;
        self.figures.lookups.fetch_add(1, Ordering::Relaxed);
        let query = RrsetQuery {
            name: NamePattern::Exact(parts.rrname.to_vec()),
            rrtype: Some(RrType::TXT),
            bailiwick: None,
            fence: TimeFence::default(),
        };
        let _ = self.store.rrset(&query, &mut |row| {
            let other = row.key.parts();
            if other.rdata != parts.rdata {
                let text = txt::txt_value(other.rdata);
                let same_kind = if is_apex {
                    spf(&text.to_ascii_lowercase())
                } else {
                    dmarc(&text.to_ascii_lowercase())
                };
                let last = span(&row.tally).1;
                if same_kind && previous.as_ref().is_none_or(|(l, _)| last > *l) {
                    previous = Some((last, text));
                }
            }
            ControlFlow::Continue(())
        });
        let Some((_, before)) = previous else { return };
        let evidence = row_evidence(key, tally);
        let name = evidence.rrname.clone();
        if is_apex {
            let all_rank = |record: &str| {
                txt::spf_terms(record)
                    .iter()
                    .find(|t| t.name == "all")
                    .map_or(0, |t| match t.qualifier.as_str() {
                        "-" => 3,
                        "~" => 2,
                        "?" => 1,
                        _ => 0,
                    })
            };
            let includes = |record: &str| -> Vec<String> {
                let mut list: Vec<String> = txt::spf_terms(record)
                    .into_iter()
                    .filter(|t| t.name == "include" || t.name == "redirect")
                    .filter_map(|t| t.value.map(|v| v.to_ascii_lowercase()))
                    .collect();
                list.sort();
                list
            };
            if all_rank(&value) < all_rank(&before) {
                findings.push(finding(
                    rule,
                    format!("{name} SPF"),
                    format!("SPF of {name} loosened: {before:?} became {value:?}"),
                    evidence,
                ));
            } else if includes(&value) != includes(&before) {
                findings.push(finding(
                    rule,
                    format!("{name} SPF"),
                    format!(
                        "SPF includes of {name} changed: {:?} became {:?}",
                        includes(&before),
                        includes(&value)
                    ),
                    evidence,
                ));
            }
        } else {
            let seen = hark_intel::Seen::of(tally);
            let old = txt::parse_dmarc(&name, &before, seen);
            let new = txt::parse_dmarc(&name, &value, seen);
            if txt::strength_rank(&new.strength) < txt::strength_rank(&old.strength) {
                findings.push(finding(
                    rule,
                    format!("{name} DMARC"),
                    format!(
                        "DMARC of {name} weakened from {} to {}",
                        old.strength, new.strength
                    ),
                    evidence,
                ));
            }
        }
    }
}
