//! hark's own JSON API under `/api/v1`, for the web UI, the analyses and scripts.
//!
//! Where the DNSDB and CIRCL faces follow other services' wire formats, this one answers
//! plain JSON documents, described by the OpenAPI 3.1 document at `/api/openapi.json`:
//!
//! | path (under `/api/v1/`) | answer |
//! |---|---|
//! | `lookup/rrset/name/{owner}[/{rrtype}[/{bailiwick}]]`, `lookup/rrset/raw/{hex}[/{rrtype}]` | rows by owner name |
//! | `lookup/rdata/name/{name}[/{rrtype}]`, `lookup/rdata/ip/{ip, net,pfx or lo-hi}`, `lookup/rdata/raw/{hex}[/{rrtype}]` | rows by rdata |
//! | `negative/{name}[/{qtype}]` | NXDOMAIN and NODATA answers by question name |
//! | `certs/{name}` | names seen in certificates (CT imports), with their issuers |
//! | `stats` | what the store holds |
//! | `recon/{domain}` | the whole recon report of `hark-intel` |
//! | `intel/{history,pivot,ns,mx,txt,subdomains,takeover,changes,profile,graph}/{target}` | one recon question (`history?subdomains=true`, `changes?since=&until=`, `graph?budget=N`: any subject, at most N nodes) |
//!
//! Lookups answer `{"results": [...], "returned": N, "limited": bool, "next_offset": N|null}`,
//! each result a COF object (rdata a string, bailiwick when known), taking the DNSDB
//! parameters (time fences, `limit`, `offset`, `humantime`) and the same wildcards. The key
//! goes in `X-API-Key` or as HTTP Basic credentials, as on the other faces; rate limits and
//! query slots are shared with them.

use crate::params::{check_accept, split_path, Params};
use crate::stream::run_blocking;
use crate::{auth, lookup, ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use hark_cof::{self as cof, Style};
use hark_store::TypeFilter;
use serde_json::{json, Map, Value};
use std::ops::ControlFlow;
use std::sync::Arc;

/// The route prefix.
pub const PREFIX: &str = "/api/v1/";

/// Most results in one page of this API (larger answers: page with `offset`, or stream them
/// from the DNSDB face).
pub const MAX_PAGE: u64 = 10_000;

/// The OpenAPI document describing this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// `GET /api/openapi.json`.
pub async fn openapi() -> Response {
    json_response(OPENAPI.to_string())
}

fn json_response(text: String) -> Response {
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The work of one request, run on the blocking pool against the store.
type StoreJob = Box<dyn FnOnce(&dyn hark_store::Store) -> Result<Value, ApiError> + Send>;

/// One page of results, gathered whole.
struct Page {
    results: Vec<Value>,
    limited: bool,
}

/// Answers every request under `/api/v1/`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let config = &state.config;
    let headers = request.headers();
    let caller = if headers.contains_key(header::AUTHORIZATION) {
        auth::require_basic(config.keys.as_ref(), headers)?
    } else {
        auth::require_api_key(config.keys.as_ref(), headers)?
    };
    check_accept(headers, &["application/json"])?;
    let uri = request.uri();
    let rest = uri.path().strip_prefix(PREFIX).ok_or(ApiError::NotFound)?;
    let segments = split_path(rest)?;
    let now = jiff::Timestamp::now().as_second();
    let params = Params::parse(uri.query(), now)?;
    let limits = caller
        .as_ref()
        .map_or(config.limits, |c| c.quota.limits(&config.limits));
    // Pages are built whole in memory, so they are smaller than streamed answers.
    let limit = limits.limit(params.limit).min(MAX_PAGE);
    let offset = limits.offset(params.offset)?;
    let first = segments.first().map(String::as_str).unwrap_or_default();
    let deadline = tokio::time::Instant::now() + config.query_timeout;
    if first == "stats" && segments.len() == 1 {
        // Kept as rows are committed (the `Store` contract): no scan, so no query slot, and a
        // flood of stats calls cannot crowd lookups out.
        let rate = state.limiter.admit(caller.as_ref(), now)?;
        let store = Arc::clone(&state.store);
        let document = run_blocking(deadline, move || Ok(stats(&*store)?)).await?;
        let mut response = json_response(document.to_string());
        rate.add_headers(response.headers_mut());
        return Ok(response);
    }
    let run: StoreJob = match first {
        "recon" | "intel" => intel_job(&segments, uri.query())?,
        "lookup" => {
            let path: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
            let (found, filter) = hark_query::parse_lookup(&path, params.fence, TypeFilter::All)?;
            let style = Style {
                humantime: params.humantime,
                ..Style::EXPORT
            };
            Box::new(move |store| {
                let page = collect(
                    offset,
                    limit,
                    |visit| lookup::run(store, &found, filter, None, deadline, visit),
                    |row| Value::Object(cof::object(row, &style)),
                )?;
                Ok(page_document(page, offset))
            })
        }
        "negative" => {
            let path: Vec<&str> = segments.iter().skip(1).map(String::as_str).collect();
            let (query, filter) = hark_query::parse_negative(&path, params.fence)?;
            let humantime = params.humantime;
            Box::new(move |store| {
                let page = collect(
                    offset,
                    limit,
                    |visit| hark_store::run_negatives(store, &query, filter, visit),
                    |row| Value::Object(cof::negative_object(row, humantime)),
                )?;
                Ok(page_document(page, offset))
            })
        }
        "certs" => {
            let name = match segments.as_slice() {
                [_, name] => name,
                _ => return Err(ApiError::NotFound),
            };
            let query = hark_store::CertQuery {
                name: hark_store::NamePattern::parse(name)
                    .map_err(|err| ApiError::BadRequest(err.to_string()))?,
                fence: params.fence,
            };
            let humantime = params.humantime;
            Box::new(move |store| {
                let page = collect(
                    offset,
                    limit,
                    |visit| store.certs(&query, visit),
                    |row| Value::Object(cof::cert_object(row, humantime)),
                )?;
                Ok(page_document(page, offset))
            })
        }
        _ => return Err(ApiError::NotFound),
    };
    // A query refused as busy is not charged to the key's quota.
    let permit = state.begin_query()?;
    let rate = state.limiter.admit(caller.as_ref(), now)?;
    let store = Arc::clone(&state.store);
    let document = run_blocking(deadline, move || {
        let _permit = permit;
        // Analyses stop at the same deadline, so a timed-out request frees its slot.
        hark_intel::with_deadline(deadline.into_std(), || Ok(run(&*store)))
            .unwrap_or_else(|err| Err(intel_error(err)))
    })
    .await?;
    let mut response = json_response(document.to_string());
    rate.add_headers(response.headers_mut());
    Ok(response)
}

/// `recon/{domain}` and `intel/{question}/{target}`: the analyses of `hark-intel`.
fn intel_job(segments: &[String], query: Option<&str>) -> Result<StoreJob, ApiError> {
    use hark_intel::{
        changes, graph, history, mail, nameservers, pivot, profile, recon, subdomains, takeover,
        txt,
    };
    fn json<T: serde::Serialize>(
        result: Result<T, hark_intel::IntelError>,
    ) -> Result<Value, ApiError> {
        let value = result.map_err(intel_error)?;
        serde_json::to_value(value).map_err(|err| ApiError::Internal(err.to_string()))
    }
    let (question, target) = match segments {
        [kind, target] if kind == "recon" => ("recon".to_string(), target.clone()),
        [kind, question, rest @ ..] if kind == "intel" && !rest.is_empty() => {
            (question.clone(), rest.join("/"))
        }
        _ => return Err(ApiError::NotFound),
    };
    let time = |name: &str| -> Result<Option<i64>, ApiError> {
        crate::params::query_value(query, name)?
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ApiError::BadRequest(format!("{name}={v:?}: expected epoch seconds"))
                })
            })
            .transpose()
    };
    let subdomains_too = match crate::params::query_value(query, "subdomains")? {
        Some(v) => crate::params::parse_bool("subdomains", &v)?,
        None => false,
    };
    let (since, until) = (time("since")?, time("until")?);
    let budget = crate::params::query_value(query, "budget")?
        .map(|v| {
            v.trim().parse::<usize>().map_err(|_| {
                ApiError::BadRequest(format!("budget={v:?}: expected a number of nodes"))
            })
        })
        .transpose()?;
    let job: StoreJob = match question.as_str() {
        "recon" => Box::new(move |store| json(recon::recon(store, &target))),
        "history" => Box::new(move |store| json(history::analyse(store, &target, subdomains_too))),
        "pivot" => Box::new(move |store| json(pivot::analyse(store, &target))),
        "ns" => Box::new(move |store| json(nameservers::analyse(store, &target))),
        "mx" => Box::new(move |store| json(mail::analyse(store, &target))),
        "txt" => Box::new(move |store| json(txt::analyse(store, &target))),
        "subdomains" => Box::new(move |store| json(subdomains::analyse(store, &target))),
        "takeover" => Box::new(move |store| json(takeover::analyse(store, &target))),
        "changes" => Box::new(move |store| json(changes::analyse(store, &target, since, until))),
        "profile" => Box::new(move |store| json(profile::analyse(store, &target, None))),
        "graph" => match budget {
            // Any subject (name, domain, address, network) with a size budget.
            Some(budget) => Box::new(move |store| {
                let (graph, truncated) =
                    graph::around(store, &target, budget).map_err(intel_error)?;
                let mut value = json(Ok(graph))?;
                value["truncated"] = truncated.into();
                Ok(value)
            }),
            None => Box::new(move |store| json(graph::analyse(store, &target))),
        },
        _ => return Err(ApiError::NotFound),
    };
    Ok(job)
}

pub(crate) fn intel_error(err: hark_intel::IntelError) -> ApiError {
    match err {
        hark_intel::IntelError::Store(err) => ApiError::from(err),
        hark_intel::IntelError::TimedOut => ApiError::TimedOut,
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Gathers items `offset..offset+limit` of what `scan` visits, shaped by `shape` (only
/// those kept are shaped), noting whether more followed.
fn collect<T>(
    offset: u64,
    limit: u64,
    scan: impl FnOnce(&mut dyn FnMut(T) -> ControlFlow<()>) -> Result<(), hark_store::StoreError>,
    shape: impl Fn(&T) -> Value,
) -> Result<Page, ApiError> {
    let mut page = Page {
        results: Vec::new(),
        limited: false,
    };
    let mut index = 0u64;
    scan(&mut |item| {
        if index >= offset.saturating_add(limit) {
            page.limited = true;
            return ControlFlow::Break(());
        }
        if index >= offset {
            page.results.push(shape(&item));
        }
        index += 1;
        ControlFlow::Continue(())
    })?;
    Ok(page)
}

fn page_document(page: Page, offset: u64) -> Value {
    let returned = page.results.len() as u64;
    let next = page.limited.then(|| offset + returned);
    json!({
        "results": page.results,
        "returned": returned,
        "limited": page.limited,
        "next_offset": next,
    })
}

/// `stats`: the store's figures.
fn stats(store: &dyn hark_store::Store) -> Result<Value, hark_store::StoreError> {
    let stats = store.stats()?;
    let per_type: Map<String, Value> = stats
        .rows_per_type
        .iter()
        .map(|(rrtype, rows)| (rrtype.to_string(), (*rows).into()))
        .collect();
    Ok(json!({
        "rows": stats.rows,
        "names": stats.names,
        "negatives": stats.negatives,
        "certs": stats.certs,
        "rows_per_type": per_type,
        "files": stats.files,
        "disk_bytes": stats.disk_bytes,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openapi_document_is_json_and_names_every_path() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let paths = doc["paths"].as_object().expect("paths");
        for path in [
            "/api/v1/lookup/rrset/name/{owner}",
            "/api/v1/lookup/rdata/ip/{range}",
            "/api/v1/negative/{name}",
            "/api/v1/certs/{name}",
            "/api/v1/stats",
            "/v1/history/{domain}/dns/{type}",
            "/v1/domains/list",
            "/api/v3/domains/{domain}/resolutions",
            "/api/v3/ip_addresses/{ip}/resolutions",
        ] {
            assert!(paths.contains_key(path), "{path}");
        }
    }

    #[test]
    fn pages_note_what_follows() {
        let items = |n: u64| {
            move |visit: &mut dyn FnMut(Value) -> ControlFlow<()>| {
                for i in 0..n {
                    if visit(i.into()).is_break() {
                        break;
                    }
                }
                Ok(())
            }
        };
        let page = collect(2, 3, items(10), |v| v.clone()).expect("page");
        assert_eq!(page.results, [json!(2), json!(3), json!(4)]);
        assert!(page.limited);
        let doc = page_document(collect(8, 3, items(10), |v| v.clone()).expect("page"), 8);
        assert_eq!(doc["returned"], 2);
        assert_eq!(doc["next_offset"], Value::Null);
    }
}
