//! From captured packets to complete DNS messages sent by a DNS server port.
//!
//! [`DnsExtractor::push`] takes one [`Packet`] and emits zero or more [`DnsMessage`]s:
//! link layer ([`crate::link`]) → IPv4/IPv6 (sliced with `etherparse`) → fragments to
//! [`crate::defrag`] → UDP, or TCP to [`crate::tcp`]. Only what comes *from* a server port
//! ([`ExtractConfig::server_ports`], `[53]` by default) is emitted: those are responses.
//! What goes only *to* a server port is a query, counted in [`ExtractStats::queries`] and
//! dropped before any reassembly work (a UDP query is remembered for pairing first); other
//! traffic is counted in [`ExtractStats::ignored`]. When both ports are server ports
//! (server-to-server traffic), the QR bit decides. mDNS (5353) and LLMNR (5355) are not
//! DNS and are ignored unless listed as server ports.
//!
//! Pairing ([`ExtractConfig::pair_responses`], on by default): a UDP response is emitted
//! only if its query was seen ([`crate::pairing`]), and a TCP message only if the client
//! sent data on the same connection; the others are `unpaired_response` skips. Off, every
//! response counts (mirrored one-way traffic).
//!
//! Tunnels are taken apart on the way: GRE (IP protocol 47, or UDP to port 4754; with ERSPAN
//! inside), IP in IP (4 and 41), VXLAN (UDP to 4789) and GENEVE (UDP to 6081), see
//! [`crate::link`]; the
//! inner packet is decoded as if it had been captured on its own, fragments and TCP streams
//! included. At most [`MAX_TUNNELS`] tunnels deep (`encapsulation_too_deep` past that).
//!
//! A message carries the capture time of its packet; for TCP, of the segment that
//! completed it; for a reassembled IP datagram, of its last fragment. The payload is the
//! raw DNS message (no TCP length prefix); UDP payloads shorter than a DNS header are not
//! emitted.
//!
//! Skip reasons counted in [`ExtractStats::skips`]:
//!
//! | reason | what |
//! |---|---|
//! | `unsupported_link_type` | a link type [`crate::link`] does not read |
//! | `truncated_link_header` | a frame shorter than its link header |
//! | `bad_ip_header` | an IP header that does not parse |
//! | `truncated_packet` | IP or UDP says more bytes than were captured |
//! | `bad_udp_header`, `bad_tcp_header` | a transport header that does not parse |
//! | `dns_too_short` | a UDP response shorter than a DNS header (12 bytes) |
//! | `unpaired_response` | a response whose query was not seen (pairing on) |
//! | `encapsulation_too_deep` | more nested tags, labels or tunnels than allowed |
//! | `unsupported_tunnel` | GRE version 1 or with source routing, an ERSPAN frame type other than Ethernet or IP, GENEVE version ≠ 0 |
//! | `pairing_table_full` | a query not remembered for pairing: the table was full of younger queries |
//! | `fragment_overlap`, `fragment_inconsistent`, `fragment_too_big`, `fragments_evicted`, `fragments_timeout`, `fragments_incomplete` | see [`crate::defrag`] |
//! | `tcp_hole`, `tcp_resync`, `tcp_bad_length`, `tcp_incomplete`, `tcp_streams_evicted` | see [`crate::tcp`] |

use etherparse::{Ipv4Slice, Ipv6ExtensionSlice, Ipv6Slice, TcpSlice, UdpSlice};

use crate::capture::Packet;
use crate::defrag::{DefragConfig, Defragmenter, Fragment, FragmentKey};
use crate::link::{self, network_layer, LinkError, Network};
use crate::pairing::{Endpoints, Pairing, PairingConfig};
use crate::stats::ExtractStats;
use crate::tcp::{FlowKey, Segment, TcpConfig, TcpReassembler};

const PROTO_IPIP: u8 = 4;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_IPV6: u8 = 41;
const PROTO_GRE: u8 = 47;
/// How many tunnels (GRE, IP in IP, VXLAN, GENEVE) a packet may be nested in.
pub const MAX_TUNNELS: u8 = 4;
/// Smallest DNS message: the header.
const DNS_HEADER_LEN: usize = 12;

/// How a DNS message travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// One UDP datagram (possibly reassembled from IP fragments).
    Udp,
    /// A length-prefixed message out of a TCP stream.
    Tcp,
}

/// A complete DNS message sent from a server port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsMessage<'a> {
    /// Capture time, seconds since the Unix epoch.
    pub ts_sec: i64,
    /// Capture time, nanoseconds within the second.
    pub ts_nanos: u32,
    /// UDP or TCP.
    pub transport: Transport,
    /// The address it came from (the server): IPv4 in the first 4 bytes, the rest zero.
    pub server: [u8; 16],
    /// The DNS message, from its header on.
    pub payload: &'a [u8],
}

/// What counts as DNS and how much state reassembly may keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractConfig {
    /// Ports DNS servers answer from. Default `[53]`.
    pub server_ports: Vec<u16>,
    /// Bytes held by partial IP datagrams; the datagrams in flight are capped at one per
    /// 256 bytes of this (at least 16). Default 4 MiB.
    pub max_fragment_bytes: usize,
    /// Capture-time seconds a fragmented datagram may take to complete. Default 30.
    pub fragment_timeout_secs: u32,
    /// TCP streams tracked at once. Default 65,536.
    pub max_tcp_streams: usize,
    /// Bytes held per TCP stream; at least 65,537 lets any message complete. Default
    /// 256 KiB. All streams together hold at most the larger of 256 MiB and 4 streams' worth.
    pub max_tcp_stream_bytes: usize,
    /// Capture-time seconds after which an idle TCP stream is closed. Default 120.
    pub tcp_idle_timeout_secs: u32,
    /// Emit a response only if its query was seen ([`crate::pairing`]). Default true; false
    /// for mirrored one-way traffic (`--unpaired`).
    pub pair_responses: bool,
    /// Limits of the table of queries waiting for their answer.
    pub pairing: PairingConfig,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        let tcp = TcpConfig::default();
        ExtractConfig {
            server_ports: vec![53],
            max_fragment_bytes: DefragConfig::default().max_bytes,
            fragment_timeout_secs: DefragConfig::default().timeout_secs,
            max_tcp_streams: tcp.max_streams,
            max_tcp_stream_bytes: tcp.max_stream_bytes,
            tcp_idle_timeout_secs: tcp.idle_timeout_secs,
            pair_responses: true,
            pairing: PairingConfig::default(),
        }
    }
}

/// A set of ports, one bit each.
#[derive(Debug, Clone)]
struct PortSet {
    bits: Box<[u64; 1024]>,
}

impl PortSet {
    fn new(ports: &[u16]) -> Self {
        let mut bits = Box::new([0u64; 1024]);
        for &port in ports {
            if let Some(word) = bits.get_mut(usize::from(port >> 6)) {
                *word |= 1 << (port & 63);
            }
        }
        PortSet { bits }
    }

    #[inline]
    fn contains(&self, port: u16) -> bool {
        self.bits
            .get(usize::from(port >> 6))
            .is_some_and(|word| word & (1 << (port & 63)) != 0)
    }
}

/// Addresses of one packet, IPv4 in the first 4 bytes.
#[derive(Debug, Clone, Copy)]
struct Addresses {
    src: [u8; 16],
    dst: [u8; 16],
}

fn widen(v4: [u8; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    if let Some(head) = out.get_mut(..4) {
        head.copy_from_slice(&v4);
    }
    out
}

fn ports_of(l4: &[u8]) -> Option<(u16, u16)> {
    let source = u16::from_be_bytes([*l4.first()?, *l4.get(1)?]);
    let destination = u16::from_be_bytes([*l4.get(2)?, *l4.get(3)?]);
    Some((source, destination))
}

/// Turns packets into DNS messages; keeps the IP and TCP reassembly state between them.
#[derive(Debug)]
pub struct DnsExtractor {
    config: ExtractConfig,
    ports: PortSet,
    defrag: Defragmenter,
    tcp: TcpReassembler,
    pairing: Option<Pairing>,
    stats: ExtractStats,
}

impl DnsExtractor {
    /// An extractor with the given configuration.
    pub fn new(config: ExtractConfig) -> Self {
        let defrag = DefragConfig {
            max_bytes: config.max_fragment_bytes,
            max_datagrams: (config.max_fragment_bytes / 256).max(16),
            timeout_secs: config.fragment_timeout_secs,
        };
        let tcp = TcpConfig {
            max_streams: config.max_tcp_streams,
            max_stream_bytes: config.max_tcp_stream_bytes,
            max_total_bytes: (256 * 1024 * 1024).max(config.max_tcp_stream_bytes.saturating_mul(4)),
            idle_timeout_secs: config.tcp_idle_timeout_secs,
            require_query: config.pair_responses,
        };
        DnsExtractor {
            ports: PortSet::new(&config.server_ports),
            defrag: Defragmenter::new(defrag),
            tcp: TcpReassembler::new(tcp),
            pairing: config.pair_responses.then(|| Pairing::new(config.pairing)),
            stats: ExtractStats::default(),
            config,
        }
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &ExtractConfig {
        &self.config
    }

    /// The counters so far.
    pub fn stats(&self) -> &ExtractStats {
        &self.stats
    }

    /// The pairing table, when pairing is on.
    pub fn pairing(&self) -> Option<&Pairing> {
        self.pairing.as_ref()
    }

    /// TCP streams tracked now.
    pub fn tcp_streams_in_flight(&self) -> usize {
        self.tcp.streams()
    }

    /// Bytes held by TCP streams and partial IP datagrams now.
    pub fn buffered_bytes(&self) -> usize {
        self.tcp.buffered_bytes() + self.defrag.buffered_bytes()
    }

    /// Takes one packet; emits each DNS message it completes.
    pub fn push(&mut self, packet: &Packet<'_>, emit: &mut dyn FnMut(DnsMessage<'_>)) {
        self.stats.packets += 1;
        let ts = (packet.ts_sec, packet.ts_nanos);
        self.network(network_layer(packet.link_type, packet.data), ts, 0, emit);
    }

    /// The IP packet found under a link layer or inside a tunnel `depth` deep.
    fn network(
        &mut self,
        found: Result<Network<'_>, LinkError>,
        ts: (i64, u32),
        depth: u8,
        emit: &mut dyn FnMut(DnsMessage<'_>),
    ) {
        match found {
            Ok(Network::Ipv4(ip)) => self.ipv4(ip, ts, depth, emit),
            Ok(Network::Ipv6(ip)) => self.ipv6(ip, ts, depth, emit),
            Err(LinkError::NotIp) => self.stats.ignored += 1,
            Err(err) => self.stats.skips.add(err.reason()),
        }
    }

    /// The packet inside a tunnel whose outer packet was `depth` tunnels deep.
    fn tunnel(
        &mut self,
        found: Result<Network<'_>, LinkError>,
        ts: (i64, u32),
        depth: u8,
        emit: &mut dyn FnMut(DnsMessage<'_>),
    ) {
        if depth >= MAX_TUNNELS {
            self.stats.skips.add(LinkError::TooDeep.reason());
            return;
        }
        self.stats.tunnelled += 1;
        self.network(found, ts, depth + 1, emit);
    }

    /// The payload `l4` of an IP datagram of `protocol`: a tunnel, UDP or TCP.
    #[allow(clippy::too_many_arguments)]
    fn l4(
        &mut self,
        protocol: u8,
        addresses: Addresses,
        l4: &[u8],
        ts: (i64, u32),
        depth: u8,
        emit: &mut dyn FnMut(DnsMessage<'_>),
    ) {
        match tunnel_kind(&self.ports, protocol, l4) {
            Some(Tunnel::Gre) => self.tunnel(link::gre(l4), ts, depth, emit),
            Some(Tunnel::Ipv4) => self.tunnel(Ok(Network::Ipv4(l4)), ts, depth, emit),
            Some(Tunnel::Ipv6) => self.tunnel(Ok(Network::Ipv6(l4)), ts, depth, emit),
            Some(kind @ (Tunnel::Vxlan | Tunnel::Geneve | Tunnel::GreUdp)) => {
                match UdpSlice::from_slice(l4) {
                    Ok(udp) => {
                        let inner = match kind {
                            Tunnel::Vxlan => link::vxlan(udp.payload()),
                            Tunnel::Geneve => link::geneve(udp.payload()),
                            _ => link::gre(udp.payload()),
                        };
                        self.tunnel(inner, ts, depth, emit);
                    }
                    Err(_) => self.stats.skips.add("truncated_packet"),
                }
            }
            None => {
                let Self {
                    ports,
                    tcp,
                    stats,
                    pairing,
                    ..
                } = self;
                transport(
                    ports, tcp, pairing, stats, protocol, addresses, l4, ts, emit,
                );
            }
        }
    }

    /// End of input: completes what can be (TCP data after unfilled gaps) and counts the rest.
    pub fn finish(&mut self, emit: &mut dyn FnMut(DnsMessage<'_>)) {
        self.defrag.finish(&mut self.stats.skips);
        let Self { tcp, stats, .. } = self;
        let mut messages = 0u64;
        tcp.finish(stats, &mut |payload, ts_sec, ts_nanos, server| {
            messages += 1;
            emit(DnsMessage {
                ts_sec,
                ts_nanos,
                transport: Transport::Tcp,
                server: *server,
                payload,
            });
        });
        stats.tcp_messages += messages;
    }

    fn ipv4(&mut self, ip: &[u8], ts: (i64, u32), depth: u8, emit: &mut dyn FnMut(DnsMessage<'_>)) {
        let slice = match Ipv4Slice::from_slice(ip) {
            Ok(slice) => slice,
            Err(etherparse::err::ipv4::SliceError::Len(_)) => {
                self.stats.skips.add("truncated_packet");
                return;
            }
            Err(_) => {
                self.stats.skips.add("bad_ip_header");
                return;
            }
        };
        let header = slice.header();
        let protocol = header.protocol().0;
        if !carried(protocol) {
            self.stats.ignored += 1;
            return;
        }
        let addresses = Addresses {
            src: widen(header.source()),
            dst: widen(header.destination()),
        };
        let payload = slice.payload().payload;
        if header.is_fragmenting_payload() {
            let key = FragmentKey {
                src: addresses.src,
                dst: addresses.dst,
                id: u32::from(header.identification()),
                protocol,
                ipv6: false,
            };
            let fragment = Fragment {
                offset: u32::from(header.fragments_offset().value()) * 8,
                more: header.more_fragments(),
                payload,
            };
            self.fragment(key, fragment, addresses, ts, depth, emit);
        } else {
            self.l4(protocol, addresses, payload, ts, depth, emit);
        }
    }

    fn ipv6(&mut self, ip: &[u8], ts: (i64, u32), depth: u8, emit: &mut dyn FnMut(DnsMessage<'_>)) {
        let slice = match Ipv6Slice::from_slice(ip) {
            Ok(slice) => slice,
            Err(etherparse::err::ipv6::SliceError::Len(_)) => {
                self.stats.skips.add("truncated_packet");
                return;
            }
            Err(_) => {
                self.stats.skips.add("bad_ip_header");
                return;
            }
        };
        let payload = slice.payload();
        let protocol = payload.ip_number.0;
        if !carried(protocol) {
            self.stats.ignored += 1;
            return;
        }
        let header = slice.header();
        let addresses = Addresses {
            src: header.source(),
            dst: header.destination(),
        };
        if payload.fragmented {
            let fragment_header =
                slice
                    .extensions()
                    .clone()
                    .into_iter()
                    .find_map(|ext| match ext {
                        Ipv6ExtensionSlice::Fragment(f) => Some(f),
                        _ => None,
                    });
            let Some(fragment_header) = fragment_header else {
                self.stats.skips.add("bad_ip_header");
                return;
            };
            let key = FragmentKey {
                src: addresses.src,
                dst: addresses.dst,
                id: fragment_header.identification(),
                protocol,
                ipv6: true,
            };
            let fragment = Fragment {
                offset: u32::from(fragment_header.fragment_offset().value()) * 8,
                more: fragment_header.more_fragments(),
                payload: payload.payload,
            };
            self.fragment(key, fragment, addresses, ts, depth, emit);
        } else {
            self.l4(protocol, addresses, payload.payload, ts, depth, emit);
        }
    }

    fn fragment(
        &mut self,
        key: FragmentKey,
        fragment: Fragment<'_>,
        addresses: Addresses,
        ts: (i64, u32),
        depth: u8,
        emit: &mut dyn FnMut(DnsMessage<'_>),
    ) {
        let Self {
            ports,
            defrag,
            tcp,
            pairing,
            stats,
            ..
        } = self;
        stats.fragments += 1;
        let Some(datagram) = defrag.add(key, fragment, ts.0, &mut stats.skips) else {
            return;
        };
        stats.reassembled += 1;
        if tunnel_kind(ports, key.protocol, datagram).is_some() {
            // The inner packet may itself be a fragment, and the reassembly buffer is
            // needed for it: a (rare) fragmented tunnel packet is copied out first.
            let owned = datagram.to_vec();
            self.l4(key.protocol, addresses, &owned, ts, depth, emit);
        } else {
            transport(
                ports,
                tcp,
                pairing,
                stats,
                key.protocol,
                addresses,
                datagram,
                ts,
                emit,
            );
        }
    }
}

/// IP protocols worth a look: UDP, TCP and the tunnels.
fn carried(protocol: u8) -> bool {
    matches!(
        protocol,
        PROTO_UDP | PROTO_TCP | PROTO_GRE | PROTO_IPIP | PROTO_IPV6
    )
}

/// A tunnel the extractor takes apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tunnel {
    Gre,
    Ipv4,
    Ipv6,
    Vxlan,
    Geneve,
    GreUdp,
}

/// The tunnel an IP payload of `protocol` is, if any. A UDP datagram from a DNS server port
/// is DNS whatever its destination: a client may have drawn 4789 as its own port.
#[inline]
fn tunnel_kind(ports: &PortSet, protocol: u8, l4: &[u8]) -> Option<Tunnel> {
    match protocol {
        PROTO_UDP => match ports_of(l4) {
            Some((source, _)) if ports.contains(source) => None,
            Some((_, link::VXLAN_PORT)) => Some(Tunnel::Vxlan),
            Some((_, link::GENEVE_PORT)) => Some(Tunnel::Geneve),
            Some((_, link::GRE_UDP_PORT)) => Some(Tunnel::GreUdp),
            _ => None,
        },
        PROTO_TCP => None,
        PROTO_GRE => Some(Tunnel::Gre),
        PROTO_IPIP => Some(Tunnel::Ipv4),
        PROTO_IPV6 => Some(Tunnel::Ipv6),
        _ => None,
    }
}

/// UDP or TCP payload `l4` of one (possibly reassembled) IP datagram.
#[allow(clippy::too_many_arguments)]
fn transport(
    ports: &PortSet,
    tcp: &mut TcpReassembler,
    pairing: &mut Option<Pairing>,
    stats: &mut ExtractStats,
    protocol: u8,
    addresses: Addresses,
    l4: &[u8],
    ts: (i64, u32),
    emit: &mut dyn FnMut(DnsMessage<'_>),
) {
    let Some((source, destination)) = ports_of(l4) else {
        let reason = if protocol == PROTO_UDP {
            "bad_udp_header"
        } else {
            "bad_tcp_header"
        };
        stats.skips.add(reason);
        return;
    };
    let from_server = ports.contains(source);
    let to_server = ports.contains(destination);
    if protocol == PROTO_UDP {
        let endpoints = Endpoints {
            src: &addresses.src,
            dst: &addresses.dst,
            src_port: source,
            dst_port: destination,
        };
        if !from_server {
            if to_server {
                stats.queries += 1;
                if let (Some(pairing), Ok(udp)) = (pairing.as_mut(), UdpSlice::from_slice(l4)) {
                    remember(pairing, stats, endpoints, udp.payload(), ts.0);
                }
            } else {
                stats.ignored += 1;
            }
            return;
        }
        let udp = match UdpSlice::from_slice(l4) {
            Ok(udp) => udp,
            Err(_) => {
                stats.skips.add("truncated_packet");
                return;
            }
        };
        let payload = udp.payload();
        if to_server && payload.get(2).is_some_and(|flags| flags & 0x80 == 0) {
            stats.queries += 1;
            if let Some(pairing) = pairing.as_mut() {
                remember(pairing, stats, endpoints, payload, ts.0);
            }
            return;
        }
        if payload.len() < DNS_HEADER_LEN {
            stats.skips.add("dns_too_short");
            return;
        }
        if let Some(pairing) = pairing.as_mut() {
            if !pairing.response(endpoints, payload, ts.0) {
                stats.skips.add("unpaired_response");
                return;
            }
        }
        stats.udp_messages += 1;
        emit(DnsMessage {
            ts_sec: ts.0,
            ts_nanos: ts.1,
            transport: Transport::Udp,
            server: addresses.src,
            payload,
        });
        return;
    }
    if !from_server && !to_server {
        stats.ignored += 1;
        return;
    }
    let segment = match TcpSlice::from_slice(l4) {
        Ok(segment) => segment,
        Err(_) => {
            stats.skips.add("bad_tcp_header");
            return;
        }
    };
    let key = FlowKey {
        src: addresses.src,
        dst: addresses.dst,
        src_port: source,
        dst_port: destination,
    };
    let mut messages = 0u64;
    let mut sink = |payload: &[u8], ts_sec: i64, ts_nanos: u32, server: &[u8; 16]| {
        messages += 1;
        emit(DnsMessage {
            ts_sec,
            ts_nanos,
            transport: Transport::Tcp,
            server: *server,
            payload,
        });
    };
    if !from_server {
        if !segment.payload().is_empty() {
            stats.queries += 1;
            tcp.note_query(&key.reversed());
        }
        if segment.rst() {
            tcp.reset(&key.reversed(), ts.0, ts.1, stats, &mut sink);
        }
    } else {
        let parts = Segment {
            seq: segment.sequence_number(),
            syn: segment.syn(),
            fin: segment.fin(),
            rst: segment.rst(),
            payload: segment.payload(),
            ts_sec: ts.0,
            ts_nanos: ts.1,
        };
        tcp.segment(key, &parts, to_server, stats, &mut sink);
    }
    stats.tcp_messages += messages;
}

/// Remembers a UDP query for pairing, counting a query the full table could not take.
fn remember(
    pairing: &mut Pairing,
    stats: &mut ExtractStats,
    endpoints: Endpoints<'_>,
    query: &[u8],
    now: i64,
) {
    let refused = pairing.table_full();
    pairing.query(endpoints, query, now);
    if pairing.table_full() > refused {
        stats.skips.add("pairing_table_full");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_set() {
        let set = PortSet::new(&[53, 5353, 65535, 0]);
        assert!(set.contains(53) && set.contains(5353) && set.contains(65535) && set.contains(0));
        assert!(!set.contains(54) && !set.contains(5355));
    }

    #[test]
    fn defaults_are_bounded() {
        let c = ExtractConfig::default();
        assert_eq!(c.server_ports, vec![53]);
        assert!(c.max_tcp_stream_bytes >= 65_537);
        assert!(c.max_fragment_bytes > 0 && c.max_tcp_streams > 0);
    }
}
