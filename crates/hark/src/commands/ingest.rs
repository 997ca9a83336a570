//! `hark ingest`: capture files into the store.

use crate::cli::IngestArgs;
use crate::progress::FileProgress;
use anyhow::{bail, Context};
use hark_ingest::aggregate::SectionSet;
use hark_ingest::capture::CaptureReader;
use hark_ingest::extract::ExtractConfig;
use hark_ingest::pipeline::{ingest_capture, IngestOptions, IngestReport};
use hark_store::{MergeSummary, Store};

/// Ingests every file, one after the other; prints a summary per file to stderr.
pub fn run(store: &dyn Store, args: &IngestArgs) -> anyhow::Result<()> {
    let sections = SectionSet::parse(&args.sections)
        .map_err(anyhow::Error::msg)
        .context("--sections")?;
    if args.ports.is_empty() {
        bail!("--ports needs at least one port");
    }
    let options = IngestOptions {
        extract: ExtractConfig {
            server_ports: args.ports.clone(),
            ..ExtractConfig::default()
        },
        sections,
        cache_bytes: args.cache_mb.max(1) * 1024 * 1024,
    };
    for path in &args.files {
        let digest =
            super::content_hash(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !args.force {
            if let Some(note) = store.ingested_file(&digest)? {
                eprintln!(
                    "{}: skipped, the same content was ingested before ({note}); use --force to count it again",
                    path.display()
                );
                continue;
            }
        }
        let reader = CaptureReader::open(path).with_context(|| format!("{}", path.display()))?;
        let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let bar = FileProgress::new(total, &path.display().to_string(), args.no_progress);
        let mut merged = MergeSummary::default();
        let mut merge_seconds = 0.0;
        let mut sink = |batch: hark_record::Batch| -> Result<(), hark_store::StoreError> {
            let started = std::time::Instant::now();
            let rows = batch.len();
            merged.add(&store.merge(&batch)?);
            merge_seconds += started.elapsed().as_secs_f64();
            tracing::info!(
                rows,
                seconds = started.elapsed().as_secs_f64(),
                "merged a batch into the store"
            );
            Ok(())
        };
        let report = ingest_capture(
            reader,
            &options,
            Some((digest, super::file_note(path))),
            &mut sink,
            &mut |p| bar.update(p.bytes, p.responses, "responses"),
        )
        .with_context(|| format!("{}", path.display()))?;
        let settle_started = std::time::Instant::now();
        store.settle().context("making the new rows durable")?;
        tracing::info!(
            merge_seconds,
            settle_seconds = settle_started.elapsed().as_secs_f64(),
            "store time"
        );
        bar.finish();
        print_summary(&path.display().to_string(), &report, &merged, bar.elapsed());
    }
    Ok(())
}

fn print_summary(label: &str, report: &IngestReport, merged: &MergeSummary, seconds: f64) {
    let a = &report.aggregate;
    eprintln!(
        "{label}: {} packets, {} responses ({} truncated), {} RRs, {} negative answers -> {} new rows, {} updated, {} new negative rows in {:.2}s ({:.0} responses/s)",
        report.packets,
        a.responses,
        a.truncated,
        a.rrs,
        a.negatives,
        merged.new_rows,
        merged.updated_rows,
        merged.new_negatives,
        seconds,
        a.responses as f64 / seconds.max(1e-6),
    );
    let skips: Vec<String> = report
        .skips
        .iter()
        .map(|(reason, n)| format!("{reason}={n}"))
        .collect();
    if skips.is_empty() {
        eprintln!("{label}: skipped: nothing");
    } else {
        eprintln!("{label}: skipped: {}", skips.join(" "));
    }
}
