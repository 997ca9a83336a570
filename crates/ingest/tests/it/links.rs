//! Every supported link type carries the same UDP response out.

use crate::build::*;

fn sll(protocol: u16, ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(&protocol.to_be_bytes());
    f.extend_from_slice(ip);
    f
}

fn sll2(protocol: u16, ip: &[u8]) -> Vec<u8> {
    let mut f = protocol.to_be_bytes().to_vec();
    f.extend_from_slice(&[0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
    f.extend_from_slice(ip);
    f
}

fn family(word: [u8; 4], ip: &[u8]) -> Vec<u8> {
    let mut f = word.to_vec();
    f.extend_from_slice(ip);
    f
}

fn tagged(tags: &[u16], ethertype: u16, ip: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(&tag.to_be_bytes());
        }
        body.extend_from_slice(&(100 + i as u16).to_be_bytes());
    }
    body.extend_from_slice(&ethertype.to_be_bytes());
    body.extend_from_slice(ip);
    ethernet(tags[0], &body)
}

#[test]
fn every_link_type_yields_the_same_message() {
    let message = dns_response(0x1234, 3);
    let v4 = ipv4(SERVER4, CLIENT4, 17, &udp(53, 40000, &message));
    let v6 = ipv6(SERVER6, CLIENT6, 17, &udp(53, 40000, &message));
    let mut padded = ethernet(0x0800, &v4);
    padded.extend_from_slice(&[0xee; 6]); // Ethernet padding / FCS after the IP packet
    let cases: Vec<(&str, u32, Vec<u8>)> = vec![
        ("ethernet v4", 1, ethernet(0x0800, &v4)),
        ("ethernet v6", 1, ethernet(0x86DD, &v6)),
        ("ethernet with trailer", 1, padded),
        ("802.1Q", 1, tagged(&[0x8100], 0x0800, &v4)),
        (
            "802.1ad + 802.1Q (QinQ)",
            1,
            tagged(&[0x88a8, 0x8100], 0x86DD, &v6),
        ),
        ("0x9100 + 802.1Q", 1, tagged(&[0x9100, 0x8100], 0x0800, &v4)),
        (
            "three tags",
            1,
            tagged(&[0x88a8, 0x8100, 0x8100], 0x0800, &v4),
        ),
        ("linux sll v4", 113, sll(0x0800, &v4)),
        ("linux sll v6", 113, sll(0x86DD, &v6)),
        ("linux sll2 v4", 276, sll2(0x0800, &v4)),
        ("linux sll2 v6", 276, sll2(0x86DD, &v6)),
        ("raw 101 v4", 101, v4.clone()),
        ("raw 101 v6", 101, v6.clone()),
        ("raw 12", 12, v4.clone()),
        ("raw 14", 14, v6.clone()),
        ("ipv4 228", 228, v4.clone()),
        ("ipv6 229", 229, v6.clone()),
        ("null le inet", 0, family([2, 0, 0, 0], &v4)),
        ("null be inet", 0, family([0, 0, 0, 2], &v4)),
        ("null le inet6 24", 0, family([24, 0, 0, 0], &v6)),
        ("null le inet6 28", 0, family([28, 0, 0, 0], &v6)),
        ("null le inet6 30", 0, family([30, 0, 0, 0], &v6)),
        ("loop be inet", 108, family([0, 0, 0, 2], &v4)),
        ("loop be inet6 24", 108, family([0, 0, 0, 24], &v6)),
        ("loop le inet6 30", 108, family([30, 0, 0, 0], &v6)),
    ];
    for (name, link, frame) in cases {
        let mut pcap = Pcap::new(link);
        pcap.record(1_700_000_000, 5, &frame);
        let got = run_bytes(pcap.bytes(), unpaired());
        assert_eq!(got.messages.len(), 1, "{name}: {:?}", got.stats);
        assert_eq!(got.messages[0].payload, message, "{name}");
        assert_eq!(
            (got.messages[0].ts_sec, got.messages[0].ts_nanos),
            (1_700_000_000, 5_000)
        );
        assert!(got.stats.skips.is_empty(), "{name}: {:?}", got.stats.skips);
    }
}

#[test]
fn unsupported_and_broken_link_layers_are_counted() {
    let message = dns_response(1, 1);
    let v4 = ipv4(SERVER4, CLIENT4, 17, &udp(53, 40000, &message));
    let mut pcap = Pcap::new(147); // a user DLT
    pcap.record(1, 0, &v4).record(2, 0, &v4);
    let got = run_bytes(pcap.bytes(), unpaired());
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("unsupported_link_type"), 2);

    let arp = ethernet(0x0806, &[0; 28]);
    let short = vec![0u8; 10];
    let cut_tag = ethernet(0x8100, &[0, 1]);
    let got = run_frames(&[arp, short, cut_tag]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.ignored, 1, "ARP is not DNS");
    assert_eq!(got.stats.skips.get("truncated_link_header"), 2);
}

#[test]
fn snapped_ip_packet_is_counted_truncated() {
    let mut frame = udp4_response(&dns_response(1, 10));
    frame.truncate(60);
    let got = run_frames(&[frame]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("truncated_packet"), 1);
}
