//! The tests every storage engine must pass, generic over [`Store`].
//!
//! An engine's test suite calls [`run_all`] with a function that opens a fresh, empty store.
//! Each check panics with a readable message on failure. The expected answers are written by
//! hand from the data each check loads, never taken from an engine.

use crate::{
    Batch, CertKey, CertQuery, Checkpoint, Detail, IpRange, NamePattern, NegativeKey,
    NegativeQuery, RdataMatch, RdataQuery, Row, RrsetQuery, SourceId, Store, Tally, TimeFence,
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

fn checkpoint(source: &[u8], position: u64, done: bool) -> Checkpoint {
    Checkpoint {
        source: SourceId(source.to_vec()),
        position,
        done,
        options: 7,
        bytes: position * 10,
        note: "sample".into(),
    }
}

fn commit(store: &dyn Store, batch: &Batch) -> crate::Committed {
    store
        .commit(batch, Detail::Figures)
        .expect("commit succeeds")
        .committed
}

fn load(store: &dyn Store) {
    commit(
        store,
        &Batch {
            rows: sample(),
            negatives: vec![(
                NegativeKey {
                    qname: wire("nx.example.com.").into_boxed_slice(),
                    qtype: RrType::A,
                    rcode: 3,
                },
                span(5, 6, 2),
            )],
            checkpoints: vec![checkpoint(&[1, 2, 3], 40, true)],
            certs: Vec::new(),
        },
    );
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
    let committed = commit(store, &again);
    assert_eq!(committed.rows, 1);
    assert!(
        matches!(committed.new_rows, None | Some(0)),
        "{committed:?}"
    );
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

/// Statistics, kept as rows are committed.
pub fn check_stats(store: &dyn Store) {
    load(store);
    let stats = store.stats().expect("stats succeed");
    assert_eq!(stats.rows, 13);
    assert_eq!(stats.negatives, 1);
    assert_eq!(stats.names, 9, "distinct owner names in the sample");
    assert_eq!(stats.rows_per_type.get(&RrType::A), Some(&5));
    assert_eq!(stats.files, 1);
    // Merging into existing rows changes no count; a new row of an existing name adds a row.
    commit(
        store,
        &Batch {
            rows: vec![
                (
                    key("example.com.", RrType::A, None, &[192, 0, 2, 1]),
                    span(1, 2, 1),
                ),
                (
                    key("example.com.", RrType::A, None, &[192, 0, 2, 2]),
                    span(1, 2, 1),
                ),
                (
                    key("new.example.", RrType::AAAA, None, &[0; 16]),
                    span(1, 2, 1),
                ),
            ],
            ..Batch::default()
        },
    );
    let stats = store.stats().expect("stats succeed");
    assert_eq!((stats.rows, stats.names), (15, 10));
    assert_eq!(stats.rows_per_type.get(&RrType::A), Some(&6));
    assert_eq!(stats.rows_per_type.get(&RrType::AAAA), Some(&2));
}

/// Checkpoints are committed with their rows, replaced by later ones, and listed while their
/// source is unfinished.
pub fn check_checkpoints(store: &dyn Store) {
    load(store);
    let done = store
        .checkpoint(&SourceId(vec![1, 2, 3]))
        .expect("reads")
        .expect("recorded with the batch");
    assert_eq!(done, checkpoint(&[1, 2, 3], 40, true));
    assert_eq!(store.checkpoint(&SourceId(vec![9])).expect("reads"), None);
    assert!(store.unfinished().expect("reads").is_empty());
    // A checkpoint alone (a source that yielded nothing yet) is recorded too.
    let batch = |position| Batch {
        checkpoints: vec![checkpoint(b"stream", position, false)],
        ..Batch::default()
    };
    commit(store, &batch(5));
    commit(store, &batch(9));
    assert_eq!(
        store
            .checkpoint(&SourceId(b"stream".to_vec()))
            .expect("reads"),
        Some(checkpoint(b"stream", 9, false))
    );
    assert_eq!(
        store.unfinished().expect("reads"),
        vec![checkpoint(b"stream", 9, false)]
    );
    commit(
        store,
        &Batch {
            checkpoints: vec![checkpoint(b"stream", 12, true)],
            ..Batch::default()
        },
    );
    assert!(store.unfinished().expect("reads").is_empty());
    assert_eq!(store.stats().expect("stats").files, 2);
}

/// With [`Detail::Changes`], a commit names its new rows, new negative rows and the RRsets
/// that gained a member, and nothing else.
pub fn check_change_sets(store: &dyn Store) {
    load(store);
    let batch = Batch {
        rows: vec![
            // merged into an existing row: no change
            (
                key("example.com.", RrType::A, None, &[192, 0, 2, 1]),
                span(1, 2, 1),
            ),
            // a new member of an existing RRset
            (
                key("example.com.", RrType::A, None, &[192, 0, 2, 9]),
                span(1, 2, 1),
            ),
            // a new RRset
            (
                key("fresh.example.", RrType::A, None, &[10, 0, 0, 1]),
                span(3, 4, 2),
            ),
            (
                key("fresh.example.", RrType::A, None, &[10, 0, 0, 2]),
                span(3, 4, 1),
            ),
        ],
        negatives: vec![
            (
                NegativeKey {
                    qname: wire("nx.example.com.").into_boxed_slice(),
                    qtype: RrType::A,
                    rcode: 3,
                },
                span(7, 7, 1),
            ),
            (
                NegativeKey {
                    qname: wire("gone.example.").into_boxed_slice(),
                    qtype: RrType::MX,
                    rcode: 0,
                },
                span(7, 8, 1),
            ),
        ],
        checkpoints: Vec::new(),
        certs: Vec::new(),
    };
    let report = store
        .commit(&batch, Detail::Changes)
        .expect("commit succeeds");
    let set = report.changes.expect("changes asked for");
    let changes = crate::Changes {
        batch: &batch,
        set: &set,
    };
    let mut new_rows: Vec<String> = changes
        .new_rows()
        .map(|(key, tally)| {
            let parts = key.parts();
            let mut text = String::new();
            name::to_presentation(parts.rrname, &mut text).expect("valid");
            format!("{text} {:?} {}", parts.rdata, tally.count)
        })
        .collect();
    new_rows.sort();
    assert_eq!(
        new_rows,
        vec![
            "example.com. [192, 0, 2, 9] 1".to_string(),
            "fresh.example. [10, 0, 0, 1] 2".to_string(),
            "fresh.example. [10, 0, 0, 2] 1".to_string(),
        ]
    );
    assert_eq!(new_rows.len(), changes.new_row_count());
    assert_eq!(
        changes.grown_rrsets(),
        &[(wire("example.com."), RrType::A)][..]
    );
    let negatives: Vec<_> = changes.new_negatives().collect();
    assert_eq!(negatives.len(), 1);
    assert_eq!(changes.new_negative_count(), 1);
    assert_eq!(
        negatives[0].0.qname.as_ref(),
        wire("gone.example.").as_slice()
    );
    assert_eq!(report.committed.rows, 4);
    assert_eq!(report.committed.new_rows, Some(3));
    assert_eq!(report.committed.new_negatives, Some(1));
}

/// A large commit (engines may split its work) names each new row and each grown RRset once.
pub fn check_large_commit_changes(store: &dyn Store) {
    let row = |i: u32, last_octet: u8| {
        let owner = format!("n{i}.example.");
        let [_, _, high, low] = i.to_be_bytes();
        (
            key(&owner, RrType::A, None, &[10, high, low, last_octet]),
            span(1, 2, 1),
        )
    };
    commit(
        store,
        &Batch {
            rows: (0..6000).map(|i| row(i, 1)).collect(),
            ..Batch::default()
        },
    );
    // Every existing row again (merged), a new member for the even names (grown RRsets),
    // and 3,000 names never seen (new RRsets).
    let mut rows: Vec<_> = (0..6000).map(|i| row(i, 1)).collect();
    rows.extend((0..6000).step_by(2).map(|i| row(i, 2)));
    rows.extend((6000..9000).map(|i| row(i, 1)));
    let batch = Batch {
        rows,
        ..Batch::default()
    };
    let set = store
        .commit(&batch, Detail::Changes)
        .expect("commit succeeds")
        .changes
        .expect("changes asked for");
    let changes = crate::Changes {
        batch: &batch,
        set: &set,
    };
    assert_eq!(changes.new_row_count(), 6000);
    let mut new: Vec<_> = changes.new_rows().map(|(key, _)| key.clone()).collect();
    new.sort();
    new.dedup();
    assert_eq!(new.len(), 6000, "each new row named once");
    let mut grown: Vec<_> = changes.grown_rrsets().to_vec();
    assert_eq!(grown.len(), 3000, "each grown RRset named once");
    grown.sort();
    grown.dedup();
    assert_eq!(grown.len(), 3000);
    assert!(grown.iter().all(|(owner, rrtype)| *rrtype == RrType::A && {
        let mut text = String::new();
        name::to_presentation(owner, &mut text).expect("valid");
        text[1..text.len() - ".example.".len()]
            .parse::<u32>()
            .is_ok_and(|i| i < 6000 && i % 2 == 0)
    }));
}

/// Rows come in the stated orders: rrset and scan by owner in canonical order, then type.
pub fn check_orders(store: &dyn Store) {
    load(store);
    let mut owners = Vec::new();
    store
        .scan(&mut |row| {
            let parts = row.key.parts();
            let mut order_key = Vec::new();
            name::reversed_key(parts.rrname, &mut order_key);
            owners.push((order_key, parts.rrtype));
            ControlFlow::Continue(())
        })
        .expect("scan succeeds");
    let mut sorted = owners.clone();
    sorted.sort();
    assert_eq!(
        owners, sorted,
        "scan is in canonical owner order, then type"
    );
    let query = RdataQuery {
        rdata: RdataMatch::Ip(IpRange::parse("192.0.2.0/24").expect("parses")),
        rrtype: None,
        fence: TimeFence::default(),
    };
    let mut addresses = Vec::new();
    store
        .rdata(&query, &mut |row| {
            addresses.push(row.key.parts().rdata.to_vec());
            ControlFlow::Continue(())
        })
        .expect("lookup succeeds");
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(addresses, sorted, "address lookups are in address order");
}

/// A lookup, run whole or resumed after a key.
type Walk<'a> = dyn Fn(Option<&RrKey>, &mut dyn FnMut(Row) -> ControlFlow<()>) + 'a;

/// The keys of a walk in pages of `page` rows, each page resumed after the last key of the
/// one before; `between` runs between pages (to change the store mid-walk).
fn paged_walk(walk: &Walk<'_>, page: usize, between: &mut dyn FnMut()) -> Vec<RrKey> {
    let mut keys: Vec<RrKey> = Vec::new();
    loop {
        let mut got = Vec::new();
        walk(keys.last(), &mut |row| {
            got.push(row.key);
            if got.len() == page {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        let full = got.len() == page;
        keys.extend(got);
        assert!(
            keys.len() < 10_000,
            "a resumed walk never ends: resuming ignores its key"
        );
        if !full {
            return keys;
        }
        between();
    }
}

/// Resumed walks: pages resumed after their last row give the whole answer in its order,
/// once, for every kind of lookup, even when rows are added between pages.
pub fn check_resumed_walks(store: &dyn Store) {
    load(store);
    let rrset_walk = |pattern: &str| {
        let query = RrsetQuery {
            name: NamePattern::parse(pattern).expect("test patterns parse"),
            rrtype: None,
            bailiwick: None,
            fence: TimeFence::default(),
        };
        move |after: Option<&RrKey>, visit: &mut dyn FnMut(Row) -> ControlFlow<()>| {
            store
                .rrset_after(&query, after, visit)
                .expect("rrset lookup succeeds")
        }
    };
    let rdata_walk = |rdata: RdataMatch, rrtype: Option<RrType>| {
        let query = RdataQuery {
            rdata,
            rrtype,
            fence: TimeFence::default(),
        };
        move |after: Option<&RrKey>, visit: &mut dyn FnMut(Row) -> ControlFlow<()>| {
            store
                .rdata_after(&query, after, visit)
                .expect("rdata lookup succeeds")
        }
    };
    let walks: Vec<(&str, Box<Walk<'_>>)> = vec![
        ("*.example.com", Box::new(rrset_walk("*.example.com"))),
        ("example.com", Box::new(rrset_walk("example.com"))),
        ("www.example.*", Box::new(rrset_walk("www.example.*"))),
        (
            "ip 0/0",
            Box::new(rdata_walk(
                RdataMatch::Ip(IpRange::parse("0.0.0.0/0").expect("parses")),
                Some(RrType::A),
            )),
        ),
        (
            "name *.example.net",
            Box::new(rdata_walk(
                RdataMatch::Name(NamePattern::parse("*.example.net").expect("parses")),
                None,
            )),
        ),
        (
            "every NS",
            Box::new(rdata_walk(RdataMatch::EveryOfType, Some(RrType::NS))),
        ),
        (
            "raw spf",
            Box::new(rdata_walk(
                RdataMatch::Raw(b"\x0bv=spf1 -all".to_vec()),
                None,
            )),
        ),
    ];
    for (what, walk) in &walks {
        let whole = paged_walk(walk.as_ref(), usize::MAX, &mut || {});
        assert!(!whole.is_empty(), "{what}: the sample has rows for it");
        for page in [1, 2, 3] {
            assert_eq!(
                paged_walk(walk.as_ref(), page, &mut || {}),
                whole,
                "{what}: pages of {page} resumed after their last row"
            );
        }
    }
    // Rows added between pages: every row of the first walk is met exactly once.
    let walk = rrset_walk("*.example.com");
    let before = paged_walk(&walk, usize::MAX, &mut || {});
    let mut added = 0u8;
    let during = paged_walk(&walk, 2, &mut || {
        added += 1;
        let owner = format!("new{added}.example.com.");
        commit(
            store,
            &Batch {
                rows: vec![(
                    key(&owner, RrType::A, None, &[203, 0, 113, added]),
                    span(1, 1, 1),
                )],
                ..Batch::default()
            },
        );
    });
    let mut unique = during.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), during.len(), "no row is met twice");
    assert!(
        before.iter().all(|key| during.contains(key)),
        "every row that existed throughout is met"
    );
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
        commit(
            store,
            &Batch {
                rows: batch.into_iter().collect(),
                ..Batch::default()
            },
        );
    }
    let mut stored: BTreeMap<RrKey, Tally> = BTreeMap::new();
    store
        .scan(&mut |row| {
            stored.insert(row.key, row.tally);
            ControlFlow::Continue(())
        })
        .expect("scan succeeds");
    assert_eq!(stored, model);
    let stats = store.stats().expect("stats succeed");
    assert_eq!(stats.rows, model.len() as u64, "stats count every row once");
    let names: std::collections::BTreeSet<&[u8]> = model.keys().map(|k| k.parts().rrname).collect();
    assert_eq!(stats.names, names.len() as u64);
}

/// Commits from several threads at once lose nothing: every count adds up.
pub fn check_concurrent_commits(store: &dyn Store) {
    let row = key("busy.example.", RrType::A, None, &[10, 1, 1, 1]);
    std::thread::scope(|scope| {
        for thread in 0..4i64 {
            let row = row.clone();
            scope.spawn(move || {
                for i in 0..50 {
                    commit(
                        store,
                        &Batch {
                            rows: vec![(row.clone(), Tally::seen_at(thread * 100 + i))],
                            ..Batch::default()
                        },
                    );
                }
            });
        }
    });
    let found = rrset(store, "busy.example", None, None, TimeFence::default());
    assert_eq!(found.len(), 1);
    let mut tally = None;
    store
        .scan(&mut |row| {
            tally = Some(row.tally);
            ControlFlow::Continue(())
        })
        .expect("scan succeeds");
    assert_eq!(tally, Some(span(0, 349, 200)));
}

/// The certificate-name rows of `query` as `name issuer first last count` lines, in the
/// store's order.
fn cert_lines(store: &dyn Store, pattern: &str, fence: TimeFence) -> Vec<String> {
    let mut out = Vec::new();
    store
        .certs(
            &CertQuery {
                name: NamePattern::parse(pattern).expect("test patterns parse"),
                fence,
            },
            &mut |row| {
                let mut text = String::new();
                name::to_presentation(&row.key.name, &mut text).expect("stored names print");
                let span = row.tally.seen.expect("cert rows carry times");
                out.push(format!(
                    "{text} {} {} {} {}",
                    row.key.issuer, span.first, span.last, row.tally.count
                ));
                ControlFlow::Continue(())
            },
        )
        .expect("cert lookup succeeds");
    out
}

/// Certificate-name rows: merged with the one rule (in two commits, the second with a
/// checkpoint), looked up by exact name, by subdomain (wildcard names included) and with a
/// time fence, counted by `stats`, and reported as new by a commit's change set.
pub fn check_certs(store: &dyn Store) {
    let cert = |text: &str, issuer: &str| CertKey::new(&wire(text), issuer);
    const LE: &str = "C=US, O=Let's Encrypt, CN=R3";
    const DC: &str = "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1";
    let first = Batch {
        certs: vec![
            (cert("www.example.com.", LE), span(100, 200, 1)),
            (cert("*.example.com.", LE), span(150, 150, 2)),
            (cert("example.com.", DC), span(10, 20, 1)),
            (cert("vpn.example.net.", LE), span(5, 5, 1)),
        ],
        ..Batch::default()
    };
    let report = store.commit(&first, Detail::Changes).expect("commit");
    assert_eq!(report.committed.certs, 4);
    assert_eq!(
        report
            .changes
            .expect("changes asked for")
            .new_certs
            .count(4),
        4,
        "every cert row of the first commit is new"
    );
    let second = Batch {
        certs: vec![
            (cert("www.example.com.", LE), span(50, 120, 3)),
            (cert("www.example.com.", DC), span(300, 300, 1)),
        ],
        checkpoints: vec![checkpoint(b"cert-source", 2, true)],
        ..Batch::default()
    };
    let report = store.commit(&second, Detail::Changes).expect("commit");
    let changes = report.changes.expect("changes asked for");
    let new: Vec<&CertKey> = changes
        .new_certs
        .of(&second.certs)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        new,
        [&cert("www.example.com.", DC)],
        "only the DigiCert row is new"
    );
    assert_eq!(
        store
            .checkpoint(&SourceId(b"cert-source".to_vec()))
            .expect("checkpoint")
            .map(|c| c.position),
        Some(2)
    );
    assert_eq!(
        cert_lines(store, "*.example.com", TimeFence::default()),
        lines(&[
            &format!("*.example.com. {LE} 150 150 2"),
            &format!("www.example.com. {DC} 300 300 1"),
            &format!("www.example.com. {LE} 50 200 4"),
        ])
    );
    assert_eq!(
        cert_lines(store, "example.com", TimeFence::default()),
        lines(&[&format!("example.com. {DC} 10 20 1")])
    );
    assert_eq!(
        cert_lines(store, "\\*.example.com", TimeFence::default()),
        lines(&[&format!("*.example.com. {LE} 150 150 2")])
    );
    assert_eq!(
        cert_lines(store, "www.example.*", TimeFence::default()),
        lines(&[
            &format!("www.example.com. {DC} 300 300 1"),
            &format!("www.example.com. {LE} 50 200 4"),
        ])
    );
    let fence = TimeFence {
        last_after: Some(160),
        ..TimeFence::default()
    };
    assert_eq!(
        cert_lines(store, "*.example.com", fence),
        lines(&[
            &format!("www.example.com. {DC} 300 300 1"),
            &format!("www.example.com. {LE} 50 200 4"),
        ])
    );
    let sources: Vec<Vec<u8>> = store
        .checkpoints()
        .expect("checkpoints")
        .into_iter()
        .map(|c| c.source.0)
        .collect();
    assert_eq!(
        sources,
        [b"cert-source".to_vec()],
        "every checkpoint is listed"
    );
    let stats = store.stats().expect("stats");
    assert_eq!(stats.certs, 5);
    assert_eq!(stats.rows, 0, "cert rows are not DNS rows");
}

/// Runs every check, each on a fresh store from `fresh`.
pub fn run_all(fresh: &mut dyn FnMut() -> Box<dyn Store>) {
    check_rrset_lookups(fresh().as_ref());
    check_time_fences(fresh().as_ref());
    check_rdata_lookups(fresh().as_ref());
    check_merge_rule(fresh().as_ref());
    check_negatives(fresh().as_ref());
    check_stats(fresh().as_ref());
    check_checkpoints(fresh().as_ref());
    check_change_sets(fresh().as_ref());
    check_large_commit_changes(fresh().as_ref());
    check_orders(fresh().as_ref());
    check_resumed_walks(fresh().as_ref());
    check_concurrent_commits(fresh().as_ref());
    check_certs(fresh().as_ref());
    for seed in [1, 2, 3] {
        check_against_model(fresh().as_ref(), seed);
    }
}
