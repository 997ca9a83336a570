//! `hark ingest` on dnstap files: the shared fixtures, whose rows and times their
//! `dnstap-ldns -q` tables predict, and files written here with hark's encoder — a resolver's
//! upstream answer carrying a poisoned record, a file cut short, gzip, the wrong content type.

use crate::crash::{assert_same, snapshot};
use crate::support::{shared, TempStore};
use hark_ingest::dnstap::proto::{Dnstap, DnstapType, Message, MessageType};
use hark_ingest::fstrm;
use prost::Message as _;
use std::collections::BTreeMap;
use std::path::Path;

/// A row of the export: (rrname, rrtype, rdata, bailiwick) → (count, first, last).
type Rows = BTreeMap<(String, String, String, String), (u64, i64, i64)>;

fn rows(store: &TempStore) -> Rows {
    store
        .ok(&["export"])
        .lines()
        .map(|line| {
            let o: serde_json::Value = serde_json::from_str(line).expect("JSON");
            let text = |k: &str| o[k].as_str().unwrap_or("-").to_string();
            let int = |k: &str| o[k].as_i64().expect("a number");
            (
                (
                    text("rrname"),
                    text("rrtype"),
                    text("rdata"),
                    text("bailiwick"),
                ),
                (int("count") as u64, int("time_first"), int("time_last")),
            )
        })
        .collect()
}

/// The `name=count` skip counters of an ingest summary.
fn skips(stderr: &str) -> BTreeMap<String, u64> {
    stderr
        .lines()
        .filter_map(|l| l.split_once(": skipped: "))
        .flat_map(|(_, list)| list.split_whitespace())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().expect("a count")))
        .collect()
}

fn ingest(store: &TempStore, args: &[&str]) -> String {
    let out = store.run(&[&["ingest"], args].concat());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "hark ingest {args:?}: {stderr}");
    stderr
}

/// The epoch seconds of the `dnstap-ldns -q` lines of message type `kind` (UTC times).
fn table_times(table: &str, kind: &str) -> Vec<i64> {
    table
        .lines()
        .filter(|l| l.split(' ').nth(2) == Some(kind))
        .map(|l| {
            let stamp = l.get(..19).expect("a time");
            let civil: jiff::civil::DateTime = stamp.parse().expect("a date and time");
            civil
                .to_zoned(jiff::tz::TimeZone::UTC)
                .expect("UTC")
                .timestamp()
                .as_second()
        })
        .collect()
}

/// Asserts every row was seen `count` times between the first and last of `times`.
fn assert_every_row_spans(rows: &Rows, times: &[i64], what: &str) {
    let first = *times.iter().min().expect("times");
    let last = *times.iter().max().expect("times");
    assert!(!rows.is_empty(), "{what}: rows");
    for (key, value) in rows {
        assert_eq!(*value, (times.len() as u64, first, last), "{what}: {key:?}");
    }
}

#[test]
fn dnstap_fixtures_give_the_rows_their_tables_predict() {
    let Some(shared) = shared() else { return };
    let fixtures = shared.join("fixtures");
    let table = |name: &str| {
        std::fs::read_to_string(fixtures.join(format!("expected/{name}.dnstap-ldns-q.txt")))
            .expect("table")
    };

    // BIND's test file: 8 messages of each of the 12 types, one response (www.isc.org/A with
    // NS and glue). Its resolver and authority responses say query_zone example.com., which
    // holds none of their records: all dropped. Forwarder responses make rows, unchecked.
    let bind = fixtures.join("dnstap/bind9__dnstap.saved.fstrm");
    let bind = bind.to_str().expect("path");
    let bind_table = table("bind9__dnstap.saved.fstrm");
    let store = TempStore::new();
    let stderr = ingest(&store, &[bind]);
    assert!(
        stderr.contains(
            "96 frames, 96 dnstap messages (48 queries), 24 responses (0 truncated), 40 RRs"
        ),
        "{stderr}"
    );
    let stored = rows(&store);
    assert!(stored
        .keys()
        .any(|(name, kind, _, _)| name == "www.isc.org." && kind == "A"));
    assert!(stored.keys().all(|(.., bailiwick)| bailiwick == "-"));
    assert_every_row_spans(&stored, &table_times(&bind_table, "FR"), "bind9, FR");
    let counted = skips(&stderr);
    let per_response = stored.len() as u64; // no record repeats inside this response
    let expected: BTreeMap<String, u64> = [
        ("dnstap_client_response_not_selected", 8),
        ("dnstap_stub_response_not_selected", 8),
        ("dnstap_tool_response_not_selected", 8),
        ("out_of_bailiwick", 16 * per_response),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(counted, expected, "{stderr}");
    eprintln!("bind9: {} rows; skipped {counted:?}", stored.len());

    // With client responses too: the same rows, seen by the FR and CR messages.
    let store = TempStore::new();
    ingest(&store, &["--dnstap-client-responses", bind]);
    let mut times = table_times(&bind_table, "FR");
    times.extend(table_times(&bind_table, "CR"));
    assert_eq!(rows(&store).len(), stored.len());
    assert_every_row_spans(&rows(&store), &times, "bind9, FR and CR");

    // dnsdist's two messages: a client query and a client response, so no rows by default.
    let dnsdist = fixtures.join("dnstap/go-dnscollector__dnstap.fstrm");
    let dnsdist = dnsdist.to_str().expect("path");
    let store = TempStore::new();
    let stderr = ingest(&store, &[dnsdist]);
    assert!(rows(&store).is_empty());
    assert_eq!(
        skips(&stderr),
        BTreeMap::from([("dnstap_client_response_not_selected".to_string(), 1)]),
        "{stderr}"
    );
    let store = TempStore::new();
    let stderr = ingest(&store, &["--dnstap-client-responses", dnsdist]);
    let stored = rows(&store);
    assert!(stored
        .keys()
        .any(|(name, kind, _, _)| name == "www.google.com." && kind == "A"));
    assert_every_row_spans(
        &stored,
        &table_times(&table("go-dnscollector__dnstap.fstrm"), "CR"),
        "dnsdist, CR",
    );
    eprintln!(
        "dnsdist: {} rows; skipped {:?}",
        stored.len(),
        skips(&stderr)
    );
}

/// The wire form of a presentation name.
fn wire(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A response to `qname`/A with `rcode`; records are (section 0..3, owner, type, rdata).
fn response(qname: &str, rcode: u8, records: &[(usize, &str, u16, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![0xbe, 0xef, 0x84, rcode];
    out.extend_from_slice(&1u16.to_be_bytes());
    for section in 0..3 {
        let n = records.iter().filter(|r| r.0 == section).count() as u16;
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend(wire(qname));
    out.extend_from_slice(&[0, 1, 0, 1]);
    for section in 0..3 {
        for (_, owner, rrtype, rdata) in records.iter().filter(|r| r.0 == section) {
            out.extend(wire(owner));
            out.extend_from_slice(&rrtype.to_be_bytes());
            out.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
            out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            out.extend_from_slice(rdata);
        }
    }
    out
}

const T: u64 = 1_717_200_000;

fn frame(kind: MessageType, zone: &str, seconds: u64, dns: Vec<u8>) -> Vec<u8> {
    let mut message = Message {
        r#type: kind as i32,
        query_zone: Some(wire(zone).into()),
        query_time_sec: Some(seconds - 1),
        ..Message::default()
    };
    if kind.is_query() {
        message.query_message = Some(dns.into());
    } else {
        message.response_time_sec = Some(seconds);
        message.response_message = Some(dns.into());
    }
    Dnstap {
        r#type: DnstapType::Message as i32,
        message: Some(message),
        ..Dnstap::default()
    }
    .encode_to_vec()
}

/// A resolver's traffic with example.com's servers: a referral-free answer whose additional
/// section carries an address for www.bank.test, an NXDOMAIN, the query, and a forwarder's
/// answer; `n` rounds, a second apart.
pub fn resolver_traffic(path: &Path, n: u64) {
    let a = |section, owner, address: [u8; 4]| (section, owner, 1u16, address.to_vec());
    let poisoned = response(
        "www.example.com",
        0,
        &[
            a(0, "www.example.com", [192, 0, 2, 1]),
            (1, "example.com", 2, wire("ns1.example.com")),
            a(2, "ns1.example.com", [192, 0, 2, 53]),
            a(2, "www.bank.test", [203, 0, 113, 66]),
        ],
    );
    let mut query = response("www.example.com", 0, &[]);
    query[2] = 0x01; // QR=0
    let mut writer = fstrm::Writer::new(
        std::fs::File::create(path).expect("creates"),
        fstrm::CONTENT_TYPE_DNSTAP,
    )
    .expect("writes");
    for i in 0..n {
        let t = T + i;
        for payload in [
            frame(MessageType::ResolverQuery, "example.com", t, query.clone()),
            frame(
                MessageType::ResolverResponse,
                "example.com",
                t,
                poisoned.clone(),
            ),
            frame(
                MessageType::AuthResponse,
                "example.com",
                t,
                response("nx.example.com", 3, &[]),
            ),
            frame(
                MessageType::ForwarderResponse,
                "example.org",
                t,
                response(
                    "www.example.org",
                    0,
                    &[a(0, "www.example.org", [198, 51, 100, 9])],
                ),
            ),
        ] {
            writer.write_frame(&payload).expect("writes");
        }
    }
    writer.finish().expect("writes");
}

#[test]
fn dnstap_rows_get_their_zone_and_a_poisoned_record_stays_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No dnstap-like name: recognised by its content.
    let file = dir.path().join("upstream.bin");
    resolver_traffic(&file, 3);
    let file = file.to_str().expect("path");
    let store = TempStore::new();
    let stderr = ingest(&store, &["--sections", "all", file]);
    assert!(
        stderr.contains("12 frames, 12 dnstap messages (3 queries), 9 responses"),
        "{stderr}"
    );
    assert_eq!(
        skips(&stderr),
        BTreeMap::from([("out_of_bailiwick".to_string(), 3)]),
        "{stderr}"
    );
    let row = |name: &str, kind: &str, rdata: &str, bailiwick: &str| {
        (
            (
                name.to_string(),
                kind.to_string(),
                rdata.to_string(),
                bailiwick.to_string(),
            ),
            (3, T as i64, T as i64 + 2),
        )
    };
    assert_eq!(
        rows(&store),
        Rows::from([
            row("www.example.com.", "A", "192.0.2.1", "example.com."),
            row("example.com.", "NS", "ns1.example.com.", "example.com."),
            row("ns1.example.com.", "A", "192.0.2.53", "example.com."),
            row("www.example.org.", "A", "198.51.100.9", "-"),
        ])
    );
    assert!(store
        .ok(&["lookup", "rrset", "www.bank.test", "--json"])
        .trim()
        .is_empty());
    assert!(store
        .ok(&["lookup", "rdata", "ip", "203.0.113.66", "--json"])
        .trim()
        .is_empty());
    let negatives = store.ok(&["export", "--negatives"]);
    assert_eq!(negatives.lines().count(), 1, "{negatives}");
    assert!(negatives.contains("nx.example.com."), "{negatives}");
    // The same file again is refused: the same content.
    let again = ingest(&store, &[file]);
    assert!(again.contains("ingested before"), "{again}");

    // Gzip-compressed, under a dnstap name: the same rows.
    let gz = dir.path().join("upstream.dnstap.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &std::fs::read(file).expect("reads")).expect("gz");
    std::fs::write(&gz, encoder.finish().expect("gz")).expect("writes");
    let zipped = TempStore::new();
    ingest(&zipped, &["--sections", "all", gz.to_str().expect("path")]);
    assert_eq!(rows(&zipped), rows(&store));
}

#[test]
fn a_dnstap_file_cut_short_is_finished_by_the_complete_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = dir.path().join("whole.dnstap");
    resolver_traffic(&whole, 50);
    let bytes = std::fs::read(&whole).expect("reads");
    let cut = dir.path().join("cut.dnstap");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 5 + 3]).expect("writes");
    let (whole, cut) = (whole.to_str().expect("path"), cut.to_str().expect("path"));

    let clean = TempStore::new();
    ingest(&clean, &[whole]);
    let expected = snapshot(&clean);

    let store = TempStore::new();
    let stderr = ingest(&store, &["--flush-secs", "0.001", cut]);
    assert_eq!(
        skips(&stderr).get("fstrm_cut_mid_frame"),
        Some(&1),
        "{stderr}"
    );
    assert!(stderr.contains("not read to its end"), "{stderr}");
    let stderr = ingest(&store, &[whole]);
    assert!(stderr.contains("continues a shorter copy"), "{stderr}");
    assert_same(
        &snapshot(&store),
        &expected,
        "the complete file after the cut one",
    );
}

#[test]
fn frame_streams_of_another_kind_and_fake_dnstap_names_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let other = dir.path().join("other.fstrm");
    let mut bytes = Vec::new();
    fstrm::Control::new(fstrm::ControlType::START, &[b"protobuf:other.Thing"]).encode(&mut bytes);
    std::fs::write(&other, bytes).expect("writes");
    let fake = dir.path().join("fake.dnstap");
    std::fs::write(&fake, b"hello, not a stream").expect("writes");
    let store = TempStore::new();
    for (file, says) in [
        (
            &other,
            "a Frame Streams file of content type \"protobuf:other.Thing\"",
        ),
        (
            &fake,
            "named like a dnstap file, but it does not start with a Frame Streams START frame",
        ),
    ] {
        let out = store.run(&["ingest", file.to_str().expect("path")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains(says), "{stderr}");
    }
}
