//! Ships the spool's batches to the centre, oldest first, one at a time: a batch leaves the
//! spool only once the centre answered 200 (it committed the batch, or already had it).
//! A centre that is away, or answers 5xx, is retried with a growing pause (0.5 s to 30 s);
//! a refused key (401/403) is logged and retried the same way, so fixing the centre's keys
//! file resumes shipping; a batch the centre cannot read (400/413) is moved aside.

use super::spool::Spool;
use super::INTAKE_PATH;
use hark_cof::batch::{BatchId, BATCH_HEADER};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What shipping did.
#[derive(Debug, Default)]
pub struct ShipStats {
    /// Batches the centre took.
    pub shipped: AtomicU64,
    /// Of those, batches it already had (sent again after an interruption).
    pub duplicates: AtomicU64,
    /// Attempts that failed (centre away, 5xx, timeouts).
    pub failures: AtomicU64,
    /// Attempts the centre refused for the key (401/403).
    pub refused: AtomicU64,
    /// Batches the centre could not read, moved aside.
    pub rejected: AtomicU64,
}

/// Where and as whom to ship.
pub struct Destination {
    /// The intake URL.
    pub url: String,
    /// This sensor's key.
    pub key: String,
    /// How an `https://` centre is verified, and the client certificate shown to it.
    pub tls: ureq::tls::TlsConfig,
}

impl Destination {
    /// The destination at `centre` (`http(s)://host:port`), verified by `tls`.
    pub fn new(centre: &str, key: String, tls: ureq::tls::TlsConfig) -> Destination {
        Destination {
            url: format!("{}{INTAKE_PATH}", centre.trim_end_matches('/')),
            key,
            tls,
        }
    }
}

/// What one attempt led to.
enum Outcome {
    Taken { duplicate: bool },
    Refused(u16),
    Unreadable(u16),
    Failed(String),
}

fn send(agent: &ureq::Agent, to: &Destination, id: BatchId, body: &[u8]) -> Outcome {
    let response = agent
        .post(&to.url)
        .header("authorization", &format!("Bearer {}", to.key))
        .header(BATCH_HEADER, &id.header())
        .header("content-type", "application/x-ndjson")
        .header("content-encoding", "gzip")
        .send(body);
    match response {
        Ok(mut response) => match response.status().as_u16() {
            200 => {
                let text = response.body_mut().read_to_string().unwrap_or_default();
                Outcome::Taken {
                    duplicate: text.contains("\"duplicate\":true"),
                }
            }
            status @ (401 | 403) => Outcome::Refused(status),
            status @ (400 | 413) => Outcome::Unreadable(status),
            status => Outcome::Failed(format!("HTTP {status}")),
        },
        Err(err) => Outcome::Failed(err.to_string()),
    }
}

/// Ships until `stop` is set and then for at most `linger` more (what is left stays in the
/// spool for the next start).
pub fn ship(
    spool: &Spool,
    to: &Destination,
    stats: &ShipStats,
    stop: &AtomicBool,
    linger: Duration,
) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .tls_config(to.tls.clone())
        .build()
        .into();
    let mut pause = Duration::from_millis(500);
    let mut stopped_at: Option<Instant> = None;
    loop {
        if stop.load(Ordering::Acquire) && stopped_at.is_none() {
            stopped_at = Some(Instant::now());
        }
        if stopped_at.is_some_and(|at| at.elapsed() > linger) {
            return;
        }
        let next = match spool.oldest(Duration::from_millis(200)) {
            Ok(next) => next,
            Err(err) => {
                tracing::error!(error = %err, "cannot read the spool");
                std::thread::sleep(pause);
                continue;
            }
        };
        let Some((path, id)) = next else {
            if stopped_at.is_some() {
                return;
            }
            continue;
        };
        let body = match std::fs::read(&path) {
            Ok(body) => body,
            Err(err) => {
                tracing::error!(file = %path.display(), error = %err, "cannot read a spooled batch");
                std::thread::sleep(pause);
                continue;
            }
        };
        let failed = match send(&agent, to, id, &body) {
            Outcome::Taken { duplicate } => {
                if let Err(err) = spool.remove(&path) {
                    tracing::error!(file = %path.display(), error = %err, "cannot remove a shipped batch");
                }
                stats.shipped.fetch_add(1, Ordering::Relaxed);
                if duplicate {
                    stats.duplicates.fetch_add(1, Ordering::Relaxed);
                }
                pause = Duration::from_millis(500);
                false
            }
            Outcome::Refused(status) => {
                if stats
                    .refused
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(20)
                {
                    tracing::error!(
                        status,
                        "the centre refused this sensor's key; batches wait in the spool"
                    );
                }
                true
            }
            Outcome::Unreadable(status) => {
                tracing::error!(status, batch = %id.header(), "the centre cannot read a batch; it is moved to rejected/");
                stats.rejected.fetch_add(1, Ordering::Relaxed);
                let _ = spool.reject(&path);
                false
            }
            Outcome::Failed(why) => {
                if stats
                    .failures
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(20)
                {
                    tracing::warn!(error = %why, "cannot reach the centre; batches wait in the spool");
                }
                true
            }
        };
        if failed {
            if stopped_at.is_some() {
                return;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    }
}
