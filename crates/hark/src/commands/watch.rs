//! `hark watch check|test`, `hark alerts`, and [`Watching`]: watch rules wired to a store's
//! writer, its dnstap decoders and the rule file's sinks (used by `hark ingest` and `hark run`).

use crate::cli::{AlertAction, AlertsArgs, WatchCommand};
use anyhow::{bail, Context};
use hark_ingest::dnstap::QueryTap;
use hark_store::{Store, Writer};
use hark_watch::{Alert, AlertLog, RuleSet, Severity, Sinks, State, Watcher};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long a stopping command waits for its sinks to deliver what is pending (the rest stays
/// in the outbox for the next run).
pub const SINK_DRAIN: Duration = Duration::from_secs(10);

/// Reads and checks a rule file.
pub fn load_rules(path: &Path) -> anyhow::Result<RuleSet> {
    hark_watch::rules::load(path).with_context(|| path.display().to_string())
}

/// Watch rules running against one store: the watcher and the sinks.
pub struct Watching {
    /// The watcher (subscribe it to the writer's feed; its tap goes to dnstap decoders).
    pub watcher: Arc<Watcher>,
    sinks: Option<Sinks>,
    dir: std::path::PathBuf,
}

impl Watching {
    /// Starts rules from `rules_path` over the store in `store_dir`, with their sinks.
    pub fn start(
        store_dir: &Path,
        store: Arc<dyn Store>,
        rules_path: &Path,
    ) -> anyhow::Result<Watching> {
        let rules = load_rules(rules_path)?;
        let dir = hark_watch::watch_dir(store_dir);
        let log = Arc::new(AlertLog::open(&dir).context("the alert log")?);
        let sinks = Sinks::start(&dir, log.clone(), &rules.sinks);
        let watcher = Arc::new(Watcher::new(store, log, rules));
        Ok(Watching {
            watcher,
            sinks: Some(sinks),
            dir,
        })
    }

    /// Subscribes the rules to what `writer` commits.
    pub fn attach(&self, writer: &Writer<'_>) {
        writer.feed().subscribe(self.watcher.subscriber());
    }

    /// The tap for dnstap decoders.
    pub fn tap(&self) -> QueryTap {
        self.watcher.query_tap()
    }

    /// Re-reads the rule file; a file that does not check changes nothing. Sinks restart
    /// when their sections changed.
    pub fn reload(&mut self, rules_path: &Path) -> anyhow::Result<()> {
        let rules = load_rules(rules_path)?;
        if rules.sinks != self.watcher.rules().sinks {
            if let Some(sinks) = self.sinks.take() {
                sinks.stop(Duration::ZERO);
            }
            self.sinks = Some(Sinks::start(
                &self.dir,
                self.watcher.log().clone(),
                &rules.sinks,
            ));
        }
        let count = rules.rules.len();
        self.watcher.set_rules(rules);
        eprintln!("hark: watch: {count} rule(s) from {}", rules_path.display());
        Ok(())
    }

    /// Writes what the rules found, then stops the sinks after they deliver what is pending
    /// (at most [`SINK_DRAIN`]).
    pub fn stop(mut self) {
        self.watcher.flush();
        if let Some(sinks) = self.sinks.take() {
            sinks.stop(SINK_DRAIN);
        }
    }
}

/// `hark watch ...`.
pub fn run(action: &WatchCommand, out: &mut dyn Write) -> anyhow::Result<()> {
    match action {
        WatchCommand::Check { file } => {
            let rules = load_rules(file)?;
            for rule in &rules.rules {
                writeln!(
                    out,
                    "rule {}: {} ({}, window {} s)",
                    rule.id,
                    rule.kind.name(),
                    rule.severity.as_str(),
                    rule.window
                )?;
            }
            for sink in &rules.sinks {
                writeln!(out, "sink {}", sink.id)?;
            }
            writeln!(
                out,
                "{}: {} rule(s), {} sink(s): OK",
                file.display(),
                rules.rules.len(),
                rules.sinks.len()
            )?;
            Ok(())
        }
        WatchCommand::Test { rules, files, json } => {
            let scratch = tempfile::tempdir().context("a scratch directory")?;
            let store: Arc<dyn Store> = Arc::new(crate::store::open(scratch.path())?);
            let rule_set = load_rules(rules)?;
            let log = Arc::new(AlertLog::open(&hark_watch::watch_dir(scratch.path()))?);
            let watcher = Arc::new(Watcher::new(store.clone(), log.clone(), rule_set));
            let writer = Writer::new(&*store);
            writer.feed().subscribe(watcher.subscriber());
            let options = hark_ingest::pipeline::PipelineOptions::default();
            for path in files {
                let (mut source, kind) = super::ingest::open(
                    path,
                    &hark_ingest::extract::ExtractConfig::default(),
                    hark_ingest::aggregate::SectionSet::DEFAULT,
                    hark_ingest::bailiwick::BailiwickMode::default(),
                    hark_ingest::dnstap::DnstapOptions::default(),
                    hark_ingest::gzip::ExpansionLimit::DEFAULT,
                    Some(watcher.query_tap()),
                )
                .with_context(|| path.display().to_string())?;
                super::run_source(&writer, source.as_mut(), &options, kind, true)?;
            }
            watcher.flush();
            let alerts = log.list()?;
            for alert in &alerts {
                print_alert(out, alert, *json)?;
            }
            if !*json {
                writeln!(out, "{} alert(s)", alerts.len())?;
            }
            Ok(())
        }
    }
}

fn print_alert(out: &mut dyn Write, alert: &Alert, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer(&mut *out, alert)?;
        writeln!(out)?;
        return Ok(());
    }
    let time = crate::times::format_time;
    writeln!(
        out,
        "{}  {:<8} {:<12} {:<13} {}  [{} .. {}, {}x]  {}",
        alert.id,
        alert.severity.as_str(),
        alert.state.as_str(),
        alert.rule,
        alert.subject,
        time(alert.first),
        time(alert.last),
        alert.count,
        alert.summary
    )?;
    Ok(())
}

/// `hark alerts`: reads the alert log of the store in `store_dir` (the store itself is not
/// opened, so it works beside a running `hark run`).
pub fn alerts(store_dir: &Path, args: &AlertsArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let log = AlertLog::open(&hark_watch::watch_dir(store_dir)).context("the alert log")?;
    if let Some(action) = &args.action {
        let (id, state) = match action {
            AlertAction::Ack { id } => (id, State::Acknowledged),
            AlertAction::Resolve { id } => (id, State::Resolved),
        };
        let by = std::env::var("USER").unwrap_or_else(|_| "cli".into());
        match log.set_state(id, state, &by)? {
            Some(alert) => {
                writeln!(out, "{}: {}", alert.id, alert.state.as_str())?;
                return Ok(());
            }
            None => bail!("no alert has the id {id:?} (hark alerts lists them)"),
        }
    }
    let severity =
        match &args.severity {
            Some(s) => Some(Severity::parse(s).with_context(|| {
                format!("--severity {s:?}: info, low, medium, high or critical")
            })?),
            None => None,
        };
    let state = match &args.state {
        Some(s) => Some(
            State::parse(s)
                .with_context(|| format!("--state {s:?}: new, acknowledged or resolved"))?,
        ),
        None => None,
    };
    let since = match &args.since {
        Some(s) => Some(crate::times::parse_time(s, crate::times::now()).context("--since")?),
        None => None,
    };
    let keep = |alert: &Alert| {
        args.rule.as_ref().is_none_or(|r| &alert.rule == r)
            && severity.is_none_or(|s| alert.severity >= s)
            && state.is_none_or(|s| alert.state == s)
            && since.is_none_or(|s| alert.last >= s)
    };
    if let Some(format) = &args.export {
        let chosen: Vec<Alert> = log.list()?.into_iter().filter(|a| keep(a)).collect();
        let document = match format.as_str() {
            "misp" => hark_watch::export::misp_event(&chosen, "hark watch alerts"),
            "stix" => hark_watch::export::stix_bundle(&chosen),
            other => bail!("--export {other:?}: misp or stix"),
        };
        serde_json::to_writer_pretty(&mut *out, &document)?;
        writeln!(out)?;
        return Ok(());
    }
    let mut shown: std::collections::HashMap<String, (u64, State)> =
        std::collections::HashMap::new();
    loop {
        for alert in log.list()? {
            let mark = (alert.count, alert.state);
            if keep(&alert) && shown.get(&alert.id) != Some(&mark) {
                print_alert(out, &alert, args.json)?;
                shown.insert(alert.id.clone(), mark);
            }
        }
        out.flush()?;
        if !args.follow {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
