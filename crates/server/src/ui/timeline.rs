//! The timeline of a name or pattern: one bar per record from first to last seen, thicker the
//! more often it was seen per day, drawn on the server as SVG. Dragging across the chart (or
//! the from/to form) zooms: the URL gets `from`/`to` and the matching time fences. A red line
//! marks each change of a record set (everything it held replaced), as `hark intel history`
//! finds them. A name with more records than [`MAX_BARS`] pages (`offset`): every page keeps
//! the time axis of all the records (so pages compare), the zoom and the fences; change
//! markers come from the bars of the page.

use super::page::{encode, layout, number, param, respond, when, Fences, UiError};
use super::search::parse_time;
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use hark_query::{parse_lookup, TypeFilter};
use maud::{html, Markup};
use std::ops::ControlFlow;

/// Most bars drawn on one page (`limit`); more records page with `offset`.
pub const MAX_BARS: u64 = 400;
/// Most records one timeline reads (to count them and find the time axis); past it the page
/// says it stopped.
pub const MAX_TIMELINE_ROWS: u64 = 1_000_000;

/// The bars of one page, and what the whole lookup held.
struct Page {
    bars: Vec<Bar>,
    /// Records with times, all pages.
    total: u64,
    /// The earliest first and latest last seen over all pages.
    span: Option<(i64, i64)>,
    /// The scan stopped at [`MAX_TIMELINE_ROWS`].
    stopped: bool,
}

/// One record's bar.
struct Bar {
    /// Owner name and type: the record set the bar belongs to.
    set: String,
    label: String,
    link: String,
    first: i64,
    last: i64,
    count: u64,
}

const WIDTH: i64 = 1000;
const LABEL: i64 = 330;
const ROW: i64 = 16;

/// `GET /ui/timeline/{pattern}?from=&to=`.
pub async fn page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(pattern): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let fences = Fences::parse(query)?;
    let rrtype = param(query, "type")?.unwrap_or_default();
    let (lookup, filter) = parse_lookup(
        &["rrset", "name", &pattern, &rrtype],
        fences.fence,
        TypeFilter::Any,
    )?;
    let now = jiff::Timestamp::now().as_second();
    let time = |name: &str| -> Result<Option<i64>, UiError> {
        param(query, name)?
            .map(|v| parse_time(&v, now).map_err(|e| UiError::Api(ApiError::BadRequest(e))))
            .transpose()
    };
    let (from, to) = (time("from")?, time("to")?);
    let limit = number(query, "limit", MAX_BARS)?.clamp(1, MAX_BARS);
    let offset = number(query, "offset", 0)?;
    let (page, _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let mut page = Page {
                bars: Vec::new(),
                total: 0,
                span: None,
                stopped: false,
            };
            let end = offset.saturating_add(limit);
            crate::lookup::run(store, &lookup, filter, None, deadline, &mut |row| {
                if page.total >= MAX_TIMELINE_ROWS {
                    page.stopped = true;
                    return ControlFlow::Break(());
                }
                let Some(seen) = row.tally.seen.or(row.tally.zone_seen) else {
                    return ControlFlow::Continue(());
                };
                let index = page.total;
                page.total += 1;
                page.span = Some(page.span.map_or((seen.first, seen.last), |(a, b)| {
                    (a.min(seen.first), b.max(seen.last))
                }));
                let parts = row.key.parts();
                let rrname = hark_cof::name_text(parts.rrname);
                let set = format!("{rrname} {}", parts.rrtype);
                if index < offset || index >= end {
                    return ControlFlow::Continue(());
                }
                let mut rdata = String::new();
                hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
                let link = if matches!(parts.rrtype, hark_dns::RrType::A | hark_dns::RrType::AAAA) {
                    format!("/ui/ip/{}", encode(&rdata))
                } else {
                    format!("/ui/name/{}", encode(&rrname))
                };
                page.bars.push(Bar {
                    label: format!("{set} {rdata}"),
                    set,
                    link,
                    first: seen.first,
                    last: seen.last,
                    count: row.tally.count,
                });
                ControlFlow::Continue(())
            })?;
            if tokio::time::Instant::now() >= deadline {
                return Err(ApiError::TimedOut);
            }
            Ok(page)
        })
        .await?;
    let bars = &page.bars;
    let one_name = !pattern.contains('*');
    let start = from.unwrap_or_else(|| page.span.map_or(now - 86_400, |s| s.0));
    let end = to
        .unwrap_or_else(|| page.span.map_or(now, |s| s.1))
        .max(start + 60);
    // What every paging link keeps: the type, the zoom and the fences.
    let mut keep = String::new();
    for name in ["type", "from", "to"] {
        if let Some(value) = param(query, name)? {
            keep.push_str(&format!("&{name}={}", encode(&value)));
        }
    }
    keep.push_str(&fences.query());
    if limit != MAX_BARS {
        keep.push_str(&format!("&limit={limit}"));
    }
    let shown_end = offset + bars.len() as u64;
    let base = format!("/ui/timeline/{}?", encode(&pattern));
    let body = html! {
        h1 { "Timeline of " (pattern) }
        (fences.chips(&base))
        p.lead #timeline-lead {
            @if page.total > bars.len() as u64 {
                "Records " (offset + 1) "–" (shown_end) " of " (page.total)
                @if page.stopped { "+ (stopped after " (MAX_TIMELINE_ROWS) ")" }
            } @else {
                (bars.len()) " records"
            }
            " from " (when(start)) " to " (when(end)) ". Drag across the chart to zoom in."
        }
        form.zoom action={"/ui/timeline/" (encode(&pattern))} method="get" {
            label for="from" { "From" }
            input #from name="from" type="text" value=(when(start).get(..10).unwrap_or("")) placeholder="2024-03-01";
            label for="to" { "To" }
            input #to name="to" type="text" value=(when(end).get(..10).unwrap_or("")) placeholder="2024-04-01";
            @if !rrtype.is_empty() { input type="hidden" name="type" value=(rrtype); }
            button type="submit" { "Zoom" }
            a href=(base) { "Reset" }
        }
        @if bars.is_empty() { p.empty { "No records with times." } } @else { (chart(bars, start, end, &base, one_name)) }
        @if offset > 0 || shown_end < page.total {
            nav.pages aria-label="pages" {
                @if offset > 0 {
                    a rel="prev" href={(base) "offset=" (offset.saturating_sub(limit)) (keep)} { "Previous " (limit) }
                }
                @if shown_end < page.total {
                    a rel="next" href={(base) "offset=" (shown_end) (keep)} { "Next " (limit.min(page.total - shown_end)) }
                }
            }
        }
    };
    Ok(respond(
        &headers,
        layout(&format!("Timeline of {pattern}"), &viewer, &pattern, body),
    ))
}

/// The owner name of a record set (`www.example.com. A`).
fn rrname_of(set: &str) -> &str {
    set.rsplit_once(' ').map_or(set, |(name, _)| name)
}

/// The changes of each record set (owner and type: the rows are in that order), as
/// `hark intel history` finds them, with the rows of its bars.
fn changes(bars: &[Bar]) -> Vec<(std::ops::Range<usize>, hark_intel::timeline::Change)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < bars.len() {
        let set = &bars[start].set;
        let end = start + bars[start..].iter().take_while(|b| &b.set == set).count();
        let intervals: Vec<(String, i64, i64)> = bars[start..end]
            .iter()
            .map(|b| (b.label.clone(), b.first, b.last))
            .collect();
        let periods = hark_intel::timeline::periods(&intervals);
        for change in hark_intel::timeline::changes(&periods) {
            let strip = |values: Vec<String>| -> Vec<String> {
                values
                    .into_iter()
                    .map(|v| {
                        v.strip_prefix(set.as_str())
                            .unwrap_or(&v)
                            .trim()
                            .to_string()
                    })
                    .collect()
            };
            let change = hark_intel::timeline::Change {
                on: change.on,
                from: strip(change.from),
                to: strip(change.to),
            };
            out.push((start..end, change));
        }
        start = end;
    }
    out
}

/// The SVG chart: labels on the left, bars on a time axis, ticks above.
fn chart(bars: &[Bar], start: i64, end: i64, base: &str, one_name: bool) -> Markup {
    let span = (end - start).max(1);
    let x = |t: i64| LABEL + (t.clamp(start, end) - start) * (WIDTH - LABEL) / span;
    let height = 24 + ROW * bars.len() as i64;
    html! {
        figure.timeline {
            svg #chart viewBox={"0 0 " (WIDTH) " " (height)} role="img" aria-label="timeline of the records"
                data-from=(start) data-to=(end) data-left=(LABEL) data-width=(WIDTH) data-base=(base) {
                @for i in 0..=5i64 {
                    @let t = start + span * i / 5;
                    line.tick x1=(x(t)) x2=(x(t)) y1="14" y2=(height) {}
                    text.tick x=(x(t)) y="10" text-anchor=(if i == 5 { "end" } else { "middle" }) { (when(t).get(..10).unwrap_or("")) }
                }
                @for (i, bar) in bars.iter().enumerate() {
                    @let y = 20 + ROW * i as i64;
                    @let days = ((bar.last - bar.first) / 86_400).max(1);
                    @let rate = bar.count as f64 / days as f64;
                    // Whole pixels (an even thickness, so the bar centres on its row): every
                    // byte counts 500 times on a page.
                    @let thick = ((3.0 + rate.max(1.0).log10() * 3.0).min(12.0).ceil() as i64 + 1) / 2 * 2;
                    a href=(bar.link) {
                        // One owner name (the heading says it): its type and rdata are enough.
                        @let label = if one_name { bar.label.strip_prefix(rrname_of(&bar.set)).unwrap_or(&bar.label).trim_start() } else { bar.label.as_str() };
                        text.label x="4" y=(y + 11) { (label.chars().take(48).collect::<String>()) }
                        rect.bar x=(x(bar.first)) y=(y + (ROW - thick) / 2)
                            width=((x(bar.last) - x(bar.first)).max(2)) height=(thick) {
                            title { (when(bar.first)) " – " (when(bar.last)) ", " (bar.count) "×" }
                        }
                    }
                }
                @for (rows, change) in changes(bars) {
                    @let y0 = 20 + ROW * rows.start as i64;
                    @let y1 = 20 + ROW * rows.end as i64;
                    line.change x1=(x(change.on)) x2=(x(change.on)) y1=(y0) y2=(y1) {
                        title { "moved from " (change.from.join(", ")) " to " (change.to.join(", ")) " on " (when(change.on)) }
                    }
                }
                rect #selection x="0" y="0" width="0" height=(height) {}
            }
        }
    }
}
