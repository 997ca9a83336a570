//! Records: the name page (a name or pattern's records by type, and who points at it), rdata
//! lookups, flex searches, and their CSV and COF exports.

use super::page::{
    encode, filter_box, layout, name_link, number, param, rdata_links, respond, sortable_head,
    when, Fences, UiError,
};
use super::session::Viewer;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Uri};
use axum::response::Response;
use hark_dns::RrType;
use hark_query::{parse_lookup, Lookup, NamePattern, RdataMatch, RdataQuery, TypeFilter};
use hark_store::Row;
use maud::{html, Markup};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

/// Rows on one page unless `limit` says otherwise.
pub const PAGE_ROWS: u64 = 1_000;
/// Most rows on one page.
pub const MAX_PAGE_ROWS: u64 = 10_000;
/// Most rows "pointing here" shown under a name.
const MAX_POINTING: u64 = 500;
/// Most rows in one export (larger: use the DNSDB face, which streams).
pub const MAX_EXPORT_ROWS: u64 = 100_000;

/// A row as the page shows it.
struct Shown {
    rrname: String,
    rrtype: RrType,
    rdata: String,
    bailiwick: String,
    first: i64,
    last: i64,
    count: u64,
    zone_first: i64,
    zone_last: i64,
}

fn shown(row: &Row) -> Shown {
    let parts = row.key.parts();
    let mut rdata = String::new();
    hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
    let seen = row.tally.seen;
    let zone = row.tally.zone_seen;
    Shown {
        rrname: hark_cof::name_text(parts.rrname),
        rrtype: parts.rrtype,
        rdata,
        bailiwick: parts.bailiwick.map(hark_cof::name_text).unwrap_or_default(),
        first: seen.map_or(0, |s| s.first),
        last: seen.map_or(0, |s| s.last),
        count: row.tally.count,
        zone_first: zone.map_or(0, |s| s.first),
        zone_last: zone.map_or(0, |s| s.last),
    }
}

/// Rows `offset..offset+limit` of a lookup, and whether more followed.
struct Found {
    rows: Vec<Shown>,
    limited: bool,
    pointing: Vec<Shown>,
    pointing_limited: bool,
}

fn gather(
    store: &dyn hark_store::Store,
    lookup: &Lookup,
    filter: TypeFilter,
    offset: u64,
    limit: u64,
    deadline: tokio::time::Instant,
) -> Result<(Vec<Shown>, bool), ApiError> {
    let mut rows = Vec::new();
    let mut index = 0u64;
    let mut limited = false;
    crate::lookup::run(store, lookup, filter, None, deadline, &mut |row| {
        if index >= offset.saturating_add(limit) {
            limited = true;
            return ControlFlow::Break(());
        }
        if index >= offset {
            rows.push(shown(&row));
        }
        index += 1;
        ControlFlow::Continue(())
    })?;
    if tokio::time::Instant::now() >= deadline {
        return Err(ApiError::TimedOut);
    }
    Ok((rows, limited))
}

/// The lookup named by a view's path and its `type`/`bailiwick` parameters.
fn lookup_of(
    verb: &str,
    kind: &str,
    value: &str,
    query: Option<&str>,
    fences: &Fences,
) -> Result<(Lookup, TypeFilter), UiError> {
    let rrtype = param(query, "type")?.unwrap_or_default();
    let bailiwick = param(query, "bailiwick")?;
    let mut segments = vec![verb, kind, value, rrtype.as_str()];
    if let Some(b) = bailiwick.as_deref() {
        segments.push(b);
    }
    Ok(parse_lookup(&segments, fences.fence, TypeFilter::All)?)
}

/// `GET /ui/name/{pattern}`: the records of a name by type, and the records whose rdata
/// names it.
pub async fn name(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(name): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let query = uri.query();
    let fences = Fences::parse(query)?;
    let (lookup, filter) = lookup_of("rrset", "name", &name, query, &fences)?;
    let exact = NamePattern::parse(&name).map_err(hark_query::QueryError::from)?;
    let pointing = match exact {
        NamePattern::Exact(_) => Some(Lookup::Rdata(RdataQuery {
            rdata: RdataMatch::Name(
                NamePattern::parse(&name).map_err(hark_query::QueryError::from)?,
            ),
            rrtype: None,
            fence: fences.fence,
        })),
        _ => None,
    };
    let limit = number(query, "limit", PAGE_ROWS)?.clamp(1, MAX_PAGE_ROWS);
    let offset = number(query, "offset", 0)?;
    let now = jiff::Timestamp::now().as_second();
    let (found, _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let (rows, limited) = gather(store, &lookup, filter, offset, limit, deadline)?;
            let (pointing, pointing_limited) = match &pointing {
                Some(p) => gather(store, p, TypeFilter::All, 0, MAX_POINTING, deadline)?,
                None => (Vec::new(), false),
            };
            Ok(Found {
                rows,
                limited,
                pointing,
                pointing_limited,
            })
        })
        .await?;
    let title = name.trim_end_matches('.').to_string() + ".";
    let export_query = uri.query().unwrap_or("");
    let registrable = hark_intel::names::registrable_or_self(&title);
    let base = format!("/ui/name/{}?", encode(&name));
    let body = html! {
        h1 { (title) }
        (fences.chips(&base))
        nav.actions aria-label="about this name" {
            a href={"/ui/timeline/" (encode(&name)) "?" (fences.query().trim_start_matches('&'))} { "Timeline" }
            a href={"/ui/graph/" (encode(&name))} { "Graph" }
            a href={"/ui/recon/" (encode(&registrable))} { "Recon of " (registrable) }
            @if !name.starts_with('*') {
                a href={"/ui/name/*." (encode(title.trim_end_matches('.')))} { "Names below" }
            }
            a href={"/ui/export/csv/rrset/name/" (encode(&name)) "?" (export_query)} download { "CSV" }
            a href={"/ui/export/cof/rrset/name/" (encode(&name)) "?" (export_query)} download { "COF" }
        }
        (tables(&found.rows, &base, offset, limit, found.limited, &fences))
        @if !found.pointing.is_empty() {
            section #pointing {
                h2 { "Pointing here " span.count { "(" (found.pointing.len()) @if found.pointing_limited { "+" } ")" } }
                (table("pointing-table", &found.pointing))
            }
        }
    };
    Ok(respond(&headers, layout(&title, &viewer, &name, body)))
}

/// The rows as one table per type, with a filter box, type links and paging.
fn tables(
    rows: &[Shown],
    base: &str,
    offset: u64,
    limit: u64,
    limited: bool,
    fences: &Fences,
) -> Markup {
    let mut by_type: BTreeMap<u16, Vec<&Shown>> = BTreeMap::new();
    for row in rows {
        by_type.entry(row.rrtype.0).or_default().push(row);
    }
    html! {
        @if rows.is_empty() {
            p.empty { "No records." }
        } @else {
            (filter_box(html! { (rows.len()) " records" @if offset > 0 { ", from " (offset + 1) } }))
            nav.types aria-label="record types" {
                @for (rrtype, list) in &by_type {
                    a href={"#type-" (RrType(*rrtype))} { (RrType(*rrtype)) " " span.count { (list.len()) } }
                }
            }
            @for (rrtype, list) in &by_type {
                section id={"type-" (RrType(*rrtype))} {
                    h2 { (RrType(*rrtype)) " " span.count { "(" (list.len()) ")" } }
                    (table(&format!("table-{}", RrType(*rrtype)), list.iter().copied()))
                }
            }
            @if limited || offset > 0 {
                nav.pages aria-label="pages" {
                    @if offset > 0 {
                        a rel="prev" href={(base) "offset=" (offset.saturating_sub(limit)) "&limit=" (limit) (fences.query())} { "Previous " (limit) }
                    }
                    @if limited {
                        a rel="next" href={(base) "offset=" (offset + limit) "&limit=" (limit) (fences.query())} { "Next " (limit) }
                    }
                }
            }
        }
    }
}

/// One sortable table of rows.
fn table<'a>(id: &str, rows: impl IntoIterator<Item = &'a Shown>) -> Markup {
    let head = [
        ("Name", "text"),
        ("Type", "text"),
        ("Data", "text"),
        ("Bailiwick", "text"),
        ("First seen", "num"),
        ("Last seen", "num"),
        ("Count", "num"),
        ("Zone first", "num"),
        ("Zone last", "num"),
    ];
    html! {
        table.records.sortable id=(id) {
            (sortable_head(&head))
            tbody {
                @for r in rows {
                    tr {
                        td { (name_link(&r.rrname)) }
                        td { (r.rrtype) }
                        td.rdata { (rdata_links(r.rrtype, &r.rdata)) }
                        td { (r.bailiwick) }
                        td data-v=(r.first) { (when(r.first)) }
                        td data-v=(r.last) { (when(r.last)) }
                        td data-v=(r.count) { (r.count) }
                        td data-v=(r.zone_first) { (when(r.zone_first)) }
                        td data-v=(r.zone_last) { (when(r.zone_last)) }
                    }
                }
            }
        }
    }
}

/// `GET /ui/rdata/{name,raw}/{value}`: the records whose rdata is this name or these bytes.
pub async fn rdata(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((kind, value)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    if kind != "name" && kind != "raw" {
        return Err(UiError::Api(ApiError::NotFound));
    }
    let query = uri.query();
    let fences = Fences::parse(query)?;
    let (lookup, filter) = lookup_of("rdata", &kind, &value, query, &fences)?;
    let limit = number(query, "limit", PAGE_ROWS)?.clamp(1, MAX_PAGE_ROWS);
    let offset = number(query, "offset", 0)?;
    let now = jiff::Timestamp::now().as_second();
    let ((rows, limited), _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            gather(store, &lookup, filter, offset, limit, deadline)
        })
        .await?;
    let base = format!("/ui/rdata/{kind}/{}?", encode(&value));
    let export = format!("{}/{}?{}", kind, encode(&value), query.unwrap_or(""));
    let title = format!("Records with rdata {value}");
    let body = html! {
        h1 { "Records with " (if kind == "raw" { "raw rdata " } else { "rdata " }) code { (value) } }
        (fences.chips(&base))
        nav.actions aria-label="exports" {
            a href={"/ui/export/csv/rdata/" (export)} download { "CSV" }
            a href={"/ui/export/cof/rdata/" (export)} download { "COF" }
        }
        (tables(&rows, &base, offset, limit, limited, &fences))
    };
    Ok(respond(&headers, layout(&title, &viewer, &value, body)))
}

/// `GET /ui/flex/{regex,glob}/{pattern}`: owner names matching, each with its tally.
pub async fn flex(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((syntax, pattern)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    let syntax_kind = match syntax.as_str() {
        "regex" => crate::flex::Syntax::Regex,
        "glob" => crate::flex::Syntax::Glob,
        _ => return Err(UiError::Api(ApiError::NotFound)),
    };
    let query = uri.query();
    let params = crate::params::Params::parse(query, jiff::Timestamp::now().as_second())?;
    let over_rdata = match param(query, "in")?.as_deref() {
        None | Some("rrnames") => false,
        Some("rdata") => true,
        Some(other) => {
            return Err(UiError::Api(ApiError::BadRequest(format!(
                "in={other:?}: expected rrnames or rdata"
            ))))
        }
    };
    let searched = if over_rdata { "rdata" } else { "rrnames" };
    let segments = vec![searched.to_string(), pattern.clone()];
    let mut flex = crate::flex::FlexQuery::parse(syntax_kind, &segments, &params)?;
    flex.filter = TypeFilter::All;
    let limit = number(query, "limit", PAGE_ROWS)?.clamp(1, MAX_PAGE_ROWS);
    let now = jiff::Timestamp::now().as_second();
    let ((hits, limited), _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let mut hits = Vec::new();
            let mut limited = false;
            flex.run(store, limit + 1, deadline, &mut |hit| {
                if hits.len() as u64 >= limit {
                    limited = true;
                    return ControlFlow::Break(());
                }
                hits.push(hit);
                ControlFlow::Continue(())
            })?;
            Ok((hits, limited))
        })
        .await?;
    let fences = Fences {
        fence: params.fence,
    };
    let base = if over_rdata {
        format!("/ui/flex/{syntax}/{}?in=rdata", encode(&pattern))
    } else {
        format!("/ui/flex/{syntax}/{}?", encode(&pattern))
    };
    let body = html! {
        @if over_rdata {
            h1 { "rdata matching the " (syntax) " " code { (pattern) } }
        } @else {
            h1 { "Owner names matching the " (syntax) " " code { (pattern) } }
        }
        (fences.chips(&base))
        @if hits.is_empty() {
            p.empty { @if over_rdata { "No rdata matches." } @else { "No names match." } }
        } @else if over_rdata {
            (rdata_hits(&hits, limited))
        } @else {
            (filter_box(html! { (hits.len()) @if limited { "+" } " names and types" }))
            table.records.sortable {
                (sortable_head(&[("Name", "text"), ("Type", "text"), ("First seen", "num"), ("Last seen", "num"), ("Count", "num")]))
                tbody {
                    @for hit in &hits {
                        @let seen = hit.tally.seen.or(hit.tally.zone_seen);
                        tr {
                            td { (name_link(&hit.text)) }
                            td { (hit.rrtype) }
                            td data-v=(seen.map_or(0, |s| s.first)) { (when(seen.map_or(0, |s| s.first))) }
                            td data-v=(seen.map_or(0, |s| s.last)) { (when(seen.map_or(0, |s| s.last))) }
                            td data-v=(hit.tally.count) { (hit.tally.count) }
                        }
                    }
                }
            }
        }
    };
    let title = format!("{syntax} {pattern}");
    let input = if over_rdata {
        format!("rdata:{syntax}:{pattern}")
    } else {
        format!("{syntax}:{pattern}")
    };
    Ok(respond(&headers, layout(&title, &viewer, &input, body)))
}

/// The rdata a flex search found, each with its tally and a link to the records holding it.
fn rdata_hits(hits: &[crate::flex::FlexHit], limited: bool) -> Markup {
    html! {
        (filter_box(html! { (hits.len()) @if limited { "+" } " rdata and types" }))
        table.records.sortable #flex-rdata {
            (sortable_head(&[("Data", "text"), ("Type", "text"), ("First seen", "num"), ("Last seen", "num"), ("Count", "num"), ("Records", "")]))
            tbody {
                @for hit in hits {
                    @let seen = hit.tally.seen.or(hit.tally.zone_seen);
                    tr {
                        td.rdata { (rdata_links(hit.rrtype, &hit.text)) }
                        td { (hit.rrtype) }
                        td data-v=(seen.map_or(0, |s| s.first)) { (when(seen.map_or(0, |s| s.first))) }
                        td data-v=(seen.map_or(0, |s| s.last)) { (when(seen.map_or(0, |s| s.last))) }
                        td data-v=(hit.tally.count) { (hit.tally.count) }
                        td { a href={"/ui/rdata/raw/" (data_encoding::HEXLOWER.encode(&hit.raw)) "?type=" (hit.rrtype)} aria-label={"records with " (hit.text)} { "who" } }
                    }
                }
            }
        }
    }
}

/// `GET /ui/export/{csv,cof}/{rrset,rdata}/{kind}/{value}`: the lookup's rows (at most
/// [`MAX_EXPORT_ROWS`]; `X-Hark-Limited: true` when more matched) as CSV or COF NDJSON.
pub async fn export(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((format, verb, kind, value)): Path<(String, String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, UiError> {
    if format != "csv" && format != "cof" {
        return Err(UiError::Api(ApiError::NotFound));
    }
    let query = uri.query();
    let fences = Fences::parse(query)?;
    let (lookup, filter) = lookup_of(&verb, &kind, &value, query, &fences)?;
    let limit = state
        .limits(viewer.caller.as_ref())
        .results_max
        .min(MAX_EXPORT_ROWS);
    let now = jiff::Timestamp::now().as_second();
    let csv = format == "csv";
    let ((body, limited), _rate) = state
        .run_counted(viewer.caller.as_ref(), now, move |store, deadline| {
            let mut out = Vec::new();
            let mut writer = csv.then(|| csv::Writer::from_writer(Vec::new()));
            if let Some(w) = writer.as_mut() {
                let _ = w.write_record([
                    "rrname",
                    "rrtype",
                    "rdata",
                    "bailiwick",
                    "time_first",
                    "time_last",
                    "count",
                    "zone_time_first",
                    "zone_time_last",
                ]);
            }
            let mut rows = 0u64;
            let mut limited = false;
            crate::lookup::run(store, &lookup, filter, None, deadline, &mut |row| {
                if rows >= limit {
                    limited = true;
                    return ControlFlow::Break(());
                }
                rows += 1;
                match writer.as_mut() {
                    Some(w) => {
                        let r = shown(&row);
                        let time = |t: i64| if t == 0 { String::new() } else { t.to_string() };
                        let _ = w.write_record([
                            r.rrname,
                            r.rrtype.to_string(),
                            r.rdata,
                            r.bailiwick,
                            time(r.first),
                            time(r.last),
                            r.count.to_string(),
                            time(r.zone_first),
                            time(r.zone_last),
                        ]);
                    }
                    None => {
                        let object = hark_cof::object(&row, &hark_cof::Style::EXPORT);
                        out.extend_from_slice(
                            serde_json::Value::Object(object).to_string().as_bytes(),
                        );
                        out.push(b'\n');
                    }
                }
                ControlFlow::Continue(())
            })?;
            if let Some(w) = writer {
                out = w
                    .into_inner()
                    .map_err(|e| ApiError::Internal(e.to_string()))?;
            }
            Ok((out, limited))
        })
        .await?;
    let (content_type, extension) = if csv {
        ("text/csv; charset=utf-8", "csv")
    } else {
        ("application/x-ndjson", "jsonl")
    };
    let response = super::compressed(body, content_type, headers.get(header::ACCEPT_ENCODING));
    let file: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = super::page::attachment(response, &format!("hark-{file}.{extension}"));
    if limited {
        response
            .headers_mut()
            .insert("x-hark-limited", HeaderValue::from_static("true"));
    }
    Ok(response)
}
