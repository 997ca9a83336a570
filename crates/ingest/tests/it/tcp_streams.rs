//! DNS over TCP: segmentation, reordering, loss, and bounds.

use hark_ingest::extract::{ExtractConfig, Transport};

use crate::build::*;

const ISN: u32 = 1_000_000;

/// SYN-ACK from the server for a connection to `port`, data starting at ISN + 1.
fn syn_ack(port: u16, isn: u32) -> Vec<u8> {
    tcp4_from_server(port, isn, SYN | ACK, &[])
}

fn data(port: u16, seq: u32, bytes: &[u8]) -> Vec<u8> {
    tcp4_from_server(port, seq, PSH_ACK, bytes)
}

fn fin(port: u16, seq: u32) -> Vec<u8> {
    tcp4_from_server(port, seq, FIN_ACK, &[])
}

#[test]
fn two_messages_in_one_segment() {
    let (a, b) = (dns_response(1, 2), dns_response(2, 5));
    let stream = [prefixed(&a), prefixed(&b)].concat();
    let got = run_frames(&[syn_ack(4000, ISN), data(4000, ISN + 1, &stream)]);
    assert_eq!(got.messages.len(), 2);
    assert_eq!(got.messages[0].payload, a);
    assert_eq!(got.messages[1].payload, b);
    assert!(got.messages.iter().all(|m| m.transport == Transport::Tcp));
    assert_eq!(got.stats.tcp_messages, 2);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn one_message_in_one_byte_segments() {
    let m = dns_response(3, 40);
    let stream = prefixed(&m);
    let mut frames = vec![syn_ack(4001, ISN)];
    for (i, byte) in stream.iter().enumerate() {
        frames.push(data(4001, ISN + 1 + i as u32, &[*byte]));
    }
    frames.push(fin(4001, ISN + 1 + stream.len() as u32));
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, m);
    // Completed by the last data segment, which is frame number len(stream) (0-based).
    assert_eq!(got.messages[0].ts_sec, 1_700_000_000 + stream.len() as i64);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn segments_in_reverse_order() {
    let (a, b) = (dns_response(4, 30), dns_response(5, 3));
    let stream = [prefixed(&a), prefixed(&b)].concat();
    let mut frames = vec![syn_ack(4002, ISN)];
    let mut pieces: Vec<Vec<u8>> = stream
        .chunks(100)
        .enumerate()
        .map(|(i, c)| data(4002, ISN + 1 + 100 * i as u32, c))
        .collect();
    pieces.reverse();
    frames.extend(pieces);
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 2, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, a);
    assert_eq!(got.messages[1].payload, b);
    let last = 1_700_000_000 + (frames.len() - 1) as i64;
    assert!(
        got.messages.iter().all(|m| m.ts_sec == last),
        "completed by the last segment"
    );
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn retransmissions_and_overlaps_are_ignored() {
    let (a, b) = (dns_response(6, 20), dns_response(7, 20));
    let stream = [prefixed(&a), prefixed(&b)].concat();
    let n = stream.len() as u32;
    let frames = vec![
        syn_ack(4003, ISN),
        data(4003, ISN + 1, &stream[..150]),
        data(4003, ISN + 1, &stream[..150]), // exact retransmission
        data(4003, ISN + 1 + 100, &stream[100..300]), // overlaps the first
        data(4003, ISN + 1, &stream),        // everything again
        data(4003, ISN + 1 + 300, &stream[300..]),
        data(4003, ISN + 1 + 300, &stream[300..]),
        fin(4003, ISN + 1 + n),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 2, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, a);
    assert_eq!(got.messages[1].payload, b);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn retransmitted_syn_ack_does_not_replay_the_stream() {
    let a = dns_response(30, 2);
    let pa = prefixed(&a);
    let frames = vec![
        syn_ack(4020, ISN),
        data(4020, ISN + 1, &pa),
        syn_ack(4020, ISN),       // retransmitted SYN-ACK
        data(4020, ISN + 1, &pa), // retransmitted data
        // A new connection reusing the ports, with a new ISN.
        syn_ack(4020, 9_000_000),
        data(4020, 9_000_001, &pa),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 2, "{:?}", got.stats);
    assert_eq!(got.stats.tcp_streams, 2);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn stream_without_syn_starts_at_first_data() {
    let (a, b) = (dns_response(8, 2), dns_response(9, 2));
    let seq = 777_777;
    let pa = prefixed(&a);
    let frames = vec![
        data(4004, seq, &pa),
        data(4004, seq + pa.len() as u32, &prefixed(&b)),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 2, "{:?}", got.stats);
    assert_eq!(got.messages[1].payload, b);
    assert!(got.stats.skips.is_empty());
}

#[test]
fn stream_starting_mid_message_resyncs_at_next_segment() {
    let (a, b) = (dns_response(10, 20), dns_response(11, 2));
    let pa = prefixed(&a);
    let tail = &pa[150..];
    let seq = 5_000;
    let frames = vec![
        data(4005, seq, tail), // the end of a message whose start was not captured
        data(4005, seq + tail.len() as u32, &prefixed(&b)),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 1, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, b);
    assert_eq!(got.stats.skips.get("tcp_resync"), 1);
}

#[test]
fn hole_that_never_fills_then_fin() {
    let (a, b, c) = (
        dns_response(12, 3),
        dns_response(13, 3),
        dns_response(14, 3),
    );
    let (pa, pb, pc) = (prefixed(&a), prefixed(&b), prefixed(&c));
    let start = ISN + 1;
    let c_at = start + (pa.len() + pb.len()) as u32;
    let frames = vec![
        syn_ack(4006, ISN),
        data(4006, start, &pa),
        // b is lost
        data(4006, c_at, &pc),
        fin(4006, c_at + pc.len() as u32),
    ];
    let got = run_frames(&frames);
    let ids: Vec<u8> = got.messages.iter().map(|m| m.payload[1]).collect();
    assert_eq!(ids, vec![12, 14], "{:?}", got.stats);
    assert_eq!(got.stats.skips.get("tcp_hole"), 1);
    assert_eq!(got.messages[1].ts_sec, 1_700_000_003, "released by the FIN");
}

#[test]
fn hole_inside_a_message_drops_only_that_message() {
    let (a, b) = (dns_response(15, 30), dns_response(16, 3));
    let (pa, pb) = (prefixed(&a), prefixed(&b));
    let start = ISN + 1;
    let frames = vec![
        syn_ack(4007, ISN),
        data(4007, start, &pa[..100]),
        // pa[100..200] lost
        data(4007, start + 200, &pa[200..]),
        data(4007, start + pa.len() as u32, &pb),
        tcp4_from_server(4007, start + (pa.len() + pb.len()) as u32, RST, &[]),
    ];
    let got = run_frames(&frames);
    // At the RST the hole is given up; the held segment starts mid-message (resync),
    // the next one starts b.
    assert_eq!(got.messages.len(), 1, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, b);
    assert_eq!(got.stats.skips.get("tcp_hole"), 1);
    assert_eq!(got.stats.skips.get("tcp_resync"), 1);
}

#[test]
fn sequence_numbers_wrap_around() {
    let (a, b) = (dns_response(17, 10), dns_response(18, 10));
    let stream = [prefixed(&a), prefixed(&b)].concat();
    let isn = u32::MAX - 100;
    let first = isn.wrapping_add(1);
    let frames = vec![
        syn_ack(4008, isn),
        data(4008, first, &stream[..150]),
        // This one is past the wrap and arrives before the one that crosses it.
        data(4008, first.wrapping_add(250), &stream[250..]),
        data(4008, first.wrapping_add(150), &stream[150..250]),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 2, "{:?}", got.stats);
    assert_eq!(got.messages[0].payload, a);
    assert_eq!(got.messages[1].payload, b);
    assert!(got.stats.skips.is_empty(), "{:?}", got.stats.skips);
}

#[test]
fn back_to_back_responses_on_one_udp_socket_pair() {
    let (a, b) = (dns_response(19, 1), dns_response(20, 1));
    let got = run_frames(&[udp4_response(&a), udp4_response(&b)]);
    assert_eq!(got.messages.len(), 2);
    assert_eq!(got.messages[0].payload, a);
    assert_eq!(got.messages[1].payload, b);
}

#[test]
fn a_hundred_thousand_streams_stay_bounded() {
    let config = ExtractConfig {
        max_tcp_streams: 10_000,
        ..unpaired()
    };
    let m = prefixed(&dns_response(21, 4));
    let mut pcap = Pcap::new(1);
    for i in 0..100_000u32 {
        let client = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        // Half of a message each: every stream holds bytes until it is closed.
        let segment = tcp(53, 50_000, 1, PSH_ACK, &m[..40]);
        pcap.record(
            1_700_000_000 + i / 1000,
            0,
            &eth_ip4(&ipv4(SERVER4, client, 6, &segment)),
        );
    }
    let got = run_bytes(pcap.bytes(), config);
    assert!(got.messages.is_empty());
    assert!(got.peak_streams <= 10_000, "{}", got.peak_streams);
    assert!(got.peak_buffered <= 10_000 * 40, "{}", got.peak_buffered);
    assert_eq!(got.stats.tcp_streams, 100_000);
    let evicted = got.stats.skips.get("tcp_streams_evicted");
    assert!(evicted >= 90_000, "{:?}", got.stats.skips);
    // Every stream ends with its half message dropped, evicted or at the end.
    assert_eq!(
        got.stats.skips.get("tcp_incomplete"),
        100_000,
        "{:?}",
        got.stats.skips
    );
}

#[test]
fn idle_streams_are_closed_in_capture_time() {
    let m = dns_response(22, 4);
    let pm = prefixed(&m);
    let mut pcap = Pcap::new(1);
    pcap.record(1000, 0, &data(4010, 1, &pm[..20]));
    // 10 minutes later, another connection: the first one has been idle too long.
    pcap.record(1600, 0, &data(4011, 1, &pm));
    let got = run_bytes(pcap.bytes(), unpaired());
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.stats.skips.get("tcp_incomplete"), 1);
    assert_eq!(
        got.peak_streams, 1,
        "the idle stream was closed before the new one"
    );
}

#[test]
fn ipv6_tcp_and_queries_from_the_client_side() {
    let m = dns_response(23, 2);
    let server_seg = tcp(53, 4012, 10, PSH_ACK, &prefixed(&m));
    let client_seg = tcp(4012, 53, 99, PSH_ACK, &prefixed(&dns_query(23)));
    let frames = vec![
        ethernet(0x86DD, &ipv6(CLIENT6, SERVER6, 6, &client_seg)),
        ethernet(0x86DD, &ipv6(SERVER6, CLIENT6, 6, &server_seg)),
    ];
    let got = run_frames(&frames);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, m);
    assert_eq!(got.stats.queries, 1);
}
