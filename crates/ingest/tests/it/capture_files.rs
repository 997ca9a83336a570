//! Capture file formats and hostile capture files.

use std::io::{Cursor, Write};

use hark_ingest::capture::{CaptureError, CaptureReader, MAX_CAPLEN};

use crate::build::*;

fn reader(bytes: Vec<u8>) -> CaptureReader {
    CaptureReader::from_reader(Box::new(Cursor::new(bytes)), "mem.pcap").expect("opens")
}

#[test]
fn pcap_cut_mid_record_reports_truncated_once() {
    let message = dns_response(7, 1);
    let frame = udp4_response(&message);
    let mut pcap = Pcap::new(1);
    pcap.record(1, 0, &frame).record(2, 0, &frame);
    let mut bytes = pcap.bytes();
    let full = bytes.len();
    bytes.truncate(full - 5);
    let got = run_bytes(bytes, unpaired());
    assert_eq!(got.packets, 1);
    assert_eq!(got.messages.len(), 1);
    match got.error {
        Some(CaptureError::Truncated {
            offset,
            needed,
            available,
            ..
        }) => {
            let second = (24 + 16 + frame.len()) as u64;
            assert_eq!(offset, second);
            assert_eq!(needed, 16 + frame.len() as u64);
            assert_eq!(available, 16 + frame.len() as u64 - 5);
        }
        other => panic!("expected Truncated, got {other:?}"),
    }
}

#[test]
fn one_gigabyte_caplen_is_an_error_not_an_allocation() {
    let mut pcap = Pcap::new(1);
    pcap.record(1, 0, &udp4_response(&dns_response(1, 1)));
    pcap.bare_header(1 << 30);
    let got = run_bytes(pcap.bytes(), unpaired());
    assert_eq!(got.messages.len(), 1);
    match got.error {
        Some(CaptureError::RecordTooLarge { len, limit, .. }) => {
            assert_eq!(len, 1 << 30);
            assert_eq!(limit, u64::from(MAX_CAPLEN));
        }
        other => panic!("expected RecordTooLarge, got {other:?}"),
    }
    let message = got.error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("byte"), "{message}");
}

#[test]
fn a_text_file_is_not_a_capture() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("capture.pcap");
    std::fs::write(&path, "# not a capture\n").expect("write");
    match CaptureReader::open(&path) {
        Err(CaptureError::NotACapture { path: p, magic }) => {
            assert_eq!(p, path);
            assert_eq!(magic, b"# no".to_vec());
        }
        other => panic!("expected NotACapture, got {other:?}"),
    }
    let missing = dir.path().join("missing.pcap");
    assert!(matches!(
        CaptureReader::open(&missing),
        Err(CaptureError::Open { .. })
    ));
}

#[test]
fn gzip_of_a_pcap_reads_the_same() {
    let mut pcap = Pcap::new(1);
    for i in 0..200u16 {
        pcap.record(10 + u32::from(i), 0, &udp4_response(&dns_response(i, 3)));
    }
    let plain = pcap.bytes();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(&plain).expect("gzip");
    let gz = encoder.finish().expect("gzip");
    let dir = tempfile::tempdir().expect("tempdir");
    // The name says pcap; the content is gzip: detection goes by magic.
    let path = dir.path().join("trace.pcap");
    std::fs::write(&path, &gz).expect("write");
    let mut r = CaptureReader::open(&path).expect("opens gzip");
    let mut count = 0;
    while let Some(p) = r.next_packet().expect("reads") {
        assert_eq!(p.ts_sec, 10 + count);
        count += 1;
    }
    assert_eq!(count, 200);
    assert_eq!(
        r.bytes_read(),
        gz.len() as u64,
        "compressed bytes are counted"
    );
    let a = run_bytes(plain, unpaired());
    let b = run_bytes(gz.clone(), unpaired());
    assert_eq!(a.messages, b.messages);
    assert_eq!(b.messages.len(), 200);
    // A gzip stream cut in the middle gives an error, not a silent short read.
    let cut = run_bytes(gz[..gz.len() / 2].to_vec(), unpaired());
    assert!(
        matches!(
            cut.error,
            Some(CaptureError::Truncated { .. } | CaptureError::Io { .. })
        ),
        "{:?}",
        cut.error
    );
}

/// 20 DNS responses, then `zeros` bytes of empty records (a bomb's payload), gzip-compressed.
fn responses_then_zeros(zeros: usize) -> Vec<u8> {
    let mut pcap = Pcap::new(1);
    for i in 0..20u16 {
        pcap.record(100 + u32::from(i), 0, &udp4_response(&dns_response(i, 2)));
    }
    let mut plain = pcap.bytes();
    plain.resize(plain.len() + zeros, 0);
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&plain).expect("gzip");
    encoder.finish().expect("gzip")
}

#[test]
fn a_gzip_bomb_stops_at_the_expansion_limit_and_stays_unfinished() {
    use hark_ingest::capture_source::CaptureSource;
    use hark_ingest::gzip::ExpansionLimit;
    use hark_ingest::pipeline::{run, PipelineOptions, VecSink};

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb.pcap.gz");
    std::fs::write(&path, responses_then_zeros(4 << 20)).expect("write");
    let limit = ExpansionLimit {
        max_ratio: 50,
        check_after: 512 * 1024,
    };

    // The reader gives the responses, then stops with an error naming the file and the ratio.
    let got = run_reader(
        CaptureReader::open_with_limit(&path, limit).expect("opens"),
        unpaired(),
    );
    assert_eq!(got.messages.len(), 20);
    let err = got.error.expect("stopped");
    let CaptureError::GzipExpansion { source, .. } = &err else {
        panic!("expected GzipExpansion, got {err:?}");
    };
    assert_eq!(source.max_ratio, 50);
    assert!(source.ratio() > 50, "{source:?}");
    assert!(
        source.decompressed < 1 << 20,
        "stopped soon after the floor: {source:?}"
    );
    let message = err.to_string();
    assert!(message.contains("bomb.pcap.gz"), "{message}");
    assert!(message.contains("--max-gzip-ratio"), "{message}");

    // As a source: the responses before the stop are committed, the file is not finished.
    let pipeline = |limit| {
        let mut source =
            CaptureSource::open_with_limit(&path, unpaired(), Default::default(), limit)
                .expect("opens");
        let sink = VecSink::default();
        let report =
            run(&mut source, &sink, &PipelineOptions::default(), &mut |_| {}).expect("runs");
        (report, sink.into_batches())
    };
    let (report, batches) = pipeline(limit);
    assert!(!report.complete);
    assert_eq!(report.units, 20);
    assert_eq!(report.source.skips.get("gzip_expansion_limit"), 1);
    let stopped = report.source.stopped.expect("the reason is reported");
    assert!(stopped.contains("more than the limit of 50×"), "{stopped}");
    let last = batches
        .last()
        .and_then(|b| b.checkpoints.last())
        .expect("a checkpoint");
    assert_eq!((last.position, last.done), (20, false));

    // Without a limit the same file is read to its end, with the same units.
    let (report, batches) = pipeline(ExpansionLimit::NONE);
    assert!(report.complete, "{:?}", report.source.stopped);
    assert_eq!(report.units, 20);
    let last = batches
        .last()
        .and_then(|b| b.checkpoints.last())
        .expect("a checkpoint");
    assert_eq!((last.position, last.done), (20, true));
}

#[test]
fn gzip_of_text_is_not_a_capture() {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(b"hello, world").expect("gzip");
    let gz = encoder.finish().expect("gzip");
    let err = CaptureReader::from_reader(Box::new(Cursor::new(gz)), "x.gz").unwrap_err();
    assert!(
        matches!(err, CaptureError::NotACapture { ref magic, .. } if magic == b"hell"),
        "{err}"
    );
}

#[test]
fn nanosecond_and_microsecond_pcaps_both_byte_orders() {
    let frame = udp4_response(&dns_response(1, 1));
    for big_endian in [false, true] {
        let mut us = Pcap::with(1, false, big_endian);
        us.record(1_600_000_000, 123_456, &frame);
        let mut r = reader(us.bytes());
        let p = r.next_packet().expect("reads").expect("a packet");
        assert_eq!(
            (p.ts_sec, p.ts_nanos, p.link_type),
            (1_600_000_000, 123_456_000, 1)
        );
        assert_eq!(p.data, &frame[..]);

        let mut ns = Pcap::with(1, true, big_endian);
        ns.record(1_600_000_000, 123_456_789, &frame);
        let mut r = reader(ns.bytes());
        let p = r.next_packet().expect("reads").expect("a packet");
        assert_eq!((p.ts_sec, p.ts_nanos), (1_600_000_000, 123_456_789));
        assert!(r.next_packet().expect("clean end").is_none());
    }
    let mut ns = Pcap::with(1, true, false);
    ns.record(5, 999_999_999, &frame);
    let got = run_bytes(ns.bytes(), unpaired());
    assert_eq!(
        (got.messages[0].ts_sec, got.messages[0].ts_nanos),
        (5, 999_999_999)
    );
}

#[test]
fn pcapng_with_two_interfaces_of_different_link_types_and_resolutions() {
    let message = dns_response(9, 2);
    let ip = ipv4(SERVER4, CLIENT4, 17, &udp(53, 40000, &message));
    let mut ng = PcapNg::new();
    ng.interface(1, None) // Ethernet, microseconds
        .interface(101, Some(9)) // raw IP, nanoseconds
        .interface(1, Some(0x80 | 10)) // Ethernet, 1/1024 s
        .unknown_block()
        .packet(0, 1_700_000_000_000_000 + 250_000, &eth_ip4(&ip))
        .packet(1, 1_700_000_001_000_000_000 + 7, &ip)
        .packet(2, (1_700_000_002u64 << 10) + 512, &eth_ip4(&ip));
    let mut r = reader(ng.bytes());
    let mut seen = Vec::new();
    while let Some(p) = r.next_packet().expect("reads") {
        seen.push((p.ts_sec, p.ts_nanos, p.link_type, p.data.len()));
    }
    assert_eq!(
        seen,
        vec![
            (1_700_000_000, 250_000_000, 1, ip.len() + 14),
            (1_700_000_001, 7, 101, ip.len()),
            (1_700_000_002, 500_000_000, 1, ip.len() + 14),
        ]
    );
    let got = run_bytes(ng.bytes(), unpaired());
    assert_eq!(got.messages.len(), 3);
    assert!(got.messages.iter().all(|m| m.payload == message));
    assert_eq!(got.messages[1].ts_nanos, 7);
}

#[test]
fn pcapng_sections_of_both_byte_orders_and_simple_packets() {
    let message = dns_response(11, 1);
    let frame = udp4_response(&message);
    let mut ng = PcapNg::with_order(true);
    ng.interface(1, Some(3))
        .packet(0, 1_700_000_000_123, &frame)
        .simple_packet(&frame)
        .section(false)
        .interface(1, None)
        .packet(0, 1_700_000_001_000_001, &frame);
    let mut r = reader(ng.bytes());
    let mut seen = Vec::new();
    while let Some(p) = r.next_packet().expect("reads") {
        assert_eq!(p.data, &frame[..]);
        seen.push((p.ts_sec, p.ts_nanos));
    }
    assert_eq!(
        seen,
        vec![(1_700_000_000, 123_000_000), (0, 0), (1_700_000_001, 1_000)]
    );
    let got = run_bytes(ng.bytes(), unpaired());
    assert_eq!(got.messages.len(), 3);
}

#[test]
fn pcapng_packet_for_an_undescribed_interface_is_an_error() {
    let mut ng = PcapNg::new();
    ng.interface(1, None).packet(3, 0, b"0123456789abcdef");
    let got = run_bytes(ng.bytes(), unpaired());
    assert!(
        matches!(got.error, Some(CaptureError::Malformed { .. })),
        "{:?}",
        got.error
    );
}

#[test]
fn pcapng_cut_mid_block_and_huge_block() {
    let mut ng = PcapNg::new();
    ng.interface(1, None)
        .packet(0, 1, &udp4_response(&dns_response(1, 1)));
    let mut bytes = ng.bytes();
    bytes.truncate(bytes.len() - 3);
    let got = run_bytes(bytes, unpaired());
    assert!(
        matches!(got.error, Some(CaptureError::Truncated { .. })),
        "{:?}",
        got.error
    );

    let mut bytes = PcapNg::new().bytes();
    bytes.extend_from_slice(&6u32.to_le_bytes());
    bytes.extend_from_slice(&0x4000_0000u32.to_le_bytes());
    let got = run_bytes(bytes, unpaired());
    assert!(
        matches!(
            got.error,
            Some(CaptureError::RecordTooLarge {
                len: 0x4000_0000,
                ..
            })
        ),
        "{:?}",
        got.error
    );
}

#[test]
fn empty_pcap_is_a_clean_end() {
    let got = run_bytes(Pcap::new(1).bytes(), unpaired());
    assert!(got.error.is_none());
    assert_eq!(got.packets, 0);
}

#[test]
fn reader_and_extractor_can_move_to_another_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<CaptureReader>();
    assert_send::<hark_ingest::extract::DnsExtractor>();
}
