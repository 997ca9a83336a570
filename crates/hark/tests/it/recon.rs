//! `hark recon` and `hark intel` on the Acme scenario of hark-intel's tests
//! (`crates/intel/tests/it/scenarios/acme.md`), imported as COF.

use crate::support::TempStore;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const ACME: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../intel/tests/it/scenarios/acme.json"
);

fn acme() -> TempStore {
    let store = TempStore::new();
    store.ok(&["import", "cof", ACME]);
    store
}

#[test]
fn the_report_as_text_json_markdown_and_html() {
    let store = acme();
    let text = store.ok(&["recon", "acme.example"]);
    for needle in [
        "Recon: acme.example. (from the store: no query was sent)",
        "moved from 192.0.2.10 to 2001:db8:ac::5, 203.0.113.5 on 2023-06-01",
        "Mail moved from self-hosted to Microsoft 365 / Exchange Online on 2023-05-01.",
        "DMARC weakened from strong to monitoring on 2023-07-01.",
        "google-site-verification=acmeTOKEN123",
        "acme-labs.example.",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    let json: Value =
        serde_json::from_str(&store.ok(&["recon", "acme.example.", "--format", "json"])).unwrap();
    assert_eq!(json["domain"], "acme.example.");
    assert_eq!(
        json["nameservers"]["related"][0]["zone"],
        "acme-labs.example."
    );
    assert_eq!(json["hosting"][5]["address"], "192.0.2.10");
    assert_eq!(json["hosting"][5]["shared"], true);
    let md = store.ok(&["recon", "acme.example", "--format", "markdown"]);
    assert!(
        md.starts_with("# Recon: acme.example.")
            && md.contains("\n## Takeover candidates under acme.example.\n")
    );
    let html = store.ok(&["recon", "acme.example", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
}

#[test]
fn one_question_at_a_time() {
    let store = acme();
    let mx = store.ok(&["intel", "mx", "acme.example"]);
    assert!(
        mx.contains(
            "acme-example.mail.protection.outlook.com.  Microsoft 365 / Exchange Online  hosted"
        ),
        "{mx}"
    );
    let pivot: Value =
        serde_json::from_str(&store.ok(&["intel", "pivot", "192.0.2.0/24", "--format", "json"]))
            .unwrap();
    assert_eq!(
        (pivot["names"].as_u64(), pivot["domains"].as_u64()),
        (Some(8), Some(7))
    );
    let changes: Value = serde_json::from_str(&store.ok(&[
        "intel",
        "changes",
        "acme.example",
        "--since",
        "2023-04-30",
        "--until",
        "2023-05-01",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(changes["events"].as_array().map(Vec::len), Some(7));
    let takeover = store.ok(&["intel", "takeover", "acme.example"]);
    // The COF import carries no NXDOMAIN answers: only the prone services show, without them.
    assert!(
        takeover.contains("[medium] CNAME docs.acme.example. -> acme.github.io. (GitHub Pages)"),
        "{takeover}"
    );
    assert!(
        takeover.contains("[low] CNAME app.acme.example. -> acme-app.azurewebsites.net."),
        "{takeover}"
    );
    let bad = store.run(&["intel", "txt", "*.acme.example"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a domain name"));
}

#[test]
fn bulk_targets_stream_as_ndjson() {
    let store = acme();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store.path())
        .args(["recon", "--bulk", "-"])
        .env_remove("HARK_DB")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"# targets\nacme.example\n192.0.2.0/24\n\n2001:db8::/32\nbad..name\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["input"].as_str().unwrap(),
                l["kind"].as_str().unwrap_or("error"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("acme.example", "domain"),
            ("192.0.2.0/24", "pivot"),
            ("2001:db8::/32", "pivot"),
            ("bad..name", "error")
        ]
    );
    assert_eq!(lines[0]["result"]["mail"]["changes"][0]["on"], 1682899200);
    assert_eq!(lines[2]["result"]["names"], 1);
    assert!(lines[3]["error"]
        .as_str()
        .unwrap()
        .contains("not a domain name"));
}

#[test]
fn profile_with_an_asn_database_and_graph_exports() {
    let store = acme();
    let asn = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../intel/tests/it/scenarios/acme-asn.tsv"
    );
    let profile = store.ok(&["intel", "profile", "acme.example", "--asn-db", asn]);
    assert!(
        profile.contains("AS numbers: iptoasn database (2 ranges)."),
        "{profile}"
    );
    assert!(
        profile.contains("203.0.113.5     AS64500  ACME-CLOUD-AS example  ec2-203-0-113-5.compute-1.amazonaws.com."),
        "{profile}"
    );
    let missing = store.run(&["recon", "acme.example", "--asn-db", "/nonexistent/asn.tsv"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot use the AS database"));
    let dot = store.ok(&["intel", "graph", "acme.example"]);
    assert!(dot.starts_with("digraph \"acme.example.\" {") && dot.trim_end().ends_with('}'));
    let graphml = store.ok(&["intel", "graph", "acme.example", "--as", "graphml"]);
    assert_eq!(graphml.matches("<edge ").count(), 16);
    let json: Value =
        serde_json::from_str(&store.ok(&["intel", "graph", "acme.example", "--as", "json"]))
            .unwrap();
    assert_eq!(json["edges"].as_array().map(Vec::len), Some(16));
}

#[test]
fn certificate_names_from_a_ct_export() {
    let store = acme();
    let certs = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../intel/tests/it/scenarios/acme-certs.json"
    );
    let text = store.ok(&["intel", "subdomains", "acme.example", "--certs", certs]);
    assert!(text.contains("known only from certificates"), "{text}");
    let vpn = text
        .lines()
        .find(|l| l.starts_with("vpn.acme.example."))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        vpn.contains("certificate only")
            && vpn.contains("2023-03-01")
            && vpn.trim_end().ends_with("certificate"),
        "{vpn}"
    );
    let json: Value = serde_json::from_str(&store.ok(&[
        "recon",
        "acme.example",
        "--certs",
        certs,
        "--format",
        "json",
    ]))
    .unwrap();
    let names: Vec<&str> = json["subdomains"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"vpn.acme.example.") && names.contains(&"staging.acme.example."));
    let bad = store.run(&["recon", "acme.example", "--certs", ACME]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot use the certificate export"));
}
