//! hark-intel: the questions analysts ask of passive DNS history, answered from a [`Store`].
//!
//! Each module answers one recon question with a serialisable result:
//! - [`history`]: every address a name (or every name under a domain) had, as periods, and
//!   when hosting moved;
//! - [`pivot`]: every name seen on an address, network or range, with each address's fan-out
//!   in registrable domains, so dedicated addresses stand apart from shared hosting;
//! - [`nameservers`]: a domain's name servers, provider servers told apart from its own, and
//!   the other domains that share its own;
//! - [`mail`]: the provider behind each MX and how it changed;
//! - [`txt`]: SPF (with `include:` chains resolved from the store), DMARC, DKIM selectors,
//!   MTA-STS, TLS-RPT, BIMI, verification tokens and the domains sharing them;
//! - [`subdomains`]: every name under a domain, live or gone, and what it pointed to, with
//!   the names its certificates covered ([`certs`], from a CT export the user provides);
//! - [`takeover`]: dangling CNAMEs into takeover-prone services, NS delegations to dead domains;
//! - [`changes`]: one time-sorted change log for a domain;
//! - [`profile`]: the technology profile (hosting, CDN, cloud, DNS, mail, SaaS) and the
//!   networks behind the addresses, with AS numbers from an offline database ([`asn`]);
//! - [`graph`]: names, addresses, NS, MX and CNAME edges as JSON, DOT or GraphML;
//! - [`recon`]: all of them for one domain, as one serialisable [`Recon`](recon::Recon);
//! - [`verify`] (active, opt-in): which remembered records a named resolver still returns.
//!
//! Knowledge about services (mail providers, SPF includes, DKIM selectors, verification
//! tokens by value, owner label or CNAME, takeover-prone CNAME targets and DNS providers with
//! their dated standing, hosting/CDN/DNS names, AS numbers) lives in data files in `data/`,
//! each entry with its public source and an example it must name ([`knowledge`]); tokens no
//! table lists are named by their own vendor word. How much of a corpus of real records the
//! tables name is measured by `tests/it/coverage.rs`. Registrable domains come from the Public
//! Suffix List (the `psl` crate and the list it ships).
//!
//! It is not: a storage engine, an HTTP server, a CLI or a renderer (text, Markdown and HTML
//! reports of these answers are the `hark-present` crate's job; every answer here is plain data
//! that serialises to JSON). It sees only the [`Store`] trait, and it never sends a DNS query,
//! except [`verify`], which runs only when the user asks for it.
//!
//! ```
//! # fn demo(store: &dyn hark_store::Store) -> Result<(), hark_intel::IntelError> {
//! let mail = hark_intel::mail::analyse(store, "example.com")?;
//! for exchange in &mail.exchanges {
//!     println!("{} {} -> {}", exchange.preference, exchange.host, exchange.provider);
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod asn;
pub mod certs;
pub mod changes;
pub mod graph;
pub mod history;
pub mod knowledge;
pub mod mail;
pub mod names;
pub mod nameservers;
pub mod pivot;
pub mod profile;
pub mod recon;
pub mod subdomains;
pub mod takeover;
pub mod timeline;
pub mod txt;
pub mod verify;

use hark_dns::RrType;
use hark_store::{
    NamePattern, NegativeQuery, NegativeRow, RdataMatch, RdataQuery, Row, RrsetQuery, Store,
    StoreError, TimeFence,
};
use serde::Serialize;
use std::ops::ControlFlow;

/// Most rows one analysis reads before it stops with [`IntelError::TooManyRows`].
pub const MAX_ROWS: usize = 5_000_000;

/// Why an analysis could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum IntelError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The name, address or pattern given cannot be used.
    #[error("{0}")]
    BadInput(String),
    /// The analysis ran past the deadline given with [`with_deadline`].
    #[error("the analysis ran past its time limit")]
    TimedOut,
    /// More rows matched than one analysis reads.
    #[error(
        "more than {max} rows match {what}: narrow the question (a subdomain, a smaller network)"
    )]
    TooManyRows {
        /// What was asked.
        what: String,
        /// The limit.
        max: usize,
    },
}

/// When something was seen, and how often.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Seen {
    /// First seen, epoch seconds.
    pub first: i64,
    /// Last seen, epoch seconds.
    pub last: i64,
    /// Observations.
    pub count: u64,
}

impl Seen {
    /// The span of a stored tally (sensor times, else zone times).
    pub fn of(tally: &hark_record::Tally) -> Seen {
        let span = tally.seen.or(tally.zone_seen);
        Seen {
            first: span.map_or(0, |s| s.first),
            last: span.map_or(0, |s| s.last),
            count: tally.count,
        }
    }

    /// True when no time is known (a row without sensor or zone times).
    pub fn is_timeless(&self) -> bool {
        self.first == 0 && self.last == 0
    }

    /// Widens this span with another; a span without times adds only its count.
    pub fn widen(&mut self, other: Seen) {
        if self.is_timeless() {
            self.first = other.first;
            self.last = other.last;
        } else if !other.is_timeless() {
            self.first = self.first.min(other.first);
            self.last = self.last.max(other.last);
        }
        self.count = self.count.saturating_add(other.count);
    }
}

thread_local! {
    /// The deadline of the analysis running on this thread, if any.
    static DEADLINE: std::cell::Cell<Option<std::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// Runs `analysis` with a deadline: every row an analysis reads on this thread counts, the
/// clock is looked at every 1,024 rows, and past the deadline the analysis ends with
/// [`IntelError::TimedOut`]. For servers, whose answers have a time limit.
pub fn with_deadline<T>(
    deadline: std::time::Instant,
    analysis: impl FnOnce() -> Result<T, IntelError>,
) -> Result<T, IntelError> {
    let previous = DEADLINE.replace(Some(deadline));
    let result = analysis();
    DEADLINE.set(previous);
    result
}

/// Counts a row read; true once this thread's deadline (if any) has passed.
pub(crate) fn out_of_time(rows: &mut u32) -> bool {
    *rows = rows.wrapping_add(1);
    rows.is_multiple_of(1024)
        && DEADLINE
            .get()
            .is_some_and(|deadline| std::time::Instant::now() >= deadline)
}

/// Collects rows of an rrset lookup, refusing more than [`MAX_ROWS`].
pub(crate) fn rrset_rows(
    store: &dyn Store,
    name: NamePattern,
    rrtype: Option<RrType>,
    what: &str,
) -> Result<Vec<Row>, IntelError> {
    let query = RrsetQuery {
        name,
        rrtype,
        bailiwick: None,
        fence: TimeFence::default(),
    };
    collect(what, |visit| store.rrset(&query, visit))
}

/// Rows of `domain` itself and of every name below it.
pub(crate) fn domain_rows(
    store: &dyn Store,
    domain: &[u8],
    rrtype: Option<RrType>,
) -> Result<Vec<Row>, IntelError> {
    let what = names::text(domain);
    let mut rows = rrset_rows(store, NamePattern::Exact(domain.to_vec()), rrtype, &what)?;
    rows.extend(rrset_rows(
        store,
        NamePattern::Subdomains(domain.to_vec()),
        rrtype,
        &what,
    )?);
    Ok(rows)
}

/// Collects rows of an rdata lookup, refusing more than [`MAX_ROWS`].
pub(crate) fn rdata_rows(
    store: &dyn Store,
    rdata: RdataMatch,
    rrtype: Option<RrType>,
    what: &str,
) -> Result<Vec<Row>, IntelError> {
    let query = RdataQuery {
        rdata,
        rrtype,
        fence: TimeFence::default(),
    };
    collect(what, |visit| store.rdata(&query, visit))
}

/// Negative rows (NXDOMAIN, NODATA) for a name pattern.
pub(crate) fn negative_rows(
    store: &dyn Store,
    name: NamePattern,
) -> Result<Vec<NegativeRow>, IntelError> {
    let query = NegativeQuery {
        name,
        qtype: None,
        fence: TimeFence::default(),
    };
    collect("negative answers", |visit| store.negatives(&query, visit))
}

/// Collects what `scan` visits, stopping at this thread's deadline and at [`MAX_ROWS`].
fn collect<T>(
    what: &str,
    scan: impl FnOnce(&mut dyn FnMut(T) -> ControlFlow<()>) -> Result<(), StoreError>,
) -> Result<Vec<T>, IntelError> {
    let mut rows = Vec::new();
    let mut over = false;
    let mut late = false;
    let mut read = 0u32;
    scan(&mut |row| {
        if out_of_time(&mut read) {
            late = true;
            return ControlFlow::Break(());
        }
        if rows.len() >= MAX_ROWS {
            over = true;
            return ControlFlow::Break(());
        }
        rows.push(row);
        ControlFlow::Continue(())
    })?;
    if late {
        return Err(IntelError::TimedOut);
    }
    if over {
        return Err(IntelError::TooManyRows {
            what: what.to_string(),
            max: MAX_ROWS,
        });
    }
    Ok(rows)
}

/// True for the DNSSEC types, which verification leaves alone.
pub(crate) fn is_dnssec(rrtype: RrType) -> bool {
    matches!(
        rrtype,
        RrType::DS
            | RrType::RRSIG
            | RrType::NSEC
            | RrType::DNSKEY
            | RrType::NSEC3
            | RrType::NSEC3PARAM
            | RrType::CDS
            | RrType::CDNSKEY
    )
}

/// The presentation form of a row's rdata.
pub(crate) fn rdata_text(row: &Row) -> String {
    let parts = row.key.parts();
    let mut out = String::new();
    hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut out);
    out
}

/// The newest last-seen time among rows and negative rows: the store's "now" for a domain,
/// against which names are judged live or gone (captures may be old).
pub(crate) fn newest(rows: &[Row], negatives: &[NegativeRow]) -> i64 {
    rows.iter()
        .map(|r| Seen::of(&r.tally).last)
        .chain(negatives.iter().map(|n| Seen::of(&n.tally).last))
        .max()
        .unwrap_or(0)
}
