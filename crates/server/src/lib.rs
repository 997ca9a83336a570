//! hark-server: the HTTP faces of hark, wire-compatible with existing passive DNS clients.
//!
//! - [`dnsdb`]: the Farsight/DomainTools DNSDB API v2 under `/dnsdb/v2` (dnsdbq, dnsdb2),
//!   answered in SAF ([`saf`]) behind an `X-API-Key`;
//! - [`circl`]: the CIRCL passive DNS API under `/pdns/query` (pypdns, MISP), answered in
//!   COF NDJSON behind HTTP Basic auth, paged with the `dribble-*` headers.
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

pub mod auth;
pub mod circl;
pub mod cof;
pub mod dnsdb;
mod error;
pub mod flex;
pub mod lookup;
pub mod params;
pub mod saf;
pub mod stream;

pub use error::ApiError;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::get;
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
}

/// The default time limit of a query.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// The default most results of one query.
pub const DEFAULT_RESULTS_MAX: u64 = 1_000_000;
/// The default highest offset.
pub const DEFAULT_OFFSET_MAX: u64 = 3_000_000;

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
}

impl AppState {
    /// The state of a fresh server: no query counted yet.
    pub fn new(store: Arc<dyn Store>, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            limiter: Arc::new(auth::RateLimiter::default()),
        }
    }
}

/// The router with every face.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/dnsdb/v2/{*rest}", get(dnsdb::handle))
        .route("/pdns/query/{*q}", get(circl::handle))
        .fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn(limit_target))
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

/// Serves [`app`] on `listener` until `shutdown` completes, then lets open answers finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
