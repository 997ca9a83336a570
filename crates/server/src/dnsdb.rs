//! The DNSDB API v2 face, under `/dnsdb/v2`.
//!
//! | path | answer |
//! |---|---|
//! | `lookup/rrset/name/{owner}[/{rrtype}[/{bailiwick}]]` | rows by owner name, wildcards allowed |
//! | `lookup/rrset/raw/{hex}[/{rrtype}]` | rows by wire-format owner name |
//! | `lookup/rdata/name/{name}[/{rrtype}]` | rows whose rdata names `name` |
//! | `lookup/rdata/ip/{ip, net,pfx or lo-hi}[/{A,AAAA,ANY}]` | A/AAAA rows in the range |
//! | `lookup/rdata/raw/{hex}[/{rrtype}]` | rows with exactly this rdata |
//! | `summarize/...` | the same paths, one object: count, num_results, times |
//! | `{regex,glob}/{rrnames,rdata}/{pattern}[/{rrtype}]` | flex search ([`crate::flex`]) |
//! | `rate_limit`, `ping` | one JSON document |
//!
//! Lookups answer in SAF ([`crate::saf`]): one object per stored row (rdata as a one-element
//! array), `limited` when more rows than the limit matched, `failed` on a time-out or a store
//! failure. Each object is built by [`hark_cof::object`].

use crate::flex::{self, FlexQuery};
use crate::params::{check_accept, split_path, Limits, Params, NDJSON_TYPES};
use crate::saf::{stream_items, End};
use crate::stream::{run_blocking, spawn_lines, LineSink};
use crate::{auth, lookup, saf, ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use hark_cof::{self as cof, Style};
use hark_store::{Lookup, Row, TypeFilter};
use serde_json::{json, Map, Value};
use std::ops::ControlFlow;
use std::sync::Arc;

/// The route prefix.
pub const PREFIX: &str = "/dnsdb/v2/";

/// Highest offset a bounded lookup may skip and still be answered inline.
const INLINE_OFFSET_MAX: u64 = 1_000;

/// The media type of SAF answers.
const NDJSON: &str = "application/x-ndjson";

/// Lookup, summarize or flex search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    Lookup,
    Summarize,
    Flex(flex::Syntax),
}

/// Answers every request under `/dnsdb/v2/`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let uri = request.uri();
    let rest = uri.path().strip_prefix(PREFIX).ok_or(ApiError::NotFound)?;
    let segments = split_path(rest)?;
    let first = segments.first().map(String::as_str).unwrap_or_default();
    if first == "ping" && segments.len() == 1 {
        return Ok(json_document(&json!({"ping": "ok"})));
    }
    let config = &state.config;
    let caller = auth::require_api_key(config.keys.as_ref(), request.headers())?;
    let now = jiff::Timestamp::now().as_second();
    let limits = caller
        .as_ref()
        .map_or(config.limits, |c| c.quota.limits(&config.limits));
    let verb = match first {
        "rate_limit" if segments.len() == 1 => {
            let status = state.limiter.status(caller.as_ref(), now);
            let burst = caller.as_ref().and_then(|c| c.quota.burst);
            return Ok(rate_limit(&limits, &status, burst));
        }
        "lookup" => Verb::Lookup,
        "summarize" => Verb::Summarize,
        "regex" | "glob" => Verb::Flex(if first == "regex" {
            flex::Syntax::Regex
        } else {
            flex::Syntax::Glob
        }),
        _ => return Err(ApiError::NotFound),
    };
    check_accept(request.headers(), NDJSON_TYPES)?;
    let params = Params::parse(uri.query(), now)?;
    if let Verb::Flex(syntax) = verb {
        let query = FlexQuery::parse(syntax, segments.get(1..).unwrap_or_default(), &params)?;
        let limit = limits.limit(params.limit);
        let offset = limits.offset(params.offset)?;
        // A query refused as busy is not charged to the key's quota.
        let permit = state.begin_query()?;
        let rate = state.limiter.admit(caller.as_ref(), now)?;
        let deadline = tokio::time::Instant::now() + config.query_timeout;
        let body = flex::respond(
            Arc::clone(&state.store),
            query,
            &params,
            (offset, limit),
            deadline,
            permit,
        );
        return Ok(ndjson_response(body, &rate));
    }
    let (lookup, filter) = parse_path(&segments, params.fence)?;
    let limit = limits.limit(params.limit);
    let offset = match verb {
        Verb::Summarize => 0,
        _ => limits.offset(params.offset)?,
    };
    // A query refused as busy is not charged to the key's quota.
    let permit = state.begin_query()?;
    let rate = state.limiter.admit(caller.as_ref(), now)?;
    let deadline = tokio::time::Instant::now() + config.query_timeout;
    let timeout_line = Some(Bytes::from(saf::failed("query time limit reached")));
    let head = Some(Bytes::from_static(saf::BEGIN));
    let store = Arc::clone(&state.store);
    let body = match verb {
        Verb::Lookup => {
            let style = Style::dnsdb(lookup.is_rrset(), params.humantime);
            let emit = move |row: &Row, sink: &mut LineSink| {
                saf::push_obj(cof::object(row, &style), sink.buffer());
            };
            if lookup.is_bounded() && offset <= INLINE_OFFSET_MAX {
                // Small by construction: gathered whole on the blocking pool (a store call may
                // block, whatever the engine) and sent with its length, unless it outgrows the
                // budget, in which case it is streamed like any other answer.
                let (store, lookup) = (Arc::clone(&store), lookup.clone());
                let gathered = run_blocking(deadline, move || {
                    let mut sink = LineSink::gather(deadline);
                    sink.buffer().extend_from_slice(saf::BEGIN);
                    stream_items(
                        &mut sink,
                        |visit| lookup::run(&*store, &lookup, filter, None, deadline, visit),
                        offset,
                        limit,
                        &mut { emit },
                    );
                    Ok((!sink.overflowed()).then(|| sink.into_bytes()))
                })
                .await?;
                if let Some(bytes) = gathered {
                    drop(permit);
                    return Ok(ndjson_response(axum::body::Body::from(bytes), &rate));
                }
            }
            spawn_lines(deadline, head, timeout_line, move |sink| {
                let _permit = permit;
                stream_items(
                    sink,
                    |visit| lookup::run(&*store, &lookup, filter, None, deadline, visit),
                    offset,
                    limit,
                    &mut { emit },
                );
            })
        }
        _ => spawn_lines(deadline, head, timeout_line, move |sink| {
            let _permit = permit;
            summarize(
                sink,
                &lookup,
                filter,
                &*store,
                limit,
                params.max_count,
                params.humantime,
            )
        }),
    };
    Ok(ndjson_response(body, &rate))
}

/// A streamed SAF answer with its media type and the key's rate headers.
fn ndjson_response(body: axum::body::Body, rate: &auth::RateStatus) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    rate.add_headers(response.headers_mut());
    response
}

/// A one-line JSON document (ping, rate_limit).
fn json_document(value: &Value) -> Response {
    let mut text = value.to_string();
    text.push('\n');
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `rate_limit`: the key's quota and limits. `burst_size` and `burst_window` are present
/// only when the key has a burst limit: dnsdbq asserts that they are integers when present.
fn rate_limit(limits: &Limits, status: &auth::RateStatus, burst: Option<auth::Burst>) -> Response {
    let mut rate = Map::new();
    let or_text = |value: Option<Value>, text: &str| value.unwrap_or_else(|| text.into());
    rate.insert(
        "reset".into(),
        or_text(status.reset.map(Value::from), "n/a"),
    );
    rate.insert(
        "limit".into(),
        or_text(status.limit.map(Value::from), "unlimited"),
    );
    rate.insert(
        "remaining".into(),
        or_text(status.remaining.map(Value::from), "n/a"),
    );
    rate.insert("results_max".into(), limits.results_max.into());
    rate.insert("offset_max".into(), limits.offset_max.into());
    if let Some(burst) = burst {
        rate.insert("burst_size".into(), burst.size.into());
        rate.insert("burst_window".into(), burst.window.into());
    }
    json_document(&json!({ "rate": rate }))
}

/// Parses the lookup after the verb (`rrset/name/...`), with DNSDB's meaning of no type: `ANY`.
pub(crate) fn parse_path(
    segments: &[String],
    fence: hark_store::TimeFence,
) -> Result<(Lookup, TypeFilter), ApiError> {
    let segments: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
    Ok(hark_query::parse_lookup(&segments, fence, TypeFilter::Any)?)
}

/// Streams a summarize answer (after `begin`): one object (when anything matched), then the terminator.
fn summarize(
    sink: &mut LineSink,
    lookup: &Lookup,
    filter: TypeFilter,
    store: &dyn hark_store::Store,
    limit: u64,
    max_count: Option<u64>,
    humantime: bool,
) {
    // Every row's tally merged by the one merge rule: the summary is their sum.
    let mut total = hark_record::Tally::default();
    let mut results = 0u64;
    let mut end = End::Succeeded;
    let result = lookup::run(store, lookup, filter, None, sink.deadline(), &mut |row| {
        if sink.timed_out() {
            end = End::TimedOut;
            return ControlFlow::Break(());
        }
        if sink.is_closed() {
            end = End::Gone;
            return ControlFlow::Break(());
        }
        if results >= limit {
            end = End::Limited;
            return ControlFlow::Break(());
        }
        if max_count.is_some_and(|max| total.count >= max) {
            return ControlFlow::Break(());
        }
        results += 1;
        total.merge(&row.tally);
        ControlFlow::Continue(())
    });
    if results > 0 && matches!(end, End::Succeeded | End::Limited) {
        let mut obj = Map::new();
        obj.insert("count".into(), total.count.into());
        obj.insert("num_results".into(), results.into());
        let time = |t| cof::time_value(t, humantime);
        if let Some(seen) = total.seen {
            obj.insert("time_first".into(), time(seen.first));
            obj.insert("time_last".into(), time(seen.last));
        }
        if let Some(zone) = total.zone_seen {
            obj.insert("zone_time_first".into(), time(zone.first));
            obj.insert("zone_time_last".into(), time(zone.last));
        }
        saf::push_obj(obj, sink.buffer());
    }
    saf::finish(sink, result, end);
}
