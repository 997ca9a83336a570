//! Capture files as a [`Source`]: packets → DNS messages → parsed responses → units.
//!
//! A unit is one DNS response from a server port (UDP datagram or reassembled TCP message),
//! in the order the extractor emits them, which depends only on the packets and the options.
//! A capture cut short (mid-record, an unreadable block, a truncated gzip) ends the source
//! with `complete: false`, *without* flushing the reassembly buffers: the units it gave are
//! then exactly the first units the complete file gives, so the complete file can resume
//! after them. A gzip capture stopped at its expansion limit (a gzip bomb: [`crate::gzip`])
//! ends the same way: what came before the stop is kept, the file stays unfinished, and the
//! same file read again with a higher limit resumes after what was stored.

use crate::aggregate::{Observations, SectionSet};
use crate::capture::{CaptureError, CaptureReader};
use crate::extract::{DnsExtractor, ExtractConfig};
use crate::gzip::ExpansionLimit;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_dns::ResponseParser;
use std::path::Path;

/// A capture file (pcap, pcapng, gzip) read as a source.
pub struct CaptureSource {
    file: FileInput,
    options: u64,
    sections: SectionSet,
    reader: CaptureReader,
    extractor: DnsExtractor,
    parser: ResponseParser,
    packets: u64,
    skips: Skips,
    ended: Option<bool>,
    stopped: Option<String>,
}

impl CaptureSource {
    /// Opens a capture file; its identity is the hash of its content. Gzip is decoded up to
    /// the default [`ExpansionLimit`].
    pub fn open(
        path: &Path,
        extract: ExtractConfig,
        sections: SectionSet,
    ) -> Result<CaptureSource, CaptureError> {
        Self::open_with_limit(path, extract, sections, ExpansionLimit::DEFAULT)
    }

    /// Opens a capture file, decoding gzip up to `gzip_limit`. The limit is not one of the
    /// source's [`Source::options`]: it decides where reading may stop, never which units come
    /// before, so a file stopped by it resumes under a higher limit.
    pub fn open_with_limit(
        path: &Path,
        extract: ExtractConfig,
        sections: SectionSet,
        gzip_limit: ExpansionLimit,
    ) -> Result<CaptureSource, CaptureError> {
        let io = |source| CaptureError::Open {
            path: path.to_path_buf(),
            source,
        };
        let file = FileInput::open(path).map_err(io)?;
        let reader = CaptureReader::open_with_limit(path, gzip_limit)?;
        let mut source = CaptureSource::from_reader(reader, &file.label, extract, sections);
        source.file = file;
        Ok(source)
    }

    /// A capture from an open reader, with no identity (no checkpoints, no resumption).
    pub fn from_reader(
        reader: CaptureReader,
        label: &str,
        extract: ExtractConfig,
        sections: SectionSet,
    ) -> CaptureSource {
        let mut ports: Vec<u8> = Vec::new();
        for port in &extract.server_ports {
            ports.extend_from_slice(&port.to_be_bytes());
        }
        let options = source::fingerprint(&[b"capture", &ports, &[sections.bits()]]);
        CaptureSource {
            file: FileInput::unnamed(label),
            options,
            sections,
            reader,
            extractor: DnsExtractor::new(extract),
            parser: ResponseParser::new(),
            packets: 0,
            skips: Skips::default(),
            ended: None,
            stopped: None,
        }
    }
}

/// Parses one DNS message into the chunk, or counts why not.
fn push_message(
    parser: &mut ResponseParser,
    skips: &mut Skips,
    sections: SectionSet,
    chunk: &mut Observations,
    message: crate::extract::DnsMessage<'_>,
) {
    match parser.parse(message.payload) {
        Ok(response) if response.opcode == 0 => chunk.push(&response, message.ts_sec, sections),
        Ok(_) => skips.add("opcode_not_query"),
        Err(err) => skips.add(err.reason()),
    }
}

/// The skip-counter name of a capture error met part-way through a file.
fn capture_error_reason(err: &CaptureError) -> &'static str {
    match err {
        CaptureError::Truncated { .. } => "capture_cut_mid_record",
        CaptureError::GzipExpansion { .. } => "gzip_expansion_limit",
        _ => "capture_unreadable_after_start",
    }
}

impl Source for CaptureSource {
    fn file(&self) -> Option<&FileInput> {
        Some(&self.file)
    }

    fn options(&self) -> u64 {
        self.options
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let sections = self.sections;
        let fill = loop {
            match self.reader.next_packet() {
                Ok(Some(packet)) => {
                    self.packets += 1;
                    self.extractor.push(&packet, &mut |m| {
                        push_message(&mut self.parser, &mut self.skips, sections, chunk, m)
                    });
                }
                Ok(None) => {
                    self.extractor.finish(&mut |m| {
                        push_message(&mut self.parser, &mut self.skips, sections, chunk, m)
                    });
                    break Fill::End { complete: true };
                }
                Err(err) => {
                    self.skips.add(capture_error_reason(&err));
                    self.stopped = Some(err.to_string());
                    tracing::warn!(error = %err, "capture ends early; keeping what was read, the file stays unfinished");
                    let pending = self.extractor.buffered_bytes();
                    if pending > 0 {
                        self.skips
                            .add_n("reassembly_bytes_pending_at_cut", pending as u64);
                    }
                    break Fill::End { complete: false };
                }
            }
            if limits.reached(chunk) {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.reader.bytes_read();
        if let Fill::End { complete } = fill {
            self.ended = Some(complete);
        }
        fill
    }

    fn report(&self) -> SourceReport {
        let extract = self.extractor.stats();
        let mut skips = extract.skips.clone();
        skips.merge(&self.skips);
        SourceReport {
            packets: self.packets,
            messages: extract.udp_messages + extract.tcp_messages,
            queries: extract.queries,
            skips,
            bytes: self.reader.bytes_read(),
            stopped: self.stopped.clone(),
        }
    }
}
