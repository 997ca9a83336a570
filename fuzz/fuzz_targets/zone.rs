//! The zone-file reader: any text (with or without a given origin) gives rows that pass the
//! shared checks, each at or below the zone and with a zone time, never a sensor time.
//! `$INCLUDE` lines are dropped from the input: they read the file system (their depth
//! limit and loops are unit-tested in `hark_ingest::zone`).
#![no_main]

use hark_fuzz::{check_observations, reader};
use hark_ingest::aggregate::Observations;
use hark_ingest::source::{ChunkLimits, Fill, Source};
use hark_ingest::zone::{ZoneOptions, ZoneSource};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&options, text)) = data.split_first() else {
        return;
    };
    let text: Vec<u8> = text
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| !line.windows(7).any(|w| w.eq_ignore_ascii_case(b"include")))
        .flatten()
        .copied()
        .collect();
    let origin = (options & 1 == 1).then(|| b"\x07example\x03com\x00".to_vec());
    let zone_options = ZoneOptions {
        origin,
        time: 1_700_000_000,
        strict: options & 2 == 2,
    };
    let mut source = ZoneSource::from_reader(reader(&text), "fuzz", zone_options);
    let limits = ChunkLimits {
        units: 64,
        bytes: 64 * 1024,
    };
    let mut chunk = Observations::default();
    for _ in 0..100_000 {
        chunk.clear();
        let fill = source.fill(&mut chunk, &limits);
        let batch = check_observations(&chunk);
        let zone = source.zone().map(<[u8]>::to_vec);
        for (key, tally) in &batch.rows {
            assert!(
                tally.seen.is_none() && tally.zone_seen.is_some(),
                "{tally:?}"
            );
            if let Some(zone) = &zone {
                assert!(
                    hark_dns::name::is_at_or_below(key.parts().rrname, zone),
                    "row outside the zone"
                );
            }
        }
        if !matches!(fill, Fill::More) {
            return;
        }
    }
    panic!("a zone never ended");
});
