//! `hark import cof`: COF NDJSON into the store.

use anyhow::Context;
use hark_ingest::cof::CofSource;
use hark_ingest::pipeline::PipelineOptions;
use hark_store::{Store, Writer};
use std::path::PathBuf;

/// Imports every file (`-` is stdin); prints a summary per file to stderr.
pub fn run(
    store: &dyn Store,
    files: &[PathBuf],
    force: bool,
    cache_mb: usize,
    max_line_kib: usize,
) -> anyhow::Result<()> {
    let options = PipelineOptions {
        cache_bytes: cache_mb.max(1) * 1024 * 1024,
        force,
        ..PipelineOptions::default()
    };
    let writer = Writer::new(store);
    for path in files {
        let source = if path.as_os_str() == "-" {
            CofSource::from_reader(
                Box::new(std::io::BufReader::with_capacity(1 << 20, std::io::stdin())),
                "stdin",
            )
        } else {
            CofSource::open(path).with_context(|| format!("cannot read {}", path.display()))?
        };
        let mut source = source.with_max_line(max_line_kib.max(1) * 1024);
        super::run_source(
            &writer,
            &mut source,
            &options,
            super::InputKind::Import,
            false,
        )?;
    }
    Ok(())
}
