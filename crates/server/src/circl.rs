//! The CIRCL passive DNS face: `GET /pdns/query/{q}`, answered in COF NDJSON.
//!
//! `q` is an IP address, a CIDR (`10.0.0.0/24`, with a raw `/`), a range (`lo-hi`), or a
//! name, optionally with a wildcard (`*.example.com`). An address query returns the A/AAAA
//! rows pointing into it; a name query returns the rows of that owner name. Each line is one
//! COF object ([`hark_cof::Style::circl`]): no framing, an empty body for no results.
//!
//! Paging follows CIRCL's "dribble" headers: the client sends `dribble-paginate-count: N`
//! (and `dribble-paginate-cursor: C` after the first page); the answer carries
//! `x-dribble-cursor: C'` while more rows follow, and omits it on the last page. A cursor is a
//! positive integer, as pypdns requires, naming a walk the server keeps: the key of the last
//! row served, so the next page resumes from there in the store's order
//! (`rrset_after`/`rdata_after`) instead of rescanning what was served. Walks expire after
//! [`CURSOR_TTL`]; an expired or unknown cursor is refused with 400. A number below
//! [`FIRST_CURSOR`] is read as a count of rows to skip (a rescan), for clients that count.
//!
//! A walk or an answer cut at the key's `results_max` (or `limit`) while more rows matched
//! says so with `x-dribble-errors: {"error":"maxset","value":N}`, as CIRCL does; an answer
//! streamed without paging says so when it is at most [`INLINE_ROWS`] rows (it is gathered
//! before the headers are sent), and is streamed unannounced above that.
//!
//! `dribble-filter-rrtype` (or the `rrtype` parameter) filters by type; no type means every
//! type, `ANY` every type but DNSSEC ones ([`hark_store::TypeFilter`]).
//! `dribble-disable-active-query` is accepted and has no effect (hark never queries actively).
//! The DNSDB time fences and `limit` work here too.

use crate::cursor::Walk;
use crate::params::{check_accept, split_path, Params, NDJSON_TYPES};
use crate::stream::{run_blocking, spawn_lines};
use crate::{auth, lookup, ApiError, AppState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use hark_cof::{self as cof, Style};
use hark_store::{Lookup, Row, RrKey, Store, TypeFilter};
use std::hash::{Hash, Hasher};
use std::ops::ControlFlow;
use std::sync::Arc;

pub use crate::cursor::{CURSOR_TTL, FIRST_CURSOR, MAX_WALKS};

/// The route prefix.
pub const PREFIX: &str = "/pdns/query/";

/// Largest page served, whatever `dribble-paginate-count` asks.
pub const MAX_PAGE: u64 = 10_000;

/// Answers without paging whose limit is at most this many rows are gathered whole before
/// the headers go out, so that a cut answer can say so.
pub const INLINE_ROWS: u64 = 10_000;

/// Answers `GET /pdns/query/{q}`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let config = &state.config;
    let caller = auth::require_basic(config.keys.as_ref(), request.headers())?;
    let limits = caller
        .as_ref()
        .map_or(config.limits, |c| c.quota.limits(&config.limits));
    let uri = request.uri();
    let rest = uri.path().strip_prefix(PREFIX).ok_or(ApiError::NotFound)?;
    let q = split_path(rest)?.join("/");
    let now = jiff::Timestamp::now().as_second();
    let params = Params::parse(uri.query(), now)?;
    let headers = request.headers();
    let type_text = header_text(headers, "dribble-filter-rrtype")?.or(params.rrtype.clone());
    let filter = TypeFilter::parse(type_text.as_deref(), TypeFilter::All)?;
    let lookup = hark_query::parse_subject(&q, filter, params.fence)?;
    let limit = limits.limit(Some(params.limit.unwrap_or(0)));
    check_accept(headers, NDJSON_TYPES)?;
    let page = header_number(headers, "dribble-paginate-count")?;
    if page == Some(0) {
        return Err(ApiError::BadRequest(
            "dribble-paginate-count must be at least 1".into(),
        ));
    }
    let fingerprint = fingerprint(&lookup, filter);
    let start = match header_number(headers, "dribble-paginate-cursor")? {
        None | Some(0) => Start::Skip(0),
        Some(count) if count < FIRST_CURSOR => Start::Skip(count),
        Some(id) => match state.cursors.resume(id) {
            Some(walk) if walk.query == fingerprint => Start::Resume(walk),
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "dribble-paginate-cursor belongs to another query".into(),
                ))
            }
            None => {
                return Err(ApiError::BadRequest(
                    "dribble-paginate-cursor has expired or is unknown: start the walk again"
                        .into(),
                ))
            }
        },
    };
    // A query refused as busy is not charged to the key's quota.
    let permit = state.begin_query()?;
    let rate = state.limiter.admit(caller.as_ref(), now)?;
    let deadline = tokio::time::Instant::now() + config.query_timeout;
    let store = Arc::clone(&state.store);
    let origin = config.origin.clone();
    let mut response = match page {
        None if limit > INLINE_ROWS => spawn_lines(deadline, None, None, move |sink| {
            let _permit = permit;
            let style = Style::circl(&origin);
            let mut served = 0u64;
            let result = lookup::run(&*store, &lookup, filter, None, deadline, &mut |row| {
                if served >= limit || sink.timed_out() {
                    return ControlFlow::Break(());
                }
                served += 1;
                push_line(&row, &style, sink.buffer());
                sink.flush_if_full()
            });
            if let Err(err) = result {
                tracing::error!(error = %err, "circl lookup failed part-way");
            }
        })
        .into_response(),
        page => {
            let served = start.served();
            let wanted = page
                .map_or(limit, |p| p.min(MAX_PAGE))
                .min(limit.saturating_sub(served));
            let gathered = run_blocking(deadline, move || {
                let _permit = permit;
                gather(
                    &*store,
                    &lookup,
                    filter,
                    &start,
                    wanted,
                    deadline,
                    &Style::circl(&origin),
                )
            })
            .await?;
            let served = served + gathered.rows;
            let mut response = Body::from(gathered.body).into_response();
            match gathered.last {
                Some(last) if gathered.more && served < limit && page.is_some() => {
                    let id = state.cursors.open(Walk {
                        query: fingerprint,
                        after: last,
                        served,
                    });
                    response
                        .headers_mut()
                        .insert("x-dribble-cursor", HeaderValue::from(id));
                }
                _ if gathered.more => {
                    let errors = serde_json::json!({"error": "maxset", "value": limit});
                    if let Ok(value) = HeaderValue::from_str(&errors.to_string()) {
                        response.headers_mut().insert("x-dribble-errors", value);
                    }
                }
                _ => {}
            }
            response
        }
    };
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    rate.add_headers(response.headers_mut());
    Ok(response)
}

/// Where a page starts.
enum Start {
    /// After skipping this many rows from the first (a rescan).
    Skip(u64),
    /// After the last row of a kept walk.
    Resume(Walk),
}

impl Start {
    /// Rows served before this page.
    fn served(&self) -> u64 {
        match self {
            Start::Skip(count) => *count,
            Start::Resume(walk) => walk.served,
        }
    }
}

/// One page, gathered whole.
struct Gathered {
    body: Vec<u8>,
    rows: u64,
    /// The key of the last row served.
    last: Option<RrKey>,
    /// True when at least one more row matched.
    more: bool,
}

/// Gathers `wanted` rows from `start` as COF lines, and looks one row further.
fn gather(
    store: &dyn Store,
    lookup: &Lookup,
    filter: TypeFilter,
    start: &Start,
    wanted: u64,
    deadline: tokio::time::Instant,
    style: &Style<'_>,
) -> Result<Gathered, ApiError> {
    let (after, mut skip) = match start {
        Start::Skip(count) => (None, *count),
        Start::Resume(walk) => (Some(&walk.after), 0),
    };
    let mut page = Gathered {
        body: Vec::new(),
        rows: 0,
        last: None,
        more: false,
    };
    lookup::run(store, lookup, filter, after, deadline, &mut |row: Row| {
        if skip > 0 {
            skip -= 1;
            return ControlFlow::Continue(());
        }
        if page.rows >= wanted {
            page.more = true;
            return ControlFlow::Break(());
        }
        push_line(&row, style, &mut page.body);
        page.rows += 1;
        page.last = Some(row.key);
        ControlFlow::Continue(())
    })?;
    // The scan stops itself at the deadline: a page that did not look past its end then is cut.
    if tokio::time::Instant::now() >= deadline && !page.more {
        return Err(ApiError::TimedOut);
    }
    Ok(page)
}

/// A fingerprint of what a walk looks up, so that a cursor resumes only its own query.
fn fingerprint(lookup: &Lookup, filter: TypeFilter) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    format!("{lookup:?} {filter:?}").hash(&mut hasher);
    hasher.finish()
}

/// Appends one COF line.
fn push_line(row: &Row, style: &Style<'_>, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, &cof::object(row, style)).is_ok() {
        out.push(b'\n');
    }
}

/// A header's text, when present.
fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(|s| s.trim().to_string())
                .map_err(|_| ApiError::BadRequest(format!("{name}: not text")))
        })
        .transpose()
}

/// A header holding a whole number, when present.
fn header_number(headers: &HeaderMap, name: &str) -> Result<Option<u64>, ApiError> {
    header_text(headers, name)?
        .map(|text| {
            text.parse().map_err(|_| {
                ApiError::BadRequest(format!("{name}: {text:?} is not a whole number"))
            })
        })
        .transpose()
}
