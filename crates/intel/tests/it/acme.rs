//! The Acme scenario (`scenarios/acme.md`): every answer checked against the story.

use crate::support::{day, load, strings};
use hark_intel::{changes, history, mail, nameservers, pivot, recon, subdomains, takeover, txt};

#[test]
fn hosting_moved_from_shared_to_dedicated() {
    let s = load("acme");
    let h = history::analyse(s.store(), "acme.example", true).unwrap();
    let www = h
        .names
        .iter()
        .find(|n| n.rrname == "www.acme.example.")
        .unwrap();
    assert_eq!(www.periods.len(), 2);
    assert_eq!(
        (
            www.periods[0].from,
            www.periods[0].until,
            www.periods[0].values.clone()
        ),
        (day(0), day(150), strings(&["192.0.2.10"]))
    );
    assert_eq!(
        www.periods[1].values,
        strings(&["2001:db8:ac::5", "203.0.113.5"])
    );
    assert_eq!(www.moves.len(), 1);
    assert_eq!(www.moves[0].on, day(151));
    assert_eq!(www.moves[0].from, strings(&["192.0.2.10"]));
    let api = h
        .names
        .iter()
        .find(|n| n.rrname == "api.acme.example.")
        .unwrap();
    assert!(api.moves.is_empty());
    // Only the name itself without subdomains.
    let apex = history::analyse(s.store(), "acme.example.", false).unwrap();
    assert_eq!(apex.names.len(), 1);
    assert_eq!(apex.names[0].addresses[0].address, "203.0.113.5");
}

#[test]
fn reverse_pivot_tells_shared_from_dedicated() {
    let s = load("acme");
    let p = pivot::analyse(s.store(), "192.0.2.0/24").unwrap();
    assert_eq!((p.rows, p.names, p.domains), (8, 8, 7));
    let order: Vec<(&str, usize, bool)> = p
        .addresses
        .iter()
        .map(|a| (a.address.as_str(), a.domains, a.shared))
        .collect();
    assert_eq!(order, [("192.0.2.99", 1, false), ("192.0.2.10", 7, true)]);
    assert_eq!(p.addresses[1].names.len(), 7);
    assert!(pivot::analyse(s.store(), "not-an-address").is_err());
    let r = recon::recon(s.store(), "acme.example").unwrap();
    let hosting: Vec<(&str, usize, bool, usize)> = r
        .hosting
        .iter()
        .map(|h| (h.address.as_str(), h.domains, h.shared, h.co_hosted.len()))
        .collect();
    assert_eq!(
        hosting,
        [
            ("192.0.2.99", 1, false, 0),
            ("2001:db8:ac::5", 1, false, 0),
            ("203.0.113.25", 1, false, 0),
            ("203.0.113.5", 1, false, 0),
            ("203.0.113.6", 1, false, 0),
            ("192.0.2.10", 7, true, 6),
        ]
    );
}

#[test]
fn name_servers_and_the_portfolio_behind_them() {
    let s = load("acme");
    let n = nameservers::analyse(s.store(), "acme.example").unwrap();
    let servers: Vec<(&str, usize, &str)> = n
        .servers
        .iter()
        .map(|s| (s.host.as_str(), s.zones, s.role.as_str()))
        .collect();
    assert_eq!(
        servers,
        [
            ("ns1.acme.example.", 3, "own"),
            ("ns2.acme.example.", 2, "own")
        ]
    );
    let related: Vec<(&str, Vec<String>, String, bool)> = n
        .related
        .iter()
        .map(|r| {
            (
                r.zone.as_str(),
                r.shared.clone(),
                format!("{:.3}", r.overlap),
                r.same_set,
            )
        })
        .collect();
    assert_eq!(
        related,
        [
            (
                "acme-labs.example.",
                strings(&["ns1.acme.example.", "ns2.acme.example."]),
                "1.000".to_string(),
                true
            ),
            (
                "acme-shop.example.",
                strings(&["ns1.acme.example."]),
                "0.333".to_string(),
                false
            ),
        ]
    );
}

#[test]
fn mail_moved_to_microsoft_365() {
    let s = load("acme");
    let m = mail::analyse(s.store(), "acme.example").unwrap();
    let exchanges: Vec<(u16, &str, &str, &str)> = m
        .exchanges
        .iter()
        .map(|e| {
            (
                e.preference,
                e.host.as_str(),
                e.provider.as_str(),
                e.kind.as_str(),
            )
        })
        .collect();
    assert_eq!(
        exchanges,
        [
            (10, "mail.acme.example.", "self-hosted", "self-hosted"),
            (
                0,
                "acme-example.mail.protection.outlook.com.",
                "Microsoft 365 / Exchange Online",
                "hosted"
            ),
        ]
    );
    assert_eq!(m.changes.len(), 1);
    assert_eq!(m.changes[0].on, day(120));
    assert_eq!(m.changes[0].from, strings(&["self-hosted"]));
    assert_eq!(
        m.changes[0].to,
        strings(&["Microsoft 365 / Exchange Online"])
    );
}

#[test]
fn txt_intelligence() {
    let s = load("acme");
    let t = txt::analyse(s.store(), "acme.example").unwrap();
    let apex = t.spf.iter().find(|s| s.rrname == "acme.example.").unwrap();
    assert_eq!(apex.all, "fail");
    assert_eq!(apex.lookups, 2);
    assert!(!apex.too_many_lookups);
    let includes: Vec<(&str, usize, bool)> = apex
        .includes
        .iter()
        .map(|i| (i.domain.as_str(), i.depth, i.record.is_some()))
        .collect();
    assert_eq!(
        includes,
        [
            ("spf.protection.outlook.com", 1, false),
            ("_spf.acme.example", 1, true)
        ]
    );
    assert_eq!(apex.services, strings(&["Microsoft 365 / Exchange Online"]));
    let inner = t
        .spf
        .iter()
        .find(|s| s.rrname == "_spf.acme.example.")
        .unwrap();
    assert_eq!(inner.all, "softfail");
    let dmarc: Vec<(&str, Option<&str>)> = t
        .dmarc
        .iter()
        .map(|d| (d.strength.as_str(), d.policy.as_deref()))
        .collect();
    assert_eq!(
        dmarc,
        [("strong", Some("reject")), ("monitoring", Some("none"))]
    );
    assert_eq!(t.dmarc_weakened.len(), 1);
    assert_eq!(
        (
            t.dmarc_weakened[0].on,
            t.dmarc_weakened[0].from.as_str(),
            t.dmarc_weakened[0].to.as_str()
        ),
        (day(181), "strong", "monitoring")
    );
    let mut selectors: Vec<(&str, bool)> = t
        .dkim_selectors
        .iter()
        .map(|s| (s.selector.as_str(), s.revoked))
        .collect();
    selectors.sort();
    assert_eq!(selectors, [("old", true), ("selector1", false)]);
    let services: Vec<(&str, Option<&str>)> = t
        .dkim_selectors
        .iter()
        .map(|s| (s.selector.as_str(), s.service.as_deref()))
        .filter(|(selector, _)| *selector == "selector1")
        .collect();
    assert_eq!(
        services,
        [("selector1", Some("Microsoft 365 / Exchange Online"))]
    );
    assert_eq!(t.tls_rpt.len(), 1);
    assert_eq!(
        t.tls_rpt[0].tags.get("rua").map(String::as_str),
        Some("mailto:tlsrpt@acme.example")
    );
    assert_eq!(t.bimi.len(), 1);
    assert_eq!(t.bimi[0].rrname, "default._bimi.acme.example.");
    assert_eq!(
        t.bimi[0].tags.get("l").map(String::as_str),
        Some("https://acme.example/logo.svg")
    );
    assert_eq!(t.mta_sts.len(), 1);
    assert_eq!(
        t.mta_sts[0].tags.get("id").map(String::as_str),
        Some("20230101")
    );
    let mut tokens: Vec<(&str, Vec<String>)> = t
        .verifications
        .iter()
        .map(|v| (v.value.as_str(), v.also_on.clone()))
        .collect();
    tokens.sort();
    assert_eq!(
        tokens,
        [
            ("MS=ms12345678", vec![]),
            (
                "google-site-verification=acmeTOKEN123",
                strings(&["acme-labs.example."])
            ),
        ]
    );
    assert!(t
        .verifications
        .iter()
        .any(|v| v.service.contains("Microsoft")));
    let pivot: Vec<(&str, bool, Vec<String>)> = t
        .include_pivot
        .iter()
        .map(|p| (p.include.as_str(), p.service.is_some(), p.domains.clone()))
        .collect();
    assert_eq!(
        pivot,
        [
            ("_spf.acme.example", false, strings(&["acme-labs.example."])),
            (
                "spf.protection.outlook.com",
                true,
                strings(&["otherco.example."])
            ),
        ]
    );
    let unrecognised: Vec<&str> = t.unrecognised.iter().map(|u| u.value.as_str()).collect();
    assert_eq!(unrecognised, ["hello world"]);
}

#[test]
fn subdomains_live_stale_and_gone() {
    let s = load("acme");
    let sub = subdomains::analyse(s.store(), "acme.example").unwrap();
    assert_eq!(sub.as_of, day(379));
    let status = |name: &str| {
        let n = sub
            .names
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("{name}"));
        (n.status.clone(), n.nxdomain_since)
    };
    assert_eq!(status("old.acme.example."), ("gone".into(), Some(day(340))));
    assert_eq!(status("mail.acme.example."), ("stale".into(), None));
    assert_eq!(status("www.acme.example."), ("live".into(), None));
    assert_eq!(status("docs.acme.example."), ("live".into(), None));
    let www = sub
        .names
        .iter()
        .find(|n| n.name == "www.acme.example.")
        .unwrap();
    assert_eq!(www.types, strings(&["A", "AAAA"]));
    assert_eq!(
        www.points_to,
        strings(&["192.0.2.10", "2001:db8:ac::5", "203.0.113.5"])
    );
    assert_eq!(sub.names.len(), 17);
}

#[test]
fn takeover_candidates_with_evidence() {
    let s = load("acme");
    let t = takeover::analyse(s.store(), "acme.example").unwrap();
    let found: Vec<(&str, &str, &str, Option<&str>)> = t
        .candidates
        .iter()
        .map(|c| {
            (
                c.severity.as_str(),
                c.name.as_str(),
                c.target.as_str(),
                c.service.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "high",
                "app.acme.example.",
                "acme-app.azurewebsites.net.",
                Some("Microsoft Azure App Service")
            ),
            (
                "high",
                "legacy-zone.acme.example.",
                "ns1.expired-dns.example.",
                None
            ),
            (
                "medium",
                "docs.acme.example.",
                "acme.github.io.",
                Some("GitHub Pages")
            ),
            (
                "medium",
                "legacy.acme.example.",
                "old.acme-hosting.example.",
                None
            ),
            (
                "low",
                "oldapp.acme.example.",
                "acme-old.azurewebsites.net.",
                Some("Microsoft Azure App Service")
            ),
        ]
    );
    let app = &t.candidates[0];
    assert_eq!(app.evidence.len(), 2);
    assert_eq!(
        app.evidence[1].row,
        "acme-app.azurewebsites.net. A NXDOMAIN"
    );
    assert_eq!(
        (app.evidence[1].seen.first, app.evidence[1].seen.count),
        (day(252), 6)
    );
    let dead = &t.candidates[1];
    assert_eq!(dead.kind, "ns");
    assert_eq!(
        dead.evidence
            .iter()
            .map(|e| e.row.as_str())
            .collect::<Vec<_>>(),
        [
            "legacy-zone.acme.example. NS ns1.expired-dns.example.",
            "expired-dns.example. NS NXDOMAIN"
        ]
    );
}

#[test]
fn one_change_log_for_the_domain() {
    let s = load("acme");
    let c = changes::analyse(s.store(), "acme.example", Some(day(119)), Some(day(120))).unwrap();
    let events: Vec<(i64, &str, &str, &str, &str)> = c
        .events
        .iter()
        .map(|e| {
            (
                e.time,
                e.change.as_str(),
                e.rrname.as_str(),
                e.rrtype.as_str(),
                e.rdata.as_str(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            (
                day(119),
                "disappeared",
                "acme.example.",
                "MX",
                "10 mail.acme.example."
            ),
            (
                day(119),
                "disappeared",
                "mail.acme.example.",
                "A",
                "203.0.113.25"
            ),
            (
                day(120),
                "appeared",
                "_spf.acme.example.",
                "TXT",
                "\"v=spf1 ip4:203.0.113.0/24 ~all\""
            ),
            (
                day(120),
                "appeared",
                "acme.example.",
                "MX",
                "0 acme-example.mail.protection.outlook.com."
            ),
            (
                day(120),
                "appeared",
                "acme.example.",
                "TXT",
                "\"MS=ms12345678\""
            ),
            (
                day(120),
                "appeared",
                "acme.example.",
                "TXT",
                "\"v=spf1 include:spf.protection.outlook.com include:_spf.acme.example -all\""
            ),
            (
                day(120),
                "appeared",
                "selector1._domainkey.acme.example.",
                "TXT",
                "\"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC\""
            ),
        ]
    );
    let all = changes::analyse(s.store(), "acme.example", None, None).unwrap();
    assert!(all.events.windows(2).all(|w| w[0].time <= w[1].time));
}

/// The whole report as JSON; its text, Markdown and HTML forms are tested in hark-present.
#[test]
fn the_report_as_json() {
    let s = load("acme");
    let r = recon::recon(s.store(), "acme.example").unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["mail"]["exchanges"][1]["provider"],
        "Microsoft 365 / Exchange Online"
    );
    assert_eq!(json["registrable"], "acme.example.");
}

#[test]
fn technology_profile_networks_and_graph() {
    use hark_intel::{asn::AsnDb, graph, profile};
    let s = load("acme");
    let db = AsnDb::open(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/scenarios/acme-asn.tsv"),
    )
    .unwrap();
    let p = profile::analyse(s.store(), "acme.example", Some(&db)).unwrap();
    let techs: Vec<(&str, &str)> = p
        .technologies
        .iter()
        .map(|t| (t.category.as_str(), t.provider.as_str()))
        .collect();
    assert_eq!(
        techs,
        [
            ("cloud", "Amazon EC2 us-east-1 (public DNS / PTR names)"),
            // `_spf.acme.example` authorises ip4:203.0.113.0/24, which acme-asn.tsv puts in
            // AS64500 (not in the AS table, so named by the database's organisation).
            ("email-sender", "AS64500 ACME-CLOUD-AS example"),
            ("email-sender", "Microsoft 365 / Exchange Online"),
            ("mail", "Microsoft 365 / Exchange Online"),
            ("mail", "self-hosted"),
            ("paas", "GitHub Pages"),
            ("paas", "Microsoft Azure App Service"),
            ("saas", "Google Workspace / Search Console"),
            ("saas", "Microsoft 365"),
        ]
    );
    let www = p
        .networks
        .iter()
        .find(|n| n.address == "203.0.113.5")
        .unwrap();
    assert_eq!(
        (www.asn, www.organisation.as_deref()),
        (Some(64500), Some("ACME-CLOUD-AS example"))
    );
    assert_eq!(
        www.ptr,
        strings(&["ec2-203-0-113-5.compute-1.amazonaws.com."])
    );
    let shared = p
        .networks
        .iter()
        .find(|n| n.address == "192.0.2.10")
        .unwrap();
    assert_eq!(shared.asn, Some(64501));
    let v6 = p
        .networks
        .iter()
        .find(|n| n.address == "2001:db8:ac::5")
        .unwrap();
    assert_eq!(v6.asn, None);
    let without = profile::analyse(s.store(), "acme.example", None).unwrap();
    assert!(without.asn_source.starts_with("none given"));
    assert!(without.networks.iter().all(|n| n.asn.is_none()));

    let g = graph::analyse(s.store(), "acme.example").unwrap();
    let edge = |from: &str, to: &str, rrtype: &str| {
        g.edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.rrtype == rrtype)
    };
    assert!(edge("www.acme.example.", "203.0.113.5", "A"));
    assert!(edge(
        "app.acme.example.",
        "acme-app.azurewebsites.net.",
        "CNAME"
    ));
    assert!(edge("acme.example.", "ns1.acme.example.", "NS"));
    assert!(edge(
        "acme.example.",
        "acme-example.mail.protection.outlook.com.",
        "MX"
    ));
    assert_eq!(g.edges.len(), 16);
    assert!(g
        .nodes
        .iter()
        .any(|n| n.id == "203.0.113.5" && n.kind == "address"));
    let dot = g.to_dot();
    assert!(
        dot.starts_with("digraph \"acme.example.\" {")
            && dot.contains("\"www.acme.example.\" -> \"203.0.113.5\" [label=\"A\"];")
    );
    let graphml = g.to_graphml();
    assert!(graphml.contains(
        "<edge source=\"www.acme.example.\" target=\"203.0.113.5\"><data key=\"rrtype\">A</data>"
    ));
    assert_eq!(graphml.matches("<edge ").count(), 16);
}

#[test]
fn certificate_names_join_the_subdomains() {
    use hark_intel::certs::CertNames;
    let s = load("acme");
    let certs = CertNames::open(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/scenarios/acme-certs.json"),
    )
    .unwrap();
    let sub = subdomains::analyse_with(s.store(), "acme.example", Some(&certs)).unwrap();
    let find = |name: &str| {
        sub.names
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let vpn = find("vpn.acme.example.");
    assert_eq!(
        (vpn.status.as_str(), vpn.sources.clone()),
        ("certificate only", strings(&["certificate"]))
    );
    assert_eq!(
        (vpn.seen.first, vpn.seen.last, vpn.seen.count),
        (day(59), day(149), 0)
    );
    let staging = find("staging.acme.example.");
    assert!(staging.certificate.as_ref().unwrap().wildcard_only);
    let www = find("www.acme.example.");
    assert_eq!(www.sources, strings(&["dns", "certificate"]));
    assert_eq!(www.status, "live");
    assert_eq!(
        www.certificate.as_ref().unwrap().issuers,
        strings(&["C=US, O=Let's Encrypt, CN=R3"])
    );
    assert_eq!(sub.names.len(), 17 + 2);
    assert!(sub.names.iter().all(|n| n.name != "other.example."));
}

#[test]
fn one_address_under_two_bailiwicks_counts_both_rows() {
    use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};
    use hark_store::{Batch, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let owner = hark_dns::name::from_presentation("www.x.example.").unwrap();
    let tally = Tally {
        seen: Some(TimeSpan {
            first: day(0),
            last: day(9),
        }),
        zone_seen: None,
        count: 3,
    };
    let mut batch = Batch::default();
    for bailiwick in ["x.example.", "example."] {
        let bailiwick = hark_dns::name::from_presentation(bailiwick).unwrap();
        let key = RrKey::new(&RrKeyParts {
            rrname: &owner,
            rrtype: hark_dns::RrType::A,
            bailiwick: Some(&bailiwick),
            rdata: &[192, 0, 2, 1],
        })
        .unwrap();
        batch.rows.push((key, tally));
    }
    store.commit(&batch, hark_store::Detail::Figures).unwrap();
    let h = history::analyse(&store, "www.x.example", false).unwrap();
    assert_eq!(h.names[0].addresses.len(), 1);
    assert_eq!(h.names[0].addresses[0].seen.count, 6);
}

#[test]
fn analyses_stop_at_a_deadline() {
    use hark_record::{RrKey, RrKeyParts, Tally, TimeSpan};
    use hark_store::{Batch, Store};
    let dir = tempfile::tempdir().unwrap();
    let store = hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let mut batch = Batch::default();
    for i in 0..3_000u32 {
        let owner = hark_dns::name::from_presentation(&format!("h{i}.big.example.")).unwrap();
        let key = RrKey::new(&RrKeyParts {
            rrname: &owner,
            rrtype: hark_dns::RrType::A,
            bailiwick: None,
            rdata: &[10, 0, (i >> 8) as u8, i as u8],
        })
        .unwrap();
        let tally = Tally {
            seen: Some(TimeSpan {
                first: day(0),
                last: day(1),
            }),
            zone_seen: None,
            count: 1,
        };
        batch.rows.push((key, tally));
    }
    store.commit(&batch, hark_store::Detail::Figures).unwrap();
    let passed = std::time::Instant::now();
    let late = hark_intel::with_deadline(passed, || subdomains::analyse(&store, "big.example"));
    assert!(
        matches!(late, Err(hark_intel::IntelError::TimedOut)),
        "{late:?}"
    );
    let late = hark_intel::with_deadline(passed, || recon::recon(&store, "big.example"));
    assert!(matches!(late, Err(hark_intel::IntelError::TimedOut)));
    // Without a deadline, or with time to spare, the same analysis answers.
    assert_eq!(
        subdomains::analyse(&store, "big.example")
            .unwrap()
            .names
            .len(),
        3_000
    );
    let later = passed + std::time::Duration::from_secs(600);
    let on_time = hark_intel::with_deadline(later, || subdomains::analyse(&store, "big.example"));
    assert_eq!(on_time.unwrap().names.len(), 3_000);
}

/// `exists:` and macro terms are named by the domain they carry (macro labels dropped) and
/// never looked up; `redirect=` is followed like an include.
#[test]
fn spf_exists_macros_and_redirect() {
    let s = load("acme");
    let seen = hark_intel::Seen {
        first: 0,
        last: 0,
        count: 1,
    };
    let spf = txt::analyse_spf(
        s.store(),
        "mail.acme.example.",
        "v=spf1 exists:%{i}._spf.mta.salesforce.com include:%{ir}.%{v}._spf.acme.example redirect=_spf.acme.example",
        seen,
    )
    .unwrap();
    let named: Vec<(&str, &str, Option<&str>, bool)> = spf
        .includes
        .iter()
        .map(|i| {
            (
                i.mechanism.as_str(),
                i.domain.as_str(),
                i.service.as_deref(),
                i.record.is_some(),
            )
        })
        .collect();
    assert_eq!(
        named,
        [
            (
                "exists",
                "%{i}._spf.mta.salesforce.com",
                Some("Salesforce (email relay)"),
                false
            ),
            ("include", "%{ir}.%{v}._spf.acme.example", None, false),
            ("redirect", "_spf.acme.example", None, true),
        ]
    );
    assert_eq!(spf.services, strings(&["Salesforce (email relay)"]));
}

/// NS delegations to a provider listed as vulnerable, where the zone stopped answering
/// (`scenarios/delegated.md`).
#[test]
fn ns_delegation_to_a_vulnerable_provider_gone_quiet() {
    let s = load("delegated");
    let t = takeover::analyse(s.store(), "delegated.example").unwrap();
    let found: Vec<String> = t
        .candidates
        .iter()
        .map(|c| {
            format!(
                "{} {} -> {} {:?} {:?} {:?}",
                c.severity, c.name, c.target, c.service, c.service_status, c.as_of
            )
        })
        .collect();
    assert_eq!(
        found,
        [concat!(
            "medium shop.delegated.example. -> ns1.digitalocean.com. ",
            r#"Some("Digital Ocean") Some("vulnerable") Some("2025-03-03")"#
        )]
    );
    let rows: Vec<&str> = t.candidates[0]
        .evidence
        .iter()
        .map(|e| e.row.as_str())
        .collect();
    assert_eq!(
        rows,
        [
            "shop.delegated.example. NS ns1.digitalocean.com.",
            "shop.delegated.example. A 192.0.2.50 (the zone's last answer)"
        ]
    );
    assert_eq!(t.candidates[0].evidence[1].seen.last, day(100));
}

/// With an AS database, addresses whose PTR names tell nothing are named by the provider of
/// their AS (the `asn_providers` table): here a made-up iptoasn range announcing the
/// scenario's documentation addresses from AS13335.
#[test]
fn addresses_named_by_the_provider_of_their_as() {
    use hark_intel::{asn::AsnDb, profile};
    let s = load("delegated");
    let db = AsnDb::parse("192.0.2.0\t192.0.2.255\t13335\tUS\tCLOUDFLARENET\n").unwrap();
    let p = profile::analyse(s.store(), "delegated.example", Some(&db)).unwrap();
    let techs: Vec<(&str, &str)> = p
        .technologies
        .iter()
        .map(|t| (t.category.as_str(), t.provider.as_str()))
        .collect();
    assert_eq!(
        techs,
        [
            ("cdn", "Cloudflare"),
            ("dns", "Amazon Route 53"),
            ("dns", "DigitalOcean DNS"),
        ]
    );
    let shop = p
        .networks
        .iter()
        .find(|n| n.address == "192.0.2.50")
        .unwrap();
    assert_eq!(
        (shop.asn, shop.provider.as_deref()),
        (Some(13335), Some("Cloudflare"))
    );
}
