//! Flex search pushed down to a real 2-shard ClickHouse cluster gives the embedded engine's
//! answers: same hits, same order, same tallies, for regexes and globs over names and rdata.

#[path = "../../../store-clickhouse/tests/it/cluster.rs"]
#[allow(dead_code)] // shared with the engine's tests, which use all of it
mod cluster;

use hark_dns::{name, RrType};
use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};
use hark_server::flex::{FlexHit, FlexQuery, Syntax};
use hark_server::params::Params;
use hark_store::{Batch, Detail, FlexField, FlexSearch, Store, TypeFilter};
use hark_store_clickhouse::{ClickHouseStore, Location};
use std::ops::ControlFlow;
use tokio::time::{Duration, Instant};

/// Owner names: plain, with escapes (`a\.b`, a non-ASCII byte), upper case on the wire, the
/// root, a wildcard.
fn owners() -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = [
        "www.example.com.",
        "mail.example.com.",
        "example.com.",
        "under_score.example.net.",
        "*.wild.example.net.",
        "xn--bcher-kva.example.",
        "host1.example.org.",
        "a\\.b.example.com.",
        "semi\\;colon.example.",
        ".",
    ]
    .iter()
    .map(|text| name::from_presentation(text).unwrap())
    .collect();
    // Not canonical: upper case and a byte past ASCII, as a hostile sender could store.
    names.push(b"\x03WWW\x07Example\x03COM\x00".to_vec());
    names.push(b"\x04caf\xc3\x07example\x00".to_vec());
    names
}

/// (type, rdata) variety: addresses of each printing rule, names, text, a short A.
fn records() -> Vec<(RrType, Vec<u8>)> {
    let v6 = |hex: &str| {
        (0..16)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    vec![
        (RrType::A, vec![192, 0, 2, 1]),
        (RrType::A, vec![10, 0, 0, 1]),
        (RrType::A, vec![1, 2, 3]),
        (RrType::AAAA, v6("20010db8000000000000000000000001")),
        (RrType::AAAA, v6("20010db8000000000001000000000000")),
        (RrType::AAAA, v6("00000000000000000000ffff01020304")),
        (RrType::AAAA, v6("00000000000000000000000001020304")),
        (
            RrType::CNAME,
            name::from_presentation("target.example.net.").unwrap(),
        ),
        (
            RrType::NS,
            name::from_presentation("ns1.example.com.").unwrap(),
        ),
        (RrType::TXT, b"\x0bv=spf1 -all".to_vec()),
        (RrType::DS, vec![0x30, 0x39, 8, 2, 0xab, 0xcd]),
    ]
}

/// Every owner with a few of the records, bailiwick none, the root or `com.`, at times that
/// differ per row.
fn batch() -> Batch {
    let records = records();
    let bailiwicks: [Option<Vec<u8>>; 3] = [
        None,
        Some(vec![0]),
        Some(name::from_presentation("com.").unwrap()),
    ];
    let mut rows = Vec::new();
    for (i, owner) in owners().iter().enumerate() {
        for (j, (rrtype, rdata)) in records.iter().enumerate() {
            if (i + j) % 3 == 0 {
                continue;
            }
            let key = RrKey::new(&RrKeyParts {
                rrname: owner,
                rrtype: *rrtype,
                bailiwick: bailiwicks[(i * 7 + j) % 3].as_deref(),
                rdata,
            })
            .unwrap();
            let at = 1_700_000_000 + (i * 100 + j) as i64;
            rows.push((
                key,
                Tally {
                    seen: Some(TimeSpan {
                        first: at,
                        last: at + 50,
                    }),
                    zone_seen: None,
                    count: (i + j + 1) as u64,
                },
            ));
        }
    }
    Batch {
        rows,
        ..Batch::default()
    }
}

fn run(store: &dyn Store, syntax: Syntax, path: &[&str], query: &str, keep: u64) -> Vec<FlexHit> {
    let segments: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    let params = Params::parse(Some(query), 1_800_000_000).unwrap();
    let flex = FlexQuery::parse(syntax, &segments, &params).unwrap();
    let mut hits = Vec::new();
    flex.run(
        store,
        keep,
        Instant::now() + Duration::from_secs(60),
        &mut |hit| {
            hits.push(hit);
            ControlFlow::Continue(())
        },
    )
    .unwrap();
    hits
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flex_searches_on_the_cluster_answer_as_the_embedded_store() {
    let Some(cluster) = cluster::Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let embedded = hark_store_embedded::EmbeddedStore::open(dir.path()).unwrap();
    let location: Location = cluster
        .url("flex", "?writer=flex&scan_rows=1")
        .parse()
        .unwrap();
    let on_cluster = ClickHouseStore::open(&location).unwrap();
    let batch = batch();
    embedded.commit(&batch, Detail::Figures).unwrap();
    on_cluster.commit(&batch, Detail::Figures).unwrap();

    use Syntax::{Glob, Regex};
    let searches: &[(Syntax, &[&str], &str, u64)] = &[
        (Regex, &["rrnames", r"^www\."], "", 1000),
        (Regex, &["rrnames", r"example\.com\.$", "A"], "", 1000),
        (Regex, &["rrnames", "WWW"], "", 1000),
        (Regex, &["rrnames", "[0-9]"], "", 1000),
        (Regex, &["rrnames", r"^\.$"], "", 1000),
        (Regex, &["rrnames", r"a\\\.b"], "", 1000),
        (Regex, &["rrnames", r"\\"], "", 1000),
        (Regex, &["rrnames", r"\bmail\b"], "", 1000),
        (Regex, &["rrnames", r"^[^.]+\.example\.$"], "", 1000),
        (Regex, &["rrnames", "(x|y)n--|_score"], "", 1000),
        (Regex, &["rrnames", "caf|é"], "", 1000),
        (Regex, &["rrnames", r"\<www"], "", 1000),
        (Regex, &["rrnames", ".", "ANY-DNSSEC"], "", 1000),
        (Regex, &["rrnames", "example"], "exclude=%5Ewww", 1000),
        (
            Regex,
            &["rrnames", "example"],
            "time_first_after=1700000300",
            1000,
        ),
        (Glob, &["rrnames", "*.example.com."], "", 1000),
        (Glob, &["rrnames", "www.*"], "", 1000),
        (Glob, &["rrnames", "[a-h]*"], "exclude=%2A.com.", 1000),
        (Glob, &["rrnames", r"\**"], "", 1000),
        (Glob, &["rrnames", "*[[:digit:]]*"], "", 1000),
        (Glob, &["rrnames", "?."], "", 1000),
        (Regex, &["rdata", r"^192\.0\.2\."], "", 1000),
        (Regex, &["rdata", r"^10\."], "", 1000),
        (Regex, &["rdata", "::1$"], "", 1000),
        (Regex, &["rdata", "FFFF"], "", 1000),
        (Regex, &["rdata", r"1\.2\.3\.4"], "", 1000),
        (Regex, &["rdata", r"^2001:db8:0:0:1::$"], "", 1000),
        (Regex, &["rdata", "example"], "", 1000),
        (Regex, &["rdata", "spf", "TXT"], "", 1000),
        (Regex, &["rdata", "."], "", 1000),
        (Regex, &["rdata", "."], "", 3),
        (Regex, &["rdata", "[0-9]"], "exclude=%3A", 1000),
        (Glob, &["rdata", "192.0.2.*"], "", 1000),
        (Glob, &["rdata", "*:*", "AAAA"], "", 1000),
    ];
    let mut matched = 0;
    for &(syntax, path, query, keep) in searches {
        let expected = run(&embedded, syntax, path, query, keep);
        let got = run(&on_cluster, syntax, path, query, keep);
        assert_eq!(got, expected, "{syntax:?} {path:?} {query}");
        matched += usize::from(!expected.is_empty());
    }
    // The searches are not vacuous: nearly all find something.
    assert!(
        matched >= searches.len() - 3,
        "{matched} of {}",
        searches.len()
    );
    // The cluster sent back only candidates: rows it could tell match, and the rows whose
    // text it cannot render as hark does (names with escapes or bytes past ASCII; rdata
    // other than A and AAAA; short A, IPv4-compatible and -mapped AAAA).
    let owners = owners();
    let candidates = |field, pattern: &str, keep: &dyn Fn(&RrKeyParts<'_>) -> bool| {
        let search = FlexSearch {
            field,
            pattern: pattern.into(),
            exclude: None,
            filter: TypeFilter::All,
        };
        let mut got = Vec::new();
        on_cluster
            .flex(&search, &mut |row| {
                got.push(row.key);
                ControlFlow::Continue(())
            })
            .unwrap();
        let mut expected: Vec<RrKey> = batch
            .rows
            .iter()
            .map(|(key, _)| key.clone())
            .filter(|key| keep(&key.parts()))
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{pattern}");
    };
    let www = [0, 7, 8, 10, 11].map(|i| owners[i].as_slice());
    candidates(FlexField::Rrnames, r"^www\.", &|parts| {
        www.contains(&parts.rrname)
    });
    candidates(FlexField::Rdata, r"^10\.", &|parts| match parts.rrtype {
        RrType::A => parts.rdata.len() != 4 || parts.rdata.first() == Some(&10),
        RrType::AAAA => parts.rdata.get(..10) == Some(&[0u8; 10][..]),
        _ => true,
    });
    // A few answers written out by hand.
    let texts = |hits: Vec<FlexHit>| {
        hits.into_iter()
            .map(|hit| format!("{} {}", hit.text, hit.rrtype))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        texts(run(
            &on_cluster,
            Regex,
            &["rrnames", r"a\\\.b", "CNAME"],
            "",
            1000
        )),
        [r"a\.b.example.com. CNAME"]
    );
    assert_eq!(
        texts(run(&on_cluster, Regex, &["rdata", r"^10\.0"], "", 1000)),
        ["10.0.0.1 A"]
    );
    assert_eq!(
        texts(run(&on_cluster, Glob, &["rrnames", "?.", "A"], "", 1000)),
        Vec::<String>::new()
    );
}
