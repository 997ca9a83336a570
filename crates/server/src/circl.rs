//! The CIRCL passive DNS face: `GET /pdns/query/{q}`, answered in COF NDJSON.
//!
//! `q` is an IP address, a CIDR (`10.0.0.0/24`, with a raw `/`), a range (`lo-hi`), or a
//! name, optionally with a wildcard (`*.example.com`). An address query returns the A/AAAA
//! rows pointing into it; a name query returns the rows of that owner name. Each line is one
//! COF object ([`hark_cof::Style::circl`]): no framing, an empty body for no results.
//!
//! Paging follows CIRCL's "dribble" headers: the client sends `dribble-paginate-count: N`
//! (and `dribble-paginate-cursor: C` after the first page); the answer carries
//! `x-dribble-cursor: C'` while more rows follow, and omits it on the last page. The cursor is
//! the number of rows already served, always positive. `dribble-filter-rrtype` (or the
//! `rrtype` parameter) filters by type; `dribble-disable-active-query` is accepted and has no
//! effect (hark never queries actively). The DNSDB time fences and `limit` work here too.

use crate::lookup::{Lookup, TypeFilter};
use crate::params::{check_accept, split_path, Params, NDJSON_TYPES};
use crate::stream::{run_blocking, spawn_lines};
use crate::{auth, ApiError, AppState};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use hark_cof::{self as cof, Style};
use hark_store::{IpRange, NamePattern, RdataMatch, RdataQuery, Row, RrsetQuery, TimeFence};
use std::ops::ControlFlow;
use std::sync::Arc;

/// The route prefix.
pub const PREFIX: &str = "/pdns/query/";

/// Largest page served, whatever `dribble-paginate-count` asks.
pub const MAX_PAGE: u64 = 10_000;

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
    let filter = match type_text.as_deref() {
        None | Some("") => TypeFilter::All,
        Some(t) => TypeFilter::parse(Some(t))?,
    };
    let lookup = parse_query(&q, filter, params.fence)?;
    let limit = limits.limit(Some(params.limit.unwrap_or(0)));
    check_accept(headers, NDJSON_TYPES)?;
    // A query refused as busy is not charged to the key's quota.
    let permit = state.begin_query()?;
    let rate = state.limiter.admit(caller.as_ref(), now)?;
    let page = header_number(headers, "dribble-paginate-count")?;
    let cursor = header_number(headers, "dribble-paginate-cursor")?.unwrap_or(0);
    let deadline = tokio::time::Instant::now() + config.query_timeout;
    let store = Arc::clone(&state.store);
    let origin = config.origin.clone();
    let mut response = match page {
        None => spawn_lines(deadline, None, None, move |sink| {
            let _permit = permit;
            let style = Style::circl(&origin);
            let mut served = 0u64;
            let result = lookup.run(&*store, filter, deadline, &mut |row| {
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
        Some(0) => {
            return Err(ApiError::BadRequest(
                "dribble-paginate-count must be at least 1".into(),
            ))
        }
        Some(page) => {
            let end = cursor.saturating_add(page.min(MAX_PAGE)).min(limit);
            let (body, more) = run_blocking(deadline, move || {
                let _permit = permit;
                let style = Style::circl(&origin);
                let mut body = Vec::new();
                let mut index = 0u64;
                let mut more = false;
                let mut timed_out = false;
                lookup.run(&*store, filter, deadline, &mut |row| {
                    if tokio::time::Instant::now() >= deadline {
                        timed_out = true;
                        return ControlFlow::Break(());
                    }
                    if index >= end {
                        more = true;
                        return ControlFlow::Break(());
                    }
                    if index >= cursor {
                        push_line(&row, &style, &mut body);
                    }
                    index += 1;
                    ControlFlow::Continue(())
                })?;
                if timed_out {
                    return Err(ApiError::TimedOut);
                }
                Ok((body, more && end < limit))
            })
            .await?;
            let mut response = Body::from(body).into_response();
            if more {
                response
                    .headers_mut()
                    .insert("x-dribble-cursor", HeaderValue::from(end));
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

/// Appends one COF line.
fn push_line(row: &Row, style: &Style<'_>, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, &cof::object(row, style)).is_ok() {
        out.push(b'\n');
    }
}

/// Reads `q`: an address, CIDR or range, else a name pattern.
fn parse_query(q: &str, filter: TypeFilter, fence: TimeFence) -> Result<Lookup, ApiError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(ApiError::BadRequest("nothing to look up".into()));
    }
    let looks_like_address = q.contains(':')
        || q.bytes()
            .all(|b| b.is_ascii_digit() || b".,/-".contains(&b));
    if let Ok(range) = IpRange::parse(q) {
        return Ok(Lookup::Rdata(RdataQuery {
            rrtype: Some(range.rrtype()),
            rdata: RdataMatch::Ip(range),
            fence,
        }));
    }
    if looks_like_address && q.contains('/') {
        return Err(ApiError::BadRequest(format!(
            "{q:?} is not a usable address, CIDR or range"
        )));
    }
    let name = NamePattern::parse(q).map_err(|err| ApiError::BadRequest(err.to_string()))?;
    Ok(Lookup::Rrset(RrsetQuery {
        name,
        rrtype: filter.store_type(),
        bailiwick: None,
        fence,
    }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_by_kind() {
        let fence = TimeFence::default();
        for q in [
            "192.0.2.1",
            "10.0.0.0/24",
            "2001:db8::/32",
            "10.0.0.1-10.0.0.9",
        ] {
            assert!(
                matches!(parse_query(q, TypeFilter::All, fence), Ok(Lookup::Rdata(_))),
                "{q}"
            );
        }
        for q in ["example.com", "*.example.com", "www.example.*"] {
            assert!(
                matches!(parse_query(q, TypeFilter::All, fence), Ok(Lookup::Rrset(_))),
                "{q}"
            );
        }
        assert!(parse_query("10.0.0.0/99", TypeFilter::All, fence).is_err());
        assert!(parse_query("", TypeFilter::All, fence).is_err());
    }
}
