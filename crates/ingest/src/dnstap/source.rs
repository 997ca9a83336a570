//! A dnstap file as a [`Source`]: Frame Streams frames → dnstap messages → rows.
//!
//! A unit is one data frame, whatever it holds: a response that gives rows, a query, a frame
//! that is skipped. So a checkpoint's position is the count of data frames in, and a file cut
//! short (mid-frame, or before its STOP frame) gives exactly the first units of the complete
//! file, which later resumes after them.

use super::decode::{DnstapDecoder, QueryTap};
use super::DnstapOptions;
use crate::aggregate::Observations;
use crate::capture::input::Input;
use crate::fstrm::{self, Frame, FstrmError};
use crate::gzip::{ExpansionError, ExpansionLimit};
use crate::source::{ChunkLimits, FileInput, Fill, Source, SourceReport};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a dnstap file cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum DnstapError {
    /// The file could not be opened or hashed.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Its Frame Streams header is wrong (not a START frame, another content type).
    #[error("{label} is not a dnstap file: {source}")]
    NotDnstap {
        /// The file or input name.
        label: String,
        /// What the stream's start said.
        source: FstrmError,
    },
}

/// A dnstap file (Frame Streams of `protobuf:dnstap.Dnstap`, optionally gzip-compressed) read
/// as a source.
pub struct DnstapSource {
    file: FileInput,
    reader: fstrm::Reader<Input>,
    decoder: DnstapDecoder,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl DnstapSource {
    /// Opens a dnstap file, decoding gzip up to `gzip_limit`; its identity is the hash of its
    /// content. Fails if it does not start with a START frame for dnstap.
    pub fn open(
        path: &Path,
        options: DnstapOptions,
        gzip_limit: ExpansionLimit,
    ) -> Result<DnstapSource, DnstapError> {
        let io = |source| DnstapError::Open {
            path: path.to_path_buf(),
            source,
        };
        let input = FileInput::open(path).map_err(io)?;
        let file = std::fs::File::open(path).map_err(io)?;
        let mut source =
            DnstapSource::from_reader(Box::new(file), &input.label, options, gzip_limit)?;
        source.file = input;
        Ok(source)
    }

    /// A dnstap stream from any reader (standard input, a test's bytes), with no identity: no
    /// checkpoints, no resumption.
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        label: &str,
        options: DnstapOptions,
        gzip_limit: ExpansionLimit,
    ) -> Result<DnstapSource, DnstapError> {
        let not_dnstap = |source| DnstapError::NotDnstap {
            label: label.to_string(),
            source,
        };
        let input = Input::detect(input, gzip_limit)
            .map_err(|source| not_dnstap(FstrmError::Io { offset: 0, source }))?;
        let reader = fstrm::Reader::new(input, fstrm::CONTENT_TYPE_DNSTAP, options.max_frame)
            .map_err(not_dnstap)?;
        Ok(DnstapSource {
            file: FileInput::unnamed(label),
            reader,
            decoder: DnstapDecoder::new(options),
            ended: None,
            stopped: None,
        })
    }

    /// Hands the queries the file logs to `tap` as they are read (they make no rows).
    pub fn with_query_tap(mut self, tap: Option<QueryTap>) -> DnstapSource {
        self.decoder.set_query_tap(tap);
        self
    }

    /// Records why the stream ended early.
    fn stop(&mut self, err: &FstrmError) {
        let reason = match err {
            FstrmError::Io { source, .. } if ExpansionError::find(source).is_some() => {
                "gzip_expansion_limit"
            }
            other => other.reason(),
        };
        self.decoder.add_skip(reason);
        self.stopped = Some(err.to_string());
        tracing::warn!(error = %err, "dnstap stream ends early; keeping what was read, the file stays unfinished");
    }
}

impl Source for DnstapSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        self.decoder.options().fingerprint()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            match self.reader.next_frame() {
                Ok(Some(Frame::Data(frame))) => self.decoder.take_frame(frame, chunk),
                Ok(Some(Frame::TooLarge { len })) => self.decoder.take_too_large(len, chunk),
                Ok(None) => break Fill::End { complete: true },
                Err(err) => {
                    self.stop(&err);
                    break Fill::End { complete: false };
                }
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.reader.get_ref().bytes_read();
        if let Fill::End { complete } = fill {
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        let mut skips = self.decoder.skips().clone();
        skips.add_n("fstrm_control_ignored", self.reader.ignored_controls());
        SourceReport {
            packets: self.decoder.frames(),
            messages: self.decoder.messages(),
            queries: self.decoder.queries(),
            skips,
            bytes: self.reader.get_ref().bytes_read(),
            stopped: self.stopped.clone(),
        }
    }
}
