//! IP defragmentation through the whole extractor.

use hark_ingest::extract::{ExtractConfig, Transport};

use crate::build::*;

/// A UDP response split into IPv4 fragments of `size` payload bytes (a multiple of 8).
fn fragments4(id: u16, message: &[u8], size: usize) -> Vec<Vec<u8>> {
    let datagram = udp(53, 40000, message);
    datagram
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = (i * size) as u16;
            let more = (i + 1) * size < datagram.len();
            eth_ip4(&ipv4_frag(SERVER4, CLIENT4, 17, id, (offset, more), chunk))
        })
        .collect()
}

fn fragments6(id: u32, message: &[u8], size: usize) -> Vec<Vec<u8>> {
    let datagram = udp(53, 40000, message);
    datagram
        .chunks(size)
        .enumerate()
        .map(|(i, chunk)| {
            let offset = (i * size) as u16;
            let more = (i + 1) * size < datagram.len();
            ethernet(
                0x86DD,
                &ipv6_frag(SERVER6, CLIENT6, 17, id, (offset, more), chunk),
            )
        })
        .collect()
}

#[test]
fn ipv4_fragments_in_order_and_in_reverse() {
    let message = dns_response(77, 100);
    let frames = fragments4(1, &message, 512);
    assert_eq!(frames.len(), 4);
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, message);
    assert_eq!(got.messages[0].transport, Transport::Udp);
    assert_eq!(
        got.messages[0].ts_sec, 1_700_000_003,
        "time of the last fragment"
    );

    let mut reversed = frames.clone();
    reversed.reverse();
    let got = run_frames(&reversed);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, message);
    assert_eq!(got.stats.fragments, 4);
    assert_eq!(got.stats.reassembled, 1);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
    // The last fragment came first: the whole extent (8 + 1627 bytes) is held.
    assert_eq!(got.peak_buffered, 1635);
}

#[test]
fn duplicated_fragment_is_harmless() {
    let message = dns_response(5, 60);
    let frames = fragments4(2, &message, 256);
    let mut with_dup = frames.clone();
    with_dup.insert(1, frames[0].clone());
    let got = run_frames(&with_dup);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, message);
    assert!(got.stats.skips.is_empty());
}

#[test]
fn overlapping_fragments_drop_the_datagram() {
    let message = dns_response(5, 60);
    let datagram = udp(53, 40000, &message);
    let a = eth_ip4(&ipv4_frag(
        SERVER4,
        CLIENT4,
        17,
        3,
        (0, true),
        &datagram[..512],
    ));
    // Starts inside the first fragment with different bytes (a teardrop-style overlap).
    let mut forged = datagram[256..].to_vec();
    forged[0] ^= 0xff;
    let b = eth_ip4(&ipv4_frag(SERVER4, CLIENT4, 17, 3, (256, false), &forged));
    let got = run_frames(&[a, b]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("fragment_overlap"), 1);
    assert_eq!(got.stats.skips.get("fragments_incomplete"), 0);
}

#[test]
fn inconsistent_and_oversized_fragments_are_counted() {
    let payload = vec![0u8; 100];
    // A middle fragment of 100 bytes (not a multiple of 8).
    let odd = eth_ip4(&ipv4_frag(SERVER4, CLIENT4, 17, 4, (0, true), &payload));
    // A final fragment that would end past 65,535 bytes.
    let big = eth_ip4(&ipv4_frag(
        SERVER4,
        CLIENT4,
        17,
        5,
        (65_496, false),
        &payload,
    ));
    let got = run_frames(&[odd, big]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("fragment_inconsistent"), 1);
    assert_eq!(got.stats.skips.get("fragment_too_big"), 1);
}

#[test]
fn fragment_flood_stays_under_the_memory_cap() {
    let config = ExtractConfig {
        max_fragment_bytes: 64 * 1024,
        ..unpaired()
    };
    let chunk = vec![0xabu8; 1024];
    let mut frames = Vec::new();
    for id in 0..5_000u16 {
        // First halves only: nothing ever completes.
        frames.push(eth_ip4(&ipv4_frag(
            SERVER4,
            CLIENT4,
            17,
            id,
            (0, true),
            &chunk,
        )));
    }
    let message = dns_response(1, 80);
    frames.extend(fragments4(60_000, &message, 512));
    let mut pcap = Pcap::new(1);
    for frame in &frames {
        pcap.record(1_700_000_000, 0, frame);
    }
    let got = run_bytes(pcap.bytes(), config);
    assert!(got.peak_buffered <= 64 * 1024, "{}", got.peak_buffered);
    assert_eq!(got.messages.len(), 1, "a real datagram still gets through");
    assert_eq!(got.messages[0].payload, message);
    let evicted = got.stats.skips.get("fragments_evicted");
    let incomplete = got.stats.skips.get("fragments_incomplete");
    assert_eq!(evicted + incomplete, 5_000, "{:?}", got.stats.skips);
    assert!(evicted >= 5_000 - 64, "{evicted}");
}

#[test]
fn fragments_time_out_in_capture_time() {
    let message = dns_response(1, 80);
    let frames = fragments4(9, &message, 512);
    let mut pcap = Pcap::new(1);
    pcap.record(100, 0, &frames[0]);
    // The rest comes 31 s later: the first fragment has expired (timeout 30 s).
    for frame in &frames[1..] {
        pcap.record(131, 0, frame);
    }
    let got = run_bytes(pcap.bytes(), unpaired());
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("fragments_timeout"), 1);
    assert_eq!(got.stats.skips.get("fragments_incomplete"), 1);
}

#[test]
fn ipv6_fragments_reassemble() {
    let message = dns_response(0x6666, 90);
    let mut frames = fragments6(0xdead_beef, &message, 600);
    assert_eq!(frames.len(), 3);
    frames.swap(0, 2);
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 1, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, message);
    assert_eq!(got.stats.reassembled, 1);
}

#[test]
fn fragmented_query_is_a_query() {
    let datagram = udp(40000, 53, &[dns_query(1), vec![0; 600]].concat());
    let a = eth_ip4(&ipv4_frag(
        CLIENT4,
        SERVER4,
        17,
        7,
        (0, true),
        &datagram[..512],
    ));
    let b = eth_ip4(&ipv4_frag(
        CLIENT4,
        SERVER4,
        17,
        7,
        (512, false),
        &datagram[512..],
    ));
    let got = run_frames(&[a, b]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.queries, 1);
}
