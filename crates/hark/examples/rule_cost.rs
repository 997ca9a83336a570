//! The watch rules' cost per response: a capture's responses committed one by one into a
//! scratch embedded store whose change feed runs a rule file, the time the rules take on each
//! commit measured (`Watcher::on_changes`, store lookups for history included; writing the
//! alert log is another thread's and is not counted). A response that made nothing new costs
//! the rules nothing: it is counted as 0.
//!
//! ```text
//! cargo run --release -p hark --example rule_cost -- CAPTURE RULES.toml [--responses N]
//! ```
//! Prints the responses read, those with something new, the median, p99 and largest cost
//! over all responses and over those with something new (µs), and the alerts opened.

use hark_dns::ResponseParser;
use hark_ingest::aggregate::{Aggregator, Observations, SectionSet};
use hark_ingest::capture::CaptureReader;
use hark_ingest::extract::{DnsExtractor, DnsMessage, ExtractConfig};
use hark_record::Sink as _;
use hark_store::{Changes, Writer};
use hark_store_embedded::EmbeddedStore;
use hark_watch::{AlertLog, Watcher};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The value at quantile `q` of sorted `values`.
fn quantile(values: &[Duration], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let at = ((values.len() - 1) as f64 * q).round() as usize;
    values.get(at).map_or(0.0, |d| d.as_secs_f64() * 1e6)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: rule_cost CAPTURE RULES.toml [--responses N]";
    let mut positional = Vec::new();
    let mut most = usize::MAX;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--responses" => most = args.next().ok_or(usage)?.parse()?,
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [capture, rules_path] = <[PathBuf; 2]>::try_from(positional).map_err(|_| usage)?;
    let rules = hark_watch::rules::load(&rules_path)?;
    let scratch = tempfile::tempdir()?;
    let store = Arc::new(EmbeddedStore::open(&scratch.path().join("db"))?);
    let log = Arc::new(AlertLog::open(&scratch.path().join("watch"))?);
    let watcher = Arc::new(Watcher::new(store.clone(), log, rules));
    let spent: Arc<Mutex<Option<Duration>>> = Arc::new(Mutex::new(None));
    let writer = Writer::new(&*store);
    {
        let watcher = watcher.clone();
        let spent = spent.clone();
        writer
            .feed()
            .subscribe(Arc::new(move |changes: &Changes<'_>| {
                let started = Instant::now();
                watcher.on_changes(changes);
                *spent.lock().unwrap_or_else(|e| e.into_inner()) = Some(started.elapsed());
            }));
    }
    let mut reader = CaptureReader::open(&capture)?;
    let mut extractor = DnsExtractor::new(ExtractConfig::default());
    let mut parser = ResponseParser::new();
    let mut observations = Observations::default();
    let mut cache = Aggregator::new(64 << 20);
    let mut all: Vec<Duration> = Vec::new();
    let mut changed: Vec<Duration> = Vec::new();
    let mut failed: Option<String> = None;
    let started = Instant::now();
    let mut emit = |message: DnsMessage<'_>| {
        if failed.is_some() || all.len() >= most {
            return;
        }
        let Ok(response) = parser.parse(message.payload) else {
            return;
        };
        observations.clear();
        observations.push(&response, message.ts_sec, SectionSet::DEFAULT);
        cache.add_from(&observations, 0);
        if let Err(err) = writer.commit(cache.take_batch()) {
            failed = Some(err.to_string());
            return;
        }
        match spent.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(cost) => {
                all.push(cost);
                changed.push(cost);
            }
            None => all.push(Duration::ZERO),
        }
    };
    while let Some(packet) = reader.next_packet()? {
        extractor.push(&packet, &mut emit);
    }
    extractor.finish(&mut emit);
    if let Some(err) = failed {
        return Err(err.into());
    }
    watcher.flush();
    all.sort();
    changed.sort();
    let figures = watcher.figures();
    println!(
        "responses={} with_changes={} all_median_us={:.2} all_p99_us={:.2} all_max_us={:.1} \
         changed_median_us={:.2} changed_p99_us={:.2} lookups={} alerts={} seconds={:.1}",
        all.len(),
        changed.len(),
        quantile(&all, 0.5),
        quantile(&all, 0.99),
        quantile(&all, 1.0),
        quantile(&changed, 0.5),
        quantile(&changed, 0.99),
        figures.lookups.load(std::sync::atomic::Ordering::Relaxed),
        figures.opened.load(std::sync::atomic::Ordering::Relaxed),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
