//! pcap / pcapng (and gzip) bytes → packets → link layers, encapsulations, IP
//! defragmentation, TCP reassembly → DNS messages → rows. Packets keep their documented
//! bounds, and every row passes the shared checks, with and without bailiwick
//! reconstruction.
#![no_main]

use hark_fuzz::drain;
use hark_ingest::bailiwick::BailiwickMode;
use hark_ingest::capture::{CaptureReader, MAX_CAPLEN};
use hark_ingest::capture_source::CaptureSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&options, capture)) = data.split_last() else {
        return;
    };
    let reader =
        || CaptureReader::from_reader(Box::new(std::io::Cursor::new(capture.to_vec())), "fuzz");
    let Ok(mut packets) = reader() else {
        return;
    };
    let mut count = 0u64;
    while let Ok(Some(packet)) = packets.next_packet() {
        assert!(
            packet.ts_nanos < 1_000_000_000,
            "ts_nanos {}",
            packet.ts_nanos
        );
        assert!(
            packet.data.len() <= MAX_CAPLEN as usize,
            "caplen {}",
            packet.data.len()
        );
        count += 1;
    }
    assert!(packets.bytes_read() <= capture.len() as u64 || capture.starts_with(&[0x1f, 0x8b]));
    let Ok(reader) = reader() else {
        panic!("a capture opened once but not twice");
    };
    let mut source =
        CaptureSource::from_reader(reader, "fuzz", Default::default(), Default::default());
    if options & 1 == 1 {
        source = source.with_bailiwick(BailiwickMode::Reconstruct);
    }
    drain(&mut source);
    let report = hark_ingest::source::Source::report(&source);
    assert!(
        report.packets <= count,
        "{} packets decoded, {count} read",
        report.packets
    );
});
