//! What each running source has done, for `/metrics` (a collector read at every scrape) and
//! for `hark status` (a JSON file in the store's directory, rewritten every few seconds).

use hark_ingest::source::SourceReport;
use hark_live::ListenerStats;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// The name of the status file in the store's directory.
pub const STATUS_FILE: &str = "run-status.json";

/// One source's figures.
#[derive(Debug)]
pub struct SourceEntry {
    /// Its name in the configuration.
    pub name: String,
    /// `dnstap` or `directory`.
    pub kind: &'static str,
    /// Where it reads: an endpoint, a directory.
    pub location: String,
    /// Units (frames, responses, lines) read so far.
    pub units: AtomicU64,
    /// Files finished (directory sources).
    pub files: AtomicU64,
    /// Files skipped because their content was read before (directory sources).
    pub repeats: AtomicU64,
    /// The listener's own counters (dnstap sources).
    pub listener: Option<Arc<ListenerStats>>,
    /// Reports of finished runs (files), merged.
    finished: Mutex<SourceReport>,
}

impl SourceEntry {
    /// A source with nothing counted yet.
    pub fn new(
        name: &str,
        kind: &'static str,
        location: String,
        listener: Option<Arc<ListenerStats>>,
    ) -> SourceEntry {
        SourceEntry {
            name: name.to_string(),
            kind,
            location,
            units: AtomicU64::new(0),
            files: AtomicU64::new(0),
            repeats: AtomicU64::new(0),
            listener,
            finished: Mutex::new(SourceReport::default()),
        }
    }

    /// Adds a finished run's report (a file read).
    pub fn add_finished(&self, report: &SourceReport) {
        let mut finished = self
            .finished
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        finished.messages += report.messages;
        finished.packets += report.packets;
        finished.queries += report.queries;
        finished.bytes += report.bytes;
        finished.skips.merge(&report.skips);
    }

    /// Messages and skips so far: the listener's live report, or the finished runs'.
    fn report(&self) -> SourceReport {
        match &self.listener {
            Some(listener) => listener.decoded(),
            None => self
                .finished
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }

    fn as_json(&self) -> Value {
        let report = self.report();
        let skips: serde_json::Map<String, Value> = report
            .skips
            .iter()
            .map(|(reason, n)| (reason.to_string(), n.into()))
            .collect();
        let mut value = json!({
            "name": self.name,
            "kind": self.kind,
            "location": self.location,
            "units": self.units.load(Ordering::Relaxed),
            "messages": report.messages,
            "skips": skips,
        });
        if let Some(listener) = &self.listener {
            value["connections_open"] = ListenerStats::get(&listener.open).into();
            value["connections"] = ListenerStats::get(&listener.connections).into();
            value["frames"] = ListenerStats::get(&listener.frames).into();
            value["bytes"] = ListenerStats::get(&listener.bytes).into();
            value["dropped"] = ListenerStats::get(&listener.dropped).into();
        } else {
            value["files"] = self.files.load(Ordering::Relaxed).into();
            value["repeats"] = self.repeats.load(Ordering::Relaxed).into();
            value["bytes"] = report.bytes.into();
        }
        value
    }
}

/// The sources running now.
#[derive(Debug, Default)]
pub struct Board {
    entries: RwLock<Vec<Arc<SourceEntry>>>,
}

impl Board {
    /// Adds a source (replacing one of the same name).
    pub fn add(&self, entry: Arc<SourceEntry>) {
        let mut entries = self.write();
        entries.retain(|e| e.name != entry.name);
        entries.push(entry);
    }

    /// Removes the source named `name`.
    pub fn remove(&self, name: &str) {
        self.write().retain(|e| e.name != name);
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<SourceEntry>>> {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self) -> Vec<Arc<SourceEntry>> {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The status document `hark status` prints.
    pub fn status(&self, started: jiff::Timestamp, api: Option<String>, running: bool) -> Value {
        json!({
            "pid": std::process::id(),
            "running": running,
            "started": started.to_string(),
            "updated": jiff::Timestamp::now().round(jiff::Unit::Second).map(|t| t.to_string()).unwrap_or_default(),
            "api": api,
            "sources": self.read().iter().map(|e| e.as_json()).collect::<Vec<_>>(),
        })
    }

    /// Writes the status document to `path` (through a temporary file and a rename, so a
    /// reader never sees half of it).
    pub fn write_status(&self, path: &std::path::Path, status: &Value) -> std::io::Result<()> {
        let partial = path.with_extension("json.partial");
        std::fs::write(
            &partial,
            serde_json::to_vec_pretty(status).unwrap_or_default(),
        )?;
        std::fs::rename(partial, path)
    }
}

/// Labels of a source's figures.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
    kind: &'static str,
}

/// Labels of a source's skips.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SkipLabels {
    source: String,
    reason: &'static str,
}

/// The board as Prometheus metrics, computed at each scrape.
#[derive(Debug)]
pub struct BoardCollector(pub Arc<Board>);

impl Collector for BoardCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let entries = self.0.read();
        let labels = |e: &SourceEntry| SourceLabels {
            source: e.name.clone(),
            kind: e.kind,
        };
        let reports: Vec<SourceReport> = entries.iter().map(|e| e.report()).collect();
        let listeners: Vec<&SourceEntry> = entries
            .iter()
            .filter(|e| e.listener.is_some())
            .map(|e| &**e)
            .collect();
        let stat = |e: &SourceEntry, pick: fn(&ListenerStats) -> &AtomicU64| {
            e.listener
                .as_ref()
                .map_or(0, |l| ListenerStats::get(pick(l)))
        };
        counter(
            &mut encoder,
            "hark_source_units",
            "Units read (frames, responses, lines), by source",
            entries
                .iter()
                .map(|e| (labels(e), e.units.load(Ordering::Relaxed))),
        )?;
        counter(
            &mut encoder,
            "hark_source_messages",
            "DNS messages read, by source",
            entries
                .iter()
                .zip(&reports)
                .map(|(e, r)| (labels(e), r.messages)),
        )?;
        counter(
            &mut encoder,
            "hark_source_bytes",
            "Bytes received, by dnstap listener",
            listeners.iter().map(|e| (labels(e), stat(e, |l| &l.bytes))),
        )?;
        counter(
            &mut encoder,
            "hark_source_dropped_frames",
            "dnstap frames dropped because the store could not keep up, by listener",
            listeners
                .iter()
                .map(|e| (labels(e), stat(e, |l| &l.dropped))),
        )?;
        counter(
            &mut encoder,
            "hark_source_connections",
            "dnstap connections accepted, by listener",
            listeners
                .iter()
                .map(|e| (labels(e), stat(e, |l| &l.connections))),
        )?;
        {
            let mut family = encoder.encode_descriptor(
                "hark_source_connections_open",
                "dnstap connections open now, by listener",
                None,
                ConstGauge::new(0i64).metric_type(),
            )?;
            for e in &listeners {
                let open = i64::try_from(stat(e, |l| &l.open)).unwrap_or(i64::MAX);
                ConstGauge::new(open).encode(family.encode_family(&labels(e))?)?;
            }
        }
        counter(
            &mut encoder,
            "hark_source_files",
            "Files finished, by directory source",
            entries
                .iter()
                .filter(|e| e.listener.is_none())
                .map(|e| (labels(e), e.files.load(Ordering::Relaxed))),
        )?;
        let mut family = encoder.encode_descriptor(
            "hark_source_skips",
            "Things skipped, by source and reason",
            None,
            ConstCounter::new(0u64).metric_type(),
        )?;
        for (entry, report) in entries.iter().zip(&reports) {
            for (reason, n) in report.skips.iter() {
                let labels = SkipLabels {
                    source: entry.name.clone(),
                    reason,
                };
                ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

/// Encodes one counter family.
fn counter(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: impl Iterator<Item = (SourceLabels, u64)>,
) -> Result<(), std::fmt::Error> {
    let mut family =
        encoder.encode_descriptor(name, help, None, ConstCounter::new(0u64).metric_type())?;
    for (labels, n) in values {
        ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}
