//! Sinks: where opened alerts are sent, each from the durable outbox on a thread of its own.
//!
//! The outbox is the alert log itself ([`crate::alerts`]): each sink keeps, in
//! `<watch dir>/sinks/<id>.offset`, the byte offset of the log it has delivered up to, and
//! moves it only after deliveries succeeded (once per batch read from the log: after a crash
//! a sink may send the last batch again — at least once, never lost). So ingest never waits for a sink (raising an
//! alert is one append to the log), a sink that fails is retried with exponential backoff
//! (0.5 s doubling to 5 minutes) without losing anything, and a restart resumes where
//! delivery stopped. After [`DISABLE_AFTER`] failures in a row a sink is reported disabled
//! (an ERROR log and [`SinkStatus::disabled`]); it keeps its alerts and is retried every
//! 5 minutes until it answers.
//!
//! A new sink starts at the end of the log: adding one does not replay old alerts.
//!
//! | kind | sends |
//! |---|---|
//! | `ndjson` | the alert as one JSON line, to a file (appended) or standard output |
//! | `webhook` | `POST` of the alert's JSON; with a `secret`, `X-Hark-Signature: sha256=HEX`, the HMAC-SHA256 of the body |
//! | `slack` | `POST` of a Slack incoming-webhook message (`{"text": ...}`) |
//! | `teams` | `POST` of a Microsoft Teams incoming-webhook MessageCard |
//! | `syslog` | an RFC 5424 message whose MSG is CEF, over UDP, or TCP with octet-counting framing |
//! | `exec` | runs a program with the alert's JSON on its standard input; a non-zero exit is a failure |

use crate::alerts::{opened_since, Alert, AlertLog};
use crate::rules::{Severity, SinkSpec, SinkTarget};
use hmac::Mac as _;
use serde_json::json;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Failures in a row after which a sink is reported disabled.
pub const DISABLE_AFTER: u32 = 5;

/// The signature header of webhook posts.
pub const SIGNATURE_HEADER: &str = "X-Hark-Signature";

const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How a sink is doing.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct SinkStatus {
    /// Its id.
    pub id: String,
    /// Alerts delivered by this process.
    pub delivered: u64,
    /// Failures in a row.
    pub failures: u32,
    /// True after [`DISABLE_AFTER`] failures in a row, until a delivery succeeds.
    pub disabled: bool,
    /// The last error.
    pub last_error: Option<String>,
}

/// The running sinks.
pub struct Sinks {
    threads: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    deadline: Arc<Mutex<Option<Instant>>>,
    status: Arc<Mutex<Vec<SinkStatus>>>,
}

/// The HMAC-SHA256 of `body` under `secret`, lowercase hex: what [`SIGNATURE_HEADER`] carries
/// after `sha256=`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Sinks {
    /// Starts a thread per sink of `specs`, delivering what `log` opens; offsets are kept in
    /// `dir/sinks/`.
    pub fn start(dir: &Path, log: Arc<AlertLog>, specs: &[SinkSpec]) -> Sinks {
        let stop = Arc::new(AtomicBool::new(false));
        let deadline = Arc::new(Mutex::new(None));
        let status = Arc::new(Mutex::new(
            specs
                .iter()
                .map(|s| SinkStatus {
                    id: s.id.clone(),
                    ..SinkStatus::default()
                })
                .collect::<Vec<_>>(),
        ));
        let mut threads = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            let mut worker = Worker {
                spec: spec.clone(),
                cursor: dir.join("sinks").join(format!("{}.offset", spec.id)),
                offset: 0,
                log: log.clone(),
                stop: stop.clone(),
                deadline: deadline.clone(),
                status: status.clone(),
                index,
                agent: ureq::Agent::config_builder()
                    .timeout_global(Some(SEND_TIMEOUT))
                    .build()
                    .into(),
            };
            // Read before returning, so an alert raised right after is not taken as old.
            worker.offset = worker.read_cursor();
            match std::thread::Builder::new()
                .name(format!("hark-sink-{}", spec.id))
                .spawn(move || worker.run())
            {
                Ok(thread) => threads.push(thread),
                Err(err) => {
                    tracing::error!(sink = %spec.id, error = %err, "cannot start a sink thread")
                }
            }
        }
        Sinks {
            threads,
            stop,
            deadline,
            status,
        }
    }

    /// How each sink is doing.
    pub fn status(&self) -> Vec<SinkStatus> {
        self.status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Stops the sinks once they have delivered everything in the log, or after `drain`;
    /// what is left stays in the outbox for the next run.
    pub fn stop(self, drain: Duration) {
        *self
            .deadline
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now() + drain);
        self.stop.store(true, Ordering::Release);
        for thread in self.threads {
            let _ = thread.join();
        }
    }
}

struct Worker {
    spec: SinkSpec,
    cursor: PathBuf,
    offset: u64,
    log: Arc<AlertLog>,
    stop: Arc<AtomicBool>,
    deadline: Arc<Mutex<Option<Instant>>>,
    status: Arc<Mutex<Vec<SinkStatus>>>,
    index: usize,
    agent: ureq::Agent,
}

impl Worker {
    fn past_deadline(&self) -> bool {
        self.stop.load(Ordering::Acquire)
            && self
                .deadline
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_some_and(|d| Instant::now() >= d)
    }

    fn update(&self, change: impl FnOnce(&mut SinkStatus)) {
        let mut list = self
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(status) = list.get_mut(self.index) {
            change(status);
        }
    }

    fn read_cursor(&self) -> u64 {
        match std::fs::read_to_string(&self.cursor) {
            Ok(text) => text.trim().parse().unwrap_or(0),
            // A new sink starts at the end of the log.
            Err(_) => {
                let end = self.log.len().unwrap_or(0);
                self.write_cursor(end);
                end
            }
        }
    }

    fn write_cursor(&self, offset: u64) {
        let temporary = self.cursor.with_extension("tmp");
        let written = self
            .cursor
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&temporary, offset.to_string()))
            .and_then(|()| std::fs::rename(&temporary, &self.cursor));
        if let Err(err) = written {
            tracing::warn!(sink = %self.spec.id, error = %err, "cannot keep the sink's offset; alerts may be sent twice after a restart");
        }
    }

    fn run(self) {
        let mut offset = self.offset;
        let mut generation = 0;
        loop {
            let (alerts, end) = match opened_since(self.log.path(), offset, 256) {
                Ok(read) => read,
                Err(err) => {
                    tracing::warn!(sink = %self.spec.id, error = %err, "cannot read the alert log");
                    (Vec::new(), offset)
                }
            };
            let mut idle = alerts.is_empty();
            let before = offset;
            for (alert, after) in alerts {
                if self.wanted(&alert) && !self.deliver(&alert) {
                    // Stopped before it could be delivered: it stays in the outbox.
                    if offset > before {
                        self.write_cursor(offset);
                    }
                    return;
                }
                offset = after;
            }
            if end > offset {
                offset = end;
                idle = false;
            }
            // Once per batch read: a crash re-sends at most that batch (at least once).
            if offset > before {
                self.write_cursor(offset);
            }
            if idle {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                generation = self.log.wait(generation, Duration::from_millis(200));
            }
        }
    }

    fn wanted(&self, alert: &Alert) -> bool {
        alert.severity >= self.spec.min_severity
            && (alert.sinks.is_empty() || alert.sinks.contains(&self.spec.id))
    }

    /// Sends until it succeeds; false when stopped past the drain deadline first.
    fn deliver(&self, alert: &Alert) -> bool {
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.send(alert) {
                Ok(()) => {
                    self.update(|s| {
                        s.delivered += 1;
                        s.failures = 0;
                        if s.disabled {
                            tracing::warn!(sink = %s.id, "sink answers again: enabled");
                        }
                        s.disabled = false;
                    });
                    return true;
                }
                Err(err) => {
                    self.update(|s| {
                        s.failures += 1;
                        s.last_error = Some(err.clone());
                        if s.failures == DISABLE_AFTER {
                            s.disabled = true;
                            tracing::error!(sink = %s.id, error = %err, "sink failing repeatedly: disabled; its alerts wait in the outbox and it is retried every 5 minutes");
                        } else {
                            tracing::warn!(sink = %s.id, error = %err, retry_in = ?backoff, "sink failed; retrying");
                        }
                    });
                    let until = Instant::now() + backoff;
                    while Instant::now() < until {
                        if self.past_deadline() {
                            return false;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    fn send(&self, alert: &Alert) -> Result<(), String> {
        let json = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
        match &self.spec.target {
            SinkTarget::Ndjson(path) => {
                let mut line = json;
                line.push(b'\n');
                match path {
                    None => std::io::stdout().lock().write_all(&line),
                    Some(path) => std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .and_then(|mut f| f.write_all(&line)),
                }
                .map_err(|e| e.to_string())
            }
            SinkTarget::Webhook { url, secret } => {
                let mut request = self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/json")
                    .header("X-Hark-Alert-Id", &alert.id);
                if let Some(secret) = secret {
                    request = request.header(
                        SIGNATURE_HEADER,
                        &format!("sha256={}", signature(secret.as_bytes(), &json)),
                    );
                }
                request
                    .send(&json[..])
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            SinkTarget::Slack(url) => self.post_json(url, &slack_message(alert)),
            SinkTarget::Teams(url) => self.post_json(url, &teams_message(alert)),
            SinkTarget::Syslog { tcp, address } => send_syslog(*tcp, address, &syslog_line(alert)),
            SinkTarget::Exec(command) => run_hook(command, &json),
        }
    }

    fn post_json(&self, url: &str, body: &serde_json::Value) -> Result<(), String> {
        let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        self.agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(&body[..])
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn headline(alert: &Alert) -> String {
    format!(
        "[{}] {}: {}",
        alert.severity.as_str(),
        alert.title,
        alert.summary
    )
}

/// A Slack incoming-webhook message for `alert`.
pub fn slack_message(alert: &Alert) -> serde_json::Value {
    json!({
        "text": headline(alert),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{}* ({})\n{}", alert.title, alert.severity.as_str(), alert.summary)}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": format!("rule `{}` · alert `{}` · subject `{}`", alert.rule, alert.id, alert.subject)}]}
        ]
    })
}

/// A Microsoft Teams incoming-webhook MessageCard for `alert`.
pub fn teams_message(alert: &Alert) -> serde_json::Value {
    let colour = match alert.severity {
        Severity::Critical | Severity::High => "D70000",
        Severity::Medium => "FFA500",
        Severity::Low | Severity::Info => "0078D7",
    };
    json!({
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": alert.title,
        "themeColor": colour,
        "title": format!("{} ({})", alert.title, alert.severity.as_str()),
        "text": alert.summary,
        "sections": [{"facts": [
            {"name": "rule", "value": alert.rule},
            {"name": "subject", "value": alert.subject},
            {"name": "alert", "value": alert.id}
        ]}]
    })
}

/// Escapes a CEF extension value (`\`, `=`, line breaks).
fn cef_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('=', "\\=")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// Escapes a CEF header field (`\`, `|`).
fn cef_header(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|")
}

/// The RFC 5424 line for `alert`: facility local0, severity from the alert's, MSG a CEF event.
pub fn syslog_line(alert: &Alert) -> String {
    let (syslog_severity, cef_severity) = match alert.severity {
        Severity::Critical => (2, 10),
        Severity::High => (3, 8),
        Severity::Medium => (4, 5),
        Severity::Low => (5, 3),
        Severity::Info => (6, 1),
    };
    let priority = 16 * 8 + syslog_severity;
    let timestamp = jiff::Timestamp::from_second(alert.raised_at)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_string();
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    let host = if host.is_empty() {
        "-".to_string()
    } else {
        host
    };
    let client = alert
        .evidence
        .iter()
        .find_map(|e| e.client.clone())
        .map(|c| format!(" src={}", cef_value(&c)))
        .unwrap_or_default();
    format!(
        "<{priority}>1 {timestamp} {host} hark - {} - CEF:0|hark|hark|{}|{}|{}|{cef_severity}|rt={} cs1Label=alertId cs1={} dhost={} msg={}{client}",
        cef_header(&alert.kind),
        env!("CARGO_PKG_VERSION"),
        cef_header(&alert.rule),
        cef_header(&alert.title),
        alert.last.saturating_mul(1000),
        cef_value(&alert.id),
        cef_value(&alert.subject),
        cef_value(&alert.summary),
    )
}

fn send_syslog(tcp: bool, address: &str, line: &str) -> Result<(), String> {
    if tcp {
        let mut stream = std::net::TcpStream::connect(address).map_err(|e| e.to_string())?;
        stream
            .set_write_timeout(Some(SEND_TIMEOUT))
            .map_err(|e| e.to_string())?;
        // RFC 6587 octet counting.
        stream
            .write_all(format!("{} {line}", line.len()).as_bytes())
            .map_err(|e| e.to_string())
    } else {
        let socket = std::net::UdpSocket::bind(if address.starts_with('[') {
            "[::]:0"
        } else {
            "0.0.0.0:0"
        })
        .map_err(|e| e.to_string())?;
        socket
            .send_to(line.as_bytes(), address)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn run_hook(command: &[String], json: &[u8]) -> Result<(), String> {
    let (program, arguments) = command.split_first().ok_or("no program")?;
    let mut child = std::process::Command::new(program)
        .args(arguments)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(json).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} exited with {status}"))
    }
}
