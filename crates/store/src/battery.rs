//! The tests every storage engine must pass, generic over [`Store`].
//!
//! An engine's test suite calls [`run_all`] with a function that opens a fresh, empty store.
//! Each check panics with a readable message on failure. The expected answers are written by
//! hand from the data each check loads, never taken from an engine.

use crate::{
    Batch, IpRange, NamePattern, NegativeKey, NegativeQuery, RdataMatch, RdataQuery, Row,
    RrsetQuery, Store, Tally, TimeFence,
};
use hark_dns::{name, RrType};
use hark_record::{RrKey, RrKeyParts, TimeSpan};
use std::collections::BTreeMap;
use std::ops::ControlFlow;

fn wire(text: &str) -> Vec<u8> {
    name::from_presentation(text).expect("test names are valid")
}

fn key(rrname: &str, rrtype: RrType, bailiwick: Option<&str>, rdata: &[u8]) -> RrKey {
    let rrname = wire(rrname);
    let bailiwick = bailiwick.map(wire);
    RrKey::new(&RrKeyParts {
        rrname: &rrname,
        rrtype,
        bailiwick: bailiwick.as_deref(),
        rdata,
    })
    .expect("test keys pack")
}

fn span(first: i64, last: i64, count: u64) -> Tally {
    Tally {
        seen: Some(TimeSpan { first, last }),
        zone_seen: None,
        count,
    }
}

fn name_rdata(prefix: &[u8], target: &str) -> Vec<u8> {
    [prefix, &wire(target)].concat()
}

/// The rows every check starts from: (rrname, rrtype, bailiwick, rdata, first, last, count).
fn sample() -> Vec<(RrKey, Tally)> {
    vec![
        (
            key("example.com.", RrType::A, None, &[192, 0, 2, 1]),
            span(100, 200, 3),
        ),
        (
            key("www.example.com.", RrType::A, None, &[192, 0, 2, 80]),
            span(150, 400, 10),
        ),
        (
            key(
                "www.example.com.",
                RrType::A,
                Some("example.com."),
                &[192, 0, 2, 81],
            ),
            span(300, 300, 1),
        ),
        (
            key(
                "deep.a.example.com.",
                RrType::AAAA,
                None,
                &[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            ),
            span(50, 60, 2),
        ),
        (
            key("wwwexample.com.", RrType::A, None, &[198, 51, 100, 7]),
            span(10, 20, 1),
        ),
        (
            key("www.example.net.", RrType::A, None, &[198, 51, 100, 8]),
            span(10, 20, 1),
        ),
        (
            key(
                "www.example.co.uk.",
                RrType::CNAME,
                None,
                &wire("edge.cdn.example."),
            ),
            span(10, 20, 4),
        ),
        (
            key(
                "example.com.",
                RrType::MX,
                None,
                &name_rdata(&[0, 10], "mail.example.net."),
            ),
            span(5, 500, 7),
        ),
        (
            key(
                "example.com.",
                RrType::NS,
                Some("com."),
                &wire("ns1.example.net."),
            ),
            span(1, 900, 9),
        ),
        (
            key(
                "example.org.",
                RrType::NS,
                Some("org."),
                &wire("ns1.example.net."),
            ),
            span(2, 800, 5),
        ),
        (
            key(
                "_sip._tcp.example.com.",
                RrType::SRV,
                None,
                &name_rdata(&[0, 1, 0, 2, 0x13, 0xc4], "sip.example.com."),
            ),
            span(70, 80, 1),
        ),
        (
            key("example.com.", RrType::TXT, None, b"\x0bv=spf1 -all"),
            span(100, 100, 1),
        ),
        (
            key("other.example.", RrType::TXT, None, b"\x0bv=spf1 -all"),
            span(100, 100, 1),
        ),
    ]
}

fn load(store: &dyn Store) {
    store
        .merge(&Batch {
            rows: sample(),
            negatives: vec![(
                NegativeKey {
                    qname: wire("nx.example.com.").into_boxed_slice(),
                    qtype: RrType::A,
                    rcode: 3,
                },
                span(5, 6, 2),
            )],
            files: vec![(vec![1, 2, 3], "sample".into())],
        })
        .expect("merge succeeds");
}

fn collect(run: impl FnOnce(&mut dyn FnMut(Row) -> ControlFlow<()>)) -> Vec<String> {
    let mut out = Vec::new();
    run(&mut |row| {
        let parts = row.key.parts();
        let mut rrname = String::new();
        name::to_presentation(parts.rrname, &mut rrname).expect("stored names are valid");
        let mut rdata = String::new();
        hark_dns::rdata::to_presentation(parts.rrtype, parts.rdata, &mut rdata);
        out.push(format!("{rrname} {} {rdata}", parts.rrtype));
        ControlFlow::Continue(())
    });
    out.sort();
    out
}

fn rrset(
    store: &dyn Store,
    pattern: &str,
    rrtype: Option<RrType>,
    bailiwick: Option<&str>,
    fence: TimeFence,
) -> Vec<String> {
    let query = RrsetQuery {
        name: NamePattern::parse(pattern).expect("test patterns parse"),
        rrtype,
        bailiwick: bailiwick.map(wire),
        fence,
    };
    collect(|visit| store.rrset(&query, visit).expect("rrset lookup succeeds"))
}

fn rdata(store: &dyn Store, rdata: RdataMatch, rrtype: Option<RrType>) -> Vec<String> {
    let query = RdataQuery {
        rdata,
        rrtype,
        fence: TimeFence::default(),
    };
    collect(|visit| store.rdata(&query, visit).expect("rdata lookup succeeds"))
}

fn lines(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Exact names, left and right wildcards, type and bailiwick filters.
pub fn check_rrset_lookups(store: &dyn Store) {
    load(store);
    let none = TimeFence::default();
    assert_eq!(
        rrset(store, "www.example.com", None, None, none),
        lines(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 192.0.2.81"
        ])
    );
    assert_eq!(
        rrset(store, "*.example.com", None, None, none),
        lines(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 192.0.2.81",
            "deep.a.example.com. AAAA 2001:db8::1",
            "_sip._tcp.example.com. SRV 1 2 5060 sip.example.com.",
        ]),
        "a left wildcard matches strict subdomains only, on label boundaries"
    );
    assert_eq!(
        rrset(store, "www.example.*", None, None, none),
        lines(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 192.0.2.81",
            "www.example.net. A 198.51.100.8",
            "www.example.co.uk. CNAME edge.cdn.example.",
        ])
    );
    assert_eq!(
        rrset(store, "example.com", Some(RrType::MX), None, none),
        lines(&["example.com. MX 10 mail.example.net."])
    );
    assert_eq!(
        rrset(store, "www.example.com", None, Some("example.com"), none),
        lines(&["www.example.com. A 192.0.2.81"])
    );
    assert!(rrset(store, "nothing.example", None, None, none).is_empty());
}

/// Time fences are inclusive and combine.
pub fn check_time_fences(store: &dyn Store) {
    load(store);
    let fence = |first_after, first_before, last_after, last_before| TimeFence {
        first_after,
        first_before,
        last_after,
        last_before,
    };
    assert_eq!(
        rrset(
            store,
            "www.example.com",
            None,
            None,
            fence(Some(300), None, None, None)
        ),
        lines(&["www.example.com. A 192.0.2.81"])
    );
    assert_eq!(
        rrset(
            store,
            "www.example.com",
            None,
            None,
            fence(None, Some(150), None, None)
        ),
        lines(&["www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        rrset(
            store,
            "www.example.com",
            None,
            None,
            fence(None, None, Some(301), None)
        ),
        lines(&["www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        rrset(
            store,
            "www.example.com",
            None,
            None,
            fence(None, None, None, Some(300))
        ),
        lines(&["www.example.com. A 192.0.2.81"])
    );
    assert!(rrset(
        store,
        "www.example.com",
        None,
        None,
        fence(Some(151), Some(299), None, None)
    )
    .is_empty());
}

/// Addresses, CIDRs and ranges; names pointed at; raw rdata.
pub fn check_rdata_lookups(store: &dyn Store) {
    load(store);
    let ip = |text: &str| RdataMatch::Ip(IpRange::parse(text).expect("test ranges parse"));
    assert_eq!(
        rdata(store, ip("192.0.2.80"), None),
        lines(&["www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        rdata(store, ip("192.0.2.0/24"), None),
        lines(&[
            "example.com. A 192.0.2.1",
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 192.0.2.81"
        ])
    );
    assert_eq!(
        rdata(store, ip("192.0.2.2-192.0.2.80"), None),
        lines(&["www.example.com. A 192.0.2.80"]),
        "ranges are inclusive at both ends"
    );
    assert_eq!(
        rdata(store, ip("198.51.100.0/31"), None),
        Vec::<String>::new(),
        "198.51.100.7 and .8 lie outside .0/31"
    );
    assert_eq!(
        rdata(store, ip("2001:db8::/32"), None),
        lines(&["deep.a.example.com. AAAA 2001:db8::1"])
    );
    let by_name =
        |text: &str| RdataMatch::Name(NamePattern::parse(text).expect("test patterns parse"));
    assert_eq!(
        rdata(store, by_name("ns1.example.net"), None),
        lines(&[
            "example.com. NS ns1.example.net.",
            "example.org. NS ns1.example.net."
        ])
    );
    assert_eq!(
        rdata(store, by_name("*.example.net"), None),
        lines(&[
            "example.com. NS ns1.example.net.",
            "example.org. NS ns1.example.net.",
            "example.com. MX 10 mail.example.net.",
        ])
    );
    assert_eq!(
        rdata(store, by_name("*.example.net"), Some(RrType::MX)),
        lines(&["example.com. MX 10 mail.example.net."])
    );
    assert_eq!(
        rdata(store, by_name("sip.example.com"), None),
        lines(&["_sip._tcp.example.com. SRV 1 2 5060 sip.example.com."])
    );
    assert_eq!(
        rdata(
            store,
            RdataMatch::Raw(b"\x0bv=spf1 -all".to_vec()),
            Some(RrType::TXT)
        ),
        lines(&[
            "example.com. TXT \"v=spf1 -all\"",
            "other.example. TXT \"v=spf1 -all\""
        ])
    );
    assert_eq!(
        rdata(store, RdataMatch::EveryOfType, Some(RrType::TXT)),
        lines(&[
            "example.com. TXT \"v=spf1 -all\"",
            "other.example. TXT \"v=spf1 -all\""
        ])
    );
    assert_eq!(
        rdata(store, RdataMatch::EveryOfType, Some(RrType::NS)),
        lines(&[
            "example.com. NS ns1.example.net.",
            "example.org. NS ns1.example.net."
        ])
    );
    // Without a type: every type whose rdata is exactly these bytes.
    assert_eq!(
        rdata(store, RdataMatch::Raw(b"\x0bv=spf1 -all".to_vec()), None),
        lines(&[
            "example.com. TXT \"v=spf1 -all\"",
            "other.example. TXT \"v=spf1 -all\""
        ])
    );
    assert_eq!(
        rdata(store, RdataMatch::Raw(vec![192, 0, 2, 80]), None),
        lines(&["www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        rdata(store, RdataMatch::Raw(wire("ns1.example.net.")), None),
        lines(&[
            "example.com. NS ns1.example.net.",
            "example.org. NS ns1.example.net."
        ])
    );
}

/// Merging the same rows again sums counts and widens times; new rows are counted as new.
pub fn check_merge_rule(store: &dyn Store) {
    load(store);
    let again = Batch {
        rows: vec![(
            key("www.example.com.", RrType::A, None, &[192, 0, 2, 80]),
            span(90, 95, 5),
        )],
        ..Batch::default()
    };
    let summary = store.merge(&again).expect("merge succeeds");
    assert_eq!((summary.new_rows, summary.updated_rows), (0, 1));
    let mut found = Vec::new();
    store
        .rrset(
            &RrsetQuery {
                name: NamePattern::parse("www.example.com").expect("parses"),
                rrtype: Some(RrType::A),
                bailiwick: None,
                fence: TimeFence::default(),
            },
            &mut |row| {
                if row.key.parts().bailiwick.is_none() {
                    found.push(row.tally);
                }
                ControlFlow::Continue(())
            },
        )
        .expect("lookup succeeds");
    assert_eq!(found, vec![span(90, 400, 15)]);
}

/// Negative rows are kept apart and found by name and type.
pub fn check_negatives(store: &dyn Store) {
    load(store);
    let mut found = Vec::new();
    store
        .negatives(
            &NegativeQuery {
                name: NamePattern::parse("*.example.com").expect("parses"),
                qtype: None,
                fence: TimeFence::default(),
            },
            &mut |row| {
                found.push((row.key.qtype, row.key.rcode, row.tally));
                ControlFlow::Continue(())
            },
        )
        .expect("lookup succeeds");
    assert_eq!(found, vec![(RrType::A, 3, span(5, 6, 2))]);
    assert!(
        rrset(store, "nx.example.com", None, None, TimeFence::default()).is_empty(),
        "negative rows never appear as RR rows"
    );
}

/// Statistics and file records.
pub fn check_stats_and_files(store: &dyn Store) {
    load(store);
    let stats = store.stats().expect("stats succeed");
    assert_eq!(stats.rows, 13);
    assert_eq!(stats.negatives, 1);
    assert_eq!(stats.names, 9, "distinct owner names in the sample");
    assert_eq!(stats.rows_per_type.get(&RrType::A), Some(&5));
    assert_eq!(stats.files, 1);
    assert_eq!(
        store.ingested_file(&[1, 2, 3]).expect("reads"),
        Some("sample".into())
    );
    assert_eq!(store.ingested_file(&[9]).expect("reads"), None);
}

/// A model test: random batches merged into the store and into a `BTreeMap` agree exactly.
pub fn check_against_model(store: &dyn Store, seed: u64) {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut model: BTreeMap<RrKey, Tally> = BTreeMap::new();
    for _ in 0..20 {
        let mut batch: BTreeMap<RrKey, Tally> = BTreeMap::new();
        for _ in 0..50 {
            let r = next();
            let owner = format!("h{}.d{}.example.", r % 7, (r >> 8) % 3);
            let rrtype = if (r >> 16) % 2 == 0 {
                RrType::A
            } else {
                RrType::TXT
            };
            let rdata = if rrtype == RrType::A {
                vec![10, 0, ((r >> 20) % 4) as u8, ((r >> 24) % 3) as u8]
            } else {
                vec![1, b'a' + ((r >> 20) % 5) as u8]
            };
            let t = ((r >> 32) % 1000) as i64;
            let k = key(&owner, rrtype, None, &rdata);
            let obs = Tally::seen_at(t);
            batch
                .entry(k.clone())
                .and_modify(|c| c.merge(&obs))
                .or_insert(obs);
        }
        for (k, t) in &batch {
            model
                .entry(k.clone())
                .and_modify(|c| c.merge(t))
                .or_insert(*t);
        }
        store
            .merge(&Batch {
                rows: batch.into_iter().collect(),
                ..Batch::default()
            })
            .expect("merge succeeds");
    }
    let mut stored: BTreeMap<RrKey, Tally> = BTreeMap::new();
    store
        .scan(&mut |row| {
            stored.insert(row.key, row.tally);
            ControlFlow::Continue(())
        })
        .expect("scan succeeds");
    assert_eq!(stored, model);
}

/// Runs every check, each on a fresh store from `fresh`.
pub fn run_all(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    check_rrset_lookups(fresh().as_ref());
    check_time_fences(fresh().as_ref());
    check_rdata_lookups(fresh().as_ref());
    check_merge_rule(fresh().as_ref());
    check_negatives(fresh().as_ref());
    check_stats_and_files(fresh().as_ref());
    for seed in [1, 2, 3] {
        check_against_model(fresh().as_ref(), seed);
    }
}
