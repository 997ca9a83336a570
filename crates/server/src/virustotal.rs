//! The VirusTotal API v3 face, under `/api/v3`: the passive DNS part of VirusTotal
//! (resolutions) and the domain and IP address objects, answered from the store.
//!
//! | request | answer |
//! |---|---|
//! | `GET domains/{d}/resolutions[?limit=N&cursor=C]` | `resolution` objects of `d`'s A and AAAA rows |
//! | `GET ip_addresses/{ip}/resolutions[?limit=N&cursor=C]` | `resolution` objects of the A/AAAA rows holding `ip` |
//! | `GET domains/{d}` | a `domain` object: `last_dns_records` (the current values, as [`crate::compat`] defines current), `last_dns_records_date` |
//! | `GET ip_addresses/{ip}` | an `ip_address` object |
//! | `GET {domains,ip_addresses}/{id}/{relationship}`, `.../relationships/{relationship}` | an empty collection for VirusTotal's other relationships (files, URLs, comments...) |
//!
//! **Shapes**, and which public source gave each: the `resolution` object (`type`, `id` =
//! address then host name, `attributes.{date, host_name, ip_address, resolver,
//! host_name_last_analysis_stats, ip_address_last_analysis_stats}`) and collections
//! (`data`, `meta.cursor`, `links.{self,next}`) — VirusTotal's reference pages "Resolution
//! object", "IP resolutions" and "Collections"; error objects (`{"error": {"code", "message"}}`,
//! `AuthenticationRequiredError` 401 "X-Apikey header is missing", `WrongCredentialsError`
//! 401, `NotFoundError` 404, `InvalidArgumentError` 400, `QuotaExceededError` 429,
//! `TransientError` 503, `DeadlineExceededError` 504) — VirusTotal's reference page "Errors";
//! which attributes clients read (`whois`, `last_analysis_stats` on domains; `asn`, `network`,
//! `country` on addresses; `*_date` attributes as epoch seconds) — vt-py's `Object` and
//! misp-modules' `virustotal` expansion.
//!
//! **Paging.** `limit` is 10 by default and at most 40 (larger values are clamped). While
//! more rows follow, the answer carries `meta.cursor` and `links.next`; the last page has
//! neither. A cursor holds the key of the last row served (and the rows served so far), so
//! the next page resumes there in the store's order (`rrset_after` / `rdata_after`) instead
//! of rescanning; unlike CIRCL's numeric cursors it needs no table on the server, never
//! expires and survives a restart. A cursor whose row does not belong to the query is refused
//! (400). Rows come in the store's order (by type then address for a domain, by owner name
//! for an address), not newest first as VirusTotal orders them; one resolution is one stored
//! row, so an address seen under two bailiwicks is two resolutions. A walk ends after the
//! key's `results_max` rows.
//!
//! **What a passive DNS cannot say** is answered empty or zero, never invented: analysis
//! stats are all zero, `resolver` is the server's origin name, `whois` is `""`, reputation,
//! votes, categories, tags, ASN, network and country are empty, zero or `null`; every other
//! relationship is an empty collection. `date` is the row's last-seen time.
//!
//! The key goes in the `x-apikey` header; keys, quotas and limits are the DNSDB face's, and
//! every request counts.

use crate::compat::{self, Held};
use crate::params::{query_value, split_path};
use crate::{auth, ApiError, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hark_dns::RrType;
use hark_store::{
    IpRange, Lookup, NamePattern, RdataMatch, RdataQuery, Row, RrKey, RrsetQuery, TimeFence,
    TypeFilter,
};
use serde_json::{json, Map, Value};
use std::net::IpAddr;
use std::ops::ControlFlow;

/// The route prefix.
pub const PREFIX: &str = "/api/v3/";
/// Resolutions in a page when `limit` is not given.
pub const DEFAULT_LIMIT: u64 = 10;
/// Most resolutions in a page.
pub const MAX_LIMIT: u64 = 40;

/// The relationships VirusTotal documents for both domains and IP addresses, besides
/// `resolutions`: answered empty.
pub const COMMON_RELATIONSHIPS: &[&str] = &[
    "collections",
    "comments",
    "communicating_files",
    "downloaded_files",
    "graphs",
    "historical_ssl_certificates",
    "historical_whois",
    "referrer_files",
    "related_comments",
    "related_references",
    "related_threat_actors",
    "reports",
    "urls",
    "user_votes",
];

/// The relationships VirusTotal documents for domains only: answered empty.
pub const DOMAIN_RELATIONSHIPS: &[&str] = &[
    "caa_records",
    "cname_records",
    "immediate_parent",
    "mx_records",
    "ns_records",
    "parent",
    "siblings",
    "soa_records",
    "subdomains",
];

/// An error answered VirusTotal's way: `{"error": {"code": .., "message": ..}}`.
#[derive(Debug)]
pub enum VtError {
    /// No `x-apikey` header (401 `AuthenticationRequiredError`).
    MissingKey,
    /// An object or relationship that is not there (404 `NotFoundError`).
    NotFound(String),
    /// Anything the other faces refuse too.
    Api(ApiError),
}

impl From<ApiError> for VtError {
    fn from(err: ApiError) -> Self {
        VtError::Api(err)
    }
}

impl IntoResponse for VtError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            VtError::MissingKey => (
                StatusCode::UNAUTHORIZED,
                "AuthenticationRequiredError",
                "X-Apikey header is missing".to_string(),
            ),
            VtError::NotFound(message) => (StatusCode::NOT_FOUND, "NotFoundError", message.clone()),
            VtError::Api(err) => match err {
                ApiError::Forbidden | ApiError::Unauthorized => (
                    StatusCode::UNAUTHORIZED,
                    "WrongCredentialsError",
                    "Wrong API key".to_string(),
                ),
                ApiError::RateLimited(_) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    "QuotaExceededError",
                    "Quota exceeded".to_string(),
                ),
                ApiError::NotFound => (
                    StatusCode::NOT_FOUND,
                    "NotFoundError",
                    "Resource not found".to_string(),
                ),
                ApiError::BadRequest(message) => (
                    StatusCode::BAD_REQUEST,
                    "InvalidArgumentError",
                    message.clone(),
                ),
                ApiError::Busy => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "TransientError",
                    err.to_string(),
                ),
                ApiError::TimedOut => (
                    StatusCode::GATEWAY_TIMEOUT,
                    "DeadlineExceededError",
                    err.to_string(),
                ),
                ApiError::Internal(reason) => {
                    tracing::error!(error = %reason, "request failed");
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalError",
                        "internal error".to_string(),
                    )
                }
                other => (
                    StatusCode::BAD_REQUEST,
                    "BadRequestError",
                    other.to_string(),
                ),
            },
        };
        let body = json!({"error": {"code": code, "message": message}});
        let mut response = (status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let VtError::Api(err) = &self {
            err.add_retry_headers(response.headers_mut());
        }
        response
    }
}

/// A JSON answer with the key's rate headers.
fn answer(value: &Value, rate: &auth::RateStatus) -> Response {
    let mut response = value.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    rate.add_headers(response.headers_mut());
    response
}

/// What the resolutions are of.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Subject {
    /// A host name (canonical wire).
    Domain(Vec<u8>),
    /// An address.
    Ip(IpAddr),
}

impl Subject {
    /// The lookup whose A/AAAA rows are the resolutions.
    fn lookup(&self) -> Lookup {
        match self {
            Subject::Domain(name) => Lookup::Rrset(RrsetQuery {
                name: NamePattern::Exact(name.clone()),
                rrtype: None,
                bailiwick: None,
                fence: TimeFence::default(),
            }),
            Subject::Ip(ip) => {
                let range = IpRange {
                    low: *ip,
                    high: *ip,
                };
                Lookup::Rdata(RdataQuery {
                    rrtype: Some(range.rrtype()),
                    rdata: RdataMatch::Ip(range),
                    fence: TimeFence::default(),
                })
            }
        }
    }

    /// True when `key` is a row this subject's walk can return (so a cursor holding it is
    /// one of this query's).
    fn owns(&self, key: &RrKey) -> bool {
        let parts = key.parts();
        let address_type = matches!(parts.rrtype, RrType::A | RrType::AAAA);
        match self {
            Subject::Domain(name) => address_type && parts.rrname == name.as_slice(),
            Subject::Ip(ip) => address_type && compat::address(parts.rdata) == Some(*ip),
        }
    }
}

/// What one request asks.
enum Ask {
    Domain(Vec<u8>),
    Ip(IpAddr),
    Resolutions(Subject),
    Empty,
}

/// Answers every request under `/api/v3/`.
pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    match serve(state, request).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn serve(state: AppState, request: Request) -> Result<Response, VtError> {
    let headers = request.headers();
    let keys = state.config.keys.as_ref();
    if keys.is_some() && !headers.contains_key("x-apikey") {
        return Err(VtError::MissingKey);
    }
    let caller = auth::check_key(keys, headers.get("x-apikey").map(HeaderValue::as_bytes))?;
    let uri = request.uri();
    let rest = uri.path().strip_prefix(PREFIX).ok_or(ApiError::NotFound)?;
    let segments = split_path(rest)?;
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let ip = |text: &str| -> Result<IpAddr, VtError> {
        text.parse().map_err(|_| {
            VtError::Api(ApiError::BadRequest(format!(
                "{text:?} is not a valid IP address"
            )))
        })
    };
    let not_found = |what: &str| VtError::NotFound(format!("{what} not found"));
    let named = segments.get(1).copied().unwrap_or_default().to_string();
    let ask = match segments.as_slice() {
        ["domains", domain] => Ask::Domain(compat::parse_domain(domain)?),
        ["domains", domain, "resolutions"] => {
            Ask::Resolutions(Subject::Domain(compat::parse_domain(domain)?))
        }
        ["domains", domain, relationship] | ["domains", domain, "relationships", relationship] => {
            compat::parse_domain(domain)?;
            if !DOMAIN_RELATIONSHIPS.contains(relationship)
                && !COMMON_RELATIONSHIPS.contains(relationship)
            {
                return Err(not_found(&format!("Relationship {relationship:?}")));
            }
            Ask::Empty
        }
        ["ip_addresses", address] => Ask::Ip(ip(address)?),
        ["ip_addresses", address, "resolutions"] => Ask::Resolutions(Subject::Ip(ip(address)?)),
        ["ip_addresses", address, relationship]
        | ["ip_addresses", address, "relationships", relationship] => {
            ip(address)?;
            if !COMMON_RELATIONSHIPS.contains(relationship) {
                return Err(not_found(&format!("Relationship {relationship:?}")));
            }
            Ask::Empty
        }
        _ => return Err(not_found(&format!("Path {:?}", uri.path()))),
    };
    let now = jiff::Timestamp::now().as_second();
    let base = base_url(headers);
    let self_link = format!("{base}{}", uri.path());
    match ask {
        Ask::Empty => {
            let rate = state.limiter.admit(caller.as_ref(), now)?;
            let document = json!({"data": [], "links": {"self": self_link}});
            Ok(answer(&document, &rate))
        }
        Ask::Ip(ip) => {
            let rate = state.limiter.admit(caller.as_ref(), now)?;
            Ok(answer(&ip_object(ip, &self_link), &rate))
        }
        Ask::Domain(domain) => {
            let max = state.limits(caller.as_ref()).results_max;
            let (document, rate) = state
                .run_counted(caller.as_ref(), now, move |store, deadline| {
                    let (values, _) = compat::held_values(store, &domain, None, max, deadline)?;
                    Ok((!values.is_empty()).then(|| domain_object(&domain, &values, &self_link)))
                })
                .await?;
            match document {
                Some(document) => Ok(answer(&document, &rate)),
                None => Err(not_found(&format!("Domain {named:?}"))),
            }
        }
        Ask::Resolutions(subject) => {
            let query = uri.query();
            let limit = match query_value(query, "limit")? {
                None => DEFAULT_LIMIT,
                Some(text) => match text.trim().parse::<u64>() {
                    Ok(limit) if limit >= 1 => limit.min(MAX_LIMIT),
                    _ => {
                        return Err(ApiError::BadRequest(format!(
                            "limit={text:?}: expected a whole number from 1"
                        ))
                        .into())
                    }
                },
            };
            let start = match query_value(query, "cursor")? {
                Some(text) if !text.is_empty() => Some(Cursor::decode(&text, &subject)?),
                _ => None,
            };
            let max = state.limits(caller.as_ref()).results_max;
            let origin = state.config.origin.clone();
            let page = state
                .run_counted(caller.as_ref(), now, move |store, deadline| {
                    resolutions(store, &subject, start, limit, max, &origin, deadline)
                })
                .await?;
            let (found, rate) = page;
            let Some(found) = found else {
                return Err(not_found(&format!("Domain {named:?}")));
            };
            let mut links = Map::new();
            links.insert(
                "self".into(),
                format!(
                    "{self_link}?limit={limit}{}",
                    query_value(query, "cursor")?
                        .map(|c| format!("&cursor={c}"))
                        .unwrap_or_default()
                )
                .into(),
            );
            let mut document = Map::new();
            document.insert("data".into(), Value::Array(found.items));
            if let Some(next) = found.next {
                let cursor = next.encode();
                links.insert(
                    "next".into(),
                    format!("{self_link}?limit={limit}&cursor={cursor}").into(),
                );
                document.insert("meta".into(), json!({ "cursor": cursor }));
            }
            document.insert("links".into(), Value::Object(links));
            Ok(answer(&Value::Object(document), &rate))
        }
    }
}

/// `scheme://host` of this server as the client reached it, for links.
fn base_url(headers: &HeaderMap) -> String {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|v| *v == "https")
        .unwrap_or("http");
    let host = text(header::HOST).unwrap_or_else(|| "localhost".into());
    format!("{scheme}://{host}")
}

/// Where a walk of resolutions stands: the key of the last row served, and how many rows
/// were served before.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Cursor {
    served: u64,
    after: RrKey,
}

/// The format version leading every cursor.
const CURSOR_VERSION: u8 = 1;

impl Cursor {
    /// base64url (no padding) of: version, rows served (u64, big-endian), the packed key.
    fn encode(&self) -> String {
        let mut bytes = vec![CURSOR_VERSION];
        bytes.extend_from_slice(&self.served.to_be_bytes());
        bytes.extend_from_slice(self.after.as_bytes());
        data_encoding::BASE64URL_NOPAD.encode(&bytes)
    }

    /// Reads a cursor, refusing one that is malformed or not of `subject`'s walk.
    fn decode(text: &str, subject: &Subject) -> Result<Cursor, ApiError> {
        let bad = || ApiError::BadRequest(format!("invalid cursor {text:?}"));
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| bad())?;
        let (&version, rest) = bytes.split_first().ok_or_else(bad)?;
        let (served, key) = rest.split_at_checked(8).ok_or_else(bad)?;
        if version != CURSOR_VERSION {
            return Err(bad());
        }
        let served = u64::from_be_bytes(served.try_into().map_err(|_| bad())?);
        let after = RrKey::from_packed(key.into()).map_err(|_| bad())?;
        if !subject.owns(&after) {
            return Err(bad());
        }
        Ok(Cursor { served, after })
    }
}

/// One page of resolutions, and where the next one starts.
struct Found {
    items: Vec<Value>,
    next: Option<Cursor>,
}

/// Gathers one page; `None` when the subject is a domain the store knows nothing of.
fn resolutions(
    store: &dyn hark_store::Store,
    subject: &Subject,
    start: Option<Cursor>,
    limit: u64,
    max: u64,
    origin: &str,
    deadline: tokio::time::Instant,
) -> Result<Option<Found>, ApiError> {
    let served = start.as_ref().map_or(0, |c| c.served);
    let wanted = limit.min(max.saturating_sub(served));
    let mut items = Vec::new();
    let mut last: Option<RrKey> = None;
    let mut more = false;
    let lookup = subject.lookup();
    let after = start.as_ref().map(|c| &c.after);
    crate::lookup::run(
        store,
        &lookup,
        TypeFilter::All,
        after,
        deadline,
        &mut |row: Row| {
            let rrtype = row.key.parts().rrtype;
            if !matches!(rrtype, RrType::A | RrType::AAAA) {
                return ControlFlow::Continue(());
            }
            if items.len() as u64 >= wanted {
                more = true;
                return ControlFlow::Break(());
            }
            items.push(resolution(&row, origin));
            last = Some(row.key);
            ControlFlow::Continue(())
        },
    )?;
    compat::check_deadline(deadline)?;
    if items.is_empty() && start.is_none() {
        if let Subject::Domain(name) = subject {
            let (values, _) = compat::held_values(store, name, None, 1, deadline)?;
            if values.is_empty() {
                return Ok(None);
            }
        }
    }
    let served = served + items.len() as u64;
    let next = match last {
        Some(after) if more && served < max => Some(Cursor { served, after }),
        _ => None,
    };
    Ok(Some(Found { items, next }))
}

/// Analysis stats of something hark never analysed: every verdict zero.
fn no_analysis() -> Value {
    json!({"harmless": 0, "malicious": 0, "suspicious": 0, "undetected": 0, "timeout": 0})
}

/// The `resolution` object of one A/AAAA row.
fn resolution(row: &Row, origin: &str) -> Value {
    let parts = row.key.parts();
    let ip = compat::rdata_text(parts.rrtype, parts.rdata);
    let host = compat::bare_name(parts.rrname);
    let date = compat::span(&row.tally).map_or(0, |(_, last)| last);
    json!({
        "type": "resolution",
        "id": format!("{ip}{host}"),
        "attributes": {
            "date": date,
            "host_name": host,
            "ip_address": ip,
            "resolver": origin,
            "host_name_last_analysis_stats": no_analysis(),
            "ip_address_last_analysis_stats": no_analysis(),
        },
    })
}

/// One `last_dns_records` entry, with the fields VirusTotal gives each type.
fn dns_record(held: &Held) -> Value {
    let rrtype = held.rrtype.to_string();
    match held.rrtype {
        RrType::MX => match compat::mx(&held.rdata) {
            Some((priority, exchange)) => json!({
                "type": rrtype, "value": compat::bare_name(exchange), "priority": priority,
            }),
            None => json!({"type": rrtype, "value": compat::rdata_text(held.rrtype, &held.rdata)}),
        },
        RrType::SOA => match compat::soa(&held.rdata) {
            Some(soa) => {
                let [serial, refresh, retry, expire, minimum] = soa.numbers;
                json!({
                    "type": rrtype, "value": compat::bare_name(soa.mname),
                    "rname": compat::bare_name(soa.rname), "serial": serial, "refresh": refresh,
                    "retry": retry, "expire": expire, "minimum": minimum,
                })
            }
            None => json!({"type": rrtype, "value": compat::rdata_text(held.rrtype, &held.rdata)}),
        },
        RrType::TXT => json!({"type": rrtype, "value": compat::txt(&held.rdata)}),
        RrType::NS | RrType::CNAME | RrType::PTR => {
            json!({"type": rrtype, "value": compat::bare_name(&held.rdata)})
        }
        _ => json!({"type": rrtype, "value": compat::rdata_text(held.rrtype, &held.rdata)}),
    }
}

/// The `domain` object: what the store holds now for the name, the rest empty.
fn domain_object(domain: &[u8], values: &[Held], self_link: &str) -> Value {
    let current: Vec<&Held> = compat::current(values)
        .into_iter()
        .filter(|held| !hark_store::TypeFilter::AnyDnssec.admits(held.rrtype))
        .collect();
    let records: Vec<Value> = current.iter().map(|held| dns_record(held)).collect();
    let newest = current
        .iter()
        .filter_map(|held| held.span().map(|(_, last)| last))
        .max();
    let name = compat::bare_name(domain);
    let tld = name.rsplit('.').next().unwrap_or_default().to_string();
    let mut attributes = json!({
        "last_dns_records": records,
        "last_analysis_stats": no_analysis(),
        "last_analysis_results": {},
        "reputation": 0,
        "total_votes": {"harmless": 0, "malicious": 0},
        "tags": [],
        "categories": {},
        "popularity_ranks": {},
        "whois": "",
        "tld": tld,
    });
    if let (Some(newest), Some(map)) = (newest, attributes.as_object_mut()) {
        map.insert("last_dns_records_date".into(), newest.into());
    }
    json!({"data": {
        "type": "domain",
        "id": name,
        "links": {"self": self_link},
        "attributes": attributes,
    }})
}

/// The `ip_address` object: nothing a passive DNS knows about an address beyond its
/// resolutions (a relationship of its own).
fn ip_object(ip: IpAddr, self_link: &str) -> Value {
    json!({"data": {
        "type": "ip_address",
        "id": ip.to_string(),
        "links": {"self": self_link},
        "attributes": {
            "asn": Value::Null,
            "as_owner": Value::Null,
            "network": Value::Null,
            "country": Value::Null,
            "continent": Value::Null,
            "regional_internet_registry": Value::Null,
            "last_analysis_stats": no_analysis(),
            "last_analysis_results": {},
            "reputation": 0,
            "total_votes": {"harmless": 0, "malicious": 0},
            "tags": [],
            "whois": "",
        },
    }})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_walk() {
        let key = RrKey::new(&hark_record::RrKeyParts {
            rrname: b"\x03www\x07example\x00",
            rrtype: RrType::A,
            bailiwick: None,
            rdata: &[192, 0, 2, 1],
        })
        .expect("key");
        let cursor = Cursor {
            served: 40,
            after: key,
        };
        let text = cursor.encode();
        let domain = Subject::Domain(b"\x03www\x07example\x00".to_vec());
        assert_eq!(Cursor::decode(&text, &domain).expect("decodes"), cursor);
        let ip = Subject::Ip("192.0.2.1".parse().expect("ip"));
        assert!(Cursor::decode(&text, &ip).is_ok());
        let other = Subject::Domain(b"\x07example\x00".to_vec());
        assert!(Cursor::decode(&text, &other).is_err());
        assert!(Cursor::decode(&text, &Subject::Ip("192.0.2.2".parse().expect("ip"))).is_err());
        for bad in ["", "!!", "AQ", &text[..text.len() - 3]] {
            assert!(Cursor::decode(bad, &domain).is_err(), "{bad}");
        }
    }
}
