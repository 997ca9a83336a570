//! IPv4/IPv6 defragmentation and DNS-over-TCP reassembly, driven by structured sequences.
//!
//! - Exact: a datagram cut into fragments (or a TCP stream of length-prefixed messages cut
//!   into segments), delivered in any order with repeats, comes out exactly as it went in.
//! - Hostile: any sequence of fragments and segments on a few flows, under small limits:
//!   the bytes and datagrams/streams held never pass the limits, and what comes out is a
//!   datagram of at most 65,535 bytes or a message of 12 to 65,535 bytes.
#![no_main]

use arbitrary::Arbitrary;
use hark_ingest::defrag::{DefragConfig, Defragmenter, Fragment, FragmentKey};
use hark_ingest::stats::{ExtractStats, Skips};
use hark_ingest::tcp::{FlowKey, Segment, TcpConfig, TcpReassembler};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Plan {
    /// One datagram: payload, cut points (in 8-byte units), delivery order and repeats.
    Datagram {
        ipv6: bool,
        payload: Vec<u8>,
        cuts: Vec<u16>,
        order: Vec<u16>,
    },
    /// One TCP stream: messages, cut points, delivery order and repeats.
    Stream {
        isn: u32,
        messages: Vec<Vec<u8>>,
        cuts: Vec<u16>,
        order: Vec<u16>,
    },
    /// Anything, on a few flows, under small limits.
    Hostile(Vec<Op>),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Fragment {
        flow: u8,
        offset: u16,
        more: bool,
        len: u16,
        fill: u8,
        ipv6: bool,
        now: u8,
    },
    Segment {
        flow: u8,
        seq: u32,
        syn: bool,
        fin: bool,
        rst: bool,
        payload: Vec<u8>,
        now: u8,
        check_qr: bool,
    },
    Reset {
        flow: u8,
    },
    Query {
        flow: u8,
    },
}

fn frag_key(flow: u8, ipv6: bool) -> FragmentKey {
    FragmentKey {
        src: [flow & 3; 16],
        dst: [1; 16],
        id: u32::from(flow >> 2),
        protocol: 17,
        ipv6,
    }
}

fn flow_key(flow: u8) -> FlowKey {
    FlowKey {
        src: [flow & 3; 16],
        dst: [9; 16],
        src_port: 53,
        dst_port: 1024 + u16::from(flow >> 2 & 3),
    }
}

/// Cut points of `len` bytes at `unit` multiples, sorted and unique, ends included.
fn pieces(len: usize, cuts: &[u16], unit: usize) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| usize::from(*c) * unit)
        .filter(|&c| c > 0 && c < len)
        .collect();
    points.push(0);
    points.push(len);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Every piece once, in the order given, then repeats (pieces named again by `order`).
fn delivery(count: usize, order: &[u16]) -> Vec<usize> {
    let mut sequence: Vec<usize> = Vec::new();
    let mut sent = vec![false; count];
    for index in order.iter().map(|o| usize::from(*o) % count.max(1)) {
        if index < count {
            sequence.push(index);
            sent[index] = true;
        }
    }
    sequence.extend((0..count).filter(|&i| !sent[i]));
    sequence
}

fn exact_datagram(ipv6: bool, payload: &[u8], cuts: &[u16], order: &[u16]) {
    let max = 65_535 - if ipv6 { 40 } else { 20 };
    let payload = &payload[..payload.len().min(max)];
    if payload.is_empty() {
        return;
    }
    let pieces = pieces(payload.len(), cuts, 8);
    let mut defrag = Defragmenter::new(DefragConfig::default());
    let mut skips = Skips::default();
    let key = frag_key(0, ipv6);
    let mut done = None;
    for index in delivery(pieces.len(), order) {
        let (start, end) = pieces[index];
        let fragment = Fragment {
            offset: start as u32,
            more: end < payload.len(),
            payload: &payload[start..end],
        };
        if let Some(whole) = defrag.add(key, fragment, 0, &mut skips) {
            done = Some(whole.to_vec());
            break;
        }
    }
    assert_eq!(done.as_deref(), Some(payload), "skips: {skips:?}");
    assert!(skips.is_empty(), "skips: {skips:?}");
}

fn exact_stream(isn: u32, messages: &[Vec<u8>], cuts: &[u16], order: &[u16]) {
    // Responses of at least 12 bytes (a header), 64 KiB of stream at most.
    let mut stream = Vec::new();
    let mut sent = Vec::new();
    for message in messages {
        let mut message = message.clone();
        message.resize(message.len().max(12), 0);
        message.truncate(4096);
        if stream.len() + 2 + message.len() > 65_536 {
            break;
        }
        stream.extend_from_slice(&(message.len() as u16).to_be_bytes());
        stream.extend_from_slice(&message);
        sent.push(message);
    }
    if stream.is_empty() {
        return;
    }
    let pieces = pieces(stream.len(), cuts, 1);
    let mut tcp = TcpReassembler::new(TcpConfig::default());
    let mut stats = ExtractStats::default();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let key = flow_key(0);
    let mut emit = |message: &[u8], _: i64, _: u32, _: &[u8; 16]| got.push(message.to_vec());
    let syn = Segment {
        seq: isn,
        syn: true,
        fin: false,
        rst: false,
        payload: &[],
        ts_sec: 0,
        ts_nanos: 0,
    };
    tcp.segment(key, &syn, false, &mut stats, &mut emit);
    let mut held = 0usize;
    for index in delivery(pieces.len(), order) {
        let (start, end) = pieces[index];
        held += end - start;
        if held > 192 * 1024 {
            break;
        }
        let segment = Segment {
            seq: isn.wrapping_add(1).wrapping_add(start as u32),
            payload: &stream[start..end],
            ..syn
        };
        let segment = Segment {
            syn: false,
            ..segment
        };
        tcp.segment(key, &segment, false, &mut stats, &mut emit);
    }
    tcp.finish(&mut stats, &mut emit);
    if held <= 192 * 1024 {
        assert_eq!(got, sent, "stats: {stats:?}");
    }
}

fn hostile(ops: &[Op]) {
    let defrag_config = DefragConfig {
        max_bytes: 4096,
        max_datagrams: 3,
        timeout_secs: 5,
    };
    let tcp_config = TcpConfig {
        max_streams: 3,
        max_stream_bytes: 1024,
        max_total_bytes: 2048,
        idle_timeout_secs: 5,
        require_query: false,
    };
    let mut defrag = Defragmenter::new(defrag_config);
    let mut tcp = TcpReassembler::new(tcp_config);
    let mut skips = Skips::default();
    let mut stats = ExtractStats::default();
    let mut now = 0i64;
    let mut emit = |message: &[u8], _: i64, _: u32, _: &[u8; 16]| {
        assert!(
            (12..=65_535).contains(&message.len()),
            "message of {} bytes",
            message.len()
        );
    };
    for op in ops {
        match op {
            Op::Fragment {
                flow,
                offset,
                more,
                len,
                fill,
                ipv6,
                now: step,
            } => {
                now += i64::from(*step);
                let payload = vec![*fill; usize::from(*len)];
                let fragment = Fragment {
                    offset: u32::from(*offset),
                    more: *more,
                    payload: &payload,
                };
                if let Some(whole) = defrag.add(frag_key(*flow, *ipv6), fragment, now, &mut skips) {
                    assert!(whole.len() <= 65_535);
                }
                assert!(defrag.buffered_bytes() <= defrag_config.max_bytes);
                assert!(defrag.in_flight() <= defrag_config.max_datagrams);
            }
            Op::Segment {
                flow,
                seq,
                syn,
                fin,
                rst,
                payload,
                now: step,
                check_qr,
            } => {
                now += i64::from(*step);
                let segment = Segment {
                    seq: *seq,
                    syn: *syn,
                    fin: *fin,
                    rst: *rst,
                    payload,
                    ts_sec: now,
                    ts_nanos: 0,
                };
                tcp.segment(flow_key(*flow), &segment, *check_qr, &mut stats, &mut emit);
            }
            Op::Reset { flow } => tcp.reset(&flow_key(*flow), now, 0, &mut stats, &mut emit),
            Op::Query { flow } => tcp.note_query(&flow_key(*flow)),
        }
        assert!(
            tcp.buffered_bytes() <= tcp_config.max_total_bytes,
            "{} bytes held over {} streams",
            tcp.buffered_bytes(),
            tcp.streams()
        );
        assert!(
            tcp.streams() <= tcp_config.max_streams,
            "{} streams",
            tcp.streams()
        );
    }
    tcp.finish(&mut stats, &mut emit);
    assert_eq!(tcp.buffered_bytes(), 0);
    defrag.finish(&mut skips);
    assert_eq!(defrag.buffered_bytes(), 0);
}

fuzz_target!(|plan: Plan| {
    match plan {
        Plan::Datagram {
            ipv6,
            payload,
            cuts,
            order,
        } => exact_datagram(ipv6, &payload, &cuts, &order),
        Plan::Stream {
            isn,
            messages,
            cuts,
            order,
        } => exact_stream(isn, &messages, &cuts, &order),
        Plan::Hostile(ops) => hostile(&ops),
    }
});
