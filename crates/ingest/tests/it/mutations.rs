//! Random corruption of a valid capture: whatever the bytes, no panic, no hang, and the
//! extractor's state stays within its bounds.

use hark_ingest::extract::ExtractConfig;

use crate::build::*;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn seed_capture() -> Vec<u8> {
    let mut pcap = Pcap::new(1);
    let big = dns_response(1, 100);
    let datagram = udp(53, 40000, &big);
    for (i, chunk) in datagram.chunks(512).enumerate() {
        let more = (i + 1) * 512 < datagram.len();
        let frame = eth_ip4(&ipv4_frag(
            SERVER4,
            CLIENT4,
            17,
            9,
            ((i * 512) as u16, more),
            chunk,
        ));
        pcap.record(10, 0, &frame);
    }
    let stream = [
        prefixed(&dns_response(2, 3)),
        prefixed(&dns_response(3, 40)),
    ]
    .concat();
    pcap.record(11, 0, &tcp4_from_server(4000, 99, SYN | ACK, &[]));
    for (i, chunk) in stream.chunks(100).enumerate() {
        pcap.record(
            12,
            0,
            &tcp4_from_server(4000, 100 + 100 * i as u32, PSH_ACK, chunk),
        );
    }
    pcap.record(13, 0, &udp4_response(&dns_response(4, 2)));
    let v6 = ipv6(SERVER6, CLIENT6, 17, &udp(53, 1, &dns_response(5, 2)));
    pcap.record(14, 0, &ethernet(0x86DD, &v6));
    pcap.bytes()
}

#[test]
fn corrupted_captures_never_panic() {
    let seed = seed_capture();
    let clean = run_bytes(seed.clone(), unpaired());
    assert_eq!(clean.messages.len(), 5, "{:?}", clean.stats);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let config = ExtractConfig {
        max_fragment_bytes: 8 * 1024,
        max_tcp_streams: 4,
        max_tcp_stream_bytes: 70_000,
        ..unpaired()
    };
    for _ in 0..3_000 {
        let mut bytes = seed.clone();
        for _ in 0..1 + rng.below(8) {
            let at = 24 + rng.below(bytes.len() - 24);
            bytes[at] = rng.next() as u8;
        }
        if rng.below(4) == 0 {
            let keep = rng.below(bytes.len());
            bytes.truncate(keep.max(24));
        }
        let got = run_bytes(bytes, config.clone());
        assert!(got.peak_streams <= 4);
        assert!(got.peak_buffered <= 8 * 1024 + 4 * 70_000);
        for m in &got.messages {
            assert!(m.payload.len() >= 12);
        }
    }
}
