//! Certificate Transparency imports (crt.sh, CertStream, Cert Spotter): hand-written files in
//! each source's documented shape, with the expected certificate-name rows and skips computed
//! apart from hark (`tests/imports/ct_rows.py`); the rows reached through `hark lookup cert`,
//! `/api/v1/certs/{name}` and `hark recon`.

use crate::served::{http_get, Served};
use crate::support::TempStore;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// (name, issuer) → (first, last, count).
type Certs = BTreeMap<(String, String), (i64, i64, u64)>;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/imports/ct")
        .join(name)
}

/// What `ct_rows.py` expects of `file` read as `format`: rows and skips.
fn expected(format: &str, file: &Path) -> (Certs, BTreeMap<String, u64>) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/imports/ct_rows.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(format)
        .arg(file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = doc["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                (
                    r[0].as_str().expect("name").to_string(),
                    r[1].as_str().expect("issuer").to_string(),
                ),
                (
                    r[2].as_i64().expect("first"),
                    r[3].as_i64().expect("last"),
                    r[4].as_u64().expect("count"),
                ),
            )
        })
        .collect();
    let skips = doc["skips"]
        .as_object()
        .expect("skips")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count")))
        .collect();
    (rows, skips)
}

fn cert_rows(objects: impl Iterator<Item = Value>) -> Certs {
    objects
        .map(|obj| {
            (
                (
                    obj["name"].as_str().expect("name").to_string(),
                    obj["issuer"].as_str().expect("issuer").to_string(),
                ),
                (
                    obj["time_first"].as_i64().expect("first"),
                    obj["time_last"].as_i64().expect("last"),
                    obj["count"].as_u64().expect("count"),
                ),
            )
        })
        .collect()
}

/// Every certificate-name row of the store (the fixtures' names are under com, net, org).
fn stored(store: &TempStore) -> Certs {
    let mut all = Certs::new();
    for tld in ["*.com", "*.net", "*.org"] {
        let out = store.ok(&["lookup", "cert", "--json", "--limit", "0", tld]);
        all.extend(cert_rows(
            out.lines()
                .map(|l| serde_json::from_str::<Value>(l).expect("JSON")),
        ));
    }
    all
}

/// The `reason=n` skips of an import's summary.
fn skips_of(stderr: &str) -> BTreeMap<String, u64> {
    stderr
        .lines()
        .filter_map(|l| l.split_once(": skipped: ").map(|(_, s)| s))
        .flat_map(|s| s.split_whitespace())
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().expect("a count")))
        .collect()
}

const FORMATS: [(&str, &str); 3] = [
    ("crtsh", "crtsh.json"),
    ("certstream", "certstream.ndjson"),
    ("certspotter", "certspotter.json"),
];

/// Each format, by `hark import FORMAT` and by `hark ingest` (detected), plain and gzipped:
/// the rows and skips ct_rows.py computes; a second import of the same file adds nothing.
#[test]
fn ct_imports_give_the_expected_certificate_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, name) in FORMATS {
        let file = fixture(name);
        let (rows, skips) = expected(format, &file);
        assert!(!rows.is_empty() && !skips.is_empty(), "{format}");
        let gz = dir.path().join(format!("{name}.gz"));
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "gzip -c < '{}' > '{}'",
                file.display(),
                gz.display()
            ))
            .status()
            .expect("gzip runs");
        assert!(status.success());
        for (command, input) in [("import", &file), ("ingest", &file), ("import", &gz)] {
            let store = TempStore::new();
            let mut args = vec![command];
            if command == "import" {
                args.push(format);
            }
            args.push(input.to_str().expect("path"));
            let out = store.run(&args);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "{format} {command}: {stderr}");
            assert_eq!(skips_of(&stderr), skips, "{format} {command}: {stderr}");
            crate::support::assert_same_rows(
                &format!("{format} by {command} of {}", input.display()),
                &rows,
                &stored(&store),
            );
            // The same file again is recognised as read: nothing counted twice.
            store.ok(&args);
            assert_eq!(
                stored(&store),
                rows,
                "{format}: a second import changed rows"
            );
            let stats: Value =
                serde_json::from_str(&store.ok(&["stats", "--json"])).expect("stats JSON");
            assert_eq!(stats["certs"], rows.len() as u64, "{format}");
            assert_eq!(stats["rows"], 0, "certificate names are not DNS rows");
        }
    }
}

/// A crt.sh export cut inside an entry is a counted skip and stays unfinished; the whole file
/// afterwards resumes it, and the store equals one import of the whole file. `--strict`
/// stops at the first bad entry, keeping what came before it.
#[test]
fn a_cut_export_resumes_and_strict_stops_at_the_first_bad_entry() {
    let full = fixture("crtsh.json");
    let content = std::fs::read(&full).expect("reads");
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &content[..content.len() / 2]).expect("writes");
    let copy = dir.path().join("full.json");
    std::fs::write(&copy, &content).expect("writes");
    let once = TempStore::new();
    once.ok(&["import", "crtsh", full.to_str().expect("path")]);
    let twice = TempStore::new();
    let out = twice.run(&["import", "crtsh", cut.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        skips_of(&stderr).get("ct_truncated_json"),
        Some(&1),
        "{stderr}"
    );
    assert!(stderr.contains("not read to its end"), "{stderr}");
    let out = twice.run(&["import", "crtsh", copy.to_str().expect("path")]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("continues a shorter copy"), "{stderr}");
    crate::support::assert_same_rows("cut then full", &stored(&once), &stored(&twice));

    let strict = TempStore::new();
    let out = strict.run(&["import", "crtsh", "--strict", full.to_str().expect("path")]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The first bad entry (name_value 12345) starts on line 6.
    assert!(stderr.contains("crtsh.json:6:"), "{stderr}");
    let kept: Vec<String> = stored(&strict).into_keys().map(|(n, _)| n).collect();
    assert!(kept.contains(&"vpn.example.com.".to_string()), "{kept:?}");
}

/// The stored names through the native API (`/api/v1/certs/{name}`) and in `hark recon`'s
/// subdomains, merged with an export given with `--certs`.
#[test]
fn certificate_names_reach_the_api_and_recon() {
    let store = TempStore::new();
    store.ok(&[
        "import",
        "crtsh",
        fixture("crtsh.json").to_str().expect("path"),
    ]);
    let dns = store.dir.path().join("dns.json");
    std::fs::write(
        &dns,
        "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.80\",\"time_first\":1640000000,\"time_last\":1640000000,\"count\":1}\n",
    )
    .expect("writes");
    store.ok(&["import", "cof", dns.to_str().expect("path")]);
    let extra = store.dir.path().join("extra.json");
    std::fs::write(
        &extra,
        r#"[{"issuer_name":"C=US, O=Let's Encrypt, CN=R3","common_name":"intranet.example.com","name_value":"intranet.example.com","not_before":"2023-01-01T00:00:00","not_after":"2023-03-01T00:00:00"}]"#,
    )
    .expect("writes");
    let recon: Value = serde_json::from_str(&store.ok(&[
        "recon",
        "example.com",
        "--format",
        "json",
        "--certs",
        extra.to_str().expect("path"),
    ]))
    .expect("recon JSON");
    let names: BTreeMap<String, Value> = recon["subdomains"]["names"]
        .as_array()
        .expect("names")
        .iter()
        .map(|n| (n["name"].as_str().expect("name").to_string(), n.clone()))
        .collect();
    assert_eq!(names["www.example.com."]["status"], "live");
    assert_eq!(names["www.example.com."]["certificate"]["certificates"], 3);
    for only_cert in [
        "vpn.example.com.",
        "shop.example.com.",
        "intranet.example.com.",
    ] {
        assert_eq!(
            names[only_cert]["status"], "certificate only",
            "{only_cert}"
        );
    }
    assert_eq!(
        names["shop.example.com."]["certificate"]["wildcard_only"],
        false
    );

    let served = Served::launch(store, "analyst:ct-test-key\n", &[]);
    let key = [("X-API-Key", "ct-test-key")];
    let (status, body) = http_get(served.addr, "/api/v1/certs/*.example.com?limit=2", &key);
    assert_eq!(status, 200, "{body}");
    let json = body.split("\r\n\r\n").nth(1).expect("a body");
    let doc: Value = serde_json::from_str(json.trim()).expect("JSON");
    assert_eq!(doc["returned"], 2);
    assert_eq!(doc["next_offset"], 2);
    // Canonical order (labels from the root): shop.example.com, then *.shop.example.com
    // (a longer name under it), then vpn, vpn-legacy, www.
    let first: Vec<&str> = doc["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["name"].as_str().expect("name"))
        .collect();
    assert_eq!(first, ["shop.example.com.", "*.shop.example.com."]);
    let (status, _) = http_get(served.addr, "/api/v1/certs/*", &key);
    assert_eq!(status, 400);
}
