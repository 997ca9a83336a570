//! Link layers: from a captured frame to the IPv4 or IPv6 packet inside it.
//!
//! Supported link types ([`LinkType`]): Ethernet with any stack of 802.1Q / 802.1ad / QinQ
//! tags (`0x8100`, `0x88a8`, `0x9100`, `0x9200`), Linux cooked capture v1 and v2, raw IP
//! (101, and 12 / 14 as libpcap maps `DLT_RAW`), IPv4 and IPv6 link types, and the BSD
//! loopback headers (`NULL`, where the family word is in the capturing host's byte order,
//! and OpenBSD `LOOP`); the family word is accepted in either byte order, with IPv6 as
//! 24, 28 or 30 (NetBSD/OpenBSD, FreeBSD, macOS). The layouts are fixed-offset, so they
//! are read directly rather than through `etherparse` (which has no SLL2 or loopback).

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
}

impl LinkError {
    /// The skip reason for this error (`snake_case`).
    pub fn reason(self) -> &'static str {
        match self {
            LinkError::UnsupportedLinkType => "unsupported_link_type",
            LinkError::Truncated => "truncated_link_header",
            LinkError::NotIp => "not_ip",
        }
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
/// How many stacked VLAN tags are followed before giving up.
const MAX_VLAN_TAGS: usize = 8;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let pair = bytes.get(at..at + 2)?;
    Some(u16::from_be_bytes([*pair.first()?, *pair.get(1)?]))
}

/// Finds the IP packet inside a frame of the given link type.
pub fn network_layer(link_type: u32, frame: &[u8]) -> Result<Network<'_>, LinkError> {
    match LinkType(link_type) {
        LinkType::ETHERNET => {
            let ethertype = u16_at(frame, 12).ok_or(LinkError::Truncated)?;
            by_ethertype(ethertype, frame.get(14..).unwrap_or_default())
        }
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

/// Follows VLAN tags to the IP payload.
fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<Network<'_>, LinkError> {
    for _ in 0..=MAX_VLAN_TAGS {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok(Network::Ipv4(rest)),
            ETHERTYPE_IPV6 => return Ok(Network::Ipv6(rest)),
            0x8100 | 0x88a8 | 0x9100 | 0x9200 => {
                ethertype = u16_at(rest, 2).ok_or(LinkError::Truncated)?;
                rest = rest.get(4..).unwrap_or_default();
            }
            _ => return Err(LinkError::NotIp),
        }
    }
    Err(LinkError::NotIp)
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
    fn too_many_tags_is_not_ip() {
        let mut frame = vec![0u8; 12];
        for _ in 0..20 {
            frame.extend_from_slice(&[0x81, 0x00, 0, 0]);
        }
        assert_eq!(network_layer(1, &frame), Err(LinkError::NotIp));
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
