//! `/metrics`: what the server has done, in the Prometheus text format (OpenMetrics).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `hark_http_requests_total` | counter | `face` (dnsdb, circl, api, securitytrails, virustotal, ui, metrics, other), `code` |
//! | `hark_http_response_seconds` | histogram | `face`: time until the response head; streamed bodies go on after |
//! | `hark_queries_in_flight` | gauge | store scans running now |
//! | `hark_queries_refused_total` | counter | `reason` (busy: over the concurrent-query limit) |
//!
//! The endpoint needs no key: it shows counts, never data. Store-wide figures (rows, disk)
//! come from `hark stats`, which scans the store: too costly for every scrape.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Labels of a request count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    face: &'static str,
    code: u16,
}

/// Labels of per-face figures.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FaceLabels {
    face: &'static str,
}

/// Labels of a refusal count.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

type HistogramFamily = Family<FaceLabels, Histogram, fn() -> Histogram>;

/// The server's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    response_seconds: HistogramFamily,
    in_flight: Gauge,
    refused: Family<ReasonLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

fn response_histogram() -> Histogram {
    // 50 µs to about 1.6 s.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "hark_http_requests",
            "HTTP requests answered, by face and status code",
            requests.clone(),
        );
        let response_seconds: HistogramFamily = Family::new_with_constructor(response_histogram);
        registry.register(
            "hark_http_response_seconds",
            "Time from request to response head, by face",
            response_seconds.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "hark_queries_in_flight",
            "Store scans running now",
            in_flight.clone(),
        );
        let refused = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "hark_queries_refused",
            "Queries refused before they ran, by reason",
            refused.clone(),
        );
        Metrics {
            registry,
            requests,
            response_seconds,
            in_flight,
            refused,
        }
    }
}

impl Metrics {
    /// Adds metrics computed at each scrape: what `hark run`'s sources counted, which the
    /// server cannot know by itself.
    pub fn register_collector(
        &mut self,
        collector: Box<dyn prometheus_client::collector::Collector>,
    ) {
        self.registry.register_collector(collector);
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The face a request path belongs to.
fn face(path: &str) -> &'static str {
    if path.starts_with("/dnsdb/") {
        "dnsdb"
    } else if path.starts_with("/pdns/") {
        "circl"
    } else if path.starts_with("/v1/") {
        "securitytrails"
    } else if path.starts_with("/api/v3/") {
        "virustotal"
    } else if path.starts_with("/api/") {
        "api"
    } else if path.starts_with("/ui/") {
        "ui"
    } else if path == "/metrics" {
        "metrics"
    } else {
        "other"
    }
}

/// Middleware: counts and times every request.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let face = face(request.uri().path());
    let started = tokio::time::Instant::now();
    let response = next.run(request).await;
    metrics
        .response_seconds
        .get_or_create(&FaceLabels { face })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RequestLabels {
            face,
            code: response.status().as_u16(),
        })
        .inc();
    response
}

/// `GET /metrics`.
pub async fn handle(State(state): State<crate::AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

/// A running query's hold on one of the server's query slots.
#[derive(Debug)]
pub struct QueryPermit {
    _permit: OwnedSemaphorePermit,
    metrics: Arc<Metrics>,
}

impl Drop for QueryPermit {
    fn drop(&mut self) {
        self.metrics.in_flight.dec();
    }
}

/// Takes a query slot, or refuses with 503 when all are taken (DNSDB's answer to too many
/// concurrent queries).
pub fn begin_query(
    slots: &Arc<Semaphore>,
    metrics: &Arc<Metrics>,
) -> Result<QueryPermit, crate::ApiError> {
    match Arc::clone(slots).try_acquire_owned() {
        Ok(permit) => {
            metrics.in_flight.inc();
            Ok(QueryPermit {
                _permit: permit,
                metrics: Arc::clone(metrics),
            })
        }
        Err(_) => {
            metrics
                .refused
                .get_or_create(&ReasonLabels { reason: "busy" })
                .inc();
            Err(crate::ApiError::Busy)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_refuse_when_full_and_free_on_drop() {
        let slots = Arc::new(Semaphore::new(1));
        let metrics = Arc::new(Metrics::default());
        let held = begin_query(&slots, &metrics).expect("a free slot");
        assert!(matches!(
            begin_query(&slots, &metrics),
            Err(crate::ApiError::Busy)
        ));
        let text = metrics.render();
        assert!(text.contains("hark_queries_in_flight 1"), "{text}");
        assert!(
            text.contains("hark_queries_refused_total{reason=\"busy\"} 1"),
            "{text}"
        );
        drop(held);
        assert!(begin_query(&slots, &metrics).is_ok());
    }
}
