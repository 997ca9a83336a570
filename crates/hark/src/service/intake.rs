//! The centre's intake: remote sensors (`hark sensor`) POST their batches here.
//!
//! Each request names its sensor by its key (`Authorization: Bearer KEY`, checked against the
//! `[intake] keys` file in constant time; a wrong key gets 401 and is counted) and its batch
//! by `x-hark-batch: EPOCH-SEQ`. Batches are committed one at a time by one thread, through
//! the same writer as every other source, with a checkpoint per (sensor, epoch) holding the
//! highest sequence committed — in the same atomic write as the rows. A batch whose sequence
//! is not above that checkpoint was committed before (the sensor did not hear the answer):
//! it is acknowledged with `"duplicate":true` and counts nothing.
//!
//! Plain HTTP, or HTTPS with `tls_certificate`/`tls_key` (and client certificates required
//! with `tls_client_ca`), through [`super::tls_listener`].

use super::config::IntakeSection;
use super::sources::Shared;
use super::tls_listener::TlsListener;
use crate::sensor::INTAKE_PATH;
use anyhow::Context;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hark_cof::batch::{self, BatchId, BATCH_HEADER};
use hark_record::{Batch, Checkpoint, SourceId};
use hark_server::auth::Keys;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};

/// The intake's figures.
#[derive(Debug, Default)]
pub struct IntakeStats {
    /// Batches committed.
    pub batches: AtomicU64,
    /// Rows (RR and negative) in them.
    pub rows: AtomicU64,
    /// Batches sent again and recognised: acknowledged, not counted.
    pub duplicates: AtomicU64,
    /// Requests with a missing or wrong key (401).
    pub unauthorized: AtomicU64,
    /// Requests refused as malformed (400/413).
    pub malformed: AtomicU64,
}

/// A batch for the committing thread, and where to say how it went.
struct Job {
    sensor: String,
    id: BatchId,
    batch: Batch,
    reply: tokio::sync::oneshot::Sender<Result<bool, String>>,
}

#[derive(Clone)]
struct IntakeState {
    keys: Arc<Keys>,
    jobs: crossbeam_channel::Sender<Job>,
    stats: Arc<IntakeStats>,
    max_bytes: u64,
}

/// The running intake.
pub struct Intake<'scope> {
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    committer: ScopedJoinHandle<'scope, ()>,
    /// Its figures.
    pub stats: Arc<IntakeStats>,
    /// The address it listens on.
    pub local: std::net::SocketAddr,
}

/// The checkpoint identity of a sensor's epoch.
fn source_of(sensor: &str, epoch: u64) -> SourceId {
    SourceId(format!("sensor:{sensor}:{epoch:016x}").into_bytes())
}

/// Starts the intake of `section` on the runtime, committing through `shared.sink`.
pub fn start<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    section: &IntakeSection,
    shared: &'env Shared<'env>,
) -> anyhow::Result<Intake<'scope>> {
    let text = std::fs::read_to_string(&section.keys)
        .with_context(|| format!("[intake] cannot read the keys {}", section.keys.display()))?;
    let keys =
        Keys::parse(&text).with_context(|| format!("[intake] keys {}", section.keys.display()))?;
    if keys.is_empty() {
        anyhow::bail!("[intake] keys {}: no keys", section.keys.display());
    }
    let listener = shared
        .runtime
        .block_on(tokio::net::TcpListener::bind(section.listen))
        .with_context(|| format!("[intake] cannot listen on {}", section.listen))?;
    let local = listener.local_addr().context("[intake] address")?;
    let (jobs, queue) = crossbeam_channel::bounded::<Job>(4);
    let stats = Arc::new(IntakeStats::default());
    let committed = stats.clone();
    let committer = std::thread::Builder::new()
        .name("hark-intake".into())
        .spawn_scoped(scope, move || {
            for job in queue {
                let outcome = commit(shared, job.sensor, job.id, job.batch, &committed);
                let _ = job.reply.send(outcome);
            }
        })
        .context("cannot start a thread")?;
    let max_bytes = section.max_batch_mb.saturating_mul(1024 * 1024);
    let state = IntakeState {
        keys: Arc::new(keys),
        jobs,
        stats: stats.clone(),
        max_bytes,
    };
    let router = axum::Router::new()
        .route(INTAKE_PATH, post(receive))
        .layer(DefaultBodyLimit::max(
            usize::try_from(max_bytes).unwrap_or(usize::MAX),
        ))
        .with_state(state);
    let tls = match section.tls() {
        Some(files) => Some(
            hark_live::tls_acceptor(&files)
                .map_err(|detail| anyhow::anyhow!("[intake] TLS: {detail}"))?,
        ),
        None => None,
    };
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let shutdown = async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let server = match tls {
        None => shared.runtime.spawn(async move {
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await
        }),
        Some(acceptor) => {
            let _inside = shared.runtime.enter();
            let listener = TlsListener::new(listener, acceptor, "intake");
            shared.runtime.spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(shutdown)
                    .await
            })
        }
    };
    eprintln!("hark: intake: sensors ship to {scheme}://{local}{INTAKE_PATH}");
    Ok(Intake {
        stop,
        server,
        committer,
        stats,
        local,
    })
}

impl Intake<'_> {
    /// Its figures, for the status file.
    pub fn figures(&self) -> serde_json::Value {
        let get = |n: &AtomicU64| n.load(Ordering::Relaxed);
        serde_json::json!({
            "address": self.local.to_string(),
            "batches": get(&self.stats.batches),
            "rows": get(&self.stats.rows),
            "duplicates": get(&self.stats.duplicates),
            "unauthorized": get(&self.stats.unauthorized),
            "malformed": get(&self.stats.malformed),
        })
    }

    /// Stops taking batches, and waits until those taken are committed.
    pub fn stop(self, runtime: &tokio::runtime::Runtime) {
        let _ = self.stop.send(true);
        let _ = runtime.block_on(self.server);
        // The server and its handlers are gone: the job queue is closed.
        let _ = self.committer.join();
    }
}

/// Commits one batch unless its sensor's checkpoint says it is in already; true when it was.
fn commit(
    shared: &Shared<'_>,
    sensor: String,
    id: BatchId,
    mut batch: Batch,
    stats: &IntakeStats,
) -> Result<bool, String> {
    let source = source_of(&sensor, id.epoch);
    let done = shared.sink.checkpoint(&source).map_err(|e| e.to_string())?;
    if done.is_some_and(|checkpoint| checkpoint.position >= id.seq) {
        stats.duplicates.fetch_add(1, Ordering::Relaxed);
        return Ok(true);
    }
    let rows = batch.len() as u64;
    batch.checkpoints = vec![Checkpoint {
        source,
        position: id.seq,
        done: false,
        options: 0,
        bytes: 0,
        note: format!("sensor {sensor}, batch {}", id.header()),
    }];
    shared.sink.commit(batch).map_err(|e| e.to_string())?;
    stats.batches.fetch_add(1, Ordering::Relaxed);
    stats.rows.fetch_add(rows, Ordering::Relaxed);
    Ok(false)
}

fn answer(status: StatusCode, body: serde_json::Value) -> (StatusCode, String) {
    (status, body.to_string())
}

async fn receive(
    State(state): State<IntakeState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
    let presented = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(sensor) = state.keys.check(presented.as_bytes()).map(str::to_string) else {
        state.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        return answer(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "unknown sensor key"}),
        );
    };
    let malformed = |why: String| {
        state.stats.malformed.fetch_add(1, Ordering::Relaxed);
        answer(StatusCode::BAD_REQUEST, serde_json::json!({ "error": why }))
    };
    let Some(id) = headers
        .get(BATCH_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(BatchId::parse)
    else {
        return malformed(format!("no valid {BATCH_HEADER} header (EPOCH-SEQ in hex)"));
    };
    let max_bytes = state.max_bytes;
    let batch = match tokio::task::spawn_blocking(move || batch::decode(&body, max_bytes)).await {
        Ok(Ok(batch)) => batch,
        Ok(Err(err)) => return malformed(err.to_string()),
        Err(err) => return malformed(err.to_string()),
    };
    let rows = batch.len();
    let (reply, outcome) = tokio::sync::oneshot::channel();
    let job = Job {
        sensor,
        id,
        batch,
        reply,
    };
    let jobs = state.jobs.clone();
    let queued = tokio::task::spawn_blocking(move || jobs.send(job).is_ok()).await;
    if !queued.unwrap_or(false) {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"error": "stopping"}),
        );
    }
    match outcome.await {
        Ok(Ok(duplicate)) => answer(
            StatusCode::OK,
            serde_json::json!({"duplicate": duplicate, "rows": if duplicate { 0 } else { rows }}),
        ),
        Ok(Err(err)) => {
            tracing::error!(error = %err, "cannot commit a sensor's batch");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                serde_json::json!({"error": "cannot store the batch"}),
            )
        }
        Err(_) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"error": "stopping"}),
        ),
    }
}
