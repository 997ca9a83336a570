//! The real clients of the compat faces: vt-py, virustotal-python, pysecuritytrails and
//! misp-modules' `virustotal` expansion (from the venv in target/venv that
//! scripts/setup-test-clients.sh makes), and the `curl | python3` pipelines of the scripts
//! people copy, with only the host and key changed. The rows are [`crate::compat::rows`];
//! every expected value is worked out by hand from them. A missing client is a skip with a
//! note, and a failure under CI.
//!
//! misp-modules' `securitytrails` expansion is not run: it imports `dnstrails`, which is not
//! on PyPI.

use crate::compat::{compat_config, rows};
use crate::support::*;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `cmd` on the blocking pool with a time limit (the server runs on this runtime).
async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(180);
        while child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{cmd:?} timed out");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// A needed program, or `None` (with a note) when absent outside CI.
fn needed(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing; scripts/setup-test-clients.sh installs it");
    }
    eprintln!("note: {what} is missing (run scripts/setup-test-clients.sh), skipping");
    None
}

fn venv_python() -> Option<PathBuf> {
    needed(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python"),
        "the Python venv target/venv with vt-py, virustotal-python and pysecuritytrails",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_clients() {
    let Some(python) = venv_python() else { return };
    let server = start_with_rows(compat_config(), &rows()).await;
    let mut cmd = Command::new(python);
    cmd.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/compat_clients.py"))
        .arg(format!("http://{}", server.addr))
        .arg(KEY);
    let output = run(cmd).await;
    assert!(
        output.status.success(),
        "compat_clients.py: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();

    // vt-py
    assert_eq!(out["vt_domain"]["id"], "example.com");
    assert_eq!(out["vt_domain"]["last_dns_records_date"], 1701000000);
    assert_eq!(
        out["vt_domain"]["last_dns_records"][0],
        json!({"type": "A", "value": "203.0.113.10"})
    );
    assert_eq!(out["vt_domain"]["whois"], "");
    let many: Vec<String> = serde_json::from_value(out["vt_many_55"].clone()).unwrap();
    assert_eq!(many.len(), 55);
    let mut distinct = many.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 55);
    assert!(many.iter().all(|ip| ip.starts_with("10.9.0.")));
    let mut all: Vec<String> = (1..=60).map(|i| format!("10.9.0.{i}")).collect();
    all.sort();
    assert_eq!(out["vt_many_all_batch_40"], json!(all));
    let first = many[0]
        .trim_start_matches("10.9.0.")
        .parse::<i64>()
        .unwrap();
    assert_eq!(
        out["vt_resolution"],
        json!({"id": format!("{}vt-many.example", many[0]), "type": "resolution",
               "host_name": "vt-many.example", "date": 1_700_000_000 + first,
               "resolver": "https://hark.test/pdns",
               "stats": {"harmless": 0, "malicious": 0, "suspicious": 0, "undetected": 0, "timeout": 0}})
    );
    let mut walked: Vec<String> = serde_json::from_value(out["vt_ip_walk"].clone()).unwrap();
    assert_eq!(walked.len(), 45, "{walked:?}");
    walked.sort();
    let names: Vec<String> = (0..45).map(|i| format!("h{i:02}.ipwalk.example")).collect();
    assert_eq!(walked, names);
    assert_eq!(out["vt_unknown_domain"], "NotFoundError");
    assert_eq!(out["vt_bad_ip"], "InvalidArgumentError");
    assert_eq!(out["vt_bad_key"], "WrongCredentialsError");

    // virustotal-python
    assert_eq!(out["vtp_ip_walk"], json!({"pages": 2, "hosts": names}));
    assert_eq!(
        out["vtp_domain_ips"],
        json!(["192.0.2.1", "2001:db8::10", "203.0.113.10", "203.0.113.11"])
    );
    assert_eq!(out["vtp_unknown_domain"], json!([404, "NotFoundError"]));

    // pysecuritytrails
    assert_eq!(out["st_ping"], json!({"success": true}));
    assert_eq!(
        out["st_current_a"],
        json!({"first_seen": "2023-11-21", "values": [
            {"ip": "203.0.113.10", "ip_count": 2}, {"ip": "203.0.113.11", "ip_count": 1}]})
    );
    assert_eq!(
        out["st_current_ns"],
        json!(["ns1.example.com", "ns2.example.com"])
    );
    assert_eq!(
        out["st_subdomains"],
        json!(["api", "deep.lab", "fresh", "weird", "www"])
    );
    let history = &out["st_history"];
    let periods = |kind: &str| -> Vec<(String, String)> {
        history[kind]["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["first_seen"].as_str().unwrap().to_string(),
                    r["last_seen"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let dates = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(
        periods("a"),
        dates(&[("2023-11-21", "2023-11-26"), ("2023-11-14", "2023-11-20")])
    );
    assert_eq!(
        periods("mx"),
        dates(&[("2023-11-14", "2023-11-26"), ("2023-07-22", "2023-09-18")])
    );
    assert_eq!(
        periods("ns"),
        dates(&[("2023-07-22", "2023-11-26"), ("2023-07-22", "2023-11-25")])
    );
    assert_eq!(
        history["aaaa"]["records"][0]["values"][0]["ipv6"],
        "2001:db8::10"
    );
    assert_eq!(
        history["soa"]["records"][0]["values"][0]["email"],
        "hostmaster@example.com"
    );
    assert_eq!(
        history["txt"]["records"][0]["values"][0]["value"],
        "v=spf1 -all"
    );
    assert_eq!(history["a"]["pages"], 1);
    assert_eq!(
        out["st_search_ipv4"],
        json!(["example.com", "shop.example.org"])
    );
    assert_eq!(out["st_search_ns"], json!(["example.com", "example.net"]));
    assert!(
        out["st_unanswered_filter"]
            .as_str()
            .unwrap()
            .starts_with("Invalid query: filter \"keyword\""),
        "{}",
        out["st_unanswered_filter"]
    );
    assert_eq!(out["st_bad_key"], "forbidden");

    // misp-modules virustotal
    assert_eq!(
        out["misp_vt_domain_ips"],
        json!(["192.0.2.1", "2001:db8::10", "203.0.113.10", "203.0.113.11"])
    );
    assert_eq!(
        out["misp_vt_ip_domains"],
        json!(["example.com", "shop.example.org"])
    );
    assert_eq!(out["misp_vt_bad_key"]["error"], "Wrong API key");
    assert_eq!(
        out["misp_securitytrails"],
        "skipped: dnstrails is not on PyPI"
    );
}

/// The pipelines of the issue, host and key changed: `curl | python3` as scripts run them.
const PIPELINES: &[(&str, &str)] = &[
    (
        r#"curl -s "$URL/v1/history/example.com/dns/a" -H "APIKEY: $KEY" | python3 -c "
import json, sys
data = json.load(sys.stdin)
for r in data.get('records', []):
    print(r.get('first_seen'), r.get('last_seen'), ' '.join(v.get('ip') for v in r['values']))""#,
        "2023-11-21 2023-11-26 203.0.113.10 203.0.113.11\n2023-11-14 2023-11-20 192.0.2.1\n",
    ),
    (
        r#"curl -s "$URL/v1/domains/list" -H "APIKEY: $KEY" -H "Content-Type: application/json" \
  -d '{"filter": {"ipv4": "203.0.113.10"}}' | python3 -c "
import json, sys
for r in json.load(sys.stdin)['records']:
    print(r['hostname'])""#,
        "example.com\nshop.example.org\n",
    ),
    (
        r#"curl -s "$URL/v1/domains/list" -H "APIKEY: $KEY" -H "Content-Type: application/json" \
  -d '{"filter": {"ns": "ns1.example.com"}}' | python3 -c "
import json, sys
for r in json.load(sys.stdin)['records']:
    print(r['hostname'])""#,
        "example.com\nexample.net\n",
    ),
    (
        r#"curl -s "$URL/v1/domain/example.com" -H "APIKEY: $KEY" | python3 -c "
import json, sys
dns = json.load(sys.stdin)['current_dns']
print(' '.join(v['ip'] for v in dns['a']['values']))
print(' '.join(v['hostname'] for v in dns['mx']['values']))""#,
        "203.0.113.10 203.0.113.11\nmail.example.com\n",
    ),
    (
        r#"curl -s "$URL/api/v3/domains/example.com/resolutions" -H "x-apikey: $KEY" | python3 -c "
import json, sys
for d in sorted(json.load(sys.stdin)['data'], key=lambda d: d['attributes']['ip_address']):
    a = d['attributes']
    print(a['date'], a['ip_address'], a['host_name'])""#,
        "1700500000 192.0.2.1 example.com\n1701000000 2001:db8::10 example.com\n1701000000 203.0.113.10 example.com\n1701000000 203.0.113.11 example.com\n",
    ),
    (
        r#"curl -s "$URL/api/v3/ip_addresses/203.0.113.10/resolutions?limit=40" -H "x-apikey: $KEY" | python3 -c "
import json, sys
for d in json.load(sys.stdin)['data']:
    a = d['attributes']
    print(a['date'], a['ip_address'], a['host_name'])""#,
        "1701000000 203.0.113.10 example.com\n1700100000 203.0.113.10 shop.example.org\n",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_pipelines() {
    let Some(curl) = needed(PathBuf::from("/usr/bin/curl"), "curl") else {
        return;
    };
    drop(curl);
    let server = start_with_rows(compat_config(), &rows()).await;
    for (pipeline, expected) in PIPELINES {
        let mut cmd = Command::new("bash");
        cmd.arg("-o")
            .arg("pipefail")
            .arg("-c")
            .arg(pipeline)
            .env("URL", format!("http://{}", server.addr))
            .env("KEY", KEY);
        let output = run(cmd).await;
        assert!(
            output.status.success(),
            "{pipeline}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            *expected,
            "{pipeline}"
        );
    }
}
