//! One module per subcommand.

pub mod capture;
pub mod export;
pub mod fetch;
pub mod import;
pub mod ingest;
pub mod lookup;
pub mod recon;
pub mod serve;
pub mod stats;
pub mod status;
pub mod store;
pub mod watch;

/// What kind of input a source is, for the words of its summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A capture: packets and responses.
    Capture,
    /// A dnstap file: frames, messages and responses.
    Dnstap,
    /// An import: lines and rows.
    Import,
}

/// Runs one source into the store through the pipeline, with a progress bar and the summary
/// lines every input prints: what was read, what the store gained, what was skipped.
pub fn run_source(
    writer: &hark_store::Writer<'_>,
    source: &mut dyn hark_ingest::source::Source,
    options: &hark_ingest::pipeline::PipelineOptions,
    kind: InputKind,
    quiet: bool,
) -> anyhow::Result<hark_ingest::pipeline::RunReport> {
    use anyhow::Context;
    let label = source.label().to_string();
    let bar = crate::progress::FileProgress::new(source.total_bytes().unwrap_or(0), &label, quiet);
    let report = hark_ingest::pipeline::run(source, writer, options, &mut |p| {
        bar.update(p.bytes, p.units, "units")
    })
    .with_context(|| label.clone())?;
    bar.finish();
    if let Some(done) = &report.already_done {
        eprintln!(
            "{label}: skipped, the same content was {} before ({}); use --force to count it again",
            match kind {
                InputKind::Capture | InputKind::Dnstap => "ingested",
                InputKind::Import => "imported",
            },
            done.note
        );
        return Ok(report);
    }
    if let Some(shorter) = &report.continued {
        eprintln!("{label}: continues a shorter copy of itself read before ({shorter})");
    }
    if report.resumed_at > 0 {
        eprintln!(
            "{label}: resumed after the first {} units, which the store already had",
            report.resumed_at
        );
    }
    let committed = &report.committed;
    let known = |n: Option<u64>| n.map_or("?".to_string(), |n| n.to_string());
    let updated = committed.new_rows.map_or("?".to_string(), |n| {
        committed.rows.saturating_sub(n).to_string()
    });
    let a = &report.aggregate;
    let seconds = bar.elapsed();
    let read = match kind {
        InputKind::Capture => format!(
            "{} packets, {} responses ({} truncated), {} RRs, {} negative answers",
            report.source.packets, a.responses, a.truncated, a.rrs, a.negatives
        ),
        InputKind::Dnstap => format!(
            "{} frames, {} dnstap messages ({} queries), {} responses ({} truncated), {} RRs, {} negative answers",
            report.source.packets,
            report.source.messages,
            report.source.queries,
            a.responses,
            a.truncated,
            a.rrs,
            a.negatives
        ),
        InputKind::Import if a.certs > 0 => format!(
            "{} entries, {} certificate names ({} certificate-name rows written)",
            report.source.messages, a.certs, committed.certs
        ),
        InputKind::Import => format!("{} lines, {} rows", report.source.messages, a.rrs),
    };
    eprintln!(
        "{label}: {read} -> {} new rows, {updated} updated, {} new negative rows; {} commits in {:.2}s ({:.0} {}/s)",
        known(committed.new_rows),
        known(committed.new_negatives),
        report.commits,
        seconds,
        a.responses as f64 / seconds.max(1e-6),
        match kind {
            InputKind::Capture | InputKind::Dnstap => "responses",
            InputKind::Import => "lines",
        },
    );
    let skips: Vec<String> = report
        .source
        .skips
        .iter()
        .map(|(reason, n)| format!("{reason}={n}"))
        .collect();
    eprintln!(
        "{label}: skipped: {}",
        if skips.is_empty() {
            "nothing".to_string()
        } else {
            skips.join(" ")
        }
    );
    if !report.complete {
        if let Some(stopped) = &report.source.stopped {
            eprintln!("{label}: {stopped}");
        }
        eprintln!("{label}: not read to its end; it is not marked as finished, and a complete copy will resume after what was stored");
    }
    Ok(report)
}
