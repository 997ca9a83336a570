//! The pivot page of an address, network or range: the names seen on it, grouped by
//! registrable domain and aggregated on the server (a CDN address with 100,000 names is one
//! page of domains), with shared-hosting flags naming the CDN or host where hark-intel's
//! knowledge tables know it (by the owner names on an address, or its PTR names); a domain's
//! names load on demand.

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

/// A hosting, CDN or cloud provider named by hark-intel's knowledge tables.
type Provider = &'static hark_intel::knowledge::HostingProvider;

/// The provider an owner name (`d111.cloudfront.net.`) or a PTR name belongs to.
fn provider_of(name: &str) -> Option<Provider> {
    hark_intel::knowledge::knowledge().hosting_provider(name)
}

/// What the scan gathers per address: its domains, its rows, and the providers named by its
/// owner names (by provider, with how many rows).
type Fanout = (
    HashSet<String>,
    usize,
    HashMap<&'static str, (Provider, usize)>,
);

/// One address of the page: its fan-out and the providers named on it.
struct AddressOn {
    address: IpAddr,
    domains: usize,
    names: usize,
    /// Providers of the owner names seen on it, most names first, with how many.
    providers: Vec<(Provider, usize)>,
    /// Its PTR names, and the provider they name.
    ptr: Vec<String>,
    ptr_provider: Option<Provider>,
}

/// The figures of one page of the pivot.
struct Summary {
    rows: u64,
    names: usize,
    domains: Vec<(String, usize, usize, i64, i64, u64)>,
    total_domains: usize,
    addresses: Vec<AddressOn>,
    total_addresses: usize,
    stopped: bool,
}

/// The PTR names of `address` in the store.
fn ptr_names(
    store: &dyn Store,
    address: IpAddr,
    deadline: tokio::time::Instant,
) -> Result<Vec<String>, ApiError> {
    let reverse = hark_intel::profile::reverse_name(address);
    let (lookup, filter) = parse_lookup(
        &["rrset", "name", &reverse, "PTR"],
        hark_query::TimeFence::default(),
        TypeFilter::All,
    )?;
    let mut names = Vec::new();
    crate::lookup::run(store, &lookup, filter, None, deadline, &mut |row| {
        let mut text = String::new();
        hark_dns::rdata::to_presentation(row.key.parts().rrtype, row.key.parts().rdata, &mut text);
        names.push(text);
        if names.len() >= 8 {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    names.sort();
    names.dedup();
    Ok(names)
}

/// How a provider's kind reads in a flag.
fn kind_label(kind: &str) -> &str {
    match kind {
        "cdn" => "CDN",
        "cloud" => "cloud",
        "hosting" => "hosting",
        "paas" => "PaaS",
        "waf" => "WAF",
        "dns" => "DNS",
        other => other,
    }
}

/// The hosting cell of an address: the providers named on it (CDN: Akamai), and whether it
/// is shared.
fn hosting(on: &AddressOn, shared: usize) -> maud::Markup {
    let named: Vec<Provider> = on
        .ptr_provider
        .into_iter()
        .chain(on.providers.iter().map(|(p, _)| *p))
        .fold(Vec::new(), |mut list, p| {
            if !list.iter().any(|q: &Provider| q.provider == p.provider) {
                list.push(p);
            }
            list
        });
    let why = match (&on.ptr_provider, on.providers.first()) {
        (Some(_), _) => format!("PTR {}", on.ptr.join(" ")),
        (None, Some((p, n))) => format!("{n} owner name(s) under {}", p.suffix),
        (None, None) => String::new(),
    };
    html! {
        @if named.is_empty() {
            @if on.domains >= shared { span.flag { "shared hosting or CDN" } } @else { "dedicated" }
        } @else {
            span.cdn title=(why) {
                @for (i, p) in named.iter().take(3).enumerate() {
                    @if i > 0 { ", " }
                    (kind_label(&p.kind)) ": " (p.provider)
                }
            }
            @if on.domains >= shared { " " span.flag { "(shared)" } }
        }
    }
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
            let mut by_address: HashMap<IpAddr, Fanout> = HashMap::new();
            // Each distinct owner name, with the provider its suffix names (looked up once).
            let mut names: HashMap<String, Option<Provider>> = HashMap::new();
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
                let provider = match names.get(&rrname) {
                    Some(known) => *known,
                    None => {
                        let found = provider_of(&rrname);
                        names.insert(rrname.clone(), found);
                        found
                    }
                };
                if let Some(a) = address(row) {
                    on.addresses.insert(a);
                    let entry = by_address.entry(a).or_default();
                    entry.0.insert(domain);
                    entry.1 += 1;
                    if let Some(p) = provider {
                        entry.2.entry(p.provider.as_str()).or_insert((p, 0)).1 += 1;
                    }
                }
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
            let mut addresses: Vec<AddressOn> = by_address
                .into_iter()
                .map(|(address, (d, n, providers))| {
                    let mut providers: Vec<(Provider, usize)> = providers.into_values().collect();
                    providers.sort_by(|a, b| {
                        b.1.cmp(&a.1).then_with(|| a.0.provider.cmp(&b.0.provider))
                    });
                    AddressOn {
                        address,
                        domains: d.len(),
                        names: n,
                        providers,
                        ptr: Vec::new(),
                        ptr_provider: None,
                    }
                })
                .collect();
            addresses.sort_by(|a, b| {
                b.domains
                    .cmp(&a.domains)
                    .then_with(|| a.address.cmp(&b.address))
            });
            addresses.truncate(20);
            for on in &mut addresses {
                on.ptr = ptr_names(store, on.address, deadline)?;
                on.ptr_provider = on.ptr.iter().find_map(|p| provider_of(p));
            }
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
                    @for on in &summary.addresses {
                        tr {
                            td { (ip_link(&on.address.to_string())) }
                            td { (on.domains) }
                            td { (on.names) }
                            td { (hosting(on, shared)) }
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
                        td { (name_link(domain)) @if let Some(p) = provider_of(domain) { " " span.cdn { (kind_label(&p.kind)) ": " (p.provider) } } }
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
