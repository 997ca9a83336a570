//! The SecurityTrails API v1 face, under `/v1`: what the scripts written against
//! `api.securitytrails.com` call, answered from the store.
//!
//! | request | answer |
//! |---|---|
//! | `GET ping` | `{"success": true}` (checks the key; not counted) |
//! | `GET domain/{d}` | `current_dns` per type (a, aaaa, mx, ns, soa, txt): the **current** values ([`crate::compat`] defines current: last seen within a day of the newest of that type), `first_seen` the newest first-seen date among them; `subdomain_count` (up to [`SUBDOMAIN_COUNT_CAP`]) |
//! | `GET domain/{d}/subdomains[?children_only=true]` | `subdomains`: names below `d` as labels relative to it (`www`, `a.b`); with `children_only`, one label below only; at most [`MAX_SUBDOMAINS`]; `subdomain_count`, `meta.limit_reached` |
//! | `GET history/{d}/dns/{a,aaaa,mx,ns,soa,txt}[?page=N]` | `records`: periods, newest first, of [`HISTORY_PAGE`] a page; `pages` |
//! | `POST domains/list[?page=N]` with `{"filter": {F: V}}` | the names whose rows hold V: `ipv4`, `ipv6` (A/AAAA address), `ns`, `mx`, `cname` (target), or `apex_domain` (the name and every name below it); [`LIST_PAGE`] names a page, pages up to [`LIST_MAX_PAGE`] |
//!
//! **Shapes**, and which public source gave each:
//! - history: `{"type": "a/ipv4", "records": [{"values": [{"ip": .., "ip_count": ..}],
//!   "organizations": [..], "first_seen": "YYYY-MM-DD", "last_seen": "YYYY-MM-DD"}],
//!   "pages": N}` — a real answer published in a gist (ghoeffner, 2018) and the
//!   SecurityTrails reference "DNS history by record type" (`page` parameter, types);
//!   per-type value keys (`ipv6`, `nameserver`/`nameserver_count`, `email`/`email_count`/
//!   `ttl`, `value`, MX `priority`) — the Cortex XSOAR SecurityTrails integration's outputs
//!   (demisto/content) and misp-modules' `securitytrails` expansion. MX values carry both
//!   `hostname`/`hostname_count` (the `current_dns` key, read by misp-modules) and `host`
//!   (what XSOAR and misp-modules read in history answers).
//! - `domain/{d}`: `current_dns.{a,aaaa,mx,ns,soa,txt}.{first_seen,values}` with the same
//!   value keys — misp-modules (`_CURRENT_DNS`) and XSOAR; `hostname`, `apex_domain`,
//!   `alexa_rank`, `subdomain_count`, `endpoint` — the SecurityTrails "Get Domain" reference
//!   and XSOAR.
//! - `subdomains`: `{"subdomains": ["staging", "www"], "endpoint": ..}` — pysecuritytrails'
//!   docstring; `subdomain_count` and `children_only` — XSOAR.
//! - `domains/list`: `records[].{hostname, host_provider, mail_provider, whois, computed,
//!   alexa_rank}`, `record_count`, `meta.{total_pages, page, max_page, query}` — XSOAR and
//!   misp-modules; `ping` answering `{"success": true}` — pysecuritytrails' docstring.
//! - errors: `{"message": ".."}`; 403 for a missing or unknown key, 429 when over quota,
//!   400 for a bad request (pysecuritytrails reads `message` on 400), 404 for an unknown
//!   domain or path.
//!
//! **What a passive DNS cannot say** is answered empty, never invented: `organizations` and
//! `host_provider` are `[]`, `alexa_rank`, `apex_domain` (hark keeps no public suffix list),
//! whois fields, the SOA `ttl` and `email_count` are `null`. `*_count` is the number of
//! names the store saw holding the same value, counted up to [`crate::compat::COUNT_CAP`].
//!
//! **Periods.** SecurityTrails groups a type's history into periods during which a set of
//! values was served. hark keeps each value's first and last seen times, so a period is the
//! set of values whose first-seen and last-seen *dates* (UTC) are the same; periods are
//! ordered by last-seen date, newest first, then first-seen date, newest first.
//!
//! The key goes in the `APIKEY` header (any case) or the `apikey` query parameter; keys,
//! quotas and limits are the DNSDB face's: every request but `ping` counts, and a scan reads
//! at most the key's `results_max` rows or names.

use crate::compat::{self, Held};
use crate::params::{query_value, split_path};
use crate::{auth, ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hark_dns::RrType;
use hark_store::{IpRange, Lookup, NamePattern, RdataMatch, RdataQuery, RrsetQuery, TimeFence};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::ops::ControlFlow;
use tokio::time::Instant;

/// The route prefix.
pub const PREFIX: &str = "/v1/";
/// History periods in one page.
pub const HISTORY_PAGE: usize = 100;
/// Names in one page of `domains/list`.
pub const LIST_PAGE: u64 = 100;
/// The last page `domains/list` serves, as SecurityTrails caps it.
pub const LIST_MAX_PAGE: u64 = 100;
/// Most names one `subdomains` answer lists (and fewer when the key's `results_max` is lower):
/// the answer is built whole in memory.
pub const MAX_SUBDOMAINS: u64 = 100_000;
/// Most names `domain/{d}` counts for `subdomain_count` (a figure at the cap means at least
/// that many): the count walks every row below the domain.
pub const SUBDOMAIN_COUNT_CAP: u64 = 10_000;
/// Largest request body read (`domains/list` filters).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The message of a refused key.
const BAD_KEY: &str = "Invalid authentication credentials";
/// The message of a request over the key's quota.
const OVER_QUOTA: &str = "You've exceeded the usage limits for your account.";

/// An error answered SecurityTrails' way: a status and `{"message": ".."}`.
#[derive(Debug)]
pub struct StError(pub ApiError);

impl From<ApiError> for StError {
    fn from(err: ApiError) -> Self {
        StError(err)
    }
}

impl IntoResponse for StError {
    fn into_response(self) -> Response {
        let err = self.0;
        let (status, message) = match &err {
            ApiError::Forbidden | ApiError::Unauthorized => {
                (StatusCode::FORBIDDEN, BAD_KEY.to_string())
            }
            ApiError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, OVER_QUOTA.to_string()),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "Not Found".to_string()),
            ApiError::Internal(reason) => {
                tracing::error!(error = %reason, "request failed");
                (err.status(), "internal error".to_string())
            }
            other => (other.status(), other.to_string()),
        };
        let mut response = (status, json_text(&json!({ "message": message }))).into_response();
        err.add_retry_headers(response.headers_mut());
        response
    }
}

fn json_text(value: &Value) -> Response {
    let mut response = value.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// A JSON answer with the key's rate headers.
fn answer(value: &Value, rate: &auth::RateStatus) -> Response {
    let mut response = json_text(value);
    rate.add_headers(response.headers_mut());
    response
}

/// What one request asks.
enum Ask {
    Ping,
    Domain(Vec<u8>),
    Subdomains {
        domain: Vec<u8>,
        children_only: bool,
    },
    History {
        domain: Vec<u8>,
        kind: Kind,
        page: u64,
    },
    List {
        filter: Filter,
        page: u64,
    },
}

/// Answers every request under `/v1/`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    match serve(state, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn serve(state: AppState, request: Request) -> Result<Response, StError> {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query();
    let presented = match parts.headers.get("apikey") {
        Some(value) => Some(value.as_bytes().to_vec()),
        None => query_value(query, "apikey")?.map(String::into_bytes),
    };
    let caller = auth::check_key(state.config.keys.as_ref(), presented.as_deref())?;
    let rest = parts
        .uri
        .path()
        .strip_prefix(PREFIX)
        .ok_or(ApiError::NotFound)?;
    let segments = split_path(rest)?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let page = || -> Result<u64, ApiError> {
        match query_value(query, "page")? {
            None => Ok(1),
            Some(text) => match text.trim().parse::<u64>() {
                Ok(page) if page >= 1 => Ok(page),
                _ => Err(ApiError::BadRequest(format!(
                    "page={text:?}: expected a page number from 1"
                ))),
            },
        }
    };
    let ask = match (&parts.method, segments.as_slice()) {
        (&Method::GET, ["ping"]) => Ask::Ping,
        (&Method::GET, ["domain", domain]) => Ask::Domain(compat::parse_domain(domain)?),
        (&Method::GET, ["domain", domain, "subdomains"]) => Ask::Subdomains {
            domain: compat::parse_domain(domain)?,
            children_only: match query_value(query, "children_only")? {
                Some(v) => crate::params::parse_bool("children_only", &v)?,
                None => false,
            },
        },
        (&Method::GET, ["history", domain, "dns", kind]) => Ask::History {
            domain: compat::parse_domain(domain)?,
            kind: Kind::parse(kind)?,
            page: page()?,
        },
        (&Method::POST, ["domains", "list"]) => {
            let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
                .await
                .map_err(|_| {
                    ApiError::BadRequest(format!(
                        "the request body is unreadable or over {MAX_BODY_BYTES} bytes"
                    ))
                })?;
            let page = page()?;
            if page > LIST_MAX_PAGE {
                return Err(ApiError::BadRequest(format!(
                    "page {page} is over the maximum of {LIST_MAX_PAGE}"
                ))
                .into());
            }
            Ask::List {
                filter: Filter::parse(&bytes)?,
                page,
            }
        }
        _ => return Err(ApiError::NotFound.into()),
    };
    if matches!(ask, Ask::Ping) {
        return Ok(json_text(&json!({"success": true})));
    }
    let now = jiff::Timestamp::now().as_second();
    let max = state.limits(caller.as_ref()).results_max;
    let endpoint = parts.uri.path().to_string();
    let (document, rate) = state
        .run_counted(caller.as_ref(), now, move |store, deadline| {
            let found = match ask {
                Ask::Ping => None,
                Ask::Domain(domain) => domain_document(store, &domain, max, deadline)?,
                Ask::Subdomains {
                    domain,
                    children_only,
                } => {
                    let most = max.min(MAX_SUBDOMAINS);
                    let (names, cut) = subdomains(store, &domain, children_only, most, deadline)?;
                    Some(json!({
                        "subdomains": names,
                        "subdomain_count": names.len(),
                        "meta": {"limit_reached": cut},
                    }))
                }
                Ask::History { domain, kind, page } => {
                    Some(history(store, &domain, kind, page, max, deadline)?)
                }
                Ask::List { filter, page } => Some(list(store, &filter, page, max, deadline)?),
            };
            let Some(Value::Object(mut document)) = found else {
                return Err(ApiError::NotFound);
            };
            document.insert("endpoint".into(), endpoint.into());
            Ok(Value::Object(document))
        })
        .await?;
    Ok(answer(&document, &rate))
}

/// A record type SecurityTrails keeps history of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    A,
    Aaaa,
    Mx,
    Ns,
    Soa,
    Txt,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::A,
        Kind::Aaaa,
        Kind::Mx,
        Kind::Ns,
        Kind::Soa,
        Kind::Txt,
    ];

    fn parse(text: &str) -> Result<Kind, ApiError> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "{text:?} is not a record type here: use a, aaaa, mx, ns, soa or txt"
                ))
            })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::A => "a",
            Kind::Aaaa => "aaaa",
            Kind::Mx => "mx",
            Kind::Ns => "ns",
            Kind::Soa => "soa",
            Kind::Txt => "txt",
        }
    }

    /// The `type` of a history answer.
    fn history_type(self) -> &'static str {
        match self {
            Kind::A => "a/ipv4",
            Kind::Aaaa => "aaaa/ipv6",
            other => other.name(),
        }
    }

    fn rrtype(self) -> RrType {
        match self {
            Kind::A => RrType::A,
            Kind::Aaaa => RrType::AAAA,
            Kind::Mx => RrType::MX,
            Kind::Ns => RrType::NS,
            Kind::Soa => RrType::SOA,
            Kind::Txt => RrType::TXT,
        }
    }

    fn of(rrtype: RrType) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.rrtype() == rrtype)
    }
}

/// One value as SecurityTrails shows it, with the keys its type uses.
fn value_object(
    store: &dyn hark_store::Store,
    kind: Kind,
    held: &Held,
    deadline: Instant,
) -> Result<Value, ApiError> {
    let count = compat::count_names(store, held.rrtype, &held.rdata, deadline)?;
    let text = |rdata: &[u8]| compat::rdata_text(held.rrtype, rdata);
    Ok(match kind {
        Kind::A => json!({"ip": text(&held.rdata), "ip_count": count}),
        Kind::Aaaa => json!({"ipv6": text(&held.rdata), "ipv6_count": count}),
        Kind::Ns => json!({
            "nameserver": compat::bare_name(&held.rdata),
            "nameserver_count": count,
        }),
        Kind::Mx => {
            let (priority, exchange) = compat::mx(&held.rdata)
                .map(|(p, name)| (Some(p), compat::bare_name(name)))
                .unwrap_or((None, text(&held.rdata)));
            json!({
                "hostname": exchange,
                "host": exchange,
                "priority": priority,
                "hostname_count": count,
            })
        }
        Kind::Soa => {
            let email = compat::soa(&held.rdata)
                .map(|soa| compat::mailbox(soa.rname))
                .unwrap_or_else(|| text(&held.rdata));
            // hark keeps no TTLs, and counting names by SOA mailbox would take a full scan.
            json!({"email": email, "email_count": Value::Null, "ttl": Value::Null})
        }
        Kind::Txt => json!({"value": compat::txt(&held.rdata)}),
    })
}

/// `domain/{d}`: current values per type, or `None` when the store knows nothing of `d`.
fn domain_document(
    store: &dyn hark_store::Store,
    domain: &[u8],
    max: u64,
    deadline: Instant,
) -> Result<Option<Value>, ApiError> {
    let (values, _) = compat::held_values(store, domain, None, max, deadline)?;
    let (subdomains, _) = subdomains(store, domain, false, max.min(SUBDOMAIN_COUNT_CAP), deadline)?;
    if values.is_empty() && subdomains.is_empty() {
        return Ok(None);
    }
    let mut current_dns = Map::new();
    for kind in Kind::ALL {
        current_dns.insert(kind.name().into(), json!({}));
    }
    let mut by_kind: BTreeMap<&'static str, (i64, Vec<Value>)> = BTreeMap::new();
    for held in compat::current(&values) {
        let Some(kind) = Kind::of(held.rrtype) else {
            continue;
        };
        let first = held.span().map_or(0, |(first, _)| first);
        let entry = by_kind.entry(kind.name()).or_insert((first, Vec::new()));
        entry.0 = entry.0.max(first);
        entry.1.push(value_object(store, kind, held, deadline)?);
    }
    for (name, (first, values)) in by_kind {
        current_dns.insert(
            name.into(),
            json!({"first_seen": compat::date(first), "values": values}),
        );
    }
    Ok(Some(json!({
        "hostname": compat::bare_name(domain),
        "apex_domain": Value::Null,
        "alexa_rank": Value::Null,
        "subdomain_count": subdomains.len(),
        "current_dns": current_dns,
    })))
}

/// The names below `domain`, relative to it, in name order, up to `max` names; the flag is
/// true when more followed.
fn subdomains(
    store: &dyn hark_store::Store,
    domain: &[u8],
    children_only: bool,
    max: u64,
    deadline: Instant,
) -> Result<(Vec<String>, bool), ApiError> {
    let lookup = Lookup::Rrset(RrsetQuery {
        name: NamePattern::Subdomains(domain.to_vec()),
        rrtype: None,
        bailiwick: None,
        fence: TimeFence::default(),
    });
    let depth = hark_dns::name::labels(domain).count();
    let mut names = Vec::new();
    // Rows come by owner name, so one name's rows are together; names deeper than one label
    // are skipped (not counted) when only children are asked for.
    let cut = compat::distinct_owners(store, &lookup, deadline, |owner| {
        let labels: Vec<&[u8]> = hark_dns::name::labels(owner).collect();
        let relative = labels.len().saturating_sub(depth);
        if relative == 0 || (children_only && relative > 1) {
            return ControlFlow::Continue(());
        }
        if names.len() as u64 >= max {
            return ControlFlow::Break(());
        }
        let text: Vec<String> = labels
            .iter()
            .take(relative)
            .map(|label| label_text(label))
            .collect();
        names.push(text.join("."));
        ControlFlow::Continue(())
    })?;
    Ok((names, cut))
}

/// One label in presentation form (escapes as in names).
fn label_text(label: &[u8]) -> String {
    let mut wire = Vec::with_capacity(label.len() + 2);
    wire.push(u8::try_from(label.len()).unwrap_or(0));
    wire.extend_from_slice(label);
    wire.push(0);
    compat::bare_name(&wire)
}

/// `history/{d}/dns/{kind}`: one page of periods.
fn history(
    store: &dyn hark_store::Store,
    domain: &[u8],
    kind: Kind,
    page: u64,
    max: u64,
    deadline: Instant,
) -> Result<Value, ApiError> {
    let (values, _) = compat::held_values(store, domain, Some(kind.rrtype()), max, deadline)?;
    // Periods keyed so that iterating in reverse gives newest last-seen first.
    let mut periods: BTreeMap<(String, String), Vec<&Held>> = BTreeMap::new();
    for held in values.iter().filter(|h| h.rrtype == kind.rrtype()) {
        if let Some((first, last)) = held.span() {
            periods
                .entry((compat::date(last), compat::date(first)))
                .or_default()
                .push(held);
        }
    }
    let pages = periods.len().div_ceil(HISTORY_PAGE);
    let skip = usize::try_from(page.saturating_sub(1))
        .unwrap_or(usize::MAX)
        .saturating_mul(HISTORY_PAGE);
    let mut records = Vec::new();
    for ((last, first), held) in periods.iter().rev().skip(skip).take(HISTORY_PAGE) {
        let values = held
            .iter()
            .map(|h| value_object(store, kind, h, deadline))
            .collect::<Result<Vec<_>, _>>()?;
        records.push(json!({
            "values": values,
            "type": kind.name(),
            "organizations": [],
            "first_seen": first,
            "last_seen": last,
        }));
    }
    compat::check_deadline(deadline)?;
    Ok(json!({
        "type": kind.history_type(),
        "records": records,
        "pages": pages,
    }))
}

/// A `domains/list` filter hark can answer from its indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Filter {
    /// Names with an A or AAAA row holding the address.
    Address(std::net::IpAddr, &'static str),
    /// Names with a row of this type pointing at the name.
    Target(RrType, Vec<u8>, &'static str),
    /// The name and the names below it.
    Apex(Vec<u8>),
}

impl Filter {
    fn parse(body: &[u8]) -> Result<Filter, ApiError> {
        let bad = |what: String| ApiError::BadRequest(what);
        let document: Value = serde_json::from_slice(body)
            .map_err(|err| bad(format!("the body is not JSON: {err}")))?;
        let filter = document
            .get("filter")
            .and_then(Value::as_object)
            .ok_or_else(|| bad("expected {\"filter\": {...}}".into()))?;
        let mut items = filter.iter();
        let (Some((name, value)), None) = (items.next(), items.next()) else {
            return Err(bad(
                "hark answers one filter at a time: ipv4, ipv6, ns, mx, cname or apex_domain"
                    .into(),
            ));
        };
        let text = value
            .as_str()
            .ok_or_else(|| bad(format!("filter {name}: expected a string")))?;
        let address = |family: &'static str| -> Result<Filter, ApiError> {
            let ip: std::net::IpAddr = text
                .trim()
                .parse()
                .map_err(|_| bad(format!("filter {name}: {text:?} is not an address")))?;
            if (family == "ipv4") != ip.is_ipv4() {
                return Err(bad(format!(
                    "filter {name}: {text:?} is not an {family} address"
                )));
            }
            Ok(Filter::Address(ip, family))
        };
        match name.as_str() {
            "ipv4" => address("ipv4"),
            "ipv6" => address("ipv6"),
            "ns" => Ok(Filter::Target(RrType::NS, compat::parse_domain(text)?, "ns")),
            "mx" => Ok(Filter::Target(RrType::MX, compat::parse_domain(text)?, "mx")),
            "cname" => Ok(Filter::Target(
                RrType::CNAME,
                compat::parse_domain(text)?,
                "cname",
            )),
            "apex_domain" => Ok(Filter::Apex(compat::parse_domain(text)?)),
            other => Err(bad(format!(
                "filter {other:?} is not answered by hark: use ipv4, ipv6, ns, mx, cname or apex_domain"
            ))),
        }
    }

    /// The `meta.query` text, in SecurityTrails' DSL.
    fn query_text(&self) -> String {
        match self {
            Filter::Address(ip, family) => format!("{family} = '{ip}'"),
            Filter::Target(_, name, field) => format!("{field} = '{}'", compat::bare_name(name)),
            Filter::Apex(name) => format!("apex_domain = '{}'", compat::bare_name(name)),
        }
    }

    /// The lookups whose owners answer the filter, in the order their names are listed.
    fn lookups(&self) -> Vec<Lookup> {
        match self {
            Filter::Address(ip, _) => {
                let range = IpRange {
                    low: *ip,
                    high: *ip,
                };
                vec![Lookup::Rdata(RdataQuery {
                    rrtype: Some(range.rrtype()),
                    rdata: RdataMatch::Ip(range),
                    fence: TimeFence::default(),
                })]
            }
            Filter::Target(rrtype, name, _) => vec![Lookup::Rdata(RdataQuery {
                rdata: RdataMatch::Name(NamePattern::Exact(name.clone())),
                rrtype: Some(*rrtype),
                fence: TimeFence::default(),
            })],
            Filter::Apex(name) => [
                NamePattern::Exact(name.clone()),
                NamePattern::Subdomains(name.clone()),
            ]
            .into_iter()
            .map(|pattern| {
                Lookup::Rrset(RrsetQuery {
                    name: pattern,
                    rrtype: None,
                    bailiwick: None,
                    fence: TimeFence::default(),
                })
            })
            .collect(),
        }
    }
}

/// A `domains/list` record: the name, and empty values for what only SecurityTrails knows.
fn list_record(owner: &[u8]) -> Value {
    json!({
        "hostname": compat::bare_name(owner),
        "alexa_rank": Value::Null,
        "host_provider": [],
        "mail_provider": [],
        "whois": {"createdDate": Value::Null, "expiresDate": Value::Null, "registrar": Value::Null},
        "computed": {"company_name": Value::Null},
    })
}

/// `domains/list`: one page of the names a filter matches, counted up to `max` names.
fn list(
    store: &dyn hark_store::Store,
    filter: &Filter,
    page: u64,
    max: u64,
    deadline: Instant,
) -> Result<Value, ApiError> {
    let first = (page - 1).saturating_mul(LIST_PAGE);
    let mut records = Vec::new();
    let mut count = 0u64;
    let mut cut = false;
    for lookup in filter.lookups() {
        cut = compat::distinct_owners(store, &lookup, deadline, |owner| {
            if count >= max {
                return ControlFlow::Break(());
            }
            if (first..first.saturating_add(LIST_PAGE)).contains(&count) {
                records.push(list_record(owner));
            }
            count += 1;
            ControlFlow::Continue(())
        })?;
        if cut {
            break;
        }
    }
    Ok(json!({
        "records": records,
        "record_count": count,
        "meta": {
            "total_pages": count.div_ceil(LIST_PAGE),
            "page": page,
            "max_page": LIST_MAX_PAGE,
            "query": filter.query_text(),
            "limit_reached": cut,
        },
    }))
}
