//! Small builders for hand-made captures: DNS messages, IP/UDP/TCP packets, link
//! headers, pcap and pcapng files, and a runner that extracts messages from them.

use std::io::Cursor;

use hark_ingest::capture::{CaptureError, CaptureReader};
use hark_ingest::extract::{DnsExtractor, ExtractConfig, Transport};
use hark_ingest::stats::ExtractStats;

pub const SERVER4: [u8; 4] = [192, 0, 2, 53];
pub const CLIENT4: [u8; 4] = [198, 51, 100, 7];
pub const SERVER6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53,
];
pub const CLIENT6: [u8; 16] = [
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07,
];

/// A DNS response for `a.example./A` with `answers` A records (so `12 + 15 + 16 * answers` bytes).
pub fn dns_response(id: u16, answers: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x81, 0x80, 0, 1]);
    m.extend_from_slice(&answers.to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    m.extend_from_slice(b"\x01a\x07example\x00\x00\x01\x00\x01");
    for i in 0..answers {
        m.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 10, 0]);
        m.extend_from_slice(&i.to_be_bytes());
    }
    m
}

/// The matching query (QR = 0).
pub fn dns_query(id: u16) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    m.extend_from_slice(b"\x01a\x07example\x00\x00\x01\x00\x01");
    m
}

/// ANCOUNT of a DNS message.
pub fn ancount(message: &[u8]) -> u16 {
    u16::from_be_bytes([message[6], message[7]])
}

/// `len` as a TCP length prefix followed by the message.
pub fn prefixed(message: &[u8]) -> Vec<u8> {
    let mut out = (message.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(message);
    out
}

pub fn udp(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&((payload.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(payload);
    out
}

pub const SYN: u8 = 0x02;
pub const ACK: u8 = 0x10;
pub const PSH_ACK: u8 = 0x18;
pub const FIN_ACK: u8 = 0x11;
pub const RST: u8 = 0x04;

pub fn tcp(sport: u16, dport: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&sport.to_be_bytes());
    out.extend_from_slice(&dport.to_be_bytes());
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&[5 << 4, flags, 0xff, 0xff, 0, 0, 0, 0]);
    out.extend_from_slice(payload);
    out
}

/// An IPv4 packet; `fragment` is (offset in bytes, more fragments).
pub fn ipv4_frag(
    src: [u8; 4],
    dst: [u8; 4],
    protocol: u8,
    id: u16,
    fragment: (u16, bool),
    payload: &[u8],
) -> Vec<u8> {
    let total = (20 + payload.len()) as u16;
    let flags = (fragment.0 / 8) | if fragment.1 { 0x2000 } else { 0 };
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&id.to_be_bytes());
    h.extend_from_slice(&flags.to_be_bytes());
    h.extend_from_slice(&[64, protocol, 0, 0]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    let mut sum = 0u32;
    for pair in h.chunks(2) {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let checksum = !(sum as u16);
    h[10..12].copy_from_slice(&checksum.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

pub fn ipv4(src: [u8; 4], dst: [u8; 4], protocol: u8, payload: &[u8]) -> Vec<u8> {
    ipv4_frag(src, dst, protocol, 1, (0, false), payload)
}

pub fn ipv6(src: [u8; 16], dst: [u8; 16], next: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    h.extend_from_slice(&[next, 64]);
    h.extend_from_slice(&src);
    h.extend_from_slice(&dst);
    h.extend_from_slice(payload);
    h
}

/// An IPv6 packet with a fragment header.
pub fn ipv6_frag(
    src: [u8; 16],
    dst: [u8; 16],
    next: u8,
    id: u32,
    fragment: (u16, bool),
    payload: &[u8],
) -> Vec<u8> {
    let mut ext = vec![next, 0];
    ext.extend_from_slice(&(fragment.0 | u16::from(fragment.1)).to_be_bytes());
    ext.extend_from_slice(&id.to_be_bytes());
    ext.extend_from_slice(payload);
    ipv6(src, dst, 44, &ext)
}

pub fn ethernet(ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

pub fn eth_ip4(packet: &[u8]) -> Vec<u8> {
    ethernet(0x0800, packet)
}

/// A UDP response from the IPv4 server, in Ethernet.
pub fn udp4_response(message: &[u8]) -> Vec<u8> {
    eth_ip4(&ipv4(SERVER4, CLIENT4, 17, &udp(53, 40000, message)))
}

/// A TCP segment from the IPv4 server (port 53 → `client_port`), in Ethernet.
pub fn tcp4_from_server(client_port: u16, seq: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    eth_ip4(&ipv4(
        SERVER4,
        CLIENT4,
        6,
        &tcp(53, client_port, seq, flags, payload),
    ))
}

/// A pcap file being built.
pub struct Pcap {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl Pcap {
    pub fn new(link_type: u32) -> Self {
        Self::with(link_type, false, false)
    }

    pub fn with(link_type: u32, nanos: bool, big_endian: bool) -> Self {
        let magic: u32 = if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let mut p = Pcap {
            bytes: Vec::new(),
            big_endian,
        };
        p.u32(magic);
        p.u16(2);
        p.u16(4);
        p.u32(0);
        p.u32(0);
        p.u32(262_144);
        p.u32(link_type);
        p
    }

    fn u32(&mut self, v: u32) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    fn u16(&mut self, v: u16) {
        let b = if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        };
        self.bytes.extend_from_slice(&b);
    }

    /// A record; `fraction` in the file's unit (µs or ns).
    pub fn record(&mut self, sec: u32, fraction: u32, data: &[u8]) -> &mut Self {
        self.u32(sec);
        self.u32(fraction);
        self.u32(data.len() as u32);
        self.u32(data.len() as u32);
        self.bytes.extend_from_slice(data);
        self
    }

    /// A record header claiming `caplen` bytes, with no data after it.
    pub fn bare_header(&mut self, caplen: u32) -> &mut Self {
        self.u32(1);
        self.u32(0);
        self.u32(caplen);
        self.u32(caplen);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
}

/// A pcapng file being built, in either byte order.
#[derive(Default)]
pub struct PcapNg {
    bytes: Vec<u8>,
    big_endian: bool,
}

impl PcapNg {
    pub fn new() -> Self {
        Self::with_order(false)
    }

    pub fn with_order(big_endian: bool) -> Self {
        let mut p = PcapNg {
            bytes: Vec::new(),
            big_endian,
        };
        let mut body = Vec::new();
        body.extend_from_slice(&p.u32(0x1A2B_3C4D));
        body.extend_from_slice(&p.u16(1));
        body.extend_from_slice(&p.u16(0));
        body.extend_from_slice(&[0xff; 8]);
        p.block(0x0A0D_0D0A, &body);
        p
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn block(&mut self, block_type: u32, body: &[u8]) {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let len = self.u32((body.len() + 12) as u32);
        let block_type = self.u32(block_type);
        self.bytes.extend_from_slice(&block_type);
        self.bytes.extend_from_slice(&len);
        self.bytes.extend_from_slice(&body);
        self.bytes.extend_from_slice(&len);
    }

    /// An interface; `tsresol` is the raw option byte (None: default microseconds).
    pub fn interface(&mut self, link_type: u16, tsresol: Option<u8>) -> &mut Self {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u16(link_type));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32(0));
        if let Some(r) = tsresol {
            body.extend_from_slice(&self.u16(9));
            body.extend_from_slice(&self.u16(1));
            body.extend_from_slice(&[r, 0, 0, 0]);
            body.extend_from_slice(&[0, 0, 0, 0]);
        }
        self.block(1, &body);
        self
    }

    /// An enhanced packet block with a raw 64-bit timestamp in interface units.
    pub fn packet(&mut self, interface: u32, ticks: u64, data: &[u8]) -> &mut Self {
        let mut body = Vec::new();
        body.extend_from_slice(&self.u32(interface));
        body.extend_from_slice(&self.u32((ticks >> 32) as u32));
        body.extend_from_slice(&self.u32(ticks as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(data);
        self.block(6, &body);
        self
    }

    /// A simple packet block (interface 0, no timestamp).
    pub fn simple_packet(&mut self, data: &[u8]) -> &mut Self {
        let mut body = self.u32(data.len() as u32).to_vec();
        body.extend_from_slice(data);
        self.block(3, &body);
        self
    }

    /// A block of a type readers should skip.
    pub fn unknown_block(&mut self) -> &mut Self {
        self.block(0x0BAD, b"skip me!");
        self
    }

    /// Starts a new section (interfaces are forgotten).
    pub fn section(&mut self, big_endian: bool) -> &mut Self {
        let next = PcapNg::with_order(big_endian);
        self.bytes.extend_from_slice(&next.bytes);
        self.big_endian = big_endian;
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }
}

/// One emitted message, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub ts_sec: i64,
    pub ts_nanos: u32,
    pub transport: Transport,
    pub payload: Vec<u8>,
}

/// What came out of a capture.
#[derive(Debug)]
pub struct Outcome {
    pub messages: Vec<Message>,
    pub stats: ExtractStats,
    pub error: Option<CaptureError>,
    pub packets: u64,
    /// Largest bytes held by the extractor after any packet.
    pub peak_buffered: usize,
    /// Largest TCP stream count after any packet.
    pub peak_streams: usize,
}

pub fn run_reader(mut reader: CaptureReader, config: ExtractConfig) -> Outcome {
    let mut extractor = DnsExtractor::new(config);
    let mut messages = Vec::new();
    let mut packets = 0;
    let mut peak_buffered = 0;
    let mut peak_streams = 0;
    let mut error = None;
    {
        let mut emit = |m: hark_ingest::extract::DnsMessage<'_>| {
            messages.push(Message {
                ts_sec: m.ts_sec,
                ts_nanos: m.ts_nanos,
                transport: m.transport,
                payload: m.payload.to_vec(),
            })
        };
        loop {
            match reader.next_packet() {
                Ok(Some(packet)) => {
                    packets += 1;
                    extractor.push(&packet, &mut emit);
                    peak_buffered = peak_buffered.max(extractor.buffered_bytes());
                    peak_streams = peak_streams.max(extractor.tcp_streams_in_flight());
                }
                Ok(None) => break,
                Err(err) => {
                    error = Some(err);
                    break;
                }
            }
        }
        assert!(
            matches!(reader.next_packet(), Ok(None)),
            "reader goes on after its end"
        );
        extractor.finish(&mut emit);
    }
    Outcome {
        messages,
        stats: extractor.stats().clone(),
        error,
        packets,
        peak_buffered,
        peak_streams,
    }
}

pub fn run_bytes(bytes: Vec<u8>, config: ExtractConfig) -> Outcome {
    let reader = CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "built.pcap")
        .expect("built capture opens");
    run_reader(reader, config)
}

/// Frames in an Ethernet pcap, one per second, through the default extractor.
pub fn run_frames(frames: &[Vec<u8>]) -> Outcome {
    run_frames_with(frames, unpaired())
}

pub fn run_frames_with(frames: &[Vec<u8>], config: ExtractConfig) -> Outcome {
    let mut pcap = Pcap::new(1);
    for (i, frame) in frames.iter().enumerate() {
        pcap.record(1_700_000_000 + i as u32, 0, frame);
    }
    run_bytes(pcap.bytes(), config)
}

/// The default extraction without pairing: the hand-built captures here hold responses only
/// (they test link layers, reassembly and file formats; pairing has tests of its own).
pub fn unpaired() -> ExtractConfig {
    ExtractConfig {
        pair_responses: false,
        ..ExtractConfig::default()
    }
}
