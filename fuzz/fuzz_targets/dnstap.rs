//! dnstap: one protobuf frame through the decoder shared by files and live streams, or a
//! whole Frame Streams file through the file source. A frame is exactly one unit; rows pass
//! the shared checks, and a row with a bailiwick (the resolver's `query_zone`) is at or
//! below it.
#![no_main]

use bytes::Bytes;
use hark_fuzz::{check_observations, drain, reader};
use hark_ingest::aggregate::{Observations, SectionSet};
use hark_ingest::dnstap::{DnstapDecoder, DnstapOptions, DnstapSource};
use hark_ingest::gzip::ExpansionLimit;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&options, input)) = data.split_first() else {
        return;
    };
    let options = DnstapOptions {
        client_responses: options & 1 == 1,
        sections: if options & 2 == 2 {
            SectionSet::parse("all").unwrap_or_default()
        } else {
            SectionSet::DEFAULT
        },
        max_frame: if options & 4 == 4 {
            512
        } else {
            hark_ingest::fstrm::DEFAULT_MAX_FRAME
        },
    };
    if input.starts_with(&[0, 0, 0, 0]) {
        if let Ok(mut source) =
            DnstapSource::from_reader(reader(input), "fuzz", options, ExpansionLimit::DEFAULT)
        {
            drain(&mut source);
        }
        return;
    }
    let mut decoder = DnstapDecoder::new(options);
    let mut chunk = Observations::default();
    decoder.take_frame(Bytes::copy_from_slice(input), &mut chunk);
    assert_eq!(chunk.len(), 1, "a frame gave {} units", chunk.len());
    let batch = check_observations(&chunk);
    for (key, _) in &batch.rows {
        let parts = key.parts();
        if let Some(zone) = parts.bailiwick {
            assert!(
                hark_dns::name::is_at_or_below(parts.rrname, zone),
                "row outside its bailiwick"
            );
        }
    }
});
