//! Starting and stopping the sources of `hark run`: each runs the pipeline on a thread of
//! its own into the one writer; a dnstap listener's connections run on the async runtime.

use super::board::{Board, SourceEntry};
use super::config::{
    CaptureSection, CheckedDnstap, DirectorySection, FetchSection, PrivacySection, RunConfig,
};
use anyhow::Context as _;
use hark_capture::{LiveCapture, LiveCaptureOptions};
use hark_ingest::dnstap::{DnstapOptions, QueryTap};
use hark_ingest::pipeline::{run, PipelineOptions};
use hark_live::{Listener, ListenerConfig, TlsFiles};
use hark_record::Sink;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{Scope, ScopedJoinHandle};
use std::time::Duration;

/// A source as configured; two specs are equal when nothing in their sections differs, which
/// is how a reload tells what to restart.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// A `[[dnstap]]` listener.
    Dnstap(CheckedDnstap),
    /// A `[[capture]]`.
    Capture(CaptureSection),
    /// A `[[directory]]`.
    Directory(DirectorySection),
    /// A `[[fetch]]`, with the `[[upstream]]` providers it asks.
    Fetch(FetchSection, Vec<hark_upstream::UpstreamSection>),
}

impl SourceSpec {
    /// Every source of `config`, checked (`text` is the file, for line numbers).
    pub fn all(config: &RunConfig, text: &str) -> anyhow::Result<Vec<SourceSpec>> {
        let mut specs = Vec::new();
        for dnstap in &config.dnstap {
            specs.push(SourceSpec::Dnstap(dnstap.checked(text)?));
        }
        for capture in &config.capture {
            specs.push(SourceSpec::Capture(capture.clone()));
        }
        for directory in &config.directory {
            specs.push(SourceSpec::Directory(directory.clone()));
        }
        for fetch in &config.fetch {
            let providers = config
                .upstream
                .iter()
                .filter(|u| fetch.providers.is_empty() || fetch.providers.contains(&u.id))
                .cloned()
                .collect();
            specs.push(SourceSpec::Fetch(fetch.clone(), providers));
        }
        Ok(specs)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            SourceSpec::Dnstap(d) => d.section.name.get_ref(),
            SourceSpec::Capture(c) => c.name.get_ref(),
            SourceSpec::Directory(d) => d.name.get_ref(),
            SourceSpec::Fetch(f, _) => f.name.get_ref(),
        }
    }
}

/// What every source shares.
pub struct Shared<'env> {
    /// Where sources commit: the store's one writer in `hark run`, the spool of `hark sensor`.
    pub sink: &'env dyn Sink,
    /// The async runtime (listeners, the API).
    pub runtime: &'env tokio::runtime::Runtime,
    /// The sources' figures.
    pub board: Arc<Board>,
    /// How pipelines run.
    pub options: PipelineOptions,
    /// What logs may show.
    pub privacy: PrivacySection,
    /// Told when a source fails for good (its store writes fail): the service stops.
    pub failed: tokio::sync::mpsc::UnboundedSender<String>,
    /// Where dnstap decoders hand the queries they read (watch rules), if anywhere.
    pub query_tap: Option<QueryTap>,
    /// The data directory, where `[[fetch]]` keeps the providers' previous answers
    /// (`DIR/upstream`, as `hark fetch` does); none for a sensor.
    pub data_dir: Option<std::path::PathBuf>,
}

impl<'env> Shared<'env> {
    /// What the sources of a service configured by `config` share, committing into `sink`
    /// (and showing dnstap queries to `query_tap`, for watch rules); the receiver hears of
    /// sources that fail for good.
    pub fn new(
        sink: &'env dyn Sink,
        query_tap: Option<QueryTap>,
        runtime: &'env tokio::runtime::Runtime,
        board: Arc<Board>,
        config: &super::config::RunConfig,
    ) -> (Shared<'env>, tokio::sync::mpsc::UnboundedReceiver<String>) {
        let (failed, failures) = tokio::sync::mpsc::unbounded_channel();
        let shared = Shared {
            query_tap,
            sink,
            runtime,
            board,
            options: PipelineOptions {
                cache_bytes: config.store.cache_mb.saturating_mul(1024 * 1024),
                flush_after: Duration::from_secs_f64(config.store.flush_seconds),
                ..PipelineOptions::default()
            },
            privacy: config.privacy.clone(),
            failed,
            data_dir: None,
        };
        (shared, failures)
    }
}

/// The async runtime of a service: listeners, the API, the intake.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// How to stop a running source.
enum Stopper {
    Listener(Listener),
    Flag(Arc<AtomicBool>),
}

/// A source running on its thread.
pub struct RunningSource<'scope> {
    /// What it was started from.
    pub spec: SourceSpec,
    stopper: Stopper,
    thread: ScopedJoinHandle<'scope, ()>,
}

impl RunningSource<'_> {
    /// Stops it and waits until what it read is committed.
    pub fn stop(self, shared: &Shared<'_>) {
        match self.stopper {
            Stopper::Listener(listener) => shared.runtime.block_on(listener.stop()),
            Stopper::Flag(flag) => flag.store(true, Ordering::Release),
        }
        let _ = self.thread.join();
        shared.board.remove(self.spec.name());
    }
}

/// Starts `spec`.
pub fn start<'scope, 'env>(
    scope: &'scope Scope<'scope, 'env>,
    spec: SourceSpec,
    shared: &'env Shared<'env>,
) -> anyhow::Result<RunningSource<'scope>> {
    let name = spec.name().to_string();
    match &spec {
        SourceSpec::Dnstap(checked) => {
            let mut config = listener_config(checked, &shared.privacy);
            config.query_tap = shared.query_tap.clone();
            let (listener, mut stream) = shared
                .runtime
                .block_on(Listener::start(config))
                .with_context(|| format!("dnstap source {name:?}"))?;
            let entry = Arc::new(SourceEntry::new(
                &name,
                "dnstap",
                listener.local().to_string(),
                Some(listener.stats().clone()),
            ));
            shared.board.add(entry.clone());
            eprintln!("hark: {name}: listening for dnstap on {}", listener.local());
            let thread = std::thread::Builder::new()
                .name(format!("hark-src-{name}"))
                .spawn_scoped(scope, move || {
                    let result = run(&mut stream, shared.sink, &shared.options, &mut |p| {
                        entry.units.store(p.units, Ordering::Relaxed);
                    });
                    if let Err(err) = result {
                        tracing::error!(source = %name, error = %err, "a source stopped: its rows cannot be stored");
                        let _ = shared.failed.send(format!("{name}: {err}"));
                    }
                })
                .context("cannot start a thread")?;
            Ok(RunningSource {
                spec,
                stopper: Stopper::Listener(listener),
                thread,
            })
        }
        SourceSpec::Capture(section) => {
            let decoding = section.decoding.checked(0)?;
            let mut capture = LiveCapture::open(LiveCaptureOptions {
                filter: section.filter.clone(),
                buffer_bytes: section.buffer_mib.saturating_mul(1024 * 1024),
                promiscuous: section.promiscuous,
                extract: decoding.extract,
                sections: decoding.sections,
                bailiwick: decoding.bailiwick,
                ..LiveCaptureOptions::new(&section.interface)
            })
            .with_context(|| format!("capture source {name:?}"))?;
            capture.set_transfer_tap(shared.query_tap.clone());
            let stop = capture.stop_handle();
            let entry = Arc::new(SourceEntry::new(
                &name,
                "capture",
                format!("{} ({})", section.interface, section.filter),
                None,
            ));
            shared.board.add(entry.clone());
            eprintln!(
                "hark: {name}: capturing on {} (filter {:?})",
                section.interface, section.filter
            );
            let thread = std::thread::Builder::new()
                .name(format!("hark-src-{name}"))
                .spawn_scoped(scope, move || {
                    let result = run(&mut capture, shared.sink, &shared.options, &mut |p| {
                        entry.units.store(p.units, Ordering::Relaxed);
                    });
                    match result {
                        Ok(report) => entry.add_finished(&report.source),
                        Err(err) => {
                            tracing::error!(source = %name, error = %err, "a source stopped: its rows cannot be stored");
                            let _ = shared.failed.send(format!("{name}: {err}"));
                        }
                    }
                })
                .context("cannot start a thread")?;
            Ok(RunningSource {
                spec,
                stopper: Stopper::Flag(stop),
                thread,
            })
        }
        SourceSpec::Directory(section) => {
            let stop = Arc::new(AtomicBool::new(false));
            let entry = Arc::new(SourceEntry::new(
                &name,
                "directory",
                section.path.display().to_string(),
                None,
            ));
            shared.board.add(entry.clone());
            eprintln!(
                "hark: {name}: ingesting files closed in {} ({})",
                section.path.display(),
                section.pattern
            );
            let section = section.clone();
            let flag = stop.clone();
            let thread = std::thread::Builder::new()
                .name(format!("hark-src-{name}"))
                .spawn_scoped(scope, move || {
                    super::directory::watch(
                        &section,
                        shared.query_tap.clone(),
                        shared.sink,
                        &shared.options,
                        &entry,
                        &flag,
                    );
                })
                .context("cannot start a thread")?;
            Ok(RunningSource {
                spec,
                stopper: Stopper::Flag(stop),
                thread,
            })
        }
        SourceSpec::Fetch(section, upstream) => {
            let state_dir = shared
                .data_dir
                .as_ref()
                .map(|dir| dir.join("upstream"))
                .context("[[fetch]] needs a data directory")?;
            let providers = upstream
                .iter()
                .map(hark_upstream::Provider::new)
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("fetch source {name:?}"))?;
            let targets = section
                .targets
                .get_ref()
                .iter()
                .map(|t| hark_upstream::Target::parse(t))
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("fetch source {name:?}"))?;
            let stop = Arc::new(AtomicBool::new(false));
            let entry = Arc::new(SourceEntry::new(
                &name,
                "fetch",
                format!(
                    "{} targets from {} every {}",
                    targets.len(),
                    upstream
                        .iter()
                        .map(|u| u.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    section.every
                ),
                None,
            ));
            shared.board.add(entry.clone());
            eprintln!(
                "hark: {name}: asking {} upstream provider(s) about {} target(s) every {}",
                providers.len(),
                targets.len(),
                section.every
            );
            let every = Duration::from_secs(section.every_seconds());
            let flag = stop.clone();
            let thread = std::thread::Builder::new()
                .name(format!("hark-src-{name}"))
                .spawn_scoped(scope, move || {
                    super::fetching::rounds(
                        &name, &providers, &targets, &state_dir, every, shared, &entry, &flag,
                    );
                })
                .context("cannot start a thread")?;
            Ok(RunningSource {
                spec,
                stopper: Stopper::Flag(stop),
                thread,
            })
        }
    }
}

fn listener_config(checked: &CheckedDnstap, privacy: &PrivacySection) -> ListenerConfig {
    let section = &checked.section;
    let mut config = ListenerConfig::new(section.name.get_ref(), checked.endpoint.clone());
    config.socket_mode = checked.socket_mode;
    config.options = DnstapOptions {
        client_responses: section.client_responses,
        sections: checked.sections,
        max_frame: section.max_frame_kib.saturating_mul(1024),
    };
    config.queue.bytes = section.queue_mib.saturating_mul(1024 * 1024);
    config.queue.wait = Duration::from_millis(section.queue_wait_ms);
    config.max_connections = section.max_connections;
    config.hide_peer_addresses = privacy.hide_resolver_addresses;
    if let (Some(certificate), Some(key)) = (&section.tls_certificate, &section.tls_key) {
        config.tls = Some(TlsFiles {
            certificate: certificate.clone(),
            key: key.clone(),
            client_ca: section.tls_client_ca.clone(),
        });
    }
    config
}
