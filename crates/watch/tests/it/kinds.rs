//! Each rule kind over a real embedded store: rows committed through the writer, alerts read
//! back from the log, expectations by hand.

use super::{nxdomain, pairs, row, wire, Env};
use hark_ingest::dnstap::proto::MessageType;
use hark_ingest::dnstap::QueryEvent;

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

#[test]
fn canary_answers_nxdomains_and_queries_with_the_client() {
    let env = Env::new(
        "[[rule]]\nid = \"decoy\"\nkind = \"canary\"\nseverity = \"high\"\nnames = [\"vpn-admin.corp.example\"]\n",
    );
    env.commit(
        vec![
            row("vpn-admin.corp.example.", "A", "192.0.2.10", T0),
            row("www.corp.example.", "A", "192.0.2.11", T0),
        ],
        vec![nxdomain("x.vpn-admin.corp.example.", "AAAA", T0 + 1)],
    );
    let qname = wire("deep.vpn-admin.corp.example.");
    env.watcher.on_query(&QueryEvent {
        kind: MessageType::ClientQuery,
        qname: &qname,
        qtype: "TXT".parse().unwrap(),
        client: Some("198.51.100.77".parse().unwrap()),
        server: None,
        time: T0 + 5,
    });
    let other = wire("www.corp.example.");
    env.watcher.on_query(&QueryEvent {
        kind: MessageType::ClientQuery,
        qname: &other,
        qtype: "A".parse().unwrap(),
        client: Some("198.51.100.77".parse().unwrap()),
        server: None,
        time: T0 + 6,
    });
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("decoy", "vpn-admin.corp.example."),
            ("decoy", "x.vpn-admin.corp.example."),
            ("decoy", "deep.vpn-admin.corp.example."),
        ])
    );
    let query = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "deep.vpn-admin.corp.example.")
        .unwrap();
    assert_eq!(query.evidence[0].client.as_deref(), Some("198.51.100.77"));
    assert_eq!(query.evidence[0].message.as_deref(), Some("CLIENT_QUERY"));
    assert_eq!(query.evidence[0].time_first, T0 + 5);
    assert!(query.summary.contains("198.51.100.77"));
    let negative = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "x.vpn-admin.corp.example.")
        .unwrap();
    assert_eq!(negative.evidence[0].rcode.as_deref(), Some("NXDOMAIN"));
    // The same rows again are not new: nothing more.
    env.commit(
        vec![row("vpn-admin.corp.example.", "A", "192.0.2.10", T0 + 100)],
        vec![nxdomain("x.vpn-admin.corp.example.", "AAAA", T0 + 100)],
    );
    assert_eq!(env.alerts().len(), 3);
}

#[test]
fn intel_names_addresses_and_a_100k_list() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = String::from("#fields\tindicator\tindicator_type\tmeta.source\n");
    list.push_str("evil.example\tIntel::DOMAIN\tfeed-a\n");
    list.push_str("203.0.113.0/24\tIntel::SUBNET\tfeed-b\n");
    for i in 0..100_000 {
        list.push_str(&format!("bad{i}.example\tIntel::DOMAIN\tbulk\n"));
    }
    std::fs::write(dir.path().join("intel.tsv"), list).unwrap();
    let env = Env::in_dir(
        dir,
        "[[rule]]\nid = \"bad\"\nkind = \"intel\"\nlists = [\"intel.tsv\"]\n",
    );
    env.commit(
        vec![
            row("www.victim.example.", "CNAME", "cdn.evil.example.", T0),
            row("shop.example.", "A", "203.0.113.9", T0),
            row("ok.example.", "A", "198.51.100.1", T0),
            row("mx.bad99999.example.", "A", "198.51.100.2", T0),
            row("bad100000.example.", "A", "198.51.100.3", T0),
        ],
        vec![nxdomain("gone.evil.example.", "A", T0)],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            // The CNAME and the NXDOMAIN under evil.example fold into one alert (1 day).
            ("bad", "evil.example."),
            ("bad", "203.0.113.9"),
            ("bad", "bad99999.example."),
        ])
    );
    let evil = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "evil.example.")
        .unwrap();
    assert_eq!(evil.count, 2);
    assert!(evil.summary.contains("feed-a"), "{}", evil.summary);
}

#[test]
fn new_names_under_watched_zones() {
    let env =
        Env::new("[[rule]]\nid = \"names\"\nkind = \"new-name\"\nzones = [\"corp.example\"]\n");
    env.commit(
        vec![
            row("corp.example.", "NS", "ns1.corp.example.", T0),
            row("www.corp.example.", "A", "192.0.2.1", T0),
        ],
        vec![],
    );
    env.commit(
        vec![
            row("www.corp.example.", "A", "192.0.2.2", T0 + 60),
            row("mail.corp.example.", "A", "192.0.2.3", T0 + 60),
            row("mail.corp.example.", "AAAA", "2001:db8::3", T0 + 60),
            row("www.other.example.", "A", "192.0.2.4", T0 + 60),
        ],
        vec![],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("names", "www.corp.example."),
            ("names", "mail.corp.example.")
        ])
    );
}

/// The `cert` rule: certificate names under a watched zone that DNS never showed, or from an
/// issuer not allowed; each certificate-name row alerts once (the second commit of the same
/// rows is not new).
#[test]
fn certificate_names_dns_never_showed_or_from_foreign_issuers() {
    let env = Env::new(
        "[[rule]]\nid = \"ct\"\nkind = \"cert\"\nzones = [\"corp.example\"]\n\
         issuers = [\"Let's Encrypt\"]\nexcept = [\"lab.corp.example\"]\n",
    );
    env.commit(
        vec![
            row("www.corp.example.", "A", "192.0.2.1", T0),
            row("a.shop.corp.example.", "A", "192.0.2.2", T0),
        ],
        vec![],
    );
    const LE: &str = "C=US, O=Let's Encrypt, CN=R3";
    const EVIL: &str = "C=XX, O=Unknown CA, CN=Unknown CA R1";
    let certs = [
        // Shown by DNS, allowed issuer: nothing.
        ("www.corp.example.", LE, T0),
        // A wildcard whose base has rows below it: shown.
        ("*.shop.corp.example.", LE, T0),
        // Never in DNS.
        ("vpn.corp.example.", LE, T0),
        // In DNS, but from an issuer not allowed.
        ("www.corp.example.", EVIL, T0),
        // Not under the zone; under the exception.
        ("www.other.example.", EVIL, T0),
        ("x.lab.corp.example.", EVIL, T0),
    ];
    env.commit_certs(&certs);
    env.commit_certs(&certs);
    assert_eq!(
        env.subjects(),
        pairs(&[("ct", "vpn.corp.example."), ("ct", "www.corp.example.")])
    );
    let alerts = env.alerts();
    let foreign = alerts
        .iter()
        .find(|a| a.subject == "www.corp.example.")
        .unwrap();
    assert!(
        foreign.summary.contains("an issuer not allowed"),
        "{}",
        foreign.summary
    );
    assert_eq!(foreign.evidence[0].issuer.as_deref(), Some(EVIL));
    let unseen = alerts
        .iter()
        .find(|a| a.subject == "vpn.corp.example.")
        .unwrap();
    assert!(
        unseen.summary.contains("DNS never showed"),
        "{}",
        unseen.summary
    );
}

/// new-name hears of names first seen in certificates: a name neither DNS nor an earlier
/// certificate showed; not a name DNS showed, nor one an earlier certificate named.
#[test]
fn new_names_from_certificates() {
    let env =
        Env::new("[[rule]]\nid = \"fresh\"\nkind = \"new-name\"\nzones = [\"corp.example\"]\n");
    env.commit(vec![row("www.corp.example.", "A", "192.0.2.1", T0)], vec![]);
    let before = env.subjects();
    const LE: &str = "C=US, O=Let's Encrypt, CN=R3";
    const OTHER: &str = "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1";
    env.commit_certs(&[
        ("www.corp.example.", LE, T0),
        ("vpn.corp.example.", LE, T0),
        ("vpn.corp.example.", OTHER, T0),
        ("www.elsewhere.example.", LE, T0),
    ]);
    // A second issuer for a name a certificate named before: not new.
    env.commit_certs(&[("vpn.corp.example.", "C=XX, O=Third CA", T0 + 10)]);
    let mut expected = before.clone();
    expected.extend(pairs(&[("fresh", "vpn.corp.example.")]));
    expected.sort();
    assert_eq!(env.subjects(), expected);
    let alert = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "vpn.corp.example.")
        .unwrap();
    assert!(
        alert.summary.contains("in a certificate"),
        "{}",
        alert.summary
    );
}

#[test]
fn record_changes_outside_the_expected_members() {
    let env = Env::new(
        "[[rule]]\nid = \"ns\"\nkind = \"record-change\"\nnames = [\"corp.example\"]\n\
         types = [\"NS\", \"MX\"]\nexpect = [\"ns1.corp.example\", \"ns2.corp.example\", \"mx.corp.example\"]\n",
    );
    env.commit(
        vec![
            row("corp.example.", "NS", "ns1.corp.example.", T0),
            row("corp.example.", "MX", "10 mx.corp.example.", T0),
        ],
        vec![],
    );
    assert!(env.alerts().is_empty());
    env.commit(
        vec![
            row("corp.example.", "NS", "ns2.corp.example.", T0 + 60),
            row("corp.example.", "NS", "ns.evil.example.", T0 + 60),
            row("corp.example.", "A", "192.0.2.1", T0 + 60),
            row("www.corp.example.", "NS", "ns.evil.example.", T0 + 60),
        ],
        vec![],
    );
    assert_eq!(env.subjects(), pairs(&[("ns", "corp.example. NS")]));
    let alert = &env.alerts()[0];
    assert_eq!(alert.evidence[0].rdata.as_deref(), Some("ns.evil.example."));
    assert!(alert.summary.contains("gained") && alert.summary.contains("not expected"));
}

#[test]
fn new_domains_after_the_warm_up() {
    let env = Env::new("[[rule]]\nid = \"nod\"\nkind = \"new-domain\"\nwarmup = \"1h\"\n");
    env.commit(
        vec![
            row("www.known.com.", "A", "192.0.2.1", T0),
            row("www.early.net.", "A", "192.0.2.2", T0 + 60),
        ],
        vec![],
    );
    assert!(env.alerts().is_empty(), "nothing is new during the warm-up");
    env.commit(
        vec![
            row("mail.known.com.", "A", "192.0.2.3", T0 + 7200),
            row("www.fresh.net.", "A", "192.0.2.4", T0 + 7200),
            row("fresh.net.", "NS", "ns.fresh.net.", T0 + 7200),
            row("a.b.fresh.co.uk.", "A", "192.0.2.5", T0 + 7200),
        ],
        vec![],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[("nod", "fresh.net."), ("nod", "fresh.co.uk.")])
    );
    // Reopened on the same directory: the warm-up is over and the domains are known.
    let Env {
        dir,
        store,
        log,
        watcher,
    } = env;
    drop((watcher, log, store));
    let env = Env::in_dir(
        dir,
        "[[rule]]\nid = \"nod\"\nkind = \"new-domain\"\nwarmup = \"1h\"\n",
    );
    env.commit(
        vec![
            row("www.fresh.net.", "A", "192.0.2.9", T0 + 9000),
            row("brand-new.org.", "A", "192.0.2.6", T0 + 9000),
        ],
        vec![],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("nod", "fresh.net."),
            ("nod", "fresh.co.uk."),
            ("nod", "brand-new.org.")
        ])
    );
}

#[test]
fn posture_spf_loosened_includes_changed_dmarc_weakened() {
    let env = Env::new("[[rule]]\nid = \"mail\"\nkind = \"posture\"\nzones = [\"corp.example\"]\n");
    env.commit(
        vec![
            row(
                "corp.example.",
                "TXT",
                "\"v=spf1 include:_spf.google.com -all\"",
                T0,
            ),
            row("_dmarc.corp.example.", "TXT", "\"v=DMARC1; p=reject\"", T0),
        ],
        vec![],
    );
    assert!(env.alerts().is_empty());
    env.commit(
        vec![
            row(
                "corp.example.",
                "TXT",
                "\"v=spf1 include:_spf.google.com ~all\"",
                T0 + 60,
            ),
            row(
                "_dmarc.corp.example.",
                "TXT",
                "\"v=DMARC1; p=none\"",
                T0 + 60,
            ),
            row(
                "corp.example.",
                "TXT",
                "\"google-site-verification=abc\"",
                T0 + 60,
            ),
        ],
        vec![],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("mail", "corp.example. SPF"),
            ("mail", "_dmarc.corp.example. DMARC")
        ])
    );
    env.commit(
        vec![row(
            "corp.example.",
            "TXT",
            "\"v=spf1 include:_spf.google.com include:mailgun.org ~all\"",
            T0 + 120,
        )],
        vec![],
    );
    let spf: Vec<_> = env
        .alerts()
        .into_iter()
        .filter(|a| a.subject == "corp.example. SPF")
        .collect();
    assert_eq!(spf.len(), 1, "one alert within the window");
    assert_eq!(spf[0].count, 2);
}

#[test]
fn except_silences_names() {
    let env = Env::new(
        "[[rule]]\nid = \"decoy\"\nkind = \"canary\"\nnames = [\"corp.example\"]\nexcept = [\"www.corp.example\"]\n",
    );
    env.commit(
        vec![
            row("www.corp.example.", "A", "192.0.2.1", T0),
            row("hr.corp.example.", "A", "192.0.2.2", T0),
        ],
        vec![],
    );
    assert_eq!(env.subjects(), pairs(&[("decoy", "hr.corp.example.")]));
}

/// A query event of `kind` for `qname`/`qtype` from `client` to `server`.
fn event<'a>(
    kind: MessageType,
    qname: &'a [u8],
    qtype: &str,
    client: Option<&str>,
    server: Option<&str>,
) -> QueryEvent<'a> {
    QueryEvent {
        kind,
        qname,
        qtype: qtype.parse().unwrap(),
        client: client.map(|c| c.parse().unwrap()),
        server: server.map(|s| s.parse().unwrap()),
        time: T0 + 30,
    }
}

#[test]
fn takeover_risk_when_a_target_starts_answering_nxdomain() {
    let env = Env::new(
        "[[rule]]\nid = \"takeover\"\nkind = \"takeover-risk\"\nseverity = \"high\"\nzones = [\"corp.example\"]\n",
    );
    env.commit(
        vec![
            row(
                "shop.corp.example.",
                "CNAME",
                "corp-shop.herokuapp.com.",
                T0,
            ),
            row("www.corp.example.", "CNAME", "live.cdn.example.", T0),
            row("live.cdn.example.", "A", "192.0.2.1", T0),
            row("sub.corp.example.", "NS", "ns1.deaddns.example.", T0),
            row("blog.other.example.", "CNAME", "gone.cdn.example.", T0),
            row("old.corp.example.", "CNAME", "gone.cdn.example.", T0),
        ],
        vec![],
    );
    assert!(
        env.alerts().is_empty(),
        "no target has answered NXDOMAIN yet"
    );
    // The targets die: the Heroku app, the CDN name behind old and blog (blog is not
    // watched), and the name servers' domain.
    env.commit(
        vec![],
        vec![
            nxdomain("corp-shop.herokuapp.com.", "A", T0 + 100),
            nxdomain("gone.cdn.example.", "A", T0 + 100),
            nxdomain("deaddns.example.", "NS", T0 + 100),
            nxdomain("nothing-points-here.example.", "A", T0 + 100),
        ],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("takeover", "shop.corp.example. CNAME"),
            ("takeover", "old.corp.example. CNAME"),
            ("takeover", "sub.corp.example. NS"),
        ])
    );
    let shop = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "shop.corp.example. CNAME")
        .unwrap();
    // The recon finding: Heroku is a takeover-prone service in the public record, and the
    // target answered NXDOMAIN: high.
    let finding = shop.evidence[0].finding.clone().unwrap();
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["service"], "Heroku");
    assert_eq!(finding["target"], "corp-shop.herokuapp.com.");
    assert_eq!(
        finding["evidence"][1]["row"],
        "corp-shop.herokuapp.com. A NXDOMAIN"
    );
    assert_eq!(shop.evidence[0].rcode.as_deref(), Some("NXDOMAIN"));
    let old = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "old.corp.example. CNAME")
        .unwrap();
    assert_eq!(
        old.evidence[0].finding.as_ref().unwrap()["severity"],
        "medium"
    );
    // A new CNAME into the dead name, seen with its NXDOMAIN in one answer (the NXDOMAIN
    // row is not new): the new row is the trigger.
    env.commit(
        vec![row(
            "late.corp.example.",
            "CNAME",
            "gone.cdn.example.",
            T0 + 200,
        )],
        vec![nxdomain("gone.cdn.example.", "A", T0 + 200)],
    );
    assert!(env.subjects().contains(&(
        "takeover".to_string(),
        "late.corp.example. CNAME".to_string()
    )));
    assert_eq!(env.alerts().len(), 4);
}

#[test]
fn zone_transfers_outside_the_allowlist() {
    let env = Env::new(
        "[[rule]]\nid = \"axfr\"\nkind = \"zone-transfer\"\nzones = [\"corp.example\"]\n\
         allow = [\"192.0.2.0/28\", \"2001:db8::53\"]\n",
    );
    let zone = wire("corp.example.");
    let other = wire("other.example.");
    let w = &env.watcher;
    // Asked of this server by an outsider, and by a secondary on the list.
    w.on_query(&event(
        MessageType::AuthQuery,
        &zone,
        "AXFR",
        Some("203.0.113.5"),
        Some("192.0.2.1"),
    ));
    w.on_query(&event(
        MessageType::AuthQuery,
        &zone,
        "AXFR",
        Some("192.0.2.2"),
        Some("192.0.2.1"),
    ));
    w.on_query(&event(
        MessageType::AuthQuery,
        &zone,
        "IXFR",
        Some("2001:db8::53"),
        None,
    ));
    // Answered to the outsider: folds into its alert.
    w.on_query(&event(
        MessageType::AuthResponse,
        &zone,
        "AXFR",
        Some("203.0.113.5"),
        Some("192.0.2.1"),
    ));
    // Not a transfer; not a watched zone.
    w.on_query(&event(
        MessageType::ClientQuery,
        &zone,
        "SOA",
        Some("203.0.113.5"),
        None,
    ));
    w.on_query(&event(
        MessageType::AuthQuery,
        &other,
        "AXFR",
        Some("203.0.113.5"),
        None,
    ));
    // A tool here pulling the zone from a server not on the list; a capture's answer from
    // an allowed server (no client known).
    w.on_query(&event(
        MessageType::ToolQuery,
        &zone,
        "IXFR",
        Some("192.0.2.2"),
        Some("198.51.100.53"),
    ));
    w.on_query(&event(
        MessageType::AuthResponse,
        &zone,
        "AXFR",
        None,
        Some("192.0.2.3"),
    ));
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("axfr", "corp.example. AXFR 203.0.113.5"),
            ("axfr", "corp.example. IXFR 198.51.100.53"),
        ])
    );
    let outsider = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "corp.example. AXFR 203.0.113.5")
        .unwrap();
    assert_eq!(outsider.count, 2);
    assert_eq!(outsider.evidence[0].client.as_deref(), Some("203.0.113.5"));
    assert_eq!(outsider.evidence[0].server.as_deref(), Some("192.0.2.1"));
    assert_eq!(
        outsider.evidence[1].message.as_deref(),
        Some("AUTH_RESPONSE")
    );
}

#[test]
fn canary_tokens_carry_their_data_into_the_alert() {
    let env = Env::new(
        "[[rule]]\nid = \"tokens\"\nkind = \"canary\"\nnames = [\"k3x9q2.tokens.corp.example\"]\n",
    );
    // Python: base64.b32encode(b"svc-backup@fs01") = ON3GGLLCMFRWW5LQIBTHGMBR, the '='-free
    // form split in two labels, lowercased as names are stored.
    let generic = wire("on3ggllcmfrww.5lqibthgmbr.g17.k3x9q2.tokens.corp.example.");
    env.watcher.on_query(&event(
        MessageType::ClientQuery,
        &generic,
        "A",
        Some("10.1.2.3"),
        None,
    ));
    env.commit(
        vec![],
        vec![nxdomain(
            "cfs01.un.uadmin.cmd.k3x9q2.tokens.corp.example.",
            "A",
            T0,
        )],
    );
    let alerts = env.alerts();
    assert_eq!(alerts.len(), 2);
    let query = alerts
        .iter()
        .find(|a| a.evidence[0].source == "query")
        .unwrap();
    let decoded = query.evidence[0].decoded.clone().unwrap();
    assert_eq!(decoded["convention"], "generic");
    assert_eq!(decoded["generic_data"], "svc-backup@fs01");
    assert!(
        query.summary.contains("svc-backup@fs01"),
        "{}",
        query.summary
    );
    let negative = alerts
        .iter()
        .find(|a| a.evidence[0].source == "negative")
        .unwrap();
    let decoded = negative.evidence[0].decoded.clone().unwrap();
    assert_eq!(decoded["convention"], "cmd");
    assert_eq!(decoded["computer_name"], "fs01");
    assert_eq!(decoded["user_name"], "admin");
}

#[test]
fn suricata_datasets_as_intel_lists() {
    let dir = tempfile::tempdir().unwrap();
    // Python: base64.b64encode(b"c2.evil.example"), b64encode(b"dropper.example") with a
    // datarep reputation after it.
    std::fs::write(
        dir.path().join("dns-bl.lst"),
        "YzIuZXZpbC5leGFtcGxl\nZHJvcHBlci5leGFtcGxl,90\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("bad-ips.lst"), "203.0.113.66\n").unwrap();
    let env = Env::in_dir(
        dir,
        "[[rule]]\nid = \"suri\"\nkind = \"intel\"\n\
         datasets = [\"string:dns-bl.lst\", \"ipv4:bad-ips.lst\"]\n",
    );
    env.commit(
        vec![
            row("x.c2.evil.example.", "A", "192.0.2.1", T0),
            row("cdn.victim.example.", "CNAME", "dropper.example.", T0),
            row("ok.example.", "A", "203.0.113.66", T0),
            row("evil.example.", "A", "192.0.2.2", T0),
        ],
        vec![],
    );
    assert_eq!(
        env.subjects(),
        pairs(&[
            ("suri", "c2.evil.example."),
            ("suri", "dropper.example."),
            ("suri", "203.0.113.66"),
        ])
    );
    let c2 = env
        .alerts()
        .into_iter()
        .find(|a| a.subject == "c2.evil.example.")
        .unwrap();
    assert!(c2.summary.contains("dns-bl.lst"), "{}", c2.summary);
}

#[test]
fn record_change_expects_as_numbers_from_an_asn_database() {
    let dir = tempfile::tempdir().unwrap();
    // iptoasn.com's TSV: range start, range end, AS, country, description.
    std::fs::write(
        dir.path().join("ip2asn.tsv"),
        "192.0.2.0\t192.0.2.255\t64500\tZZ\tCORP-HOSTING\n\
         198.51.100.0\t198.51.100.255\t64511\tZZ\tSOMEONE-ELSE\n",
    )
    .unwrap();
    let env = Env::in_dir(
        dir,
        "asn_db = \"ip2asn.tsv\"\n\n[[rule]]\nid = \"web\"\nkind = \"record-change\"\n\
         names = [\"www.corp.example\"]\ntypes = [\"A\"]\nexpect = [\"AS64500\", \"203.0.113.0/24\"]\n",
    );
    env.commit(
        vec![
            row("www.corp.example.", "A", "192.0.2.80", T0),
            row("www.corp.example.", "A", "203.0.113.80", T0),
        ],
        vec![],
    );
    assert!(
        env.alerts().is_empty(),
        "AS64500 and the network are expected"
    );
    env.commit(
        vec![row("www.corp.example.", "A", "198.51.100.80", T0 + 60)],
        vec![],
    );
    assert_eq!(env.subjects(), pairs(&[("web", "www.corp.example. A")]));
    assert_eq!(
        env.alerts()[0].evidence[0].rdata.as_deref(),
        Some("198.51.100.80")
    );
}
