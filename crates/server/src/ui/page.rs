//! What every view shares: the page layout, errors as pages, links, times and fence chips.

use super::assets::url;
use super::session::Viewer;
use crate::params::{query_value, Params};
use crate::ApiError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hark_dns::RrType;
use hark_store::TimeFence;
use maud::{html, Markup, DOCTYPE};

/// A UI request that failed: a page saying why, with the status the API would give; or the
/// way to the login page.
#[derive(Debug)]
pub enum UiError {
    /// The request failed as an API request would.
    Api(ApiError),
    /// No session: log in first, then come back to this target.
    Login(String),
}

impl From<ApiError> for UiError {
    fn from(err: ApiError) -> Self {
        UiError::Api(err)
    }
}

impl From<hark_store::QueryError> for UiError {
    fn from(err: hark_store::QueryError) -> Self {
        UiError::Api(err.into())
    }
}

impl From<hark_intel::IntelError> for UiError {
    fn from(err: hark_intel::IntelError) -> Self {
        UiError::Api(crate::api::intel_error(err))
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let err = match self {
            UiError::Login(next) => {
                let target = format!("/ui/login?next={}", encode(&next));
                let mut response = StatusCode::SEE_OTHER.into_response();
                if let Ok(value) = HeaderValue::from_str(&target) {
                    response
                        .headers_mut()
                        .insert(header::LOCATION, value.clone());
                    response.headers_mut().insert("hx-redirect", value);
                }
                return super::secure(response);
            }
            UiError::Api(err) => err,
        };
        let status = err.status();
        let message = match &err {
            ApiError::Internal(reason) => {
                tracing::error!(error = %reason, "UI request failed");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        let body = layout(
            &format!(
                "{} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            ),
            &Viewer::default(),
            "",
            html! {
                h1 { (status.as_u16()) " " (status.canonical_reason().unwrap_or("")) }
                p.error role="alert" { (message) }
                p { a href="/ui/" { "Back to the search" } }
            },
        );
        let mut response = super::compressed(body.into_string().into_bytes(), HTML, None);
        *response.status_mut() = status;
        err.add_retry_headers(response.headers_mut());
        response
    }
}

/// The media type of pages.
pub const HTML: &str = "text/html; charset=utf-8";

/// Answers a rendered page, compressed as the request accepts.
pub fn respond(headers: &HeaderMap, markup: Markup) -> Response {
    super::compressed(
        markup.into_string().into_bytes(),
        HTML,
        headers.get(header::ACCEPT_ENCODING),
    )
}

/// The whole page around `body`: the header with the search box (holding `query`, with how
/// the box reads it), the navigation, and the scripts.
pub fn layout(title: &str, viewer: &Viewer, query: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}"#;
                title { (title) " — hark" }
                link rel="stylesheet" href=(url("ui.css"));
                script src=(url("htmx.min.js")) defer {}
                script src=(url("ui.js")) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/ui/" { "hark" }
                    form.search role="search" action="/ui/search" method="get" {
                        label for="q" { "Search" }
                        input #q name="q" type="search" value=(query) autocomplete="off" spellcheck="false"
                            placeholder="name, *.example.com, 192.0.2.0/24, name/MX, /regex/ … since:2024-01-01"
                            hx-get="/ui/explain" hx-trigger="input changed delay:250ms" hx-target="#reading" hx-swap="innerHTML";
                        button type="submit" { "Go" }
                        output #reading aria-live="polite" {
                            @if !query.trim().is_empty() {
                                (super::search::reading_markup(&super::search::read(query, jiff::Timestamp::now().as_second())))
                            }
                        }
                    }
                    nav aria-label="views" {
                        a href="/ui/alerts" { "Alerts" }
                        a href="/ui/watch" { "Watched" }
                        a href="/ui/status" { "Status" }
                        @if let Some(name) = &viewer.name {
                            form.logout action="/ui/logout" method="post" {
                                input type="hidden" name="csrf" value=(viewer.csrf.as_deref().unwrap_or(""));
                                button type="submit" title={"Log out " (name)} { "Log out" }
                            }
                        }
                    }
                }
                main #main tabindex="-1" { (body) }
            }
        }
    }
}

/// Percent-encodes `text` for a path segment or a query value: everything but unreserved
/// characters and the few a name pattern or range uses (`*`, `:`, `,`).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~*:,".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// An epoch second as `2024-03-01 12:00:00`, UTC; empty for 0 (unknown).
pub fn when(seconds: i64) -> String {
    if seconds == 0 {
        return String::new();
    }
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// The head of a sortable table: one column per (label, `text` or `num`), each a button that
/// sorts by it (`ui.js`); a label of `""` is a column without sorting.
pub fn sortable_head(columns: &[(&str, &str)]) -> Markup {
    html! {
        thead { tr {
            @for (label, kind) in columns {
                @if kind.is_empty() {
                    th scope="col" { (label) }
                } @else {
                    th scope="col" { button type="button" data-sort=(kind) { (label) } }
                }
            }
        } }
    }
}

/// The filter box above tables (`ui.js` hides the rows without its text), with `count`.
pub fn filter_box(count: Markup) -> Markup {
    html! {
        div.toolbar {
            label for="filter" { "Filter rows" }
            input #filter type="search" data-filter="table.records" placeholder="text in any column";
            span { (count) }
        }
    }
}

/// A link to the page of name `name` (presentation form).
pub fn name_link(name: &str) -> Markup {
    html! { a href={"/ui/name/" (encode(name))} { (name) } }
}

/// A link to the pivot page of an address, network or range.
pub fn ip_link(address: &str) -> Markup {
    html! { a href={"/ui/ip/" (encode(address))} { (address) } }
}

/// rdata in presentation form with its names and addresses linked.
pub fn rdata_links(rrtype: RrType, text: &str) -> Markup {
    if matches!(rrtype, RrType::A | RrType::AAAA) {
        return ip_link(text);
    }
    let names = matches!(
        rrtype,
        RrType::CNAME
            | RrType::NS
            | RrType::PTR
            | RrType::DNAME
            | RrType::MX
            | RrType::SRV
            | RrType::SOA
            | RrType::HTTPS
            | RrType::SVCB
    );
    if !names {
        return html! { (text) };
    }
    html! {
        @for (index, token) in text.split(' ').enumerate() {
            @if index > 0 { " " }
            @if token.len() > 1 && token.ends_with('.') && !token.starts_with('"') {
                (name_link(token))
            } @else {
                (token)
            }
        }
    }
}

/// A name, address or other text (a report cell) linked when it is a name (ends with a dot,
/// holds another) or an address.
pub fn auto_link(text: &str) -> Markup {
    let trimmed = text.trim();
    if trimmed.parse::<std::net::IpAddr>().is_ok() {
        return ip_link(trimmed);
    }
    let is_name = !trimmed.contains(' ')
        && trimmed.ends_with('.')
        && trimmed.len() > 2
        && trimmed.trim_end_matches('.').contains('.')
        && hark_dns::name::from_presentation(trimmed).is_ok();
    if is_name {
        return name_link(trimmed);
    }
    html! { (text) }
}

/// The time fences of a request, and how to write them back into URLs.
#[derive(Clone, Debug, Default)]
pub struct Fences {
    /// The fences, relative times resolved.
    pub fence: TimeFence,
}

/// The fence parameters, with how a chip names each.
const FENCE_NAMES: [(&str, &str); 4] = [
    ("time_first_after", "first seen after"),
    ("time_first_before", "first seen before"),
    ("time_last_after", "last seen after"),
    ("time_last_before", "last seen before"),
];

impl Fences {
    /// Reads the fences of a query string (the API's parameters).
    pub fn parse(query: Option<&str>) -> Result<Fences, ApiError> {
        let params = Params::parse(query, jiff::Timestamp::now().as_second())?;
        Ok(Fences {
            fence: params.fence,
        })
    }

    fn values(&self) -> [Option<i64>; 4] {
        let f = &self.fence;
        [f.first_after, f.first_before, f.last_after, f.last_before]
    }

    /// The fences as query parameters (`&time_first_after=…`), leaving out `skip`.
    pub fn query_without(&self, skip: Option<usize>) -> String {
        let mut out = String::new();
        for (index, ((name, _), value)) in FENCE_NAMES.iter().zip(self.values()).enumerate() {
            if let (Some(value), false) = (value, skip == Some(index)) {
                out.push_str(&format!("&{name}={value}"));
            }
        }
        out
    }

    /// The fences as query parameters, all of them.
    pub fn query(&self) -> String {
        self.query_without(None)
    }

    /// The fences as chips, each a link to `base` (a path with its query, ending in `?` or
    /// `&`-joinable) without it.
    pub fn chips(&self, base: &str) -> Markup {
        let set: Vec<_> = FENCE_NAMES
            .iter()
            .zip(self.values())
            .enumerate()
            .filter_map(|(index, ((_, label), value))| value.map(|v| (index, label, v)))
            .collect();
        html! {
            @if !set.is_empty() {
                ul.chips aria-label="time fences" {
                    @for (index, label, value) in set {
                        li.chip {
                            (label) " " (when(value))
                            " "
                            a href={(base) (self.query_without(Some(index)))} aria-label={"remove " (label)} { "×" }
                        }
                    }
                }
            }
        }
    }
}

/// A parameter of the query string, or 400 when it is not decodable.
pub fn param(query: Option<&str>, name: &str) -> Result<Option<String>, UiError> {
    Ok(query_value(query, name)?.filter(|v| !v.is_empty()))
}

/// A whole-number parameter, or `default`; 400 when it is not a number.
pub fn number(query: Option<&str>, name: &str, default: u64) -> Result<u64, UiError> {
    match param(query, name)? {
        Some(v) => v.trim().parse().map_err(|_| {
            UiError::Api(ApiError::BadRequest(format!(
                "{name}={v:?}: expected a whole number"
            )))
        }),
        None => Ok(default),
    }
}

/// A `303 See Other` to `target` (a path under `/ui/`, or the login page), with `cookies` set.
pub fn see_other(target: &str, cookies: &[&str]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(target) {
        headers.insert(header::LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(header::SET_COOKIE, value);
        }
    }
    super::secure(response)
}

/// Marks `response` as a download named `file`.
pub fn attachment(mut response: Response, file: &str) -> Response {
    let disposition = format!("attachment; filename=\"{file}\"");
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// The store's figures (kept as rows are committed: no scan).
pub async fn store_stats(state: &crate::AppState) -> Result<hark_store::StoreStats, UiError> {
    let store = std::sync::Arc::clone(&state.store);
    let stats = tokio::task::spawn_blocking(move || store.stats())
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)?;
    Ok(stats)
}
