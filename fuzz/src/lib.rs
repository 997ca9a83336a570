//! Properties shared by hark's fuzz targets: whatever a parser of untrusted bytes accepts
//! must come out as rows the rest of hark can store, print and read back.
//!
//! Every source ends in [`Observations`]; [`check_observations`] folds a chunk with the one
//! merge rule and checks each row: its key unpacks to what was packed, its names are valid
//! canonical wire names that print and parse back to the same bytes, its rdata prints and
//! parses back to the same canonical bytes, and its tally is consistent.

use hark_dns::{name, rdata, RrType};
use hark_ingest::aggregate::{Aggregator, Observations};
use hark_ingest::source::{ChunkLimits, Fill, Source};
use hark_record::{Batch, RrKey, Tally};

/// Checks one canonical wire name: valid, and presentation → wire gives it back.
pub fn check_name(wire: &[u8]) {
    name::validate(wire).unwrap_or_else(|err| panic!("invalid name {wire:02x?}: {err}"));
    let mut text = String::new();
    name::to_presentation(wire, &mut text).expect("a valid name prints");
    assert_eq!(
        name::from_presentation(&text).as_deref(),
        Ok(wire),
        "name {text:?} does not read back"
    );
}

/// Checks canonical rdata of `rrtype`: presentation → wire gives it back.
pub fn check_rdata(rrtype: RrType, canonical: &[u8]) {
    let mut text = String::new();
    rdata::to_presentation(rrtype, canonical, &mut text);
    assert_eq!(
        rdata::from_presentation(rrtype, &text).as_deref(),
        Ok(canonical),
        "{rrtype} rdata {canonical:02x?} printed as {text:?} does not read back"
    );
}

fn check_tally(tally: &Tally) {
    // `count` may be 0: imports take it from the file (a COF `"count": 0`).
    for span in [tally.seen, tally.zone_seen].into_iter().flatten() {
        assert!(span.first <= span.last, "time span {span:?} runs backwards");
    }
}

/// Folds `chunk` into a cache and checks every row and negative row it gives; returns them.
pub fn check_observations(chunk: &Observations) -> Batch {
    let mut cache = Aggregator::new(usize::MAX);
    assert_eq!(cache.add_from(chunk, 0), None, "an unbounded cache filled");
    let batch = cache.take_batch();
    check_batch(&batch);
    batch
}

/// Checks every row, negative row and certificate-name row of `batch`.
pub fn check_batch(batch: &Batch) {
    for (key, tally) in &batch.rows {
        let parts = key.parts();
        let again = RrKey::new(&parts).expect("a stored key packs again");
        assert_eq!(again.as_bytes(), key.as_bytes(), "key does not pack back");
        check_name(parts.rrname);
        if let Some(bailiwick) = parts.bailiwick {
            check_name(bailiwick);
        }
        assert!(!parts.rrtype.is_meta(), "meta type {} stored", parts.rrtype);
        check_rdata(parts.rrtype, parts.rdata);
        check_tally(tally);
    }
    for (key, tally) in &batch.negatives {
        check_name(&key.qname);
        check_tally(tally);
    }
    for (key, tally) in &batch.certs {
        check_name(&key.name);
        assert!(
            key.issuer.len() <= hark_record::MAX_ISSUER_BYTES,
            "an issuer of {} bytes kept",
            key.issuer.len()
        );
        check_tally(tally);
    }
}

/// Reads a whole source in small chunks, checking every chunk; returns the units read.
pub fn drain(source: &mut dyn Source) -> usize {
    let limits = ChunkLimits {
        units: 64,
        bytes: 64 * 1024,
    };
    let mut units = 0;
    let mut chunk = Observations::default();
    for _ in 0..1_000_000 {
        chunk.clear();
        let fill = source.fill(&mut chunk, &limits);
        units += chunk.len();
        check_observations(&chunk);
        match fill {
            Fill::More => {}
            Fill::Idle => panic!("a file source went idle"),
            Fill::End { .. } => return units,
        }
    }
    panic!("a source never ended");
}

/// A reader over a copy of the fuzz input, for sources that take one.
pub fn reader(data: &[u8]) -> Box<dyn std::io::BufRead + Send> {
    Box::new(std::io::Cursor::new(data.to_vec()))
}
