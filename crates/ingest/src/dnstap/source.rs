//! A dnstap file as a [`Source`]: Frame Streams frames → dnstap messages → rows.
//!
//! A unit is one data frame, whatever it holds: a response that gives rows, a query, a frame
//! that is skipped. So a checkpoint's position is the count of data frames in, and a file cut
//! short (mid-frame, or before its STOP frame) gives exactly the first units of the complete
//! file, which later resumes after them.

use super::proto::Dnstap;
use super::select::{self, Verdict};
use super::DnstapOptions;
use crate::aggregate::Observations;
use crate::capture::input::Input;
use crate::fstrm::{self, Frame, FstrmError};
use crate::gzip::{ExpansionError, ExpansionLimit};
use crate::source::{ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use bytes::Bytes;
use hark_dns::ResponseParser;
use prost::Message as _;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Skips of one reason logged before the rest are only counted.
const LOGGED_SKIPS: u64 = 10;

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
    options: DnstapOptions,
    reader: fstrm::Reader<Input>,
    parser: ResponseParser,
    zone: Vec<u8>,
    frames: u64,
    messages: u64,
    queries: u64,
    skips: Skips,
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
            options,
            reader,
            parser: ResponseParser::new(),
            zone: Vec::new(),
            frames: 0,
            messages: 0,
            queries: 0,
            skips: Skips::default(),
            ended: None,
            stopped: None,
        })
    }

    /// Counts a skip, logging the first few of each reason.
    fn skip(&mut self, reason: &'static str) {
        if self.skips.get(reason) < LOGGED_SKIPS {
            tracing::debug!(frame = self.frames, reason, "dnstap frame gives no rows");
        }
        self.skips.add(reason);
    }

    /// Turns one data frame into exactly one unit of `chunk`.
    fn take_frame(&mut self, frame: Bytes, chunk: &mut Observations) {
        let units = chunk.len();
        self.push_frame(frame, chunk);
        if chunk.len() == units {
            chunk.push_nothing();
        }
    }

    /// The rows of one data frame, if it gives any.
    fn push_frame(&mut self, frame: Bytes, chunk: &mut Observations) {
        let Ok(dnstap) = Dnstap::decode(frame) else {
            self.skip("dnstap_bad_protobuf");
            return;
        };
        self.messages += 1;
        let (message, time, rule) = match select::classify(&dnstap, self.options.client_responses) {
            Verdict::Query => {
                self.queries += 1;
                return;
            }
            Verdict::Skip(reason) => {
                self.skip(reason);
                return;
            }
            Verdict::Response {
                message,
                time,
                rule,
            } => (message, time, rule),
        };
        let response = match self.parser.parse(message) {
            Ok(response) if response.opcode == 0 => response,
            Ok(_) => return self.skips.add("opcode_not_query"),
            Err(err) => return self.skips.add(err.reason()),
        };
        let bailiwick = match select::bailiwick(rule, &response, &mut self.zone) {
            Ok(bailiwick) => bailiwick,
            Err(reason) => return self.skips.add(reason),
        };
        let dropped = chunk.push_in(&response, time, self.options.sections, bailiwick);
        self.skips
            .add_n("out_of_bailiwick", dropped.out_of_bailiwick);
        if dropped.negative_out_of_bailiwick {
            self.skips.add("negative_out_of_bailiwick");
        }
    }

    /// Records why the stream ended early.
    fn stop(&mut self, err: &FstrmError) {
        let reason = match err {
            FstrmError::Io { source, .. } if ExpansionError::find(source).is_some() => {
                "gzip_expansion_limit"
            }
            other => other.reason(),
        };
        self.skips.add(reason);
        self.stopped = Some(err.to_string());
        tracing::warn!(error = %err, "dnstap stream ends early; keeping what was read, the file stays unfinished");
    }
}

impl Source for DnstapSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        self.options.fingerprint()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            match self.reader.next_frame() {
                Ok(Some(Frame::Data(frame))) => {
                    self.frames += 1;
                    self.take_frame(frame, chunk);
                }
                Ok(Some(Frame::TooLarge { len })) => {
                    self.frames += 1;
                    if self.skips.get("dnstap_frame_too_large") < LOGGED_SKIPS {
                        tracing::warn!(
                            frame = self.frames,
                            bytes = len,
                            limit = self.options.max_frame,
                            "skipping a dnstap frame larger than the limit"
                        );
                    }
                    self.skips.add("dnstap_frame_too_large");
                    chunk.push_nothing();
                }
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
        let mut skips = self.skips.clone();
        skips.add_n("fstrm_control_ignored", self.reader.ignored_controls());
        SourceReport {
            packets: self.frames,
            messages: self.messages,
            queries: self.queries,
            skips,
            bytes: self.reader.get_ref().bytes_read(),
            stopped: self.stopped.clone(),
        }
    }
}
