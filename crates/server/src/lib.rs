//! hark-server: the HTTP faces of hark, wire-compatible with existing passive DNS clients.
//!
//! - [`dnsdb`]: the Farsight/DomainTools DNSDB API v2 under `/dnsdb/v2` (dnsdbq, dnsdb2),
//!   answered in SAF ([`saf`]) behind an `X-API-Key`;
//! - [`circl`]: the CIRCL passive DNS API under `/pdns/query` (pypdns, MISP), answered in
//!   COF NDJSON behind HTTP Basic auth, paged with the `dribble-*` headers;
//! - [`securitytrails`]: the SecurityTrails API v1 under `/v1` (pysecuritytrails, the
//!   scripts that call it), behind an `APIKEY` header or `apikey` parameter;
//! - [`virustotal`]: the VirusTotal API v3 resolutions and domain/IP objects under
//!   `/api/v3` (vt-py, virustotal-python, MISP), behind an `x-apikey` header;
//! - [`api`]: hark's own JSON API under `/api/v1`, described by `/api/openapi.json`;
//! - [`metrics`]: `/metrics` in the Prometheus text format;
//! - [`ui`]: the web UI under `/ui/`, server-rendered HTML over the same store and keys.
//!
//! Build the router with [`app`] over an [`AppState`] (an `Arc<dyn Store>` and a [`Config`]),
//! or run it with [`serve`]. Answers stream from the store in bounded memory ([`stream`]), a
//! client that goes away stops its scan, and each query has a time limit. Keys come from a
//! keys file ([`auth::Keys`]); errors are answered as DNSDB does ([`ApiError`]).
//!
//! It is not: a storage engine (it sees only the [`hark_store::Store`] trait), nor the place
//! that picks one; the `hark` binary opens the store and hands it over.
//!
//! ```
//! use std::sync::Arc;
//! use hark_server::{app, AppState, Config};
//! # fn router(store: Arc<dyn hark_store::Store>) -> axum::Router {
//! let state = AppState::new(store, Config::default());
//! app(state)
//! # }
//! ```
#![deny(missing_docs)]

pub mod alerts;
pub mod api;
pub mod auth;
pub mod circl;
pub mod compat;
mod cursor;
pub mod dnsdb;
mod error;
pub mod flex;
pub mod listen;
pub mod lookup;
pub mod metrics;
pub mod params;
pub mod saf;
pub mod securitytrails;
pub mod stream;
pub mod ui;
pub mod virustotal;

pub use error::ApiError;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use hark_store::Store;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Config {
    /// Accepted keys; `None` serves everyone (only allowed on loopback by the binary).
    pub keys: Option<auth::Keys>,
    /// The `origin` URI put on every CIRCL/COF object.
    pub origin: String,
    /// How long one query may run before its answer ends with a failure.
    pub query_timeout: Duration,
    /// What each key may ask for.
    pub limits: params::Limits,
    /// Most store scans running at once; more get 503 until one ends.
    pub max_queries: usize,
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
}

/// The default time limit of a query.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default most results of one query.
pub const DEFAULT_RESULTS_MAX: u64 = 1_000_000;
/// The default highest offset.
pub const DEFAULT_OFFSET_MAX: u64 = 3_000_000;
/// The default most store scans at once.
pub const DEFAULT_MAX_QUERIES: usize = 128;
/// The default most connections at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 16_384;
/// The default time a client has to send a request's headers.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for Config {
    fn default() -> Self {
        Config {
            keys: None,
            origin: "hark".into(),
            query_timeout: DEFAULT_QUERY_TIMEOUT,
            limits: params::Limits {
                results_max: DEFAULT_RESULTS_MAX,
                offset_max: DEFAULT_OFFSET_MAX,
            },
            max_queries: DEFAULT_MAX_QUERIES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store answering lookups.
    pub store: Arc<dyn Store>,
    /// The configuration.
    pub config: Arc<Config>,
    /// Each key's queries so far.
    pub limiter: Arc<auth::RateLimiter>,
    /// What the server has done, for `/metrics`.
    pub metrics: Arc<metrics::Metrics>,
    /// One permit per store scan allowed to run at once.
    pub query_slots: Arc<tokio::sync::Semaphore>,
    /// The CIRCL dribble walks in progress.
    pub cursors: Arc<cursor::Cursors>,
    /// The web UI's sessions and what its status page last showed.
    pub ui: Arc<ui::UiState>,
    /// The alerts of watch rules (`/api/v1/alerts`), when the store has a directory.
    pub alerts: Option<alerts::Log>,
    /// The watch rules in force, for the UI's watch page, when the server knows them.
    pub rules: Option<alerts::Rules>,
}

impl AppState {
    /// The state of a fresh server: no query counted yet.
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState::with_metrics(store, config, metrics::Metrics::default())
    }

    /// A fresh server whose `/metrics` also shows what `metrics` was given beyond the
    /// server's own (collectors registered by `hark run` for its sources).
    pub fn with_metrics(
        store: Arc<dyn Store>,
        config: Config,
        metrics: metrics::Metrics,
    ) -> AppState {
        AppState {
            store,
            query_slots: Arc::new(tokio::sync::Semaphore::new(
                config
                    .max_queries
                    .clamp(1, tokio::sync::Semaphore::MAX_PERMITS),
            )),
            config: Arc::new(config),
            limiter: Arc::new(auth::RateLimiter::default()),
            cursors: Arc::new(cursor::Cursors::default()),
            ui: Arc::new(ui::UiState::default()),
            metrics: Arc::new(metrics),
            alerts: None,
            rules: None,
        }
    }

    /// Takes a query slot for a store scan (held until the answer is written), or 503.
    pub fn begin_query(&self) -> Result<metrics::QueryPermit, ApiError> {
        metrics::begin_query(&self.query_slots, &self.metrics)
    }

    /// What `caller` may ask for: its key's limits, or the server's.
    pub fn limits(&self, caller: Option<&auth::Caller>) -> params::Limits {
        caller.map_or(self.config.limits, |c| c.quota.limits(&self.config.limits))
    }

    /// Runs one counted query built whole in memory: takes a query slot (a query refused as
    /// busy is not charged), counts it against `caller`'s quota, and runs `job` on the
    /// blocking pool with the query's deadline. Returns what `job` made and the key's rate
    /// status for the answer's headers.
    pub async fn run_counted<T, F>(
        &self,
        caller: Option<&auth::Caller>,
        now: i64,
        job: F,
    ) -> Result<(T, auth::RateStatus), ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Store, tokio::time::Instant) -> Result<T, ApiError> + Send + 'static,
    {
        let permit = self.begin_query()?;
        let rate = self.limiter.admit(caller, now)?;
        let deadline = tokio::time::Instant::now() + self.config.query_timeout;
        let store = Arc::clone(&self.store);
        let value = stream::run_blocking(deadline, move || {
            let _permit = permit;
            job(&*store, deadline)
        })
        .await?;
        Ok((value, rate))
    }
}

/// The router with every face.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/dnsdb/v2/{*rest}", get(dnsdb::handle))
        .route("/pdns/query/{*q}", get(circl::handle))
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/alerts/{id}", get(alerts::get))
        .route("/api/v1/alerts/{id}/{action}", post(alerts::set_state))
        .route("/api/v1/{*rest}", get(api::handle))
        .route(
            "/v1/{*rest}",
            get(securitytrails::handle).post(securitytrails::handle),
        )
        .route("/api/v3/{*rest}", get(virustotal::handle))
        .route("/metrics", get(metrics::handle))
        .merge(ui::routes())
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(limit_target))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state.metrics),
            metrics::track,
        ))
        .with_state(state)
}

/// Refuses request targets longer than [`params::MAX_TARGET_BYTES`] (414).
async fn limit_target(request: Request, next: Next) -> Result<Response, ApiError> {
    let len = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if len > params::MAX_TARGET_BYTES {
        return Err(ApiError::UriTooLong {
            len,
            max: params::MAX_TARGET_BYTES,
        });
    }
    Ok(next.run(request).await)
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets open answers finish,
/// within the connection bounds of [`listen`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let max_connections = state.config.max_connections;
    let header_timeout = state.config.header_timeout;
    listen::serve_router(
        listener,
        app(state),
        max_connections,
        header_timeout,
        shutdown,
    )
    .await
}
