//! `hark capture`: live capture from an interface into the store until SIGINT or SIGTERM.

use crate::cli::CaptureArgs;
use anyhow::Context;
use hark_capture::{LiveCapture, LiveCaptureOptions};
use hark_store::{Store, Writer};

/// Captures until a signal; prints the summary `hark ingest` prints.
pub fn run(store: &dyn Store, args: &CaptureArgs) -> anyhow::Result<()> {
    let decoding = super::ingest::decoding(&args.decode)?;
    let options = super::ingest::pipeline_options(&args.pipeline)?;
    let mut capture = LiveCapture::open(LiveCaptureOptions {
        filter: args.filter.clone(),
        snaplen: args.snaplen,
        buffer_bytes: args.buffer_mb.max(1).saturating_mul(1024 * 1024),
        promiscuous: args.promiscuous,
        extract: decoding.extract,
        sections: decoding.sections,
        bailiwick: decoding.bailiwick,
        ..LiveCaptureOptions::new(&args.interface)
    })
    .with_context(|| format!("-i {}", args.interface))?;
    let stop = capture.stop_handle();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .context("cannot install the SIGINT/SIGTERM handlers")?;
    }
    eprintln!(
        "capturing on {} (filter {:?}); SIGINT or SIGTERM stops, flushes and exits",
        args.interface, args.filter
    );
    let writer = Writer::new(store);
    super::run_source(
        &writer,
        &mut capture,
        &options,
        super::InputKind::Capture,
        args.no_progress,
    )?;
    Ok(())
}
