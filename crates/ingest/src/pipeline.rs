//! The one pipeline every source runs through: source → chunks → aggregation → one writer.
//!
//! Three threads share the work. The reading thread calls [`Source::fill`] into byte- and
//! unit-bounded [`Observations`] chunks; the calling thread folds chunks into the
//! [`Aggregator`] and cuts a [`Batch`] when the cache is full, when its oldest observation is
//! older than [`PipelineOptions::flush_after`] (so a stream is queryable within seconds), or
//! when the source ends; the writing thread commits batches through the [`Sink`] while the
//! next one is being built. Chunks go round between the threads over bounded channels and are
//! reused, and at most one batch waits for the writer, so memory is bounded by bytes:
//! `cache_bytes` (half for the batch being built, half for the one being written) plus the
//! chunks in flight ([`CHUNKS_IN_FLIGHT`] × [`ChunkLimits::bytes`]).
//!
//! Exactness: each batch carries the source's [`Checkpoint`] — how many units are in once it
//! is committed. Before reading, the pipeline asks the sink where the source stands: a
//! finished source is not read again (unless forced), and an unfinished one has its first
//! `position` units skipped, so a run after a crash counts each unit exactly once.

use crate::aggregate::{AggregateStats, Aggregator, Observations};
use crate::source::{ChunkLimits, FileIdentity, FileInput, Fill, Source, SourceReport};
use hark_record::{Batch, Checkpoint, Committed, Sink, SinkError, SourceId};
use std::time::{Duration, Instant};

/// Chunks in flight between the reading and the aggregating thread.
pub const CHUNKS_IN_FLIGHT: usize = 4;

/// How to run a source.
#[derive(Clone, Debug)]
pub struct PipelineOptions {
    /// Memory for aggregated rows, in bytes: half for the batch being built, half for the
    /// batch being written.
    pub cache_bytes: usize,
    /// A batch is cut once its oldest observation waited this long.
    pub flush_after: Duration,
    /// Bounds of the chunks between reading and aggregating.
    pub chunk: ChunkLimits,
    /// Read the source again even if the store says it is finished, and from its start.
    pub force: bool,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        PipelineOptions {
            cache_bytes: 512 * 1024 * 1024,
            flush_after: Duration::from_secs(5),
            chunk: ChunkLimits::default(),
            force: false,
        }
    }
}

/// Where a run stands, for a progress bar.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Bytes of input consumed.
    pub bytes: u64,
    /// Units read so far (skipped ones included when resuming).
    pub units: u64,
}

/// What running one source did.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    /// The store already had the whole source: nothing was read. Its checkpoint.
    pub already_done: Option<Checkpoint>,
    /// The reading side's counters.
    pub source: SourceReport,
    /// What the aggregation cache counted (units folded in, RRs, negatives).
    pub aggregate: AggregateStats,
    /// What the commits did.
    pub committed: Committed,
    /// Batches committed.
    pub commits: u64,
    /// Units the source yielded in this run (skipped ones included).
    pub units: u64,
    /// Units skipped because the store already had them (a resumed run).
    pub resumed_at: u64,
    /// The source continued a shorter copy of itself (a file cut short before): its note.
    pub continued: Option<String>,
    /// The source was read to its real end.
    pub complete: bool,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The sink (the store) failed; batches committed before stay committed, with their
    /// checkpoints, so running the source again resumes after them.
    #[error("storing rows failed: {0}")]
    Sink(SinkError),
    /// A thread of the pipeline died (a bug).
    #[error("a pipeline thread stopped unexpectedly")]
    Thread,
    /// The file's content could not be hashed, so it could not be recognised: nothing of it
    /// was committed.
    #[error("{label}: could not identify the file ({why}); nothing of it was stored")]
    Identity {
        /// The file.
        label: String,
        /// Why.
        why: String,
    },
    /// The store has part of this source, read with other options: resuming would count
    /// another sequence of units.
    #[error("part of this input is stored already ({note}) but was read with other options; run again with the same options to finish it, or --force to count it all again")]
    OptionsDiffer {
        /// The note of the stored checkpoint.
        note: String,
    },
}

/// Where the source starts, from what the store knows.
struct Start {
    resume_at: u64,
    superseded: Option<Checkpoint>,
}

fn find_start(
    source: &mut dyn Source,
    sink: &dyn Sink,
    force: bool,
) -> Result<Result<Start, Checkpoint>, PipelineError> {
    let fresh = Start {
        resume_at: 0,
        superseded: None,
    };
    if force {
        return Ok(Ok(fresh));
    }
    // A file the store cannot know yet: reading starts while its hash runs.
    if let Some(file) = source.file() {
        if let (Some(identity), Some(size)) = (file.identity(), file.size) {
            if identity.pending() && !sink.may_know_file_of(size).map_err(PipelineError::Sink)? {
                return Ok(Ok(fresh));
            }
        }
    }
    if let Some(Err(why)) = source
        .file()
        .and_then(FileInput::identity)
        .map(FileIdentity::get)
    {
        return Err(PipelineError::Identity {
            label: source.label().to_string(),
            why: why.to_string(),
        });
    }
    let Some(id) = source.id().cloned() else {
        return Ok(Ok(fresh));
    };
    if let Some(checkpoint) = sink.checkpoint(&id).map_err(PipelineError::Sink)? {
        if checkpoint.done {
            return Ok(Err(checkpoint));
        }
        if checkpoint.options != source.options() {
            return Err(PipelineError::OptionsDiffer {
                note: checkpoint.note,
            });
        }
        return Ok(Ok(Start {
            resume_at: checkpoint.position,
            superseded: None,
        }));
    }
    let unfinished = sink.unfinished().map_err(PipelineError::Sink)?;
    Ok(Ok(match source.resume_from(&unfinished) {
        Some(shorter) => Start {
            resume_at: shorter.position,
            superseded: Some(shorter),
        },
        None => fresh,
    }))
}

/// A source's identity as the aggregating side knows it: known at the start, or a file's hash
/// still running (resolved at the first commit).
enum Identity {
    Known(Option<SourceId>),
    Hashing(FileIdentity),
}

/// What the aggregating side keeps between batches.
struct Cutter<'a> {
    aggregator: Aggregator,
    id: Identity,
    /// Why the file could not be identified (no batch is committed then).
    unidentified: Option<String>,
    options: u64,
    bytes: u64,
    note: String,
    superseded: Option<Checkpoint>,
    pending_since: Option<Instant>,
    batches: &'a crossbeam_channel::Sender<Batch>,
}

impl Cutter<'_> {
    /// Cuts a batch of what the cache holds, with the checkpoint `position`/`done`, and hands
    /// it to the writer. False when the writer is gone (it failed).
    fn cut(&mut self, position: u64, done: bool) -> bool {
        self.pending_since = None;
        if let Identity::Hashing(identity) = &self.id {
            match identity.get() {
                Ok(id) => self.id = Identity::Known(Some(id.clone())),
                Err(why) => {
                    self.unidentified = Some(why.to_string());
                    return false;
                }
            }
        }
        let mut batch = self.aggregator.take_batch();
        if let Identity::Known(Some(id)) = &self.id {
            batch.checkpoints.push(Checkpoint {
                source: id.clone(),
                position,
                done,
                options: self.options,
                bytes: self.bytes,
                note: self.note.clone(),
            });
            if let Some(shorter) = self.superseded.take() {
                // The shorter copy is finished by this one: it leaves the unfinished list.
                batch.checkpoints.push(Checkpoint {
                    done: true,
                    ..shorter
                });
            }
        }
        if batch.is_empty() {
            return true;
        }
        self.batches.send(batch).is_ok()
    }
}

/// Runs one source into `sink`: resumes where the store says it stands, reads it to its end,
/// and commits its units with checkpoints.
pub fn run(
    source: &mut dyn Source,
    sink: &dyn Sink,
    options: &PipelineOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<RunReport, PipelineError> {
    let start = match find_start(source, sink, options.force)? {
        Ok(start) => start,
        Err(done) => {
            return Ok(RunReport {
                already_done: Some(done),
                complete: true,
                ..RunReport::default()
            })
        }
    };
    let mut report = RunReport {
        resumed_at: start.resume_at,
        continued: start.superseded.as_ref().map(|c| c.note.clone()),
        committed: Committed::zero(),
        ..RunReport::default()
    };
    let (full_tx, full_rx) = crossbeam_channel::bounded::<(Observations, Fill)>(CHUNKS_IN_FLIGHT);
    let (empty_tx, empty_rx) = crossbeam_channel::bounded::<Observations>(CHUNKS_IN_FLIGHT + 2);
    for _ in 0..CHUNKS_IN_FLIGHT {
        let _ = empty_tx.send(Observations::default());
    }
    let (batch_tx, batch_rx) = crossbeam_channel::bounded::<Batch>(0);
    let limits = options.chunk;
    let id = match source.file().and_then(FileInput::identity) {
        Some(identity) if identity.pending() => Identity::Hashing(identity.clone()),
        _ => Identity::Known(source.id().cloned()),
    };
    let label = source.label().to_string();
    let source_options = source.options();
    let bytes = source.total_bytes().unwrap_or(0);
    let note = crate::source::checkpoint_note(source.label());

    let outcome = std::thread::scope(|scope| -> Result<(), PipelineError> {
        let reading = std::thread::Builder::new()
            .name("hark-read".into())
            .spawn_scoped(scope, || {
                loop {
                    let mut chunk = empty_rx.recv().unwrap_or_default();
                    let fill = source.fill(&mut chunk, &limits);
                    if full_tx.send((chunk, fill)).is_err() {
                        break; // the aggregating side stopped (the writer failed)
                    }
                    if matches!(fill, Fill::End { .. }) {
                        break;
                    }
                }
                source.report()
            })
            .map_err(|_| PipelineError::Thread)?;
        let writing = std::thread::Builder::new()
            .name("hark-write".into())
            .spawn_scoped(scope, || -> Result<(Committed, u64), SinkError> {
                let mut committed = Committed::zero();
                let mut commits = 0;
                for batch in batch_rx.iter() {
                    committed.add(&sink.commit(batch)?);
                    commits += 1;
                }
                Ok((committed, commits))
            })
            .map_err(|_| PipelineError::Thread)?;

        let mut cutter = Cutter {
            aggregator: Aggregator::new(options.cache_bytes / 2),
            id,
            unidentified: None,
            options: source_options,
            bytes,
            note,
            superseded: start.superseded.clone(),
            pending_since: None,
            batches: &batch_tx,
        };
        let mut units: u64 = 0;
        let mut writer_alive = true;
        let complete = loop {
            let (chunk, fill) = match full_rx.recv_timeout(options.flush_after) {
                Ok(received) => received,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                    if cutter.pending_since.is_some() {
                        writer_alive = cutter.cut(units.max(start.resume_at), false);
                    }
                    if !writer_alive {
                        break false;
                    }
                    continue;
                }
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break false,
            };
            let chunk_start = units;
            let count = chunk.len() as u64;
            units += count;
            let mut from = start.resume_at.saturating_sub(chunk_start).min(count) as usize;
            if (from as u64) < count {
                cutter.pending_since.get_or_insert_with(Instant::now);
                while let Some(next) = cutter.aggregator.add_from(&chunk, from) {
                    writer_alive &= cutter.cut(chunk_start + next as u64, false);
                    cutter.pending_since = Some(Instant::now());
                    from = next;
                }
                if cutter.aggregator.is_full() {
                    writer_alive &= cutter.cut(units, false);
                }
            }
            // Checked on every chunk, empty ones too: a live source that has gone quiet
            // sends empty chunks, and what it sent before must still become queryable.
            if cutter
                .pending_since
                .is_some_and(|since| since.elapsed() >= options.flush_after)
            {
                writer_alive &= cutter.cut(units.max(start.resume_at), false);
            }
            progress(Progress {
                bytes: chunk.bytes_read,
                units,
            });
            let mut chunk = chunk;
            chunk.clear();
            let _ = empty_tx.send(chunk);
            if !writer_alive {
                break false;
            }
            if let Fill::End { complete } = fill {
                break complete;
            }
        };
        if writer_alive {
            cutter.cut(units.max(start.resume_at), complete);
        }
        let unidentified = cutter.unidentified.take();
        report.aggregate = *cutter.aggregator.stats();
        report.units = units;
        report.complete = complete && writer_alive;
        drop(cutter);
        drop(batch_tx);
        drop(full_rx);
        report.source = reading.join().map_err(|_| PipelineError::Thread)?;
        let (committed, commits) = writing
            .join()
            .map_err(|_| PipelineError::Thread)?
            .map_err(PipelineError::Sink)?;
        report.committed = committed;
        report.commits = commits;
        match unidentified {
            Some(why) => Err(PipelineError::Identity { label, why }),
            None => Ok(()),
        }
    });
    outcome?;
    progress(Progress {
        bytes: report.source.bytes,
        units: report.units,
    });
    Ok(report)
}

/// A sink that keeps batches in memory (tests, and callers that want batches, not a store).
#[derive(Default)]
pub struct VecSink {
    batches: std::sync::Mutex<Vec<Batch>>,
}

impl VecSink {
    /// The batches committed so far.
    pub fn into_batches(self) -> Vec<Batch> {
        self.batches
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Sink for VecSink {
    fn commit(&self, batch: Batch) -> Result<Committed, SinkError> {
        let figures = Committed {
            rows: batch.rows.len() as u64,
            negatives: batch.negatives.len() as u64,
            new_rows: None,
            new_negatives: None,
            certs: batch.certs.len() as u64,
        };
        self.batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(batch);
        Ok(figures)
    }

    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, SinkError> {
        let batches = self
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(batches
            .iter()
            .flat_map(|b| &b.checkpoints)
            .rfind(|c| &c.source == source)
            .cloned())
    }

    fn unfinished(&self) -> Result<Vec<Checkpoint>, SinkError> {
        Ok(Vec::new())
    }

    fn may_know_file_of(&self, bytes: u64) -> Result<bool, SinkError> {
        let batches = self
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let checkpoints: Vec<Checkpoint> = batches
            .iter()
            .flat_map(|b| b.checkpoints.iter().cloned())
            .collect();
        Ok(hark_record::sink::checkpoints_may_know_file_of(
            &checkpoints,
            bytes,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{a, response};
    use hark_dns::{ResponseParser, Section};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// A stream that yields one response, then nothing (empty chunks, [`Fill::Idle`]) until
    /// told to stop.
    struct QuietStream {
        sent: bool,
        stop: Arc<AtomicBool>,
    }

    impl Source for QuietStream {
        fn options(&self) -> u64 {
            0
        }

        fn fill(&mut self, chunk: &mut Observations, _limits: &ChunkLimits) -> Fill {
            if self.stop.load(Ordering::Acquire) {
                return Fill::End { complete: true };
            }
            if !self.sent {
                self.sent = true;
                let wire = response(
                    "www.example.com",
                    1,
                    0,
                    &[a(Section::Answer, "www.example.com", [192, 0, 2, 1])],
                );
                let mut parser = ResponseParser::new();
                chunk.push(
                    &parser.parse(&wire).unwrap(),
                    1_700_000_000,
                    Default::default(),
                );
                return Fill::More;
            }
            std::thread::sleep(Duration::from_millis(5));
            Fill::Idle
        }

        fn report(&self) -> SourceReport {
            SourceReport::default()
        }
    }

    /// A sink that raises a flag on its first commit.
    struct FlagSink {
        inner: VecSink,
        committed: Arc<AtomicBool>,
    }

    impl Sink for FlagSink {
        fn commit(&self, batch: Batch) -> Result<Committed, SinkError> {
            self.committed.store(true, Ordering::Release);
            self.inner.commit(batch)
        }
        fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, SinkError> {
            self.inner.checkpoint(source)
        }
        fn unfinished(&self) -> Result<Vec<Checkpoint>, SinkError> {
            self.inner.unfinished()
        }
    }

    /// What a stream sent before going quiet is committed while the stream is still open:
    /// the flush age is checked on the empty chunks of an idle source too.
    #[test]
    fn a_quiet_stream_is_flushed_while_it_stays_open() {
        let stop = Arc::new(AtomicBool::new(false));
        let committed = Arc::new(AtomicBool::new(false));
        let mut source = QuietStream {
            sent: false,
            stop: stop.clone(),
        };
        let sink = FlagSink {
            inner: VecSink::default(),
            committed: committed.clone(),
        };
        let options = PipelineOptions {
            flush_after: Duration::from_millis(20),
            ..PipelineOptions::default()
        };
        let committed_while_open = std::thread::scope(|scope| {
            let watcher = scope.spawn(|| {
                // A hang guard, not a timing assertion: the commit comes after ~20 ms.
                let give_up = Instant::now() + Duration::from_secs(30);
                while !committed.load(Ordering::Acquire) && Instant::now() < give_up {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let seen = committed.load(Ordering::Acquire);
                stop.store(true, Ordering::Release);
                seen
            });
            let report = run(&mut source, &sink, &options, &mut |_| {}).unwrap();
            assert_eq!(report.aggregate.rrs, 1);
            watcher.join().unwrap()
        });
        assert!(
            committed_while_open,
            "nothing was committed while the stream was open"
        );
        let rows: usize = sink.inner.into_batches().iter().map(|b| b.rows.len()).sum();
        assert_eq!(rows, 1);
    }
}
