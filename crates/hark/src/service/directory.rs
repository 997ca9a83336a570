//! A spool directory as a source: rotated capture, dnstap or import files, each ingested once it is
//! closed (its modification time is older than the settle time), in name order.
//!
//! Every file goes through the pipeline with its checkpoints, as `hark ingest` would read it:
//! a file read before (by any name) is skipped, one cut short is resumed when it grows, and a
//! file being read at shutdown is left unfinished and resumed at the next start. Files are
//! never deleted or moved: rotation tools expire them.

use super::board::SourceEntry;
use super::config::DirectorySection;
use crate::commands::ingest::Decoding;
use hark_ingest::dnstap::{DnstapOptions, QueryTap};
use hark_ingest::gzip::ExpansionLimit;
use hark_ingest::pipeline::{run, PipelineOptions};
use hark_ingest::source::UntilStopped;
use hark_record::Sink;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

/// A file as last looked at: a change makes it new again.
type Seen = (PathBuf, u64, SystemTime);

/// Watches `section.path` until `stop` is set; the queries dnstap files log go to `query_tap`.
pub fn watch(
    section: &DirectorySection,
    query_tap: Option<QueryTap>,
    sink: &dyn Sink,
    options: &PipelineOptions,
    entry: &SourceEntry,
    stop: &AtomicBool,
) {
    let pattern = match glob::Pattern::new(&section.pattern) {
        Ok(pattern) => pattern,
        Err(err) => {
            tracing::error!(source = %entry.name, error = %err, "bad file pattern; the source does nothing");
            return;
        }
    };
    let decoding = match section.decoding.checked(0) {
        Ok(decoding) => decoding,
        Err(err) => {
            tracing::error!(source = %entry.name, error = %err, "bad decoding options; the source does nothing");
            return;
        }
    };
    let dnstap = DnstapOptions {
        client_responses: section.dnstap_client_responses,
        sections: decoding.sections,
        ..DnstapOptions::default()
    };
    let settle = Duration::from_secs(section.settle_seconds);
    let mut done: HashSet<Seen> = HashSet::new();
    let mut warned_unreadable = false;
    while !stop.load(Ordering::Acquire) {
        match closed_files(&section.path, &pattern, settle) {
            Ok(files) => {
                warned_unreadable = false;
                for seen in files {
                    if stop.load(Ordering::Acquire) {
                        break;
                    }
                    if done.contains(&seen) {
                        continue;
                    }
                    let how = How {
                        decoding: &decoding,
                        dnstap,
                        query_tap: query_tap.clone(),
                    };
                    let finished = ingest_one(&seen.0, how, sink, options, entry, stop);
                    if finished {
                        done.insert(seen);
                    }
                }
            }
            Err(err) if !warned_unreadable => {
                warned_unreadable = true;
                tracing::warn!(source = %entry.name, directory = %section.path.display(), error = %err, "cannot list the directory; trying again");
            }
            Err(_) => {}
        }
        sleep_unless_stopped(Duration::from_secs(section.poll_seconds), stop);
    }
}

/// Reads one file; true when it needs no further look until it changes.
/// How files are read.
struct How<'a> {
    decoding: &'a Decoding,
    dnstap: DnstapOptions,
    query_tap: Option<QueryTap>,
}

fn ingest_one(
    path: &Path,
    How {
        decoding,
        dnstap,
        query_tap,
    }: How<'_>,
    sink: &dyn Sink,
    options: &PipelineOptions,
    entry: &SourceEntry,
    stop: &AtomicBool,
) -> bool {
    let (mut source, _) = match crate::commands::ingest::open(
        path,
        &decoding.extract,
        decoding.sections,
        decoding.bailiwick,
        dnstap,
        ExpansionLimit::DEFAULT,
        query_tap,
    ) {
        Ok(opened) => opened,
        Err(err) => {
            tracing::warn!(source = %entry.name, file = %path.display(), error = format!("{err:#}"), "not a capture or dnstap file; skipped until it changes");
            return true;
        }
    };
    let mut source = UntilStopped::new(source.as_mut(), stop);
    let base = entry.units.load(Ordering::Relaxed);
    let result = run(&mut source, sink, options, &mut |progress| {
        entry.units.store(base + progress.units, Ordering::Relaxed);
    });
    match result {
        Ok(report) if report.already_done.is_some() => {
            entry.repeats.fetch_add(1, Ordering::Relaxed);
            tracing::info!(source = %entry.name, file = %path.display(), "read before (same content); skipped");
            true
        }
        Ok(report) => {
            entry.add_finished(&report.source);
            if report.complete {
                entry.files.fetch_add(1, Ordering::Relaxed);
                tracing::info!(source = %entry.name, file = %path.display(), rows = report.committed.rows, "file ingested");
                true
            } else {
                // Stopped for shutdown (resumed next start), or cut short (resumed when it
                // grows): either way, not again until it changes.
                !stop.load(Ordering::Acquire)
            }
        }
        Err(err) => {
            tracing::error!(source = %entry.name, file = %path.display(), error = %err, "ingesting a file failed; it will be tried again");
            false
        }
    }
}

/// Files in `dir` matching `pattern` whose last change is older than `settle`, in name order.
fn closed_files(
    dir: &Path,
    pattern: &glob::Pattern,
    settle: Duration,
) -> std::io::Result<Vec<Seen>> {
    let now = SystemTime::now();
    let mut files = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let Ok(item) = item else { continue };
        let name = item.file_name();
        if !pattern.matches(&name.to_string_lossy()) {
            continue;
        }
        let Ok(meta) = item.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let Ok(modified) = meta.modified() else {
            continue;
        };
        if now.duration_since(modified).unwrap_or_default() < settle {
            continue;
        }
        files.push((item.path(), meta.len(), modified));
    }
    files.sort();
    Ok(files)
}

/// Sleeps `total`, waking early when `stop` is set.
fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut slept = Duration::ZERO;
    while slept < total && !stop.load(Ordering::Acquire) {
        std::thread::sleep(step);
        slept += step;
    }
}
