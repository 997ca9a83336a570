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
        time: T0 + 5,
    });
    let other = wire("www.corp.example.");
    env.watcher.on_query(&QueryEvent {
        kind: MessageType::ClientQuery,
        qname: &other,
        qtype: "A".parse().unwrap(),
        client: Some("198.51.100.77".parse().unwrap()),
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
