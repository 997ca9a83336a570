//! Measures how fast captures are read and turned into DNS messages.
//!
//! ```text
//! cargo run --release -p hark-ingest --example extract_rate -- target/bench/ref-2000000.pcap
//! ```
//! Prints frames/s and messages/s for reading alone and for reading plus extraction,
//! and the extractor's counters.

use std::path::PathBuf;
use std::time::Instant;

use hark_ingest::capture::CaptureReader;
use hark_ingest::extract::{DnsExtractor, ExtractConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err("usage: extract_rate CAPTURE...".into());
    }
    for path in paths {
        // Pass 1: read only.
        let started = Instant::now();
        let mut reader = CaptureReader::open(&path)?;
        let mut frames = 0u64;
        let mut bytes = 0u64;
        while let Some(packet) = reader.next_packet()? {
            frames += 1;
            bytes += packet.data.len() as u64;
        }
        let read_secs = started.elapsed().as_secs_f64();

        // Pass 2: read and extract.
        let started = Instant::now();
        let mut reader = CaptureReader::open(&path)?;
        let mut extractor = DnsExtractor::new(ExtractConfig::default());
        let mut messages = 0u64;
        let mut payload_bytes = 0u64;
        let mut emit = |m: hark_ingest::extract::DnsMessage<'_>| {
            messages += 1;
            payload_bytes += m.payload.len() as u64;
        };
        while let Some(packet) = reader.next_packet()? {
            extractor.push(&packet, &mut emit);
        }
        extractor.finish(&mut emit);
        let secs = started.elapsed().as_secs_f64();

        println!("{}", path.display());
        println!(
            "  read only:     {frames} frames, {bytes} bytes in {read_secs:.3} s = {:.2} M frames/s",
            frames as f64 / read_secs / 1e6
        );
        println!(
            "  read+extract:  {frames} frames, {messages} messages ({payload_bytes} payload bytes) in {secs:.3} s = {:.2} M frames/s, {:.2} M messages/s",
            frames as f64 / secs / 1e6,
            messages as f64 / secs / 1e6
        );
        println!("  stats: {:?}", extractor.stats());
    }
    Ok(())
}
