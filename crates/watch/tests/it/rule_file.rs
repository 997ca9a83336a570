//! Rule files: every mistake is an error naming its line.

use hark_watch::RuleSet;
use std::path::Path;

fn error(text: &str) -> String {
    RuleSet::parse(text, Path::new("/nonexistent"))
        .unwrap_err()
        .to_string()
}

#[test]
fn mistakes_name_their_line() {
    // An unknown key (a typo) is refused by the TOML reader, with its line.
    let err =
        error("[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\nwindw = \"1h\"\n");
    assert!(err.contains("line 5") && err.contains("windw"), "{err}");
    // A key of another kind.
    let err = error(
        "[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\nbrands = [\"x.com\"]\n",
    );
    assert!(
        err.starts_with("line 2:") && err.contains("`brands`"),
        "{err}"
    );
    // A bad network, on its own line.
    let err = error("[[rule]]\nid = \"a\"\nkind = \"intel\"\nnetworks = [\n  \"192.0.2.0/24\",\n  \"192.0.2.0/40\",\n]\n");
    assert!(
        err.starts_with("line 6:") && err.contains("192.0.2.0/40"),
        "{err}"
    );
    // An unknown kind, severity, type, duration.
    assert!(error("[[rule]]\nid = \"a\"\nkind = \"cannary\"\n").starts_with("line 3:"));
    assert!(error(
        "[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\nseverity = \"urgent\"\n"
    )
    .starts_with("line 5:"));
    assert!(error("[[rule]]\nid = \"a\"\nkind = \"record-change\"\nnames = [\"x.example\"]\ntypes = [\"NS\", \"BOGUS\"]\n").starts_with("line 5:"));
    assert!(error(
        "[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\nwindow = \"soon\"\n"
    )
    .starts_with("line 5:"));
    // A missing required key, a duplicate id, a sink nobody defined, a missing list.
    assert!(error("[[rule]]\nid = \"a\"\nkind = \"canary\"\n").contains("needs `names`"));
    let err = error("[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\n[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"y.example\"]\n");
    assert!(
        err.starts_with("line 6:") && err.contains("used twice"),
        "{err}"
    );
    let err = error(
        "[[rule]]\nid = \"a\"\nkind = \"canary\"\nnames = [\"x.example\"]\nsinks = [\"soc\"]\n",
    );
    assert!(err.starts_with("line 5:") && err.contains("soc"), "{err}");
    let err = error("[[rule]]\nid = \"a\"\nkind = \"intel\"\nlists = [\"missing.txt\"]\n");
    assert!(
        err.starts_with("line 4:") && err.contains("missing.txt"),
        "{err}"
    );
    let err = error("[[sink]]\nid = \"soc\"\nkind = \"webhook\"\n");
    assert!(err.starts_with("line 3:") && err.contains("url"), "{err}");
    let err = error("[[rule]]\nid = \"a\"\nkind = \"lookalike\"\nbrands = [\"www.paypal.com\"]\n");
    assert!(err.starts_with("line 4:"), "{err}");
    // cert rules: zones required, issuers only there, no empty issuer.
    assert!(
        error("[[rule]]\nid = \"a\"\nkind = \"cert\"\nissuers = [\"DigiCert\"]\n")
            .contains("needs `zones`")
    );
    let err = error("[[rule]]\nid = \"a\"\nkind = \"new-name\"\nzones = [\"x.example\"]\nissuers = [\"DigiCert\"]\n");
    assert!(err.contains("`issuers`"), "{err}");
    let err = error("[[rule]]\nid = \"a\"\nkind = \"cert\"\nzones = [\"x.example\"]\nissuers = [\"DigiCert\", \" \"]\n");
    assert!(
        err.starts_with("line 5:") && err.contains("empty issuer"),
        "{err}"
    );
}

#[test]
fn a_full_file_compiles() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.txt"), "evil.example\n203.0.113.0/24\n").unwrap();
    let text = r#"
[[sink]]
id = "file"
kind = "ndjson"
path = "-"

[[sink]]
id = "soc"
kind = "webhook"
url = "http://127.0.0.1:9/hook"
secret = "s3cret"
min_severity = "high"

[[rule]]
id = "decoys"
kind = "canary"
severity = "critical"
names = ["vpn-admin.corp.example", "backup.corp.example."]

[[rule]]
id = "bad"
kind = "intel"
lists = ["bad.txt"]
networks = ["2001:db8:bad::/48"]
sinks = ["soc"]

[[rule]]
id = "ns"
kind = "record-change"
names = ["corp.example", "*.corp.example"]
types = ["NS", "MX"]
expect = ["ns1.corp.example", "192.0.2.0/24"]
window = "1h"

[[rule]]
id = "fresh"
kind = "new-domain"
warmup = "2d"

[[rule]]
id = "ct"
kind = "cert"
zones = ["corp.example"]
issuers = ["Let's Encrypt", "DigiCert"]
"#;
    let rules = RuleSet::parse(text, dir.path()).unwrap();
    assert_eq!(rules.rules.len(), 5);
    assert_eq!(rules.rules[4].kind.name(), "cert");
    assert_eq!(rules.sinks.len(), 2);
    assert_eq!(rules.rules[0].window, 0, "canaries fold nothing by default");
    assert_eq!(rules.rules[2].window, 3600);
    assert_eq!(rules.rules[1].sinks, vec!["soc".to_string()]);
}

#[test]
fn mistakes_in_the_newer_kinds_name_their_line() {
    // zone-transfer: zones needed, a bad allowed network on its line.
    assert!(error("[[rule]]\nid = \"a\"\nkind = \"zone-transfer\"\n").contains("needs `zones`"));
    let err = error(
        "[[rule]]\nid = \"a\"\nkind = \"zone-transfer\"\nzones = [\"corp.example\"]\nallow = [\n  \"10.0.0.0/33\",\n]\n",
    );
    assert!(
        err.starts_with("line 6:") && err.contains("10.0.0.0/33"),
        "{err}"
    );
    // takeover-risk takes zones only.
    let err = error(
        "[[rule]]\nid = \"a\"\nkind = \"takeover-risk\"\nzones = [\"corp.example\"]\nallow = [\"10.0.0.0/8\"]\n",
    );
    assert!(
        err.starts_with("line 2:") && err.contains("`allow`"),
        "{err}"
    );
    // A dataset of an unknown type, a missing dataset file.
    let err = error("[[rule]]\nid = \"a\"\nkind = \"intel\"\ndatasets = [\"domain:x.lst\"]\n");
    assert!(
        err.starts_with("line 4:") && err.contains("TYPE:PATH"),
        "{err}"
    );
    let err = error("[[rule]]\nid = \"a\"\nkind = \"intel\"\n\ndatasets = [\"string:gone.lst\"]\n");
    assert!(
        err.starts_with("line 5:") && err.contains("gone.lst"),
        "{err}"
    );
    // An AS number without an AS database; an AS database that is not there.
    let err = error(
        "[[rule]]\nid = \"a\"\nkind = \"record-change\"\nnames = [\"x.example\"]\nexpect = [\"AS64500\"]\n",
    );
    assert!(
        err.starts_with("line 5:") && err.contains("asn_db"),
        "{err}"
    );
    let err = error("asn_db = \"nothing.tsv\"\n");
    assert!(
        err.starts_with("line 1:") && err.contains("nothing.tsv"),
        "{err}"
    );
}
