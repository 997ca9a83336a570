//! The dnstap source end to end through the pipeline: which messages make rows, with which
//! bailiwick, what is dropped and counted, and how a file cut short ends.

use super::proto::{Dnstap, DnstapType, Message, MessageType};
use super::*;
use crate::aggregate::SectionSet;
use crate::pipeline::{run, PipelineOptions, RunReport, VecSink};
use crate::testing::{a, name_rr, query, response, soa, wire};
use hark_dns::Section;
use hark_record::Batch;
use prost::Message as _;

const T: u64 = 1_700_000_000;

/// A dnstap payload of `kind` carrying `message` (as query or response by its kind).
fn payload(kind: MessageType, zone: Option<&str>, message: Vec<u8>) -> Vec<u8> {
    let mut inner = Message {
        r#type: kind as i32,
        query_zone: zone.map(|z| wire(z).into()),
        query_time_sec: Some(T),
        query_address: Some(vec![192, 0, 2, 99].into()),
        ..Message::default()
    };
    if kind.is_query() {
        inner.query_message = Some(message.into());
    } else {
        inner.response_time_sec = Some(T + 5);
        inner.response_time_nsec = Some(999_999_999);
        inner.response_message = Some(message.into());
    }
    Dnstap {
        identity: Some(b"resolver-1".to_vec().into()),
        r#type: DnstapType::Message as i32,
        message: Some(inner),
        ..Dnstap::default()
    }
    .encode_to_vec()
}

fn file(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut writer =
        fstrm::Writer::new(Vec::new(), fstrm::CONTENT_TYPE_DNSTAP).expect("writes to memory");
    for frame in frames {
        writer.write_frame(frame).expect("writes to memory");
    }
    writer.finish().expect("writes to memory")
}

/// A resolver's upstream answer from example.com's servers, with an address for
/// www.bank.test slipped into the additional section.
fn poisoned() -> Vec<u8> {
    response(
        "www.example.com",
        1,
        0,
        &[
            a(Section::Answer, "www.example.com", [192, 0, 2, 1]),
            name_rr(Section::Authority, "example.com", 2, "ns1.example.com"),
            a(Section::Additional, "ns1.example.com", [192, 0, 2, 53]),
            a(Section::Additional, "www.bank.test", [203, 0, 113, 66]),
        ],
    )
}

/// Every kind of frame once: (frames, how many data frames).
fn mixed() -> Vec<Vec<u8>> {
    vec![
        payload(
            MessageType::ResolverQuery,
            Some("example.com"),
            query("www.example.com", 1),
        ),
        payload(
            MessageType::ResolverResponse,
            Some("example.com"),
            poisoned(),
        ),
        payload(
            MessageType::ClientResponse,
            None,
            response(
                "client.example.net",
                1,
                0,
                &[a(Section::Answer, "client.example.net", [198, 51, 100, 7])],
            ),
        ),
        payload(
            MessageType::ForwarderResponse,
            Some("example.org"),
            response(
                "fwd.example.org",
                1,
                0,
                &[
                    name_rr(Section::Answer, "fwd.example.org", 5, "edge.cdn.test"),
                    a(Section::Answer, "edge.cdn.test", [198, 51, 100, 8]),
                ],
            ),
        ),
        payload(
            MessageType::AuthResponse,
            Some("example.com"),
            response("nx.example.com", 1, 3, &[soa("example.com")]),
        ),
        b"\x0a\xff\xff".to_vec(), // a truncated protobuf field
        vec![0x42; 2000],         // over the 1000-byte limit below
    ]
}

fn ingest(bytes: Vec<u8>, options: DnstapOptions) -> (RunReport, Batch) {
    let mut source = DnstapSource::from_reader(
        Box::new(std::io::Cursor::new(bytes)),
        "test.dnstap",
        options,
        ExpansionLimit::DEFAULT,
    )
    .expect("a dnstap stream");
    let sink = VecSink::default();
    let report = run(&mut source, &sink, &PipelineOptions::default(), &mut |_| {}).expect("runs");
    let mut all = Batch::default();
    for batch in sink.into_batches() {
        all.rows.extend(batch.rows);
        all.negatives.extend(batch.negatives);
    }
    all.rows.sort_by(|a, b| a.0.cmp(&b.0));
    all.negatives.sort_by(|a, b| a.0.cmp(&b.0));
    (report, all)
}

/// (rrname, bailiwick) of every row, in presentation form.
fn names(batch: &Batch) -> Vec<(String, String)> {
    let text = |wire: &[u8]| {
        let mut out = String::new();
        hark_dns::name::to_presentation(wire, &mut out).expect("a name");
        out
    };
    let mut names: Vec<_> = batch
        .rows
        .iter()
        .map(|(key, tally)| {
            assert_eq!(
                tally.seen.map(|s| s.first),
                Some((T + 5) as i64),
                "response time"
            );
            let parts = key.parts();
            (
                text(parts.rrname),
                parts.bailiwick.map_or("-".to_string(), text),
            )
        })
        .collect();
    names.sort();
    names
}

fn options(client_responses: bool) -> DnstapOptions {
    DnstapOptions {
        client_responses,
        sections: SectionSet::ALL,
        max_frame: 1000,
    }
}

#[test]
fn the_zone_is_the_bailiwick_and_the_poisoned_record_is_counted_not_stored() {
    let (report, batch) = ingest(file(&mixed()), options(false));
    let pair = |name: &str, bailiwick: &str| (name.to_string(), bailiwick.to_string());
    assert_eq!(
        names(&batch),
        vec![
            pair("edge.cdn.test.", "-"),
            pair("example.com.", "example.com."),
            pair("example.com.", "example.com."),
            pair("fwd.example.org.", "-"),
            pair("ns1.example.com.", "example.com."),
            pair("www.example.com.", "example.com."),
        ],
        "the NS and the SOA of example.com, no www.bank.test, no client answer"
    );
    assert_eq!(batch.negatives.len(), 1, "the NXDOMAIN");
    assert_eq!(&*batch.negatives[0].0.qname, &wire("nx.example.com")[..]);
    let source = &report.source;
    assert!(report.complete);
    assert_eq!(report.units, 7, "one unit per data frame");
    assert_eq!((source.packets, source.messages, source.queries), (7, 5, 1));
    let skips: Vec<_> = source.skips.iter().collect();
    assert_eq!(
        skips,
        vec![
            ("dnstap_bad_protobuf", 1),
            ("dnstap_client_response_not_selected", 1),
            ("dnstap_frame_too_large", 1),
            ("out_of_bailiwick", 1),
        ]
    );
    assert_eq!(report.aggregate.responses, 3);
}

#[test]
fn client_responses_when_asked() {
    let (report, batch) = ingest(file(&mixed()), options(true));
    assert!(names(&batch).contains(&("client.example.net.".into(), "-".into())));
    assert_eq!(
        report
            .source
            .skips
            .get("dnstap_client_response_not_selected"),
        0
    );
    assert_eq!(report.aggregate.responses, 4);
}

#[test]
fn a_cut_file_keeps_whole_frames_and_stays_unfinished() {
    let frames = mixed();
    let whole = file(&frames);
    // Cut inside the fifth frame (the NXDOMAIN): four data frames are whole.
    let fifth_end = whole.len() - 12 - (frames[6].len() + 4) - (frames[5].len() + 4);
    let cut = whole[..fifth_end - 3].to_vec();
    let (report, batch) = ingest(cut, options(false));
    assert!(!report.complete);
    assert_eq!(report.units, 4);
    assert!(batch.negatives.is_empty());
    assert_eq!(report.source.skips.get("fstrm_cut_mid_frame"), 1);
    assert!(report
        .source
        .stopped
        .as_deref()
        .is_some_and(|s| s.contains("cut at byte")));
    // Whole frames but no STOP: unfinished too.
    let (report, _) = ingest(whole[..whole.len() - 12].to_vec(), options(false));
    assert!(!report.complete);
    assert_eq!(report.units, 7);
    assert_eq!(report.source.skips.get("fstrm_no_stop_frame"), 1);
}

#[test]
fn gzip_is_read_through() {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&file(&mixed())).expect("compresses");
    let (report, batch) = ingest(encoder.finish().expect("compresses"), options(false));
    assert!(report.complete);
    assert_eq!(names(&batch).len(), 6);
}

#[test]
fn not_dnstap_is_refused_with_the_reason() {
    let mut other = Vec::new();
    fstrm::Control::new(fstrm::ControlType::START, &[b"protobuf:other"]).encode(&mut other);
    for (bytes, message) in [
        (
            other,
            "x is not a dnstap file: the stream's content type is \"protobuf:other\", not \"protobuf:dnstap.Dnstap\"",
        ),
        (
            b"\xd4\xc3\xb2\xa1 a pcap".to_vec(),
            "x is not a dnstap file: a data frame before START at byte 0: not a Frame Streams file, or a corrupt one",
        ),
    ] {
        let err = DnstapSource::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            "x",
            DnstapOptions::default(),
            ExpansionLimit::DEFAULT,
        )
        .err()
        .expect("refused");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn detection_goes_by_content_and_names_are_a_hint() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("a.bin");
    std::fs::write(&plain, file(&mixed())).expect("writes");
    assert_eq!(detect(&plain).expect("reads"), Detected::Dnstap);
    let gz = dir.path().join("b");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&file(&[])).expect("compresses");
    std::fs::write(&gz, encoder.finish().expect("compresses")).expect("writes");
    assert_eq!(detect(&gz).expect("reads"), Detected::Dnstap);
    let other = dir.path().join("c.fstrm");
    let mut bytes = Vec::new();
    fstrm::Control::new(fstrm::ControlType::START, &[b"text/plain"]).encode(&mut bytes);
    std::fs::write(&other, bytes).expect("writes");
    assert_eq!(
        detect(&other).expect("reads"),
        Detected::OtherFrameStreams("text/plain".into())
    );
    let pcap = dir.path().join("d.dnstap");
    std::fs::write(&pcap, b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00").expect("writes");
    assert_eq!(detect(&pcap).expect("reads"), Detected::Other);
    assert!(named_like_dnstap(&pcap) && named_like_dnstap(Path::new("x.FSTRM.gz")));
    assert!(!named_like_dnstap(Path::new("x.pcap")));
}

#[test]
fn corrupt_bytes_never_panic_and_every_frame_stays_one_unit() {
    let whole = file(&mixed());
    let mut state = 0x2545_f491_u32;
    for round in 0..400 {
        let mut bytes = whole.clone();
        for _ in 0..=round % 4 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            // Past the START frame, so every copy is still a dnstap stream.
            let at = 42 + (state >> 4) as usize % (bytes.len() - 42);
            bytes[at] = (state >> 20) as u8;
        }
        let (report, _) = ingest(bytes, options(round % 2 == 0));
        assert_eq!(report.units, report.source.packets, "round {round}");
        assert!(
            report.complete || report.source.stopped.is_some(),
            "round {round}"
        );
    }
}
