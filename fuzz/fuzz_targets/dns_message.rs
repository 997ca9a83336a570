//! A DNS message from the wire → canonical records → rows: every record parsed has a valid
//! canonical owner, rdata that prints and reads back to the same bytes, and the rows the
//! response gives (all sections) pass the shared row checks.
#![no_main]

use hark_dns::{MessageError, ResponseParser};
use hark_fuzz::{check_name, check_observations, check_rdata};
use hark_ingest::aggregate::{Observations, SectionSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = ResponseParser::new();
    let response = match parser.parse(data) {
        Ok(response) => response,
        Err(err) => {
            let err: MessageError = err;
            assert!(!err.reason().is_empty() && !err.to_string().is_empty());
            return;
        }
    };
    if let Some(question) = &response.question {
        check_name(question.qname);
    }
    for record in response.records() {
        check_name(record.owner);
        check_rdata(record.rrtype, record.rdata);
    }
    let mut chunk = Observations::default();
    chunk.push(
        &response,
        1_700_000_000,
        SectionSet::parse("all").unwrap_or_default(),
    );
    check_observations(&chunk);
});
