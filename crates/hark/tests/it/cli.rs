//! The command line: lookups, output formats, import/export, file de-duplication, bad input.
//! The store is loaded from a COF file written here by hand, so every answer is known.

use crate::support::{shared, TempStore};

/// Rows with a known story: hosting moves, shared name servers, mail, a TXT token.
const SAMPLE: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10}
{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4}
{"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6}
{"rrname":"WWW.Example.COM","rrtype":"AAAA","rdata":["2001:db8::80","2001:DB8::81"],"time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111111abcdef8.cloudfront.net.","time_first":1700300000,"time_last":1700400000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"com.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.org.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"org.","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"example.com.","rrtype":"MX","rdata":"10 example-com.mail.protection.outlook.com.","time_first":1700000000,"time_last":1700900000,"count":5}
{"rrname":"example.com.","rrtype":"TXT","rdata":"\"MS=ms12345678\"","time_first":1700000000,"time_last":1700900000,"count":2}
{"rrname":"www.example.net.","rrtype":28,"rdata":"2001:db8::1","time_first":1700000000,"time_last":1700000100,"count":1}
{"cond":"succeeded"}
"#;

fn loaded() -> TempStore {
    let store = TempStore::new();
    let file = store.dir.path().join("sample.json");
    std::fs::write(&file, SAMPLE).expect("write sample");
    store.ok(&["import", "cof", file.to_str().expect("path")]);
    store
}

/// The (rrname, rrtype, rdata) of each JSON line, sorted.
fn triples(json: &str) -> Vec<String> {
    let mut out: Vec<String> = json
        .lines()
        .map(|l| {
            let o: serde_json::Value = serde_json::from_str(l).expect("json line");
            format!(
                "{} {} {}",
                o["rrname"].as_str().unwrap(),
                o["rrtype"].as_str().unwrap(),
                o["rdata"].as_str().unwrap()
            )
        })
        .collect();
    out.sort();
    out
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn rrset_lookups_with_wildcards_types_and_bailiwicks() {
    let store = loaded();
    assert_eq!(
        triples(&store.ok(&["lookup", "rrset", "www.example.com", "--json"])),
        sorted(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 198.51.100.80",
            "www.example.com. AAAA 2001:db8::80",
            "www.example.com. AAAA 2001:db8::81",
        ])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rrset", "*.example.com/CNAME", "-j"])),
        sorted(&["api.example.com. CNAME d111111abcdef8.cloudfront.net."])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rrset", "www.example.*/AAAA", "-j"])),
        sorted(&[
            "www.example.com. AAAA 2001:db8::80",
            "www.example.com. AAAA 2001:db8::81",
            "www.example.net. AAAA 2001:db8::1"
        ])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rrset", "example.com/NS/com", "-j"])),
        sorted(&["example.com. NS ns1.dnsprovider.example."])
    );
    assert!(store
        .ok(&["lookup", "rrset", "example.com/NS/org", "-j"])
        .is_empty());
}

#[test]
fn rdata_lookups_by_address_range_and_name() {
    let store = loaded();
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "ip", "192.0.2.0/24", "-j"])),
        sorted(&["example.com. A 192.0.2.1", "www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "ip", "192.0.2.2-198.51.100.80", "-j"])),
        sorted(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 198.51.100.80"
        ])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "ip", "2001:db8::/64", "-j"])),
        sorted(&[
            "www.example.com. AAAA 2001:db8::80",
            "www.example.com. AAAA 2001:db8::81",
            "www.example.net. AAAA 2001:db8::1"
        ])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "name", "ns1.dnsprovider.example", "-j"])),
        sorted(&[
            "example.com. NS ns1.dnsprovider.example.",
            "example.org. NS ns1.dnsprovider.example."
        ])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "name", "*.cloudfront.net", "-j"])),
        sorted(&["api.example.com. CNAME d111111abcdef8.cloudfront.net."])
    );
    assert_eq!(
        triples(&store.ok(&["lookup", "rdata", "name", "*.outlook.com/MX", "-j"])),
        sorted(&["example.com. MX 10 example-com.mail.protection.outlook.com."])
    );
}

#[test]
fn time_fences_and_limits() {
    let store = loaded();
    // Hosting moved from 192.0.2.80 to 198.51.100.80: only the new address was seen after.
    assert_eq!(
        triples(&store.ok(&[
            "lookup",
            "rrset",
            "www.example.com/A",
            "-j",
            "--last-after",
            "1700150000"
        ])),
        sorted(&["www.example.com. A 198.51.100.80"])
    );
    assert_eq!(
        triples(&store.ok(&[
            "lookup",
            "rrset",
            "www.example.com/A",
            "-j",
            "--first-before",
            "2023-11-15"
        ])),
        sorted(&["www.example.com. A 192.0.2.80"]),
        "2023-11-15 is 1700006400"
    );
    let limited = store.run(&["lookup", "rrset", "www.example.com", "-j", "--limit", "1"]);
    assert_eq!(String::from_utf8_lossy(&limited.stdout).lines().count(), 1);
    assert!(String::from_utf8_lossy(&limited.stderr).contains("limit of 1"));
    let bad = store.run(&[
        "lookup",
        "rrset",
        "www.example.com",
        "--last-after",
        "yesterday",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a time"));
}

#[test]
fn output_formats_text_json_and_csv() {
    let store = loaded();
    let text = store.ok(&["lookup", "rrset", "example.com/MX"]);
    assert!(
        text.contains(";; record times: 2023-11-14 22:13:20 .. 2023-11-25 08:13:20"),
        "{text}"
    );
    assert!(text.contains(";; count: 5"), "{text}");
    assert!(
        text.contains("example.com.  MX  10 example-com.mail.protection.outlook.com."),
        "{text}"
    );
    let csv = store.ok(&["lookup", "rrset", "example.com/TXT", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("rrname,rrtype,rdata,time_first,time_last,count,bailiwick,zone_time_first,zone_time_last"));
    assert_eq!(
        lines.next(),
        Some(r#"example.com.,TXT,"""MS=ms12345678""",1700000000,1700900000,2,,,"#)
    );
    let json = store.ok(&["lookup", "rrset", "example.com/NS", "--json"]);
    let obj: serde_json::Value = serde_json::from_str(json.trim()).expect("json");
    assert_eq!(obj["bailiwick"], "com.");
    assert_eq!(obj["count"], 30);
    assert_eq!(obj["time_first"], 1690000000);
}

#[test]
fn export_then_import_into_a_fresh_store_gives_the_same_rows() {
    let store = loaded();
    let export = store.ok(&["export"]);
    assert_eq!(
        export.lines().count(),
        11,
        "10 lines, one holding an RRset of two"
    );
    let copy = TempStore::new();
    let file = copy.dir.path().join("export.json");
    std::fs::write(&file, &export).expect("write export");
    copy.ok(&["import", "cof", file.to_str().expect("path")]);
    assert_eq!(copy.ok(&["export"]), export);
}

#[test]
fn importing_the_same_file_twice_is_refused_unless_forced() {
    let store = loaded();
    let file = store.dir.path().join("sample.json");
    let again = store.run(&["import", "cof", file.to_str().expect("path")]);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("imported before"));
    let count = |s: &TempStore| -> u64 {
        let json = s.ok(&["lookup", "rrset", "example.com/A", "-j"]);
        serde_json::from_str::<serde_json::Value>(json.trim()).unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(&store), 10);
    store.ok(&["import", "cof", "--force", file.to_str().expect("path")]);
    assert_eq!(count(&store), 20);
}

#[test]
fn ingesting_the_same_capture_twice_is_refused_unless_forced() {
    let Some(shared) = shared() else { return };
    let pcap = shared.join("fixtures/pcap/gopassivedns__100_udp_lookups.pcap");
    let pcap = pcap.to_str().expect("path");
    let store = TempStore::new();
    store.ok(&["ingest", pcap]);
    let again = store.run(&["ingest", pcap]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("ingested before"));
    let count = || -> u64 {
        let json = store.ok(&["lookup", "rrset", "golang.org/A", "-j"]);
        serde_json::from_str::<serde_json::Value>(json.trim()).unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(), 17, "the expected table says 17 responses carry it");
    store.ok(&["ingest", "--force", pcap]);
    assert_eq!(count(), 34);
}

#[test]
fn garbage_cof_lines_are_counted_skips() {
    let store = TempStore::new();
    let file = store.dir.path().join("bad.json");
    std::fs::write(
        &file,
        "{not json\n\n{\"rrname\":\"a.\",\"rrtype\":\"A\",\"rdata\":\"1.2.3\",\"time_first\":1}\n\u{1}\u{2}\n{\"rrname\":\"ok.example.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.9\",\"time_first\":5,\"time_last\":6}\n",
    )
    .expect("write");
    let out = store.run(&["import", "cof", file.to_str().expect("path")]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cof_bad_json=2"), "{stderr}");
    assert!(stderr.contains("cof_bad_rdata=1"), "{stderr}");
    assert_eq!(store.export().len(), 1);
}

#[test]
fn a_file_that_is_not_a_capture_gets_a_one_line_error() {
    let store = TempStore::new();
    let file = store.dir.path().join("notes.txt");
    std::fs::write(&file, "hello, this is not a pcap\n").expect("write");
    let out = store.run(&["ingest", file.to_str().expect("path")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("notes.txt"), "names the file: {stderr}");
    let missing = store.run(&["ingest", "/nonexistent/x.pcap"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("x.pcap"));
}

#[test]
fn a_capture_cut_mid_record_keeps_what_came_before() {
    let Some(shared) = shared() else { return };
    let full = std::fs::read(shared.join("fixtures/pcap/dnscap__dns.pcap")).expect("fixture");
    let store = TempStore::new();
    let cut = store.dir.path().join("cut.pcap");
    std::fs::write(&cut, &full[..full.len() - 30]).expect("write");
    let out = store.run(&["ingest", cut.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("capture_cut_mid_record=1"), "{stderr}");
    assert!(!store.export().is_empty());
}

#[test]
fn negative_answers_are_their_own_table() {
    let Some(shared) = shared() else { return };
    // Desktop browsing with NXDOMAIN PTR answers for 192.168.x (from the fixture's README).
    let pcap = shared.join("fixtures/pcap/go-dnscollector__dnsdump_udp.pcap");
    let store = TempStore::new();
    store.ok(&["ingest", pcap.to_str().expect("path")]);
    let json = store.ok(&["lookup", "negative", "*.168.192.in-addr.arpa/PTR", "-j"]);
    assert!(!json.is_empty(), "NXDOMAIN PTR answers are kept");
    for line in json.lines() {
        let o: serde_json::Value = serde_json::from_str(line).expect("json");
        assert_eq!(o["qtype"], "PTR");
        assert_eq!(o["rcode"], "NXDOMAIN");
        assert!(o["qname"]
            .as_str()
            .unwrap()
            .ends_with(".168.192.in-addr.arpa."));
    }
    let rr = store.ok(&["lookup", "rrset", "*.168.192.in-addr.arpa", "-j"]);
    assert!(
        rr.is_empty(),
        "negative answers never appear as RR rows: {rr}"
    );
}

#[test]
fn help_teaches_the_query_syntax() {
    let store = TempStore::new();
    let help = store.ok(&["lookup", "rrset", "--help"]);
    assert!(help.contains("*.example.com"));
    assert!(help.contains("www.example.*"));
    let help = store.ok(&["ingest", "--help"]);
    assert!(help.contains("--sections"));
    assert!(help.contains("--force"));
}

#[test]
fn real_captures_survive_export_and_import_unchanged() {
    // Every record type in the shared captures (DNSKEY, RRSIG, TXT sets, SOA, PTR...) goes
    // through presentation format and back without changing a row.
    let Some(shared) = shared() else { return };
    let store = TempStore::new();
    let mut args = vec!["ingest".to_string(), "--sections".into(), "all".into()];
    for entry in std::fs::read_dir(shared.join("fixtures/pcap")).expect("pcaps") {
        args.push(entry.expect("entry").path().to_string_lossy().into_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    store.ok(&args);
    let export = store.ok(&["export"]);
    assert!(
        export.lines().count() > 2000,
        "the fixtures hold over 2,000 rows"
    );
    for rrtype in [
        "\"DNSKEY\"",
        "\"RRSIG\"",
        "\"TXT\"",
        "\"SOA\"",
        "\"PTR\"",
        "\"AAAA\"",
    ] {
        assert!(export.contains(rrtype), "the fixtures hold {rrtype} rows");
    }
    let copy = TempStore::new();
    let file = copy.dir.path().join("export.json");
    std::fs::write(&file, &export).expect("write export");
    let out = copy.run(&["import", "cof", file.to_str().expect("path")]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("skipped: nothing"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(copy.ok(&["export"]), export);
}

#[test]
fn hark_db_names_the_store_when_db_is_not_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("from-env");
    let cof = dir.path().join("one.json");
    std::fs::write(
        &cof,
        r#"{"rrname":"a.example.","rrtype":"A","rdata":"192.0.2.1","time_first":1,"time_last":2}"#,
    )
    .expect("write");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_hark"))
        .env("HARK_DB", &db)
        .args(["import", "cof"])
        .arg(&cof)
        .output()
        .expect("runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(db.is_dir(), "the store was created where HARK_DB points");
}
