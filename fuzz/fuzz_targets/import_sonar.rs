//! The sonar import: any file, read line by line, gives rows that pass the shared checks
//! (valid canonical names, rdata that prints and reads back, consistent tallies).
#![no_main]

use hark_fuzz::{drain, reader};
use hark_ingest::sonar::Sonar;
use hark_ingest::text::LineSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut source = LineSource::with_reader(reader(data), "fuzz", Sonar, false);
    drain(&mut source);
});
