//! COF / SAF NDJSON (CIRCL, dnsdbq, DNSDB, hark export): any file through the import source
//! gives rows that pass the shared checks; every row a line gives, written back as hark's
//! export writes it, reads back as the same row.
#![no_main]

use hark_fuzz::{drain, reader};
use hark_ingest::cof::CofSource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut source = CofSource::from_reader(reader(data), "fuzz");
    drain(&mut source);
    for line in String::from_utf8_lossy(data).lines() {
        let Ok(rows) = hark_cof::parse_line(line) else {
            continue;
        };
        for row in rows {
            let Ok((key, tally)) = row.clone().into_entry() else {
                continue;
            };
            let stored = hark_store::Row { key, tally };
            let object = hark_cof::object(&stored, &hark_cof::Style::EXPORT);
            let text = serde_json::Value::Object(object).to_string();
            let again = hark_cof::parse_line(&text);
            assert_eq!(
                again.as_deref().ok(),
                Some(&[row][..]),
                "{line:?} written as {text}"
            );
        }
    }
});
