//! Link layers: from a captured frame to the IPv4 or IPv6 packet inside it.
//!
//! Supported link types ([`LinkType`]): Ethernet with any stack of 802.1Q / 802.1ad / QinQ
//! tags (`0x8100`, `0x88a8`, `0x9100`, `0x9200`), Linux cooked capture v1 and v2, raw IP
//! (101, and 12 / 14 as libpcap maps `DLT_RAW`), IPv4 and IPv6 link types, and the BSD
//! loopback headers (`NULL`, where the family word is in the capturing host's byte order,
//! and OpenBSD `LOOP`); the family word is accepted in either byte order, with IPv6 as
//! 24, 28 or 30 (NetBSD/OpenBSD, FreeBSD, macOS). The layouts are fixed-offset, so they
//! are read directly rather than through `etherparse` (which has no SLL2 or loopback).
//!
//! Below the link header, the encapsulations that mirror ports and ISP links add are
//! followed, in any order and nesting, by ethertype ([`by_ethertype`]):
//!
//! | ethertype | what | layout |
//! |---|---|---|
//! | `0x8100`, `0x88a8`, `0x9100`, `0x9200` | 802.1Q / 802.1ad / QinQ tag | 4 bytes: TCI, next ethertype |
//! | `0x8864` | PPPoE session (RFC 2516) | 6-byte header, then a PPP protocol: `0x0021` IPv4, `0x0057` IPv6 |
//! | `0x8847`, `0x8848` | MPLS label stack (RFC 3032) | 4 bytes a label up to the bottom-of-stack bit; then IPv4 or IPv6 by version nibble, or (nibble 0) a pseudowire control word and an Ethernet frame |
//! | `0x6558` | transparent Ethernet bridging (GRE, GENEVE) | an Ethernet frame |
//!
//! The tunnels found above IP are decoded here too and followed by [`crate::extract`]:
//! [`gre`] (RFC 2784/2890: checksum, key and sequence fields; ERSPAN type I, II and III
//! inside it; also over UDP 4754, RFC 8086), [`vxlan`] (RFC 7348, UDP 4789) and [`geneve`]
//! (RFC 8926, UDP 6081). Every
//! layer followed counts towards [`MAX_LAYERS`]; a frame nested deeper is
//! [`LinkError::TooDeep`], a counted skip.

/// A LINKTYPE number, as found in pcap and pcapng headers. Unknown values pass through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    /// BSD loopback: a 4-byte address family in the capturing host's byte order.
    pub const NULL: LinkType = LinkType(0);
    /// Ethernet II (with optional VLAN tags).
    pub const ETHERNET: LinkType = LinkType(1);
    /// `DLT_RAW` as most platforms number it: raw IPv4 or IPv6.
    pub const RAW_DLT12: LinkType = LinkType(12);
    /// `DLT_RAW` as OpenBSD numbers it: raw IPv4 or IPv6.
    pub const RAW_DLT14: LinkType = LinkType(14);
    /// Raw IPv4 or IPv6 (LINKTYPE_RAW).
    pub const RAW: LinkType = LinkType(101);
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    pub const LOOP: LinkType = LinkType(108);
    /// Linux cooked capture v1 (16-byte header).
    pub const LINUX_SLL: LinkType = LinkType(113);
    /// Raw IPv4 only.
    pub const IPV4: LinkType = LinkType(228);
    /// Raw IPv6 only.
    pub const IPV6: LinkType = LinkType(229);
    /// Linux cooked capture v2 (20-byte header).
    pub const LINUX_SLL2: LinkType = LinkType(276);
}

/// The network-layer packet found inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    /// An IPv4 packet, from its header on (may carry trailing link padding).
    Ipv4(&'a [u8]),
    /// An IPv6 packet, from its header on (may carry trailing link padding).
    Ipv6(&'a [u8]),
}

/// Why no IP packet came out of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// The link type is not one this module reads.
    UnsupportedLinkType,
    /// The frame is shorter than its link header.
    Truncated,
    /// The frame carries something other than IP (ARP, LLC, ...).
    NotIp,
    /// More nested layers (tags, labels, tunnels) than [`MAX_LAYERS`].
    TooDeep,
    /// A tunnel header this module does not read (GRE version 1 or source routing, an
    /// ERSPAN frame type other than Ethernet or IP, a GENEVE version other than 0).
    UnsupportedTunnel,
}

impl LinkError {
    /// The skip reason for this error (`snake_case`).
    pub fn reason(self) -> &'static str {
        match self {
            LinkError::UnsupportedLinkType => "unsupported_link_type",
            LinkError::Truncated => "truncated_link_header",
            LinkError::NotIp => "not_ip",
            LinkError::TooDeep => "encapsulation_too_deep",
            LinkError::UnsupportedTunnel => "unsupported_tunnel",
        }
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_TEB: u16 = 0x6558;
const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
const ETHERTYPE_MPLS: u16 = 0x8847;
const ETHERTYPE_MPLS_MULTICAST: u16 = 0x8848;
const GRE_ERSPAN_2: u16 = 0x88BE;
const GRE_ERSPAN_3: u16 = 0x22EB;
const PPP_IPV4: u16 = 0x0021;
const PPP_IPV6: u16 = 0x0057;
/// How many nested layers below the link header (VLAN tags, PPPoE, MPLS labels, bridged
/// Ethernet) one frame may have, and how many tunnels (GRE, VXLAN, GENEVE, IP in IP) a
/// packet may be nested in ([`crate::extract`]).
pub const MAX_LAYERS: usize = 16;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at + 2)?;
    Some(u16::from_be_bytes([*pair.first()?, *pair.get(1)?]))
}

/// Finds the IP packet inside a frame of the given link type.
pub fn network_layer(link_type: u32, frame: &[u8]) -> Result<Network<'_>, LinkError> {
    match LinkType(link_type) {
        LinkType::ETHERNET => ethernet(frame),
        LinkType::LINUX_SLL => {
            let protocol = u16_at(frame, 14).ok_or(LinkError::Truncated)?;
            by_ethertype(protocol, frame.get(16..).unwrap_or_default())
        }
        LinkType::LINUX_SLL2 => {
            if frame.len() < 20 {
                return Err(LinkError::Truncated);
            }
            let protocol = u16_at(frame, 0).ok_or(LinkError::Truncated)?;
            by_ethertype(protocol, frame.get(20..).unwrap_or_default())
        }
        LinkType::RAW | LinkType::RAW_DLT12 | LinkType::RAW_DLT14 => by_version(frame),
        LinkType::IPV4 => Ok(Network::Ipv4(frame)),
        LinkType::IPV6 => Ok(Network::Ipv6(frame)),
        LinkType::NULL | LinkType::LOOP => {
            let word: [u8; 4] = frame
                .get(..4)
                .and_then(|w| w.try_into().ok())
                .ok_or(LinkError::Truncated)?;
            let mut family = u32::from_le_bytes(word);
            if family > 0xFFFF {
                family = u32::from_be_bytes(word);
            }
            let rest = frame.get(4..).unwrap_or_default();
            match family {
                2 => Ok(Network::Ipv4(rest)),
                24 | 28 | 30 => Ok(Network::Ipv6(rest)),
                _ => Err(LinkError::NotIp),
            }
        }
        _ => Err(LinkError::UnsupportedLinkType),
    }
}

/// Raw IP: the version nibble says which.
fn by_version(packet: &[u8]) -> Result<Network<'_>, LinkError> {
    match packet.first().map(|b| b >> 4) {
        Some(4) => Ok(Network::Ipv4(packet)),
        Some(6) => Ok(Network::Ipv6(packet)),
        Some(_) => Err(LinkError::NotIp),
        None => Err(LinkError::Truncated),
    }
}

/// The IP packet inside an Ethernet frame (after its two addresses, the ethertype).
pub fn ethernet(frame: &[u8]) -> Result<Network<'_>, LinkError> {
    let ethertype = u16_at(frame, 12).ok_or(LinkError::Truncated)?;
    by_ethertype(ethertype, frame.get(14..).unwrap_or_default())
}

/// Follows VLAN tags, PPPoE, MPLS labels and bridged Ethernet from `ethertype` (the type of
/// `rest`) to the IP packet, through at most [`MAX_LAYERS`] layers.
pub fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<Network<'_>, LinkError> {
    for _ in 0..=MAX_LAYERS {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok(Network::Ipv4(rest)),
            ETHERTYPE_IPV6 => return Ok(Network::Ipv6(rest)),
            0x8100 | 0x88a8 | 0x9100 | 0x9200 => {
                ethertype = u16_at(rest, 2).ok_or(LinkError::Truncated)?;
                rest = rest.get(4..).unwrap_or_default();
            }
            ETHERTYPE_TEB => {
                ethertype = u16_at(rest, 12).ok_or(LinkError::Truncated)?;
                rest = rest.get(14..).unwrap_or_default();
            }
            ETHERTYPE_PPPOE_SESSION => {
                // version/type, code (0 in a session), session id, payload length.
                if rest.len() < 8 {
                    return Err(LinkError::Truncated);
                }
                let (protocol, skip) = ppp_protocol(rest.get(6..).unwrap_or_default())?;
                rest = rest.get(6 + skip..).unwrap_or_default();
                ethertype = match protocol {
                    PPP_IPV4 => ETHERTYPE_IPV4,
                    PPP_IPV6 => ETHERTYPE_IPV6,
                    _ => return Err(LinkError::NotIp),
                };
            }
            ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTICAST => {
                let entry = rest.get(..4).ok_or(LinkError::Truncated)?;
                rest = rest.get(4..).unwrap_or_default();
                let bottom = entry.get(2).is_some_and(|b| b & 1 == 1);
                if bottom {
                    match rest.first().map(|b| b >> 4) {
                        Some(4) => ethertype = ETHERTYPE_IPV4,
                        Some(6) => ethertype = ETHERTYPE_IPV6,
                        // A pseudowire control word, then the emulated Ethernet frame.
                        Some(0) => {
                            ethertype = ETHERTYPE_TEB;
                            rest = rest.get(4..).ok_or(LinkError::Truncated)?;
                        }
                        Some(_) => return Err(LinkError::NotIp),
                        None => return Err(LinkError::Truncated),
                    }
                }
            }
            _ => return Err(LinkError::NotIp),
        }
    }
    Err(LinkError::TooDeep)
}

/// The PPP protocol field at the start of `ppp` and its length: 2 bytes, or 1 when
/// compressed (RFC 1661 §6.5: an odd first byte).
fn ppp_protocol(ppp: &[u8]) -> Result<(u16, usize), LinkError> {
    let first = *ppp.first().ok_or(LinkError::Truncated)?;
    if first & 1 == 1 {
        return Ok((u16::from(first), 1));
    }
    Ok((u16_at(ppp, 0).ok_or(LinkError::Truncated)?, 2))
}

/// The packet inside a GRE packet (RFC 2784, with RFC 2890's key and sequence number):
/// IP, or whatever [`by_ethertype`] follows; ERSPAN type I (`0x88BE` without a sequence
/// number), II (`0x88BE` with one, an 8-byte header) and III (`0x22EB`, a 12-byte header
/// and an optional 8-byte platform subheader) carry a mirrored Ethernet frame.
pub fn gre(packet: &[u8]) -> Result<Network<'_>, LinkError> {
    let flags = u16_at(packet, 0).ok_or(LinkError::Truncated)?;
    let protocol = u16_at(packet, 2).ok_or(LinkError::Truncated)?;
    let (checksum, routing, key, sequence) = (
        flags & 0x8000 != 0,
        flags & 0x4000 != 0,
        flags & 0x2000 != 0,
        flags & 0x1000 != 0,
    );
    if flags & 0x0007 != 0 || routing {
        return Err(LinkError::UnsupportedTunnel);
    }
    let header = 4 + 4 * (usize::from(checksum) + usize::from(key) + usize::from(sequence));
    let rest = packet.get(header..).ok_or(LinkError::Truncated)?;
    match protocol {
        GRE_ERSPAN_2 if sequence => ethernet(rest.get(8..).ok_or(LinkError::Truncated)?),
        GRE_ERSPAN_2 => ethernet(rest),
        GRE_ERSPAN_3 => {
            let word = u16_at(rest, 10).ok_or(LinkError::Truncated)?;
            let frame_type = (word >> 10) & 0x1f;
            let subheader = if word & 1 == 1 { 8 } else { 0 };
            let inner = rest.get(12 + subheader..).ok_or(LinkError::Truncated)?;
            match frame_type {
                0 => ethernet(inner),
                2 => by_version(inner),
                _ => Err(LinkError::UnsupportedTunnel),
            }
        }
        _ => by_ethertype(protocol, rest),
    }
}

/// The UDP destination port of VXLAN.
pub const VXLAN_PORT: u16 = 4789;
/// The UDP destination port of GENEVE.
pub const GENEVE_PORT: u16 = 6081;
/// The UDP destination port of GRE-in-UDP (RFC 8086): the UDP payload is a GRE packet.
pub const GRE_UDP_PORT: u16 = 4754;

/// The packet inside a VXLAN payload (RFC 7348): an 8-byte header, then an Ethernet frame.
pub fn vxlan(payload: &[u8]) -> Result<Network<'_>, LinkError> {
    ethernet(payload.get(8..).ok_or(LinkError::Truncated)?)
}

/// The packet inside a GENEVE payload (RFC 8926): an 8-byte header and its options, then
/// the protocol its header names (bridged Ethernet `0x6558`, or IP).
pub fn geneve(payload: &[u8]) -> Result<Network<'_>, LinkError> {
    let first = *payload.first().ok_or(LinkError::Truncated)?;
    if first >> 6 != 0 {
        return Err(LinkError::UnsupportedTunnel);
    }
    let options = usize::from(first & 0x3f) * 4;
    let protocol = u16_at(payload, 2).ok_or(LinkError::Truncated)?;
    let rest = payload.get(8 + options..).ok_or(LinkError::Truncated)?;
    by_ethertype(protocol, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP4: &[u8] = &[0x45, 0, 0, 20];
    const IP6: &[u8] = &[0x60, 0, 0, 0];

    #[test]
    fn ethernet_with_stacked_tags() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x88, 0xa8, 0, 1, 0x81, 0x00, 0, 2, 0x08, 0x00]);
        frame.extend_from_slice(IP4);
        assert_eq!(network_layer(1, &frame), Ok(Network::Ipv4(IP4)));
    }

    #[test]
    fn ethernet_arp_is_not_ip() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x06, 0, 1]);
        assert_eq!(network_layer(1, &frame), Err(LinkError::NotIp));
    }

    #[test]
    fn vlan_tag_cut_short_is_truncated() {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x81, 0x00, 0]);
        assert_eq!(network_layer(1, &frame), Err(LinkError::Truncated));
    }

    #[test]
    fn too_many_tags_is_too_deep() {
        let mut frame = vec![0u8; 12];
        for _ in 0..20 {
            frame.extend_from_slice(&[0x81, 0x00, 0, 0]);
        }
        assert_eq!(network_layer(1, &frame), Err(LinkError::TooDeep));
        assert_eq!(LinkError::TooDeep.reason(), "encapsulation_too_deep");
    }

    #[test]
    fn pppoe_session_in_qinq() {
        let mut frame = vec![0u8; 12];
        // 802.1ad, 802.1Q, PPPoE session (ver/type 0x11, code 0, session 0x0001, length 6)
        frame.extend_from_slice(&[0x88, 0xa8, 0, 10, 0x81, 0x00, 0, 20, 0x88, 0x64]);
        frame.extend_from_slice(&[0x11, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x21]);
        frame.extend_from_slice(IP4);
        assert_eq!(network_layer(1, &frame), Ok(Network::Ipv4(IP4)));
        // PPP IPv6, and a compressed protocol field
        let v6 = [&[0x11, 0, 0, 1, 0, 6, 0x00, 0x57][..], IP6].concat();
        assert_eq!(by_ethertype(0x8864, &v6), Ok(Network::Ipv6(IP6)));
        let short = [&[0x11, 0, 0, 1, 0, 5, 0x21][..], IP4].concat();
        assert_eq!(by_ethertype(0x8864, &short), Ok(Network::Ipv4(IP4)));
        // LCP is not IP; a header cut short is truncated
        assert_eq!(
            by_ethertype(0x8864, &[0x11, 0, 0, 1, 0, 2, 0xc0, 0x21]),
            Err(LinkError::NotIp)
        );
        assert_eq!(
            by_ethertype(0x8864, &[0x11, 0, 0]),
            Err(LinkError::Truncated)
        );
    }

    #[test]
    fn mpls_stacks() {
        // two labels, the second at the bottom of the stack, then IPv4
        let two = [&[0, 0x01, 0x00, 0x40, 0, 0x02, 0x01, 0x40][..], IP4].concat();
        assert_eq!(by_ethertype(0x8847, &two), Ok(Network::Ipv4(IP4)));
        let v6 = [&[0, 0x01, 0x01, 0x40][..], IP6].concat();
        assert_eq!(by_ethertype(0x8848, &v6), Ok(Network::Ipv6(IP6)));
        // a pseudowire: control word, then an Ethernet frame
        let mut pw = vec![0, 0x01, 0x01, 0x40, 0, 0, 0, 0];
        pw.extend_from_slice(&[0u8; 12]);
        pw.extend_from_slice(&[0x86, 0xdd]);
        pw.extend_from_slice(IP6);
        assert_eq!(by_ethertype(0x8847, &pw), Ok(Network::Ipv6(IP6)));
        // a stack with no bottom
        let endless = [0u8, 1, 0, 0x40].repeat(40);
        assert_eq!(by_ethertype(0x8847, &endless), Err(LinkError::TooDeep));
        assert_eq!(by_ethertype(0x8847, &[0, 1]), Err(LinkError::Truncated));
    }

    #[test]
    fn gre_headers() {
        // plain GRE carrying IPv4
        let plain = [&[0u8, 0, 0x08, 0x00][..], IP4].concat();
        assert_eq!(gre(&plain), Ok(Network::Ipv4(IP4)));
        // checksum, key and sequence number present: 12 more bytes
        let mut full = vec![0xb0, 0x00, 0x86, 0xdd];
        full.extend_from_slice(&[0u8; 12]);
        full.extend_from_slice(IP6);
        assert_eq!(gre(&full), Ok(Network::Ipv6(IP6)));
        // transparent Ethernet bridging with a key
        let mut teb = vec![0x20, 0x00, 0x65, 0x58, 0, 0, 0, 7];
        teb.extend_from_slice(&[0u8; 12]);
        teb.extend_from_slice(&[0x08, 0x00]);
        teb.extend_from_slice(IP4);
        assert_eq!(gre(&teb), Ok(Network::Ipv4(IP4)));
        // version 1 (PPTP) and source routing are not read
        assert_eq!(
            gre(&[0x30, 0x81, 0x88, 0x0b]),
            Err(LinkError::UnsupportedTunnel)
        );
        assert_eq!(
            gre(&[0x40, 0x00, 0x08, 0x00]),
            Err(LinkError::UnsupportedTunnel)
        );
        assert_eq!(gre(&[0x00, 0x00]), Err(LinkError::Truncated));
        assert_eq!(gre(&[0x10, 0x00, 0x08, 0x00, 0]), Err(LinkError::Truncated));
    }

    fn ether(ethertype: [u8; 2], ip: &[u8]) -> Vec<u8> {
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&ethertype);
        frame.extend_from_slice(ip);
        frame
    }

    #[test]
    fn erspan_types() {
        // type I: no sequence number, no ERSPAN header
        let one = [&[0u8, 0, 0x88, 0xbe][..], &ether([8, 0], IP4)].concat();
        assert_eq!(gre(&one), Ok(Network::Ipv4(IP4)));
        // type II: sequence number, 8-byte header (version 1)
        let mut two = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
        two.extend_from_slice(&[0x10, 0x00, 0x00, 0x05, 0, 0, 0, 0]);
        two.extend(ether([0x86, 0xdd], IP6));
        assert_eq!(gre(&two), Ok(Network::Ipv6(IP6)));
        // type III: 12-byte header, then with the O bit an 8-byte platform subheader
        let mut three = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
        three.extend_from_slice(&[0x20, 0x00, 0x00, 0x05, 1, 2, 3, 4, 0, 0, 0x00, 0x01]);
        three.extend_from_slice(&[0u8; 8]);
        three.extend(ether([8, 0], IP4));
        assert_eq!(gre(&three), Ok(Network::Ipv4(IP4)));
        // type III, frame type 2: an IP packet without its Ethernet header
        let mut three_ip = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
        three_ip.extend_from_slice(&[0x20, 0x00, 0x00, 0x05, 1, 2, 3, 4, 0, 0, 0x08, 0x00]);
        three_ip.extend_from_slice(IP6);
        assert_eq!(gre(&three_ip), Ok(Network::Ipv6(IP6)));
        let mut cut = vec![0x10, 0x00, 0x22, 0xeb, 0, 0, 0, 1];
        cut.extend_from_slice(&[0x20, 0x00, 0x00]);
        assert_eq!(gre(&cut), Err(LinkError::Truncated));
    }

    #[test]
    fn vxlan_and_geneve() {
        let vx = [&[0x08u8, 0, 0, 0, 0, 0, 0x2a, 0][..], &ether([8, 0], IP4)].concat();
        assert_eq!(vxlan(&vx), Ok(Network::Ipv4(IP4)));
        assert_eq!(vxlan(&[0x08, 0, 0]), Err(LinkError::Truncated));
        // GENEVE with one 4-byte option, carrying bridged Ethernet, then carrying IPv6
        let mut gv = vec![0x01, 0x00, 0x65, 0x58, 0, 0, 0x2a, 0, 1, 2, 3, 0];
        gv.extend(ether([0x86, 0xdd], IP6));
        assert_eq!(geneve(&gv), Ok(Network::Ipv6(IP6)));
        let ip = [&[0x00u8, 0x00, 0x08, 0x00, 0, 0, 1, 0][..], IP4].concat();
        assert_eq!(geneve(&ip), Ok(Network::Ipv4(IP4)));
        assert_eq!(
            geneve(&[0x40, 0, 0x08, 0]),
            Err(LinkError::UnsupportedTunnel)
        );
        assert_eq!(
            geneve(&[0x3f, 0, 0x08, 0, 0, 0, 0, 0]),
            Err(LinkError::Truncated)
        );
    }

    #[test]
    fn loopback_family_either_order() {
        let le = [&[30u8, 0, 0, 0][..], IP6].concat();
        let be = [&[0u8, 0, 0, 24][..], IP6].concat();
        let v4 = [&[0u8, 0, 0, 2][..], IP4].concat();
        assert_eq!(network_layer(0, &le), Ok(Network::Ipv6(IP6)));
        assert_eq!(network_layer(108, &be), Ok(Network::Ipv6(IP6)));
        assert_eq!(network_layer(0, &v4), Ok(Network::Ipv4(IP4)));
        assert_eq!(network_layer(0, &[7, 0, 0, 0]), Err(LinkError::NotIp));
        assert_eq!(network_layer(0, &[2, 0]), Err(LinkError::Truncated));
    }

    #[test]
    fn unknown_link_type() {
        assert_eq!(network_layer(147, IP4), Err(LinkError::UnsupportedLinkType));
        assert_eq!(
            LinkError::UnsupportedLinkType.reason(),
            "unsupported_link_type"
        );
    }

    #[test]
    fn raw_by_version_nibble() {
        assert_eq!(network_layer(101, IP6), Ok(Network::Ipv6(IP6)));
        assert_eq!(network_layer(12, IP4), Ok(Network::Ipv4(IP4)));
        assert_eq!(network_layer(14, &[0x10]), Err(LinkError::NotIp));
        assert_eq!(network_layer(101, &[]), Err(LinkError::Truncated));
    }
}
