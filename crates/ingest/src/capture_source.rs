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
//!
//! [`PacketDecoder`] is the part shared with live capture (`hark-capture`): packets in,
//! parsed responses into a chunk out, with pairing ([`crate::pairing`]) and, when asked,
//! bailiwick reconstruction ([`crate::bailiwick`]) on the way.

use crate::aggregate::{Bailiwick, Observations, SectionSet};
use crate::bailiwick::{BailiwickConfig, BailiwickMode, ZoneTable};
use crate::capture::{CaptureError, CaptureReader, Packet};
use crate::extract::{DnsExtractor, ExtractConfig};
use crate::extraction::{Extracted, Extraction};
use crate::gzip::ExpansionLimit;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_dns::ResponseParser;
use std::path::Path;

/// The fingerprint of the options that decide a capture's units and rows.
fn fingerprint(extract: &ExtractConfig, sections: SectionSet, bailiwick: BailiwickMode) -> u64 {
    let mut ports: Vec<u8> = Vec::new();
    for port in &extract.server_ports {
        ports.extend_from_slice(&port.to_be_bytes());
    }
    // Unpaired and without bailiwick, the fingerprint is what it was before either
    // existed: the units and rows are the same.
    let bits = [sections.bits()];
    let mut parts: Vec<&[u8]> = vec![b"capture", &ports, &bits];
    if extract.pair_responses {
        parts.push(b"paired");
    }
    if bailiwick == BailiwickMode::Reconstruct {
        parts.push(b"bailiwick-reconstruct");
    }
    source::fingerprint(&parts)
}

/// DNS messages into parsed responses in a chunk, with the zone table when bailiwick is
/// reconstructed: the half of decoding that comes after extraction.
struct MessageParser {
    sections: SectionSet,
    parser: ResponseParser,
    zones: Option<ZoneTable>,
    skips: Skips,
    transfer_tap: Option<crate::dnstap::QueryTap>,
}

impl MessageParser {
    fn new(sections: SectionSet, bailiwick: BailiwickMode) -> Self {
        MessageParser {
            sections,
            parser: ResponseParser::new(),
            zones: (bailiwick == BailiwickMode::Reconstruct)
                .then(|| ZoneTable::new(BailiwickConfig::default())),
            skips: Skips::default(),
            transfer_tap: None,
        }
    }

    /// Parses one DNS message from `server` into the chunk, or counts why not; a zone-transfer
    /// answer also goes to the transfer tap.
    fn push(&mut self, ts_sec: i64, server: &[u8; 16], payload: &[u8], chunk: &mut Observations) {
        let response = match self.parser.parse(payload) {
            Ok(response) if response.opcode == 0 => response,
            Ok(_) => return self.skips.add("opcode_not_query"),
            Err(err) => return self.skips.add(err.reason()),
        };
        if let (Some(tap), Some(question)) = (&self.transfer_tap, &response.question) {
            if crate::dnstap::is_transfer(question.qtype) {
                (tap.0)(&crate::dnstap::QueryEvent {
                    kind: crate::dnstap::proto::MessageType::AuthResponse,
                    qname: question.qname,
                    qtype: question.qtype,
                    client: None,
                    server: Some(server_address(server)),
                    time: ts_sec,
                });
            }
        }
        match &mut self.zones {
            None => chunk.push(&response, ts_sec, self.sections),
            Some(zones) => {
                zones.learn(server, &response, ts_sec);
                let table = &*zones;
                let zone_of = |owner: &[u8]| table.closest(server, owner);
                let dropped = chunk.push_in(
                    &response,
                    ts_sec,
                    self.sections,
                    Bailiwick::Served(&zone_of),
                );
                self.skips
                    .add_n("out_of_bailiwick", dropped.out_of_bailiwick);
                if dropped.negative_out_of_bailiwick {
                    self.skips.add("negative_out_of_bailiwick");
                }
            }
        }
    }

    /// Its skips and the zone table's evictions, added to `skips`.
    fn add_skips_to(&self, skips: &mut Skips) {
        skips.merge(&self.skips);
        if let Some(zones) = &self.zones {
            skips.add_n("bailiwick_evicted", zones.evicted());
        }
    }
}

/// An extractor's server address: IPv4 in the first 4 bytes and zeros after, else IPv6 (an
/// IPv6 address whose last 12 bytes are zero reads as IPv4; no server has one).
fn server_address(bytes: &[u8; 16]) -> std::net::IpAddr {
    match bytes.split_first_chunk::<4>() {
        Some((v4, rest)) if rest.iter().all(|&b| b == 0) => std::net::IpAddr::from(*v4),
        _ => std::net::IpAddr::from(*bytes),
    }
}

/// Packets to parsed responses in a chunk, on one thread: the decoding live capture uses
/// (capture files split it over two threads: `extraction`).
pub struct PacketDecoder {
    options: u64,
    extractor: DnsExtractor,
    messages: MessageParser,
    packets: u64,
}

impl PacketDecoder {
    /// A decoder extracting with `extract`, keeping `sections`, with rows' bailiwick as
    /// `bailiwick` says.
    pub fn new(extract: ExtractConfig, sections: SectionSet, bailiwick: BailiwickMode) -> Self {
        PacketDecoder {
            options: fingerprint(&extract, sections, bailiwick),
            extractor: DnsExtractor::new(extract),
            messages: MessageParser::new(sections, bailiwick),
            packets: 0,
        }
    }

    /// The fingerprint of the options that decide the units and rows ([`Source::options`]).
    pub fn options(&self) -> u64 {
        self.options
    }

    /// Hands every zone-transfer answer (AXFR, IXFR) it parses to `tap`, as an
    /// `AUTH_RESPONSE` with the answering server (the client is not known here); its records
    /// still become rows.
    pub fn set_transfer_tap(&mut self, tap: Option<crate::dnstap::QueryTap>) {
        self.messages.transfer_tap = tap;
    }

    /// The zone table, when bailiwick is reconstructed (to add servers of a stub zone).
    pub fn zones_mut(&mut self) -> Option<&mut ZoneTable> {
        self.messages.zones.as_mut()
    }

    /// Takes one packet; every response it completes goes into `chunk`.
    pub fn push(&mut self, packet: &Packet<'_>, chunk: &mut Observations) {
        self.packets += 1;
        let Self {
            extractor,
            messages,
            ..
        } = self;
        extractor.push(packet, &mut |m| {
            messages.push(m.ts_sec, &m.server, m.payload, chunk)
        });
    }

    /// End of input: what the reassembly buffers can still complete goes into `chunk`.
    pub fn finish(&mut self, chunk: &mut Observations) {
        let Self {
            extractor,
            messages,
            ..
        } = self;
        extractor.finish(&mut |m| messages.push(m.ts_sec, &m.server, m.payload, chunk));
    }

    /// Bytes held by TCP streams and partial IP datagrams now.
    pub fn buffered_bytes(&self) -> usize {
        self.extractor.buffered_bytes()
    }

    /// Counts a skip of the source's own (a capture error, a drop counter).
    pub fn skip(&mut self, reason: &'static str, n: u64) {
        self.messages.skips.add_n(reason, n);
    }

    /// The reading side's counters (bytes and stop reason left for the source to fill in).
    pub fn report(&self) -> SourceReport {
        let extract = self.extractor.stats();
        let mut skips = extract.skips.clone();
        self.messages.add_skips_to(&mut skips);
        SourceReport {
            packets: self.packets,
            messages: extract.udp_messages + extract.tcp_messages,
            queries: extract.queries,
            skips,
            bytes: 0,
            stopped: None,
        }
    }
}

/// A capture file (pcap, pcapng, gzip) read as a source: packets are turned into DNS
/// messages on a thread of their own (module `extraction`), and the messages into
/// observations on the thread that calls [`Source::fill`].
pub struct CaptureSource {
    file: FileInput,
    options: u64,
    reading: Reading,
    messages: MessageParser,
    /// The batch being parsed, and the index of its next message.
    current: Option<(Extracted, usize)>,
    ended: Option<bool>,
    /// The extracting side's report, once it ended.
    extracted: Option<SourceReport>,
    bytes_read: u64,
}

/// Where extraction stands.
enum Reading {
    /// Not started: the reader and extractor wait for the first [`Source::fill`].
    Waiting(Box<(CaptureReader, DnsExtractor)>),
    /// Running on its thread.
    Running(Extraction),
    /// Ended (or could not start).
    Done,
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
        CaptureSource {
            file: FileInput::unnamed(label),
            options: fingerprint(&extract, sections, BailiwickMode::None),
            reading: Reading::Waiting(Box::new((reader, DnsExtractor::new(extract)))),
            messages: MessageParser::new(sections, BailiwickMode::None),
            current: None,
            ended: None,
            extracted: None,
            bytes_read: 0,
        }
    }

    /// The same source with rows' bailiwick as `mode` says (part of its options).
    pub fn with_bailiwick(mut self, mode: BailiwickMode) -> CaptureSource {
        let sections = self.messages.sections;
        if let Reading::Waiting(waiting) = &self.reading {
            self.options = fingerprint(waiting.1.config(), sections, mode);
        }
        let tap = self.messages.transfer_tap.take();
        self.messages = MessageParser::new(sections, mode);
        self.messages.transfer_tap = tap;
        self
    }

    /// The zone table, when bailiwick is reconstructed (to add servers of a stub zone).
    pub fn zones_mut(&mut self) -> Option<&mut ZoneTable> {
        self.messages.zones.as_mut()
    }

    /// The same source handing zone-transfer answers to `tap` ([`PacketDecoder::set_transfer_tap`]).
    pub fn with_transfer_tap(mut self, tap: Option<crate::dnstap::QueryTap>) -> CaptureSource {
        self.messages.transfer_tap = tap;
        self
    }

    /// The next batch of messages, starting extraction on the first call; `None` once the
    /// last batch was taken.
    fn next_batch(&mut self) -> Option<Extracted> {
        if let Reading::Waiting(_) = self.reading {
            let Reading::Waiting(waiting) = std::mem::replace(&mut self.reading, Reading::Done)
            else {
                return None;
            };
            let (reader, extractor) = *waiting;
            match Extraction::start(reader, extractor) {
                Ok(extraction) => self.reading = Reading::Running(extraction),
                Err(err) => {
                    self.messages.skips.add("capture_thread_not_started");
                    self.extracted = Some(SourceReport {
                        stopped: Some(format!("cannot start a thread: {err}")),
                        ..SourceReport::default()
                    });
                    self.ended = Some(false);
                    return None;
                }
            }
        }
        match &self.reading {
            Reading::Running(extraction) => extraction.next(),
            _ => None,
        }
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
        let fill = loop {
            if let Some(complete) = self.ended {
                break Fill::End { complete };
            }
            let (batch, next) = match self.current.take() {
                Some(current) => current,
                None => match self.next_batch() {
                    Some(batch) => (batch, 0),
                    None => {
                        // The extracting thread died (a bug): the file stays unfinished.
                        self.ended = Some(false);
                        continue;
                    }
                },
            };
            self.bytes_read = batch.bytes_read;
            let mut at = next;
            let mut reached = false;
            while let Some(message) = batch.messages.get(at) {
                at += 1;
                self.messages.push(
                    message.ts_sec,
                    &message.server,
                    batch.payload(message),
                    chunk,
                );
                if limits.reached(chunk) {
                    reached = true;
                    break;
                }
            }
            if at < batch.messages.len() {
                self.current = Some((batch, at));
                break Fill::More;
            }
            let mut batch = batch;
            if let Some(end) = batch.end.take() {
                self.ended = Some(end.complete);
                self.extracted = Some(end.report);
                self.reading = Reading::Done;
                break Fill::End {
                    complete: end.complete,
                };
            }
            if let Reading::Running(extraction) = &self.reading {
                extraction.recycle(batch);
            }
            if reached {
                break Fill::More;
            }
        };
        chunk.bytes_read = self.bytes_read;
        fill
    }

    fn report(&self) -> SourceReport {
        let mut report = self.extracted.clone().unwrap_or_default();
        self.messages.add_skips_to(&mut report.skips);
        if report.bytes == 0 {
            report.bytes = self.bytes_read;
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dnstap::{QueryEvent, QueryTap};
    use std::sync::{Arc, Mutex};

    /// What the tap was handed: (message type, qtype, client, server).
    type Tapped = (
        String,
        u16,
        Option<std::net::IpAddr>,
        Option<std::net::IpAddr>,
    );

    /// A raw IPv4/UDP packet (LINKTYPE_RAW) from `src:sport` to `dst:dport` carrying `dns`;
    /// checksums zero (UDP allows it over IPv4; the IP header's is not checked).
    fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, dns: &[u8]) -> Vec<u8> {
        let total = (20 + 8 + dns.len()) as u16;
        let mut out = vec![0x45, 0, 0, 0, 0, 0, 0, 0, 64, 17, 0, 0];
        out[2..4].copy_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&src);
        out.extend_from_slice(&dst);
        out.extend_from_slice(&sport.to_be_bytes());
        out.extend_from_slice(&dport.to_be_bytes());
        out.extend_from_slice(&(8 + dns.len() as u16).to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(dns);
        out
    }

    /// A DNS message (query or response, no records) for corp.example. of type `qtype`.
    fn message(response: bool, qtype: u16) -> Vec<u8> {
        let flags: [u8; 2] = if response { [0x84, 0x00] } else { [0x00, 0x00] };
        let mut out = vec![0x12, 0x34, flags[0], flags[1], 0, 1, 0, 0, 0, 0, 0, 0];
        out.extend_from_slice(b"\x04corp\x07example\x00");
        out.extend_from_slice(&qtype.to_be_bytes());
        out.extend_from_slice(&[0, 1]);
        out
    }

    #[test]
    fn zone_transfer_answers_reach_the_tap_with_their_server() {
        let seen: Arc<Mutex<Vec<Tapped>>> = Arc::default();
        let got = seen.clone();
        let tap = QueryTap(Arc::new(move |event: &QueryEvent<'_>| {
            got.lock().expect("lock").push((
                event.kind.name().to_string(),
                event.qtype.0,
                event.client,
                event.server,
            ));
        }));
        let mut decoder = PacketDecoder::new(
            ExtractConfig::default(),
            SectionSet::DEFAULT,
            BailiwickMode::None,
        );
        decoder.set_transfer_tap(Some(tap));
        let mut chunk = Observations::default();
        let (client, server) = ([198, 51, 100, 7], [192, 0, 2, 53]);
        // An IXFR over UDP (RFC 1995 allows it) and an A lookup, each query then answer.
        for qtype in [251u16, 1] {
            for (src, sport, dst, dport, response) in [
                (client, 40000, server, 53, false),
                (server, 53, client, 40000, true),
            ] {
                let data = udp(src, sport, dst, dport, &message(response, qtype));
                decoder.push(
                    &Packet {
                        ts_sec: 1_767_225_600,
                        ts_nanos: 0,
                        link_type: crate::link::LinkType::RAW.0,
                        data: &data,
                    },
                    &mut chunk,
                );
            }
        }
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(
            seen,
            vec![(
                "AUTH_RESPONSE".to_string(),
                251,
                None,
                Some("192.0.2.53".parse().expect("address"))
            )]
        );
    }
}
