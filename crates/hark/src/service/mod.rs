//! `hark run`: collect, keep and serve in one process, as configured by one file.
//!
//! - [`config`]: the file, checked, with errors naming lines; `hark config init` writes
//!   [`config::EXAMPLE`].
//! - [`sources`]: each source runs the pipeline on its own thread into the store's one
//!   writer; a dnstap listener serves its emitters on the async runtime.
//! - [`directory`]: spool directories of rotated files.
//! - [`board`]: per-source figures, on `/metrics` and in the status file `hark status` reads.
//! - [`intake`]: the endpoint remote sensors ship their batches to.
//!
//! Signals: SIGTERM or SIGINT stop the sources (listeners close, files stop at their next
//! chunk), commit what they read, then stop the API and settle the store; SIGHUP re-reads the
//! file and starts, stops or restarts the sources whose sections changed (a file that does not
//! check is refused and the running configuration kept), and the `[watch]` rule file.

pub mod board;
pub mod config;
mod directory;
mod fetching;
pub mod intake;
pub mod sources;
mod tls_listener;

use anyhow::{bail, Context};
use board::{Board, BoardCollector};
use config::RunConfig;
use sources::{RunningSource, Shared, SourceSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How often the status file is rewritten.
pub(crate) const STATUS_EVERY: Duration = Duration::from_secs(2);

/// What woke the service up.
pub(crate) enum Event {
    Tick,
    Reload,
    Stop,
    Failed(String),
}

/// Runs the service of the file at `config_path` until SIGTERM/SIGINT; `db` and `store` are
/// the `--db` and `--store` flags, used when the file names no store.
pub fn run(config_path: &Path, db: Option<PathBuf>, store: Option<&str>) -> anyhow::Result<()> {
    let text = read(config_path)?;
    let config = RunConfig::parse(&text).with_context(|| config_path.display().to_string())?;
    if config.sensor.is_some() {
        bail!(
            "{}: a [sensor] file is run with `hark sensor --config`",
            config_path.display()
        );
    }
    let specs = SourceSpec::all(&config, &text)?;
    // The status file lives in the data directory, whichever engine keeps the rows.
    let url = config.store.url.as_deref().or(store);
    let dir = match &config.store.path {
        Some(path) => path.clone(),
        None if url.is_some() => crate::store::data_dir(None)?,
        None => crate::store::data_dir(db.clone())?,
    };
    let choice = match url {
        Some(url) => crate::store::Choice::of(Some(url), None)?,
        None => crate::store::Choice::Embedded(dir.clone()),
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
    let store = Arc::new(crate::store::open_choice(&choice)?);
    let runtime = sources::runtime()?;
    let board = Arc::new(Board::default());
    let started = jiff::Timestamp::now();

    let mut watching = match &config.watch {
        Some(section) => Some(
            crate::commands::watch::Watching::start(
                &dir,
                store.clone() as Arc<dyn hark_store::Store>,
                section.rules.get_ref(),
            )
            .context("[watch]")?,
        ),
        None => None,
    };
    let (api_stop, api_stopped) = tokio::sync::watch::channel(false);
    let mut api = None;
    if let Some(section) = &config.api {
        let server_config =
            crate::commands::serve::server_config(&section.serve_args()).context("[api]")?;
        let mut metrics = hark_server::metrics::Metrics::default();
        metrics.register_collector(Box::new(BoardCollector(board.clone())));
        let mut state = hark_server::AppState::with_metrics(
            store.clone() as Arc<dyn hark_store::Store>,
            server_config,
            metrics,
        );
        state.alerts = Some(Arc::new(
            hark_watch::AlertLog::open(&hark_watch::watch_dir(&dir)).context("the alert log")?,
        ));
        if let Some(watching) = &watching {
            // The UI's watch page shows the rules in force, reloads included.
            let watcher = watching.watcher.clone();
            state.rules = Some(Arc::new(move || watcher.rules()));
        }
        let listener = runtime.block_on(crate::commands::serve::bind(section.listen))?;
        let local = listener.local_addr().context("the API's address")?;
        let mut stopped = api_stopped.clone();
        let task = runtime.spawn(hark_server::serve(listener, state, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }));
        api = Some((task, local.to_string()));
    }
    let api_address = api.as_ref().map(|(_, address)| address.clone());

    let writer = hark_store::Writer::new(&*store);
    if let Some(watching) = &watching {
        watching.attach(&writer);
    }
    let (mut shared, mut failures) = Shared::new(
        &writer,
        watching.as_ref().map(crate::commands::watch::Watching::tap),
        &runtime,
        board.clone(),
        &config,
    );
    shared.data_dir = Some(dir.clone());
    let status_path = dir.join(board::STATUS_FILE);
    let mut signals = runtime.block_on(async { Signals::new() })?;
    let outcome = std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut running: Vec<RunningSource<'_>> = Vec::new();
        let intake = match &config.intake {
            Some(section) => Some(intake::start(scope, section, &shared)?),
            None => None,
        };
        for spec in specs {
            match sources::start(scope, spec, &shared) {
                Ok(source) => running.push(source),
                Err(err) => {
                    stop_all(&mut running, &shared);
                    return Err(err);
                }
            }
        }
        eprintln!(
            "hark: running with {} source(s); SIGHUP re-reads {}, SIGTERM stops",
            running.len(),
            config_path.display()
        );
        let mut current = config.clone();
        let result = loop {
            let event = runtime.block_on(async {
                tokio::select! {
                    event = signals.next() => event,
                    failure = failures.recv() => Event::Failed(failure.unwrap_or_default()),
                    () = tokio::time::sleep(STATUS_EVERY) => Event::Tick,
                }
            });
            match event {
                Event::Tick => {}
                Event::Stop => break Ok(()),
                Event::Failed(what) => break Err(anyhow::anyhow!("a source failed: {what}")),
                Event::Reload => {
                    reload(config_path, &mut current, &mut running, scope, &shared);
                    reload_watch(&current, watching.as_mut());
                }
            }
            let mut status = board.status(started, api_address.clone(), true);
            if let Some(intake) = &intake {
                status["intake"] = intake.figures();
            }
            if let Err(err) = board.write_status(&status_path, &status) {
                tracing::warn!(error = %err, "cannot write the status file");
            }
        };
        eprintln!("hark: stopping: committing what the sources read");
        if let Some(intake) = intake {
            intake.stop(&runtime);
        }
        stop_all(&mut running, &shared);
        result
    });
    let _ = api_stop.send(true);
    if let Some((task, _)) = api {
        let _ = runtime.block_on(task);
    }
    if let Some(watching) = watching {
        watching.stop();
    }
    let settled = store.settle().context("moving the new rows into tables");
    let _ = board.write_status(&status_path, &board.status(started, api_address, false));
    outcome?;
    settled?;
    eprintln!("hark: stopped");
    Ok(())
}

/// Re-reads the rule file of `[watch]` (a file that does not check is refused and the running
/// rules kept); adding or removing `[watch]` takes a restart.
fn reload_watch(config: &RunConfig, watching: Option<&mut crate::commands::watch::Watching>) {
    match (watching, &config.watch) {
        (Some(watching), Some(section)) => {
            if let Err(err) = watching.reload(section.rules.get_ref()) {
                eprintln!("hark: [watch]: {err:#}; keeping the running rules");
            }
        }
        (None, None) => {}
        _ => eprintln!("hark: adding or removing [watch] takes effect at the next restart"),
    }
}

pub(crate) fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the configuration {}", path.display()))
}

pub(crate) fn stop_all(running: &mut Vec<RunningSource<'_>>, shared: &Shared<'_>) {
    for source in running.drain(..) {
        source.stop(shared);
    }
}

/// Re-reads the file: stops the sources that are gone or changed, starts the new and
/// changed ones. A file that does not check changes nothing.
fn reload<'scope, 'env>(
    path: &Path,
    current: &mut RunConfig,
    running: &mut Vec<RunningSource<'scope>>,
    scope: &'scope std::thread::Scope<'scope, 'env>,
    shared: &'env Shared<'env>,
) {
    let checked = read(path).and_then(|text| {
        let config = RunConfig::parse(&text)?;
        let specs = SourceSpec::all(&config, &text)?;
        Ok((config, specs))
    });
    let (config, specs) = match checked {
        Ok(checked) => checked,
        Err(err) => {
            eprintln!(
                "hark: {}: {err:#}; keeping the running configuration",
                path.display()
            );
            return;
        }
    };
    if config.store != current.store
        || config.api != current.api
        || config.privacy != current.privacy
    {
        eprintln!("hark: [store], [api] and [privacy] changes take effect at the next restart");
    }
    let (keep, stop): (Vec<_>, Vec<_>) = running
        .drain(..)
        .partition(|source| specs.contains(&source.spec));
    *running = keep;
    for source in stop {
        eprintln!(
            "hark: {}: stopping (removed or changed)",
            source.spec.name()
        );
        source.stop(shared);
    }
    for spec in specs {
        if running.iter().any(|source| source.spec == spec) {
            continue;
        }
        let name = spec.name().to_string();
        match sources::start(scope, spec, shared) {
            Ok(source) => running.push(source),
            Err(err) => eprintln!("hark: {name}: cannot start: {err:#}"),
        }
    }
    *current = config;
    eprintln!("hark: configuration re-read: {} source(s)", running.len());
}

/// SIGTERM, SIGINT and SIGHUP as events.
pub(crate) struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Signals {
    pub(crate) fn new() -> anyhow::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        let listen = |kind| signal(kind).context("cannot listen for signals");
        Ok(Signals {
            terminate: listen(SignalKind::terminate())?,
            interrupt: listen(SignalKind::interrupt())?,
            hangup: listen(SignalKind::hangup())?,
        })
    }

    pub(crate) async fn next(&mut self) -> Event {
        tokio::select! {
            _ = self.terminate.recv() => Event::Stop,
            _ = self.interrupt.recv() => Event::Stop,
            _ = self.hangup.recv() => Event::Reload,
        }
    }
}

/// `hark config check FILE`: the same checks `hark run` makes, without starting anything.
pub fn check(path: &Path) -> anyhow::Result<()> {
    let text = read(path)?;
    let config = RunConfig::parse(&text).with_context(|| path.display().to_string())?;
    SourceSpec::all(&config, &text).with_context(|| path.display().to_string())?;
    let names = config.source_names();
    if names.is_empty() {
        bail!(
            "{}: no sources: add a [[dnstap]] or [[directory]] section",
            path.display()
        );
    }
    crate::output::print(&format!(
        "{}: valid; sources: {}\n",
        path.display(),
        names.join(", ")
    ))
}
