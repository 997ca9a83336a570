//! `hark import cof`: COF NDJSON into the store.

use crate::progress::FileProgress;
use anyhow::Context;
use hark_ingest::cof::import_cof;
use hark_store::{MergeSummary, Store};
use std::io::BufReader;
use std::path::PathBuf;

/// Imports every file (`-` is stdin); prints a summary per file to stderr.
pub fn run(
    store: &dyn Store,
    files: &[PathBuf],
    force: bool,
    cache_mb: usize,
) -> anyhow::Result<()> {
    for path in files {
        let stdin = path.as_os_str() == "-";
        let (mut input, file, total): (Box<dyn std::io::BufRead>, _, u64) = if stdin {
            (Box::new(std::io::stdin().lock()), None, 0)
        } else {
            let digest = super::content_hash(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            if !force {
                if let Some(note) = store.ingested_file(&digest)? {
                    eprintln!(
                        "{}: skipped, the same content was imported before ({note}); use --force to count it again",
                        path.display()
                    );
                    continue;
                }
            }
            let handle = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let total = handle.metadata().map(|m| m.len()).unwrap_or(0);
            (
                Box::new(BufReader::with_capacity(1 << 20, handle)),
                Some((digest, super::file_note(path))),
                total,
            )
        };
        let label = path.display().to_string();
        let bar = FileProgress::new(total, &label, false);
        let mut merged = MergeSummary::default();
        let mut sink = |batch| -> Result<(), hark_store::StoreError> {
            merged.add(&store.merge(&batch)?);
            Ok(())
        };
        let report = import_cof(
            &mut input,
            cache_mb.max(1) * 1024 * 1024,
            file,
            &mut sink,
            &mut |bytes| bar.update(bytes, bytes, "bytes"),
        )
        .with_context(|| label.clone())?;
        store.settle().context("making the new rows durable")?;
        bar.finish();
        let skips: Vec<String> = report
            .skips
            .iter()
            .map(|(reason, n)| format!("{reason}={n}"))
            .collect();
        eprintln!(
            "{label}: {} lines, {} rows -> {} new rows, {} updated; skipped: {}",
            report.lines,
            report.rows,
            merged.new_rows,
            merged.updated_rows,
            if skips.is_empty() {
                "nothing".to_string()
            } else {
                skips.join(" ")
            }
        );
    }
    Ok(())
}
