//! The web UI under `/ui/`: server-rendered HTML over the same store, keys, quotas and query
//! slots as the API, with a little JavaScript of its own (sorting, filtering, drag-to-zoom),
//! htmx for partial updates and cytoscape.js on the graph page only.
//!
//! | path (under `/ui/`) | view |
//! |---|---|
//! | `` (home), `search?q=`, `explain?q=` | the search box: reads its input ([`search`]), says how, and goes to the view |
//! | `name/{pattern}?type=&bailiwick=` | the records of a name (or `*.example.com`, `www.example.*`) by type, and who points at it |
//! | `rdata/{name,raw}/{value}?type=` | the records whose rdata is a name, or raw rdata in hex |
//! | `flex/{regex,glob}/{pattern}` | owner names matching a regex or a glob |
//! | `export/{csv,cof}/{rrset,rdata}/{kind}/{value}` | the rows of a lookup as CSV or COF (NDJSON) |
//! | `ip/{address, CIDR or range}?page=` | the pivot: names on it by registrable domain, paged; `ip/{range}/domain/{domain}` expands one |
//! | `timeline/{pattern}?from=&to=` | one bar per record from first to last seen |
//! | `recon/{domain}` | the recon report, summary first, printable |
//! | `graph/{subject}?budget=`, `graph/{subject}/graph.{json,dot,graphml}` | the graph of a name, domain, address or network |
//! | `status` | sources, rates, drops and store size: the figures of `/metrics` |
//! | `alerts?rule=&severity=&state=&subject=&since=&until=`, `alerts/{id}` | alerts of watch rules, filtered; one with its evidence; `POST alerts/{id}/{ack,resolve}` |
//! | `watch` | what the loaded watch rules watch: canaries, zones, names, brands, networks |
//! | `login`, `logout` | the session of a key ([`session`]) |
//! | `assets/{name}.{hash}.{ext}` | embedded scripts and styles ([`assets`]) |
//!
//! Every view takes the API's time fences (`time_first_after`... as epoch seconds or negative
//! seconds before now) and shows them as chips that remove themselves. Pages carry a strict
//! Content-Security-Policy (no inline script or style, nothing from another origin) and are
//! gzip-compressed when the client accepts it.

mod alerts;
pub mod assets;
mod graph;
mod page;
mod pivot;
mod records;
mod report;
pub mod search;
pub mod session;
mod timeline;

use crate::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;

pub use page::UiError;

/// What the UI keeps between requests.
#[derive(Debug, Default)]
pub struct UiState {
    /// Logged-in browsers.
    pub sessions: session::Sessions,
    /// The counters the status page showed last, and when (milliseconds), for rates.
    last_status: std::sync::Mutex<Option<(i64, std::collections::BTreeMap<String, f64>)>>,
    /// The CSRF token of forms when the server has no keys (and so no sessions).
    anonymous: std::sync::OnceLock<String>,
}

/// The route prefix.
pub const PREFIX: &str = "/ui/";

/// The UI's routes, to be merged into the server's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to(PREFIX) }))
        .route("/ui", get(|| async { Redirect::to(PREFIX) }))
        .route("/ui/", get(search::home))
        .route("/ui/search", get(search::search))
        .route("/ui/explain", get(search::explain))
        .route("/ui/name/{name}", get(records::name))
        .route("/ui/rdata/{kind}/{value}", get(records::rdata))
        .route("/ui/flex/{syntax}/{pattern}", get(records::flex))
        .route(
            "/ui/export/{format}/{verb}/{kind}/{value}",
            get(records::export),
        )
        .route("/ui/ip/{range}", get(pivot::page))
        .route("/ui/ip/{range}/domain/{domain}", get(pivot::names))
        .route("/ui/timeline/{pattern}", get(timeline::page))
        .route("/ui/recon/{domain}", get(report::recon))
        .route("/ui/status", get(report::status))
        .route("/ui/alerts", get(alerts::list))
        .route("/ui/alerts/{id}", get(alerts::detail))
        .route(
            "/ui/alerts/{id}/{action}",
            axum::routing::post(alerts::set_state),
        )
        .route("/ui/watch", get(alerts::watch))
        .route("/ui/status/live", get(report::live))
        .route("/ui/graph/{subject}", get(graph::page))
        .route("/ui/graph/{subject}/{file}", get(graph::data))
        .route("/ui/login", get(session::login_form).post(session::login))
        .route("/ui/logout", axum::routing::post(session::logout))
        .route("/ui/assets/{file}", get(assets::serve))
        .route(
            "/ui/{*rest}",
            get(|| async { UiError::Api(crate::ApiError::NotFound) }),
        )
        .route(
            "/favicon.ico",
            get(|| async { axum::http::StatusCode::NO_CONTENT }),
        )
}

/// The Content-Security-Policy of every UI answer: scripts, styles and connections from this
/// origin only, no inline code, no frames; images also from `data:`/`blob:` (graph exports).
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers every UI answer carries.
pub fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Answers `body` with `content_type`, gzip-compressed when `accept` (the request's
/// `Accept-Encoding`) admits it, not cached (pages show private data).
pub fn compressed(
    body: Vec<u8>,
    content_type: &'static str,
    accept: Option<&HeaderValue>,
) -> Response {
    let gzip = accept.is_some_and(|v| assets::accepts(v, "gzip"));
    let (body, encoding) = if gzip && body.len() > 512 {
        (assets::gzip(&body), Some("gzip"))
    } else {
        (body, None)
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, cookie"),
    );
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    secure(response)
}
