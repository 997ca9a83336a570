//! Which datagrams count as responses.

use hark_ingest::extract::ExtractConfig;

use crate::build::*;

fn udp_frame(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    eth_ip4(&ipv4(SERVER4, CLIENT4, 17, &udp(sport, dport, payload)))
}

#[test]
fn queries_are_counted_not_emitted() {
    let got = run_frames(&[
        eth_ip4(&ipv4(CLIENT4, SERVER4, 17, &udp(40000, 53, &dns_query(1)))),
        udp4_response(&dns_response(1, 1)),
    ]);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.stats.queries, 1);
    assert!(got.stats.skips.is_empty());
}

#[test]
fn mdns_and_llmnr_are_not_dns_unless_asked_for() {
    let m = dns_response(0, 1);
    let frames = vec![
        udp_frame(5353, 5353, &m),
        udp_frame(5355, 40000, &m),
        udp_frame(8053, 1234, &m),
    ];
    let got = run_frames(&frames);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.ignored, 3);
    let config = ExtractConfig {
        server_ports: vec![53, 5353, 5355],
        ..unpaired()
    };
    let got = run_frames_with(&frames, config);
    assert_eq!(got.messages.len(), 2);
}

#[test]
fn server_to_server_uses_the_qr_bit() {
    let got = run_frames(&[
        udp_frame(53, 53, &dns_query(1)),
        udp_frame(53, 53, &dns_response(1, 1)),
    ]);
    assert_eq!(got.messages.len(), 1);
    assert_eq!(got.messages[0].payload, dns_response(1, 1));
    assert_eq!(got.stats.queries, 1);
}

#[test]
fn short_udp_payload_is_a_counted_skip() {
    let got = run_frames(&[udp_frame(53, 40000, &[0, 1, 0x81, 0x80])]);
    assert!(got.messages.is_empty());
    assert_eq!(got.stats.skips.get("dns_too_short"), 1);
}
