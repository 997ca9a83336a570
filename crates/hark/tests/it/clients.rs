//! The real clients against `hark serve`: Debian's dnsdbq, and the dnsdb2 and pypdns Python
//! packages (from the venv in target/venv that scripts/setup.sh makes). The store is loaded
//! from a COF file written here by hand, so every answer is known. A missing client is a
//! skip with a note, and a failure under CI.

use crate::support::TempStore;
use serde_json::{json, Value};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "client-test-key";
const USER: &str = "analyst";

/// The rows served: the same story as the server crate's tests.
const ROWS: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111.cloudfront.net.","time_first":1700300000,"time_last":1700400000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"com.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.org.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"org.","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"example.com.","rrtype":"DS","rdata":"12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF","bailiwick":"com.","time_first":1700000000,"time_last":1700900000,"count":7}
{"rrname":"weird.example.com.","rrtype":"TYPE65534","rdata":"\\# 2 0102","time_first":1700000000,"time_last":1700000500,"count":1}
{"rrname":"www.example.net.","rrtype":"AAAA","rdata":"2001:db8::1","time_first":1700000000,"time_last":1700000100,"count":1}
"#;

/// `hark serve` on a free loopback port over a loaded store; killed at drop.
struct Served {
    child: Child,
    addr: SocketAddr,
    _store: TempStore,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn start() -> Served {
        let store = TempStore::new();
        let mut rows = ROWS.to_string();
        // 120 rows under paged.example, so pypdns's 50-row pages take three requests.
        for i in 0..120 {
            rows.push_str(&format!(
                "{{\"rrname\":\"h{i:03}.paged.example.\",\"rrtype\":\"A\",\"rdata\":\"10.1.0.{}\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n",
                i + 1
            ));
        }
        let file = store.dir.path().join("rows.json");
        std::fs::write(&file, rows).unwrap();
        store.ok(&["import", "cof", file.to_str().unwrap()]);
        let keys = store.dir.path().join("keys");
        std::fs::write(&keys, format!("# test keys\n{USER}:{KEY}\n")).unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_hark"))
            .arg("--db")
            .arg(store.path())
            .args(["serve", "--listen", &addr.to_string(), "--keys"])
            .arg(&keys)
            .env_remove("HARK_DB")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served {
            child,
            addr,
            _store: store,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "hark serve did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        served
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Runs a command with a time limit; returns its output.
fn run(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} timed out");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A client program, or `None` (with a note) when absent outside CI.
fn client(path: Option<PathBuf>, what: &str) -> Option<PathBuf> {
    if let Some(path) = path.filter(|p| p.is_file()) {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing; scripts/setup.sh installs it");
    }
    eprintln!("note: {what} is missing (run scripts/setup.sh), skipping");
    None
}

fn dnsdbq() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("dnsdbq"))
            .find(|p| p.is_file())
    });
    client(found, "dnsdbq (apt-get install dnsdbq)")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn venv_python() -> Option<PathBuf> {
    client(
        Some(workspace().join("target/venv/bin/python")),
        "the Python venv target/venv with dnsdb2 and pypdns",
    )
}

/// (rrname, rrtype, rdata) of each object, sorted; rdata may be a one-element array.
fn triples(objs: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = objs
        .iter()
        .map(|o| {
            let rdata = match &o["rdata"] {
                Value::Array(items) => {
                    assert_eq!(items.len(), 1, "{o}");
                    items[0].as_str().unwrap().to_string()
                }
                other => other.as_str().unwrap().to_string(),
            };
            let rrtype = match &o["rrtype"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{} {rrtype} {rdata}", o["rrname"].as_str().unwrap())
        })
        .collect();
    out.sort();
    out
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Runs dnsdbq with `args` against the server; returns its JSON lines.
fn dnsdbq_json(bin: &Path, served: &Served, args: &[&str]) -> Vec<Value> {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("HOME", home.path())
        .env("DNSDB_API_KEY", KEY)
        .env("DNSDB_SERVER", served.url())
        .env_remove("DNSDBQ_CONFIG_FILE");
    let out = run(cmd);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "dnsdbq {args:?}: {}\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains("rrtype must be") && !stderr.contains("must be an integer"),
        "{stderr}"
    );
    if args.contains(&"-I") {
        // The rate tuple is printed as one indented JSON document.
        return vec![serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))];
    }
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn dnsdbq_every_lookup_kind() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start();
    let q = |args: &[&str]| dnsdbq_json(&bin, &served, args);
    let www_a = sorted(&[
        "www.example.com. A 192.0.2.80",
        "www.example.com. A 198.51.100.80",
    ]);
    let rows = q(&["-r", "www.example.com/A", "-j"]);
    assert_eq!(triples(&rows), www_a);
    assert_eq!(rows[0]["count"], json!(4));
    assert_eq!(rows[0]["time_first"], json!(1700000000));
    assert_eq!(rows[0]["bailiwick"], json!("example.com."));
    assert_eq!(
        triples(&q(&["-r", "www.example.com", "-t", "A", "-j"])),
        www_a
    );
    assert_eq!(
        triples(&q(&["-r", "example.com", "-b", "com", "-j"])),
        sorted(&["example.com. NS ns1.dnsprovider.example."])
    );
    assert_eq!(
        triples(&q(&["-n", "ns1.dnsprovider.example", "-j"])),
        sorted(&[
            "example.com. NS ns1.dnsprovider.example.",
            "example.org. NS ns1.dnsprovider.example."
        ])
    );
    assert_eq!(
        triples(&q(&["-n", "*.cloudfront.net", "-j"])),
        sorted(&["api.example.com. CNAME d111.cloudfront.net."])
    );
    assert_eq!(
        triples(&q(&["-i", "192.0.2.0/24", "-j"])),
        sorted(&["example.com. A 192.0.2.1", "www.example.com. A 192.0.2.80"])
    );
    assert_eq!(
        triples(&q(&["-i", "2001:db8::/32", "-j"])),
        sorted(&[
            "www.example.com. AAAA 2001:db8::80",
            "www.example.net. AAAA 2001:db8::1"
        ])
    );
    // The unknown type arrives as "TYPE65534" and is kept (dnsdbq drops integer rrtypes).
    assert_eq!(
        triples(&q(&["-r", "weird.example.com", "-j"])),
        sorted(&["weird.example.com. TYPE65534 \\# 2 0102"])
    );
    // No results: dnsdbq exits cleanly with nothing printed.
    assert!(q(&["-r", "nothing.example.com", "-j"]).is_empty());
}

#[test]
fn dnsdbq_fences_limits_summarize_rate() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start();
    let q = |args: &[&str]| dnsdbq_json(&bin, &served, args);
    // -A: time_last_after 2023-11-20 (1700438400); -B: time_first_before 2023-11-16 (1700092800).
    assert_eq!(
        triples(&q(&["-r", "*.example.com", "-A", "2023-11-20", "-j"])),
        sorted(&["www.example.com. A 198.51.100.80"])
    );
    assert_eq!(
        triples(&q(&["-r", "*.example.com", "-B", "2023-11-16", "-j"])),
        sorted(&[
            "weird.example.com. TYPE65534 \\# 2 0102",
            "www.example.com. A 192.0.2.80",
            "www.example.com. AAAA 2001:db8::80",
        ])
    );
    assert_eq!(q(&["-r", "*.paged.example", "-l", "0", "-j"]).len(), 120);
    assert_eq!(q(&["-r", "*.paged.example", "-l", "7", "-j"]).len(), 7);
    assert_eq!(q(&["-r", "*.paged.example", "-L", "1", "-j"]).len(), 1);
    assert_eq!(
        q(&["-r", "www.example.com", "-V", "summarize", "-j"]),
        [json!({"count":11,"num_results":3,"time_first":1700000000,"time_last":1700900000})]
    );
    let rate = q(&["-I", "-j"]);
    assert_eq!(rate[0]["rate"]["results_max"], json!(1_000_000));
    assert_eq!(rate[0]["rate"]["limit"], json!("unlimited"));
    // The server is still healthy after a client that left early (-L).
    assert_eq!(q(&["-r", "*.paged.example", "-l", "0", "-j"]).len(), 120);
}

/// Runs a Python client script from tests/clients; returns its JSON document.
fn python(script: &str, args: &[&str]) -> Option<Value> {
    let python = venv_python()?;
    let mut cmd = Command::new(python);
    cmd.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/clients")
            .join(script),
    )
    .args(args);
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{script}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn dnsdb2_python_client() {
    let served = Served::start();
    let Some(out) = python("dnsdb2_client.py", &[&served.url(), KEY]) else {
        return;
    };
    let rows = |k: &str| -> Vec<Value> {
        out[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {out}"))
            .clone()
    };
    assert_eq!(out["ping"], json!(true));
    assert_eq!(out["rate_limit"]["rate"]["offset_max"], json!(3_000_000));
    assert_eq!(
        rows("rrset_www_a"),
        [
            json!({"rrname":"www.example.com.","rrtype":"A","rdata":["192.0.2.80"],"time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com."}),
            json!({"rrname":"www.example.com.","rrtype":"A","rdata":["198.51.100.80"],"time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}),
        ]
    );
    assert_eq!(
        triples(&rows("rrset_wildcard_cname")),
        sorted(&["api.example.com. CNAME d111.cloudfront.net."])
    );
    assert_eq!(
        triples(&rows("rrset_bailiwick")),
        sorted(&["example.com. NS ns1.dnsprovider.example."])
    );
    assert_eq!(
        triples(&rows("rdata_ip")),
        sorted(&[
            "www.example.com. AAAA 2001:db8::80",
            "www.example.net. AAAA 2001:db8::1"
        ])
    );
    assert_eq!(
        triples(&rows("rdata_name")),
        sorted(&[
            "example.com. NS ns1.dnsprovider.example.",
            "example.org. NS ns1.dnsprovider.example."
        ])
    );
    assert_eq!(
        triples(&rows("rdata_raw")),
        sorted(&["example.com. A 192.0.2.1"])
    );
    assert_eq!(
        rows("summarize"),
        [json!({"count":11,"num_results":3,"time_first":1700000000,"time_last":1700900000})]
    );
    assert_eq!(
        rows("summarize_ip"),
        [json!({"count":14,"num_results":2,"time_first":1700000000,"time_last":1700500000})]
    );
    assert_eq!(
        rows("humantime")[0]["time_first"],
        json!("2023-11-14T22:13:20Z")
    );
    assert_eq!(
        triples(&rows("fenced")),
        sorted(&["www.example.com. A 198.51.100.80"])
    );
    assert_eq!(
        triples(&rows("paged")),
        sorted(&[
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 198.51.100.80",
            "www.example.com. AAAA 2001:db8::80"
        ])
    );
    assert_eq!(out["pages"], json!(3));
    assert_eq!(out["big_offset"], json!("OffsetError"));
    assert_eq!(out["wrong_key"], json!("AccessDenied"));
}

#[test]
fn pypdns_python_client() {
    let served = Served::start();
    let Some(out) = python("pypdns_client.py", &[&served.url(), USER, KEY]) else {
        return;
    };
    let rows = |k: &str| -> Vec<Value> {
        out[k]
            .as_array()
            .unwrap_or_else(|| panic!("{k}: {out}"))
            .clone()
    };
    let paged = rows("iter_paged");
    assert_eq!(paged.len(), 120, "three pages of 50, 50 and 20");
    let expected: Vec<String> = (0..120)
        .map(|i| format!("h{i:03}.paged.example. A 10.1.0.{}", i + 1))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(triples(&paged), expected);
    assert!(paged.iter().all(|r| r["origin"] == json!("hark")));
    assert_eq!(
        rows("iter_filtered"),
        [
            json!({"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1,"origin":"hark"})
        ]
    );
    assert_eq!(
        triples(&rows("cidr")),
        sorted(&["example.com. A 192.0.2.1", "www.example.com. A 192.0.2.80"])
    );
    let unknown = rows("unknown_type");
    assert_eq!(unknown[0][0]["rrtype"], json!(65534));
    assert_eq!(unknown[0][1], json!("TYPE65534"));
    let www = sorted(&[
        "www.example.com. A 192.0.2.80",
        "www.example.com. A 198.51.100.80",
        "www.example.com. AAAA 2001:db8::80",
    ]);
    for key in [
        "count",
        "rdata",
        "rrname",
        "rrtype",
        "time_first",
        "time_last",
    ] {
        let got = rows(&format!("sorted_{key}"));
        assert_eq!(triples(&got), www, "{key}");
    }
    let by_count: Vec<i64> = rows("sorted_count")
        .iter()
        .map(|r| r["count"].as_i64().unwrap())
        .collect();
    assert_eq!(by_count, [1, 4, 6]);
    assert_eq!(out["wrong_password"], json!("UnauthorizedError"));
}
