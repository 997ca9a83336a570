//! The Certificate Transparency imports: any file (after a first byte choosing the format),
//! read as CertStream lines or as the entries of a crt.sh or Cert Spotter array, gives
//! certificate-name rows that pass the shared checks (valid canonical names, issuers within
//! their bound, consistent tallies).
#![no_main]

use hark_fuzz::{drain, reader};
use hark_ingest::ct::{Ct, JsonEntrySource};
use hark_ingest::text::LineSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    match choice % 3 {
        0 => drain(&mut LineSource::with_reader(
            reader(rest),
            "fuzz",
            Ct::CertStream,
            false,
        )),
        1 => drain(&mut JsonEntrySource::with_reader(
            reader(rest),
            "fuzz",
            Ct::CrtSh,
            false,
        )),
        _ => drain(&mut JsonEntrySource::with_reader(
            reader(rest),
            "fuzz",
            Ct::CertSpotter,
            false,
        )),
    };
});
