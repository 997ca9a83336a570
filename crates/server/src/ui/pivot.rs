//! The pivot page of an address, network or range: the names seen on it, grouped by
//! registrable domain and aggregated on the server (a CDN address with 100,000 names is one
//! page of domains), with shared-hosting flags; a domain's names load on demand.

use super::page::{encode, ip_link, layout, name_link, number, respond, when, Fences, UiError};
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use hark_query::{parse_lookup, Lookup, TypeFilter};
use hark_store::{Row, Store};
use maud::html;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::ops::ControlFlow;

/// Domains on one page.
pub const PAGE_DOMAINS: u64 = 50;
/// Most rows one pivot reads; past it the page says it stopped.
pub const MAX_PIVOT_ROWS: u64 = 2_000_000;
/// Most names listed when a domain is expanded.
const MAX_EXPANDED: usize = 2_000;

/// What one registrable domain had on the range.
#[derive(Default)]
struct DomainOn {
    names: HashSet<String>,
    addresses: HashSet<IpAddr>,
    first: i64,
    last: i64,
    count: u64,
}

/// The address of an A/AAAA row.
fn address(row: &Row) -> Option<IpAddr> {
    let rdata = row.key.parts().rdata;
    if let Ok(v4) = <[u8; 4]>::try_from(rdata) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(rdata).ok().map(IpAddr::from)
}

fn span(row: &Row) -> (i64, i64) {
    row.tally
        .seen
        .or(row.tally.zone_seen)
        .map_or((0, 0), |s| (s.first, s.last))
}

/// Reads the range's rows, calling `visit` with each row's owner name and registrable domain.
fn scan(
    store: &dyn Store,
    lookup: &Lookup,
    deadline: tokio::time::Instant,
    visit: &mut dyn FnMut(&Row, String, String),
) -> Result<bool, ApiError> {
    let mut rows = 0u64;
    let mut stopped = false;
    crate::lookup::run(store, lookup, TypeFilter::All, None, deadline, &mut |row| {
        if rows >= MAX_PIVOT_ROWS {
            stopped = true;
            return ControlFlow::Break(());
        }
        rows += 1;
        let rrname = hark_cof::name_text(row.key.parts().rrname);
        let domain = hark_intel::names::registrable_or_self(&rrname);
        visit(&row, rrname, domain);
        ControlFlow::Continue(())
    })?;
    if tokio::time::Instant::now() >= deadline {
        return Err(ApiError::TimedOut);
    }
    Ok(stopped)
}

fn range_lookup(range: &str, fences: &Fences) -> Result<Lookup, UiError> {
    Ok(parse_lookup(&["rdata", "ip", range], fences.fence, TypeFilter::All)?.0)
}

/// The figures of one page of the pivot.
struct Summary {
    rows: u64,
    names: usize,
    domains: Vec<(String, usize, usize, i64, i64, u64)>,
    total_domains: usize,
    addresses: Vec<(IpAddr, usize, usize)>,
    total_addresses: usize,
    stopped: bool,
}

/// `GET /ui/ip/{range}?page=`: the names on an address, network or range, by domain.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(range): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let fences = Fences::parse(query)?;
    let lookup = range_lookup(&range, &fences)?;
    let page = number(query, "page", 1)?.max(1);
    let now = jiff::Timestamp::now().as_second();
    let (summary, _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let mut domains: HashMap<String, DomainOn> = HashMap::new();
            let mut by_address: HashMap<IpAddr, (HashSet<String>, usize)> = HashMap::new();
            let mut names = HashSet::new();
            let mut rows = 0u64;
            let stopped = scan(store, &lookup, deadline, &mut |row, rrname, domain| {
                rows += 1;
                let (first, last) = span(row);
                let on = domains.entry(domain.clone()).or_default();
                if on.count == 0 || (first != 0 && first < on.first) {
                    on.first = first;
                }
                on.last = on.last.max(last);
                on.count = on.count.saturating_add(row.tally.count);
                if let Some(a) = address(row) {
                    on.addresses.insert(a);
                    let entry = by_address.entry(a).or_default();
                    entry.0.insert(domain);
                    entry.1 += 1;
                }
                names.insert(rrname.clone());
                on.names.insert(rrname);
            })?;
            let total_domains = domains.len();
            let mut list: Vec<_> = domains
                .into_iter()
                .map(|(d, on)| {
                    (
                        d,
                        on.names.len(),
                        on.addresses.len(),
                        on.first,
                        on.last,
                        on.count,
                    )
                })
                .collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let skip =
                usize::try_from((page - 1).saturating_mul(PAGE_DOMAINS)).unwrap_or(usize::MAX);
            let domains: Vec<_> = list
                .into_iter()
                .skip(skip)
                .take(PAGE_DOMAINS as usize)
                .collect();
            let total_addresses = by_address.len();
            let mut addresses: Vec<_> = by_address
                .into_iter()
                .map(|(a, (d, n))| (a, d.len(), n))
                .collect();
            addresses.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            addresses.truncate(20);
            Ok(Summary {
                rows,
                names: names.len(),
                domains,
                total_domains,
                addresses,
                total_addresses,
                stopped,
            })
        })
        .await?;
    let base = format!("/ui/ip/{}?", encode(&range));
    let pages = (summary.total_domains as u64).div_ceil(PAGE_DOMAINS).max(1);
    let shared = hark_intel::pivot::SHARED_DOMAINS;
    let body = html! {
        h1 { "Names on " (range) }
        (fences.chips(&base))
        p.lead {
            (summary.names) " names of " (summary.total_domains) " registrable domains on "
            (summary.total_addresses) " addresses (" (summary.rows) " records)."
            @if summary.stopped { strong { " Stopped after " (MAX_PIVOT_ROWS) " records: ask for a smaller network." } }
        }
        nav.actions aria-label="about this address" {
            a href={"/ui/graph/" (encode(&range))} { "Graph" }
            a href={"/ui/export/csv/rdata/ip/" (encode(&range)) "?" (fences.query().trim_start_matches('&'))} download { "CSV" }
            a href={"/ui/export/cof/rdata/ip/" (encode(&range)) "?" (fences.query().trim_start_matches('&'))} download { "COF" }
        }
        @if !summary.addresses.is_empty() {
            h2 { "Addresses" }
            table.records #addresses {
                thead { tr { th scope="col" { "Address" } th scope="col" { "Domains" } th scope="col" { "Names" } th scope="col" { "Hosting" } } }
                tbody {
                    @for (a, domains, names) in &summary.addresses {
                        tr {
                            td { (ip_link(&a.to_string())) }
                            td { (domains) }
                            td { (names) }
                            td { @if *domains >= shared { span.flag { "shared hosting or CDN" } } @else { "dedicated" } }
                        }
                    }
                }
            }
        }
        h2 { "Registrable domains" @if pages > 1 { " — page " (page) " of " (pages) } }
        table.records #domains {
            thead { tr {
                th scope="col" { "Domain" } th scope="col" { "Names" } th scope="col" { "Addresses" }
                th scope="col" { "First seen" } th scope="col" { "Last seen" } th scope="col" { "Count" } th scope="col" { span.visually-hidden { "Expand" } }
            } }
            @for (domain, names, addresses, first, last, count) in &summary.domains {
                tbody.domain {
                    tr {
                        td { (name_link(domain)) }
                        td { (names) }
                        td { (addresses) }
                        td { (when(*first)) }
                        td { (when(*last)) }
                        td { (count) }
                        td {
                            button type="button" hx-get={"/ui/ip/" (encode(&range)) "/domain/" (encode(domain)) "?" (fences.query().trim_start_matches('&'))}
                                hx-target="next tr" hx-swap="innerHTML" aria-label={"Show the names of " (domain)} { "Names" }
                        }
                    }
                    tr.expansion {}
                }
            }
        }
        nav.pages aria-label="pages" {
            @if page > 1 { a rel="prev" href={(base) "page=" (page - 1) (fences.query())} { "Previous" } }
            @if page < pages { a rel="next" href={(base) "page=" (page + 1) (fences.query())} { "Next" } }
        }
    };
    Ok(respond(
        &headers,
        layout(&format!("Names on {range}"), &viewer, &range, body),
    ))
}

/// `GET /ui/ip/{range}/domain/{domain}`: the names of one domain on the range (a fragment).
pub async fn names(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((range, domain)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let fences = Fences::parse(uri.query())?;
    let lookup = range_lookup(&range, &fences)?;
    let now = jiff::Timestamp::now().as_second();
    let wanted = domain.trim_end_matches('.').to_ascii_lowercase() + ".";
    let (found, _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let mut found: Vec<(String, String, i64, i64, u64)> = Vec::new();
            scan(store, &lookup, deadline, &mut |row, rrname, d| {
                if d == wanted && found.len() < MAX_EXPANDED {
                    let (first, last) = span(row);
                    let a = address(row).map(|a| a.to_string()).unwrap_or_default();
                    found.push((rrname, a, first, last, row.tally.count));
                }
            })?;
            found.sort();
            Ok(found)
        })
        .await?;
    let body = html! {
        td colspan="7" {
            ul.names {
                @for (rrname, a, first, last, count) in &found {
                    li { (name_link(rrname)) " → " (ip_link(a)) " " small { (when(*first)) " – " (when(*last)) ", " (count) "×" } }
                }
            }
            @if found.len() >= MAX_EXPANDED { p { "The first " (MAX_EXPANDED) " names." } }
        }
    };
    Ok(respond(&headers, body))
}
