//! `hark ingest`: capture files into the store.

use crate::cli::IngestArgs;
use anyhow::{bail, Context};
use hark_ingest::aggregate::SectionSet;
use hark_ingest::capture_source::CaptureSource;
use hark_ingest::extract::ExtractConfig;
use hark_ingest::pipeline::PipelineOptions;
use hark_store::{Store, Writer};

/// Ingests every file, one after the other; prints a summary per file to stderr.
pub fn run(store: &dyn Store, args: &IngestArgs) -> anyhow::Result<()> {
    let sections = SectionSet::parse(&args.sections)
        .map_err(anyhow::Error::msg)
        .context("--sections")?;
    if args.ports.is_empty() {
        bail!("--ports needs at least one port");
    }
    if !(args.flush_secs > 0.0 && args.flush_secs.is_finite()) {
        bail!("--flush-secs must be a positive number of seconds");
    }
    let extract = ExtractConfig {
        server_ports: args.ports.clone(),
        ..ExtractConfig::default()
    };
    let options = PipelineOptions {
        cache_bytes: args.cache_mb.max(1) * 1024 * 1024,
        flush_after: std::time::Duration::from_secs_f64(args.flush_secs),
        force: args.force,
        ..PipelineOptions::default()
    };
    let writer = Writer::new(store);
    for path in &args.files {
        let mut source =
            CaptureSource::open_with_limit(path, extract.clone(), sections, args.gzip_limit())
                .with_context(|| format!("{}", path.display()))?;
        super::run_source(
            &writer,
            &mut source,
            &options,
            super::InputKind::Capture,
            args.no_progress,
        )?;
    }
    Ok(())
}
