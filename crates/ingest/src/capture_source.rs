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
use crate::extract::{DnsExtractor, DnsMessage, ExtractConfig};
use crate::gzip::ExpansionLimit;
use crate::source::{self, ChunkLimits, FileInput, Fill, Source, SourceReport};
use crate::stats::Skips;
use hark_dns::ResponseParser;
use std::path::Path;

/// Packets to parsed responses in a chunk: the decoding every capture source shares.
pub struct PacketDecoder {
    options: u64,
    sections: SectionSet,
    extractor: DnsExtractor,
    parser: ResponseParser,
    zones: Option<ZoneTable>,
    packets: u64,
    skips: Skips,
    transfer_tap: Option<crate::dnstap::QueryTap>,
}

impl PacketDecoder {
    /// A decoder extracting with `extract`, keeping `sections`, with rows' bailiwick as
    /// `bailiwick` says.
    pub fn new(extract: ExtractConfig, sections: SectionSet, bailiwick: BailiwickMode) -> Self {
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
        let options = source::fingerprint(&parts);
        PacketDecoder {
            options,
            sections,
            extractor: DnsExtractor::new(extract),
            parser: ResponseParser::new(),
            zones: (bailiwick == BailiwickMode::Reconstruct)
                .then(|| ZoneTable::new(BailiwickConfig::default())),
            packets: 0,
            skips: Skips::default(),
            transfer_tap: None,
        }
    }

    /// Hands every zone-transfer answer (AXFR, IXFR) it parses to `tap`, as an
    /// `AUTH_RESPONSE` with the answering server (the client is not known here); its records
    /// still become rows.
    pub fn set_transfer_tap(&mut self, tap: Option<crate::dnstap::QueryTap>) {
        self.transfer_tap = tap;
    }

    /// The fingerprint of the options that decide the units and rows ([`Source::options`]).
    pub fn options(&self) -> u64 {
        self.options
    }

    /// The zone table, when bailiwick is reconstructed (to add servers of a stub zone).
    pub fn zones_mut(&mut self) -> Option<&mut ZoneTable> {
        self.zones.as_mut()
    }

    /// Takes one packet; every response it completes goes into `chunk`.
    pub fn push(&mut self, packet: &Packet<'_>, chunk: &mut Observations) {
        self.packets += 1;
        self.extract(chunk, |extractor, emit| extractor.push(packet, emit));
    }

    /// End of input: what the reassembly buffers can still complete goes into `chunk`.
    pub fn finish(&mut self, chunk: &mut Observations) {
        self.extract(chunk, |extractor, emit| extractor.finish(emit));
    }

    /// Runs `step` on the extractor, parsing every message it emits into `chunk`.
    fn extract(
        &mut self,
        chunk: &mut Observations,
        step: impl FnOnce(&mut DnsExtractor, &mut dyn FnMut(DnsMessage<'_>)),
    ) {
        let Self {
            sections,
            extractor,
            parser,
            zones,
            skips,
            transfer_tap,
            ..
        } = self;
        step(extractor, &mut |m| {
            push_message(
                parser,
                zones,
                skips,
                *sections,
                chunk,
                transfer_tap.as_ref(),
                m,
            )
        });
    }

    /// Bytes held by TCP streams and partial IP datagrams now.
    pub fn buffered_bytes(&self) -> usize {
        self.extractor.buffered_bytes()
    }

    /// Counts a skip of the source's own (a capture error, a drop counter).
    pub fn skip(&mut self, reason: &'static str, n: u64) {
        self.skips.add_n(reason, n);
    }

    /// The reading side's counters (bytes and stop reason left for the source to fill in).
    pub fn report(&self) -> SourceReport {
        let extract = self.extractor.stats();
        let mut skips = extract.skips.clone();
        skips.merge(&self.skips);
        if let Some(zones) = &self.zones {
            skips.add_n("bailiwick_evicted", zones.evicted());
        }
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

/// A capture file (pcap, pcapng, gzip) read as a source.
pub struct CaptureSource {
    file: FileInput,
    reader: CaptureReader,
    decoder: PacketDecoder,
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
        CaptureSource {
            file: FileInput::unnamed(label),
            reader,
            decoder: PacketDecoder::new(extract, sections, BailiwickMode::None),
            ended: None,
            stopped: None,
        }
    }

    /// The same source with rows' bailiwick as `mode` says (part of its options).
    pub fn with_bailiwick(mut self, mode: BailiwickMode) -> CaptureSource {
        let sections = self.decoder.sections;
        let extract = self.decoder.extractor.config().clone();
        self.decoder = PacketDecoder::new(extract, sections, mode);
        self
    }

    /// The decoder (to add servers to its zone table).
    pub fn decoder_mut(&mut self) -> &mut PacketDecoder {
        &mut self.decoder
    }

    /// The same source handing zone-transfer answers to `tap` ([`PacketDecoder::set_transfer_tap`]).
    pub fn with_transfer_tap(mut self, tap: Option<crate::dnstap::QueryTap>) -> CaptureSource {
        self.decoder.set_transfer_tap(tap);
        self
    }
}

/// Parses one DNS message into the chunk, or counts why not.
fn push_message(
    parser: &mut ResponseParser,
    zones: &mut Option<ZoneTable>,
    skips: &mut Skips,
    sections: SectionSet,
    chunk: &mut Observations,
    transfer_tap: Option<&crate::dnstap::QueryTap>,
    message: DnsMessage<'_>,
) {
    match parser.parse(message.payload) {
        Ok(response) if response.opcode == 0 => {
            if let (Some(tap), Some(question)) = (transfer_tap, &response.question) {
                if crate::dnstap::is_transfer(question.qtype) {
                    (tap.0)(&crate::dnstap::QueryEvent {
                        kind: crate::dnstap::proto::MessageType::AuthResponse,
                        qname: question.qname,
                        qtype: question.qtype,
                        client: None,
                        server: Some(server_address(&message.server)),
                        time: message.ts_sec,
                    });
                }
            }
            push_response(zones, skips, sections, chunk, &response, &message)
        }
        Ok(_) => skips.add("opcode_not_query"),
        Err(err) => skips.add(err.reason()),
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

/// Adds a parsed response's rows to the chunk, under the server's zones when bailiwick is
/// reconstructed.
fn push_response(
    zones: &mut Option<ZoneTable>,
    skips: &mut Skips,
    sections: SectionSet,
    chunk: &mut Observations,
    response: &hark_dns::Response<'_>,
    message: &DnsMessage<'_>,
) {
    match zones {
        None => chunk.push(response, message.ts_sec, sections),
        Some(zones) => {
            zones.learn(&message.server, response, message.ts_sec);
            let table = &*zones;
            let zone_of = |owner: &[u8]| table.closest(&message.server, owner);
            let dropped = chunk.push_in(
                response,
                message.ts_sec,
                sections,
                Bailiwick::Served(&zone_of),
            );
            skips.add_n("out_of_bailiwick", dropped.out_of_bailiwick);
            if dropped.negative_out_of_bailiwick {
                skips.add("negative_out_of_bailiwick");
            }
        }
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
        self.decoder.options()
    }

    fn fill(&mut self, chunk: &mut Observations, limits: &ChunkLimits) -> Fill {
        if let Some(complete) = self.ended {
            return Fill::End { complete };
        }
        let fill = loop {
            match self.reader.next_packet() {
                Ok(Some(packet)) => self.decoder.push(&packet, chunk),
                Ok(None) => {
                    self.decoder.finish(chunk);
                    break Fill::End { complete: true };
                }
                Err(err) => {
                    self.decoder.skip(capture_error_reason(&err), 1);
                    self.stopped = Some(err.to_string());
                    tracing::warn!(error = %err, "capture ends early; keeping what was read, the file stays unfinished");
                    let pending = self.decoder.buffered_bytes();
                    self.decoder
                        .skip("reassembly_bytes_pending_at_cut", pending as u64);
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
        SourceReport {
            bytes: self.reader.bytes_read(),
            stopped: self.stopped.clone(),
            ..self.decoder.report()
        }
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
