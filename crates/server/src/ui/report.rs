//! The recon report of a domain (a summary first, then every section of `hark-present`, every
//! name and address linked; printable), and the status page (the figures of `/metrics` and
//! the store's size, for a person).

use super::page::{auto_link, encode, layout, name_link, respond, when, UiError};
use super::session::Viewer;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hark_present::{Block, Section};
use maud::{html, Markup};
use std::collections::BTreeMap;

/// `GET /ui/recon/{domain}`.
pub async fn recon(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(domain): Path<String>,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let now = jiff::Timestamp::now().as_second();
    let target = domain.clone();
    let (report, _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            hark_intel::with_deadline(deadline.into_std(), || {
                hark_intel::recon::recon(store, &target)
            })
            .map_err(crate::api::intel_error)
        })
        .await?;
    let sections = hark_present::sections::recon_sections(&report);
    let title = format!("Recon: {}", report.domain);
    let r = &report;
    let live = r
        .subdomains
        .names
        .iter()
        .filter(|n| n.status == "live")
        .count();
    let moved: Vec<&hark_intel::recon::Hosting> = r.hosting.iter().collect();
    let body = html! {
        h1 { (title) }
        nav.actions aria-label="about this domain" {
            a href={"/ui/name/" (encode(&r.domain))} { "Records" }
            a href={"/ui/name/*." (encode(r.domain.trim_end_matches('.')))} { "Names below" }
            a href={"/ui/timeline/*." (encode(r.domain.trim_end_matches('.')))} { "Timeline" }
            a href={"/ui/graph/" (encode(&r.domain))} { "Graph" }
        }
        section.summary aria-labelledby="summary" {
            h2 #summary { "Summary" }
            ul {
                li { strong { "Names: " } (r.subdomains.names.len()) " under " (name_link(&r.domain)) ", " (live) " live." }
                li { strong { "Hosting: " } (moved.len()) " addresses"
                    @let shared = moved.iter().filter(|h| h.shared).count();
                    @if shared > 0 { ", " (shared) " shared (hosting or CDN)" } "."
                    @let moves: Vec<_> = r.history.names.iter().flat_map(|n| n.moves.iter().map(move |m| (&n.rrname, m))).collect();
                    @if !moves.is_empty() {
                        " " (moves.len()) " moves; the latest: " (name_link(moves.iter().max_by_key(|(_, m)| m.on).map_or("", |(n, _)| n.as_str())))
                        @if let Some((_, m)) = moves.iter().max_by_key(|(_, m)| m.on) {
                            " from " (m.from.join(", ")) " to " @for (i, a) in m.to.iter().enumerate() { @if i > 0 { ", " } (auto_link(a)) } " on " (when(m.on)) "."
                        }
                    } }
                li { strong { "Mail: " }
                    @if r.mail.exchanges.is_empty() { "no MX seen." }
                    @for (i, mx) in r.mail.exchanges.iter().enumerate() {
                        @if i > 0 { ", " } (name_link(&mx.host)) " (" (mx.provider) ")"
                    }
                    @let senders: Vec<&str> = r.profile.technologies.iter().filter(|t| t.category.contains("send")).map(|t| t.provider.as_str()).collect();
                    @if !senders.is_empty() { "; senders: " (senders.join(", ")) } "." }
                li { strong { "In use: " }
                    @let services: Vec<String> = r.profile.technologies.iter().map(|t| format!("{} ({})", t.provider, t.category)).collect();
                    @if services.is_empty() { "nothing named." } @else { (services.join(", ")) "." } }
                li { strong { "Posture: " }
                    @match r.txt.spf.first() { Some(spf) => { "SPF " code { (spf.all) } ", " (spf.lookups) " lookups" }, None => "no SPF" }
                    "; "
                    @match r.txt.dmarc.first() { Some(d) => { "DMARC " code { (d.policy.as_deref().unwrap_or("none")) } @if d.pct < 100 { " at " (d.pct) "%" } }, None => "no DMARC" }
                    @if !r.txt.dmarc_weakened.is_empty() { " (weakened " (r.txt.dmarc_weakened.len()) " times)" }
                    "." }
                li { strong { "Takeover candidates: " } (r.takeover.candidates.len()) "." }
                li { strong { "Changes: " } (r.change_count) " in all"
                    @if let Some(last) = r.recent_changes.last() { ", the latest on " (when(last.time)) } "." }
            }
            nav.toc aria-label="sections" {
                h2 { "Sections" }
                ol { @for (i, s) in sections.iter().enumerate() { li { a href={"#s" (i)} { (s.title) } } } }
            }
        }
        @for (i, s) in sections.iter().enumerate() { (section(i, s)) }
    };
    Ok(respond(&headers, layout(&title, &viewer, &domain, body)))
}

fn section(index: usize, section: &Section) -> Markup {
    html! {
        section.report id={"s" (index)} {
            h2 { (section.title) }
            @for block in &section.blocks {
                @match block {
                    Block::Line(line) => p { @for (i, word) in line.split(' ').enumerate() { @if i > 0 { " " } (auto_link(word)) } },
                    Block::Table { head, rows } => table.records {
                        thead { tr { @for h in head { th scope="col" { (h) } } } }
                        tbody { @for row in rows { tr { @for cell in row { td { @for (i, part) in cell.split(", ").enumerate() { @if i > 0 { ", " } (auto_link(part)) } } } } } }
                    },
                }
            }
        }
    }
}

/// The samples of the metrics text by metric name: (labels, value); histogram buckets left out.
fn samples(text: &str) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap_or((line, ""));
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n, l.trim_end_matches('}')),
            None => (series, ""),
        };
        if name.ends_with("_bucket") {
            continue;
        }
        out.entry(name.to_string())
            .or_default()
            .push((labels.replace('"', ""), value.to_string()));
    }
    out
}

/// The metrics table: every figure of `/metrics`, with counters' rates since the previous
/// look (by anyone) at this table; refreshed every 10 s by htmx.
fn metrics_table(state: &AppState) -> Markup {
    let metrics = samples(&state.metrics.render());
    let now = jiff::Timestamp::now().as_millisecond();
    let current: BTreeMap<String, f64> = metrics
        .iter()
        .flat_map(|(name, values)| {
            values.iter().filter_map(move |(labels, v)| {
                Some((format!("{name}{{{labels}}}"), v.parse::<f64>().ok()?))
            })
        })
        .collect();
    let previous = {
        let mut last = state
            .ui
            .last_status
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        last.replace((now, current.clone()))
    };
    let rate = |key: &str, value: f64| -> Option<f64> {
        let (then, figures) = previous.as_ref()?;
        let seconds = (now - then) as f64 / 1000.0;
        let before = figures.get(key)?;
        (seconds >= 0.5 && key.contains("_total")).then(|| (value - before) / seconds)
    };
    html! {
        section #live hx-get="/ui/status/live" hx-trigger="every 10s" hx-swap="outerHTML" {
            table.records #metrics {
                thead { tr { th scope="col" { "Metric" } th scope="col" { "Labels" } th scope="col" { "Value" } th scope="col" { "Per second" } } }
                tbody {
                    @for (name, values) in &metrics { @for (labels, value) in values {
                        @let key = format!("{name}{{{labels}}}");
                        tr {
                            td { (name) } td { (labels) } td data-v=(value) { (value) }
                            td { @if let Some(r) = current.get(&key).and_then(|v| rate(&key, *v)) { (format!("{r:.1}")) } }
                        }
                    } }
                }
            }
        }
    }
}

/// `GET /ui/status/live`: the metrics table alone (htmx refreshes it).
pub async fn live(
    State(state): State<AppState>,
    _viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    Ok(respond(&headers, metrics_table(&state)))
}

/// `GET /ui/status`: what the server and its sources counted, and what the store holds.
pub async fn status(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let stats = super::page::store_stats(&state).await?;
    let body = html! {
        h1 { "Status" }
        h2 { "Store" }
        table.records #store {
            tbody {
                tr { th scope="row" { "Records" } td { (stats.rows) } }
                tr { th scope="row" { "Names" } td { (stats.names) } }
                tr { th scope="row" { "Negative answers" } td { (stats.negatives) } }
                tr { th scope="row" { "Files" } td { (stats.files) } }
                tr { th scope="row" { "Size on disk" } td { (stats.disk_bytes / 1_048_576) " MiB (" (stats.disk_bytes) " bytes)" } }
            }
        }
        @if !stats.rows_per_type.is_empty() {
            h2 { "Records by type" }
            table.records { tbody { @for (t, n) in &stats.rows_per_type { tr { th scope="row" { (t) } td { (n) } } } } }
        }
        h2 { "Sources and server" }
        p { "The figures of " a href="/metrics" { "/metrics" } " (sources, drops, requests by face), refreshed every 10 seconds; rates are per second since the previous refresh." }
        (metrics_table(&state))
        p.note { "Alerts are not shown here yet: the watch feature adds them." }
    };
    Ok(respond(&headers, layout("Status", &viewer, "", body)))
}
