//! The real clients against `hark serve`: Debian's dnsdbq, and the dnsdb2, pypdns and
//! misp-modules Python packages (from the venv in target/venv that
//! scripts/setup-test-clients.sh makes). The store is loaded
//! from a COF file written here by hand, so every answer is known. A missing client is a
//! skip with a note, and a failure under CI.

use crate::served::Served;
use crate::support::TempStore;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
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

impl Served {
    fn start() -> Served {
        Served::start_with_keys("")
    }

    /// Serves the test rows with `extra` lines appended to the keys file.
    fn start_with_keys(extra: &str) -> Served {
        Served::start_on(TempStore::new(), extra)
    }

    /// Serves the test rows from `store` with `extra` lines appended to the keys file.
    pub fn start_on(store: TempStore, extra: &str) -> Served {
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
        Served::launch(store, &format!("# test keys\n{USER}:{KEY}\n{extra}"), &[])
    }
}

/// Runs a command with a time limit; returns its output.
fn run(cmd: Command) -> Output {
    run_with_input(cmd, None)
}

/// Runs a command with a time limit, `input` on its stdin; returns its output.
fn run_with_input(mut cmd: Command, input: Option<&str>) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    if let Some(text) = input {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(text.as_bytes()).unwrap();
        drop(stdin);
    }
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

pub fn dnsdbq() -> Option<PathBuf> {
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

pub(crate) fn venv_python() -> Option<PathBuf> {
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

/// How dnsdbq is pointed at the server.
enum Mode<'a> {
    /// DNSDB API v2 through the environment, with this key.
    Dnsdb(&'a str),
    /// CIRCL pDNS through a config file (DNSDBQ_CONFIG_FILE).
    Circl,
}

/// Runs dnsdbq with `args` (and `input` on stdin) against the server; returns its stdout.
fn dnsdbq_text(
    bin: &Path,
    served: &Served,
    mode: Mode<'_>,
    args: &[&str],
    input: Option<&str>,
) -> String {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("HOME", home.path())
        .env_remove("DNSDB_API_KEY")
        .env_remove("DNSDB_SERVER")
        .env_remove("DNSDBQ_SYSTEM")
        .env_remove("DNSDBQ_CONFIG_FILE");
    match mode {
        Mode::Dnsdb(key) => {
            cmd.env("DNSDB_API_KEY", key)
                .env("DNSDB_SERVER", served.url());
        }
        Mode::Circl => {
            let conf = home.path().join("dnsdbq.conf");
            std::fs::write(
                &conf,
                format!(
                    "DNSDBQ_SYSTEM=circl\nCIRCL_AUTH={USER}:{KEY}\nCIRCL_SERVER={}/pdns/query\n",
                    served.url()
                ),
            )
            .unwrap();
            cmd.env("DNSDBQ_CONFIG_FILE", &conf);
        }
    }
    let out = run_with_input(cmd, input);
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
    stdout
}

/// Parses dnsdbq's `-j` output: one JSON document a line (or one indented document for -I).
fn json_lines(stdout: &str, rate: bool) -> Vec<Value> {
    if rate {
        // The rate tuple is printed as one indented JSON document.
        return vec![serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))];
    }
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Runs dnsdbq with `args` against the server with the test key; returns its JSON lines.
fn dnsdbq_json(bin: &Path, served: &Served, args: &[&str]) -> Vec<Value> {
    let stdout = dnsdbq_text(bin, served, Mode::Dnsdb(KEY), args, None);
    json_lines(&stdout, args.contains(&"-I"))
}

#[test]
fn dnsdbq_every_lookup_kind() {
    let Some(bin) = dnsdbq() else { return };
    every_lookup_kind(&bin, &Served::start());
}

/// dnsdbq's rrset, rdata name, rdata IP lookups with types and bailiwicks against `served`.
pub fn every_lookup_kind(bin: &Path, served: &Served) {
    let q = |args: &[&str]| dnsdbq_json(bin, served, args);
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
        rows("summarize_rdata_name"),
        [json!({"count":33,"num_results":2,"time_first":1690000000,"time_last":1700900000})]
    );
    assert_eq!(
        rows("summarize_rdata_raw"),
        [json!({"count":10,"num_results":1,"time_first":1700000000,"time_last":1700500000})]
    );
    assert_eq!(
        triples(&rows("rdata_raw_any_type")),
        sorted(&["example.com. A 192.0.2.1"])
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
    assert_eq!(
        rows("flex_rrnames_regex"),
        [
            json!({"rrname":"www.example.com.","rrtype":"AAAA","count":1,"time_first":1700000000,"time_last":1700000000}),
            json!({"rrname":"www.example.net.","rrtype":"AAAA","count":1,"time_first":1700000000,"time_last":1700000100}),
        ]
    );
    let mut globbed: Vec<String> = rows("flex_rrnames_glob")
        .iter()
        .map(|o| {
            assert_eq!(o.as_object().map(|m| m.len()), Some(2), "terse: {o}");
            format!(
                "{} {}",
                o["rrname"].as_str().unwrap(),
                o["rrtype"].as_str().unwrap()
            )
        })
        .collect();
    globbed.sort();
    assert_eq!(
        globbed,
        [
            "api.example.com. CNAME",
            "weird.example.com. TYPE65534",
            "www.example.com. A",
            "www.example.com. AAAA"
        ]
    );
    assert_eq!(
        rows("flex_rdata_regex"),
        [
            json!({"rdata":"d111.cloudfront.net.","rrtype":"CNAME","raw_rdata":"04643131310a636c6f756466726f6e74036e657400","count":2,"time_first":1700300000,"time_last":1700400000})
        ]
    );
    // Both owners' rows behind the one rdata; the exclusion matches no rdata here.
    assert_eq!(
        rows("flex_rdata_glob"),
        [
            json!({"rdata":"ns1.dnsprovider.example.","rrtype":"NS","raw_rdata":"036e73310b646e7370726f7669646572076578616d706c6500","count":33,"time_first":1690000000,"time_last":1700900000})
        ]
    );
    assert_eq!(out["big_offset"], json!("OffsetError"));
    assert_eq!(out["wrong_key"], json!("AccessDenied"));
}

#[test]
fn pypdns_python_client() {
    pypdns_checks(&Served::start());
}

/// pypdns's paged, filtered, CIDR and sorted queries against `served`.
pub fn pypdns_checks(served: &Served) {
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

/// The exact JSON records dnsdbq prints for the rows of `www.example.com`.
const WWW_A_80: &str = r#"{"rrname":"www.example.com.","rrtype":"A","rdata":["192.0.2.80"],"time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com."}"#;
const WWW_A_198: &str = r#"{"rrname":"www.example.com.","rrtype":"A","rdata":["198.51.100.80"],"time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}"#;
const WWW_AAAA: &str = r#"{"rrname":"www.example.com.","rrtype":"AAAA","rdata":["2001:db8::80"],"time_first":1700000000,"time_last":1700000000,"count":1}"#;
/// The rdata lookup rows of 192.0.2.0/24 (no bailiwick on rdata lookups).
const IP_APEX: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":["192.0.2.1"],"time_first":1700000000,"time_last":1700500000,"count":10}"#;
const IP_WWW: &str = r#"{"rrname":"www.example.com.","rrtype":"A","rdata":["192.0.2.80"],"time_first":1700000000,"time_last":1700100000,"count":4}"#;

fn parse_all(lines: &[&str]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Sorted by their text, for answers whose order is not fixed.
fn sorted_values(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|v| v.to_string());
    values
}

#[test]
fn dnsdbq_types_strict_fences_offset() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start();
    let q = |args: &[&str]| dnsdbq_json(&bin, &served, args);
    // -t A,AAAA: one request per type; dnsdbq runs them at once (libcurl multi), so the
    // answers come in the order they finish.
    assert_eq!(
        sorted_values(q(&["-r", "www.example.com", "-t", "A,AAAA", "-j"])),
        sorted_values(parse_all(&[WWW_A_80, WWW_A_198, WWW_AAAA]))
    );
    assert_eq!(
        sorted_values(q(&["-r", "www.example.com/A,AAAA", "-j"])),
        sorted_values(parse_all(&[WWW_A_80, WWW_A_198, WWW_AAAA]))
    );
    // -c makes -A time_first_after (2023-11-16 = 1700092800) and -B time_last_before;
    // without -c they are time_last_after and time_first_before.
    assert_eq!(
        triples(&q(&["-r", "*.example.com", "-c", "-A", "2023-11-16", "-j"])),
        sorted(&[
            "api.example.com. CNAME d111.cloudfront.net.",
            "www.example.com. A 198.51.100.80",
        ])
    );
    assert_eq!(
        triples(&q(&["-r", "*.example.com", "-A", "2023-11-16", "-j"])),
        sorted(&[
            "api.example.com. CNAME d111.cloudfront.net.",
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 198.51.100.80",
        ])
    );
    assert_eq!(
        triples(&q(&["-r", "*.example.com", "-c", "-B", "2023-11-16", "-j"])),
        sorted(&[
            "weird.example.com. TYPE65534 \\# 2 0102",
            "www.example.com. AAAA 2001:db8::80",
        ])
    );
    // -O skips rows server-side: the last five of the 120 paged rows.
    let tail = q(&["-r", "*.paged.example", "-O", "115", "-j"]);
    let expected: Vec<Value> = (115..120)
        .map(|i| {
            json!({"rrname":format!("h{i:03}.paged.example."),"rrtype":"A","rdata":[format!("10.1.0.{}", i + 1)],"time_first":1700000000,"time_last":1700000000,"count":1})
        })
        .collect();
    assert_eq!(tail, expected);
}

const BATCH: &str =
    "rrset/name/www.example.com/A\nrdata/ip/192.0.2.0,24\nrrset/name/nothing.example.com\n";

#[test]
fn dnsdbq_batch_modes() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start();
    let batch = |args: &[&str]| dnsdbq_text(&bin, &served, Mode::Dnsdb(KEY), args, Some(BATCH));
    // -f: each answer followed by `--`.
    assert_eq!(
        batch(&["-f", "-j"]),
        format!("{WWW_A_80}\n{WWW_A_198}\n--\n{IP_APEX}\n{IP_WWW}\n--\n--\n")
    );
    // -ff: `++ query` before, `-- status (message)` after each answer.
    assert_eq!(
        batch(&["-ff", "-j"]),
        format!(
            "++ rrset/name/www.example.com/A\n{WWW_A_80}\n{WWW_A_198}\n-- NOERROR (no error)\n\
             ++ rdata/ip/192.0.2.0%2C24\n{IP_APEX}\n{IP_WWW}\n-- NOERROR (no error)\n\
             ++ rrset/name/nothing.example.com\n-- NOERROR (no results found for query.)\n"
        )
    );
    // -m -f: the queries run together, their answers merged into one result with no framing.
    let merged = batch(&["-m", "-f", "-j"]);
    assert!(!merged.contains("--"), "{merged}");
    assert_eq!(
        sorted_values(json_lines(&merged, false)),
        sorted_values(parse_all(&[WWW_A_80, WWW_A_198, IP_APEX, IP_WWW]))
    );
    // -m -ff: framed per query, in whatever order they finish.
    let framed = batch(&["-m", "-ff", "-j"]);
    let mut blocks: Vec<String> = framed.split_inclusive(")\n").map(str::to_string).collect();
    blocks.sort();
    let mut expected = vec![
        format!("++ rdata/ip/192.0.2.0%2C24\n{IP_APEX}\n{IP_WWW}\n-- NOERROR (no error)\n"),
        format!("++ rrset/name/nothing.example.com\n-- NOERROR (no results found for query.)\n"),
        format!(
            "++ rrset/name/www.example.com/A\n{WWW_A_80}\n{WWW_A_198}\n-- NOERROR (no error)\n"
        ),
    ];
    expected.sort();
    assert_eq!(blocks, expected, "{framed}");
}

#[test]
fn dnsdbq_circl_mode_through_its_config_file() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start();
    let q = |args: &[&str]| json_lines(&dnsdbq_text(&bin, &served, Mode::Circl, args, None), false);
    assert_eq!(
        q(&["-r", "www.example.com", "-j"]),
        [
            json!({"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com.","origin":"hark"}),
            json!({"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com.","origin":"hark"}),
            json!({"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1,"origin":"hark"}),
        ]
    );
    assert_eq!(
        q(&["-i", "192.0.2.0/24", "-j"]),
        [
            json!({"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10,"bailiwick":"example.com.","origin":"hark"}),
            json!({"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com.","origin":"hark"}),
        ]
    );
}

/// Keys with limits, for the quota tests with the real clients.
const QUOTA_KEYS: &str = "quota:quota-key:limit=3,results_max=50\nbursty:bursty-key:burst=3/60\n";

#[test]
fn dnsdbq_rate_with_burst() {
    let Some(bin) = dnsdbq() else { return };
    let served = Served::start_with_keys(QUOTA_KEYS);
    // dnsdbq -I asserts that burst_size and burst_window are integers.
    let rate = json_lines(
        &dnsdbq_text(
            &bin,
            &served,
            Mode::Dnsdb("bursty-key"),
            &["-I", "-j"],
            None,
        ),
        true,
    );
    assert_eq!(
        rate,
        [
            json!({"rate":{"reset":"n/a","limit":"unlimited","remaining":"n/a","results_max":1_000_000,"offset_max":3_000_000,"burst_size":3,"burst_window":60}})
        ]
    );
    let text = dnsdbq_text(&bin, &served, Mode::Dnsdb("bursty-key"), &["-I"], None);
    assert!(text.contains("burst rate: 3 per minute"), "{text}");
}

#[test]
fn dnsdb2_quota_exceeded() {
    let served = Served::start_with_keys(QUOTA_KEYS);
    let Some(out) = python("dnsdb2_quota.py", &[&served.url(), "quota-key"]) else {
        return;
    };
    let reset = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400
        + 1)
        * 86_400;
    assert_eq!(
        out["before"],
        json!({"rate":{"reset":reset,"limit":3,"remaining":3,"results_max":50,"offset_max":3_000_000}})
    );
    assert_eq!(out["answered"], json!(3));
    let www: Vec<Value> = parse_all(&[WWW_A_80, WWW_A_198]);
    assert_eq!(out["records"], json!([www, www, www]));
    assert_eq!(out["raised"], json!("QuotaExceeded"));
    assert_eq!(
        out["after"],
        json!({"rate":{"reset":reset,"limit":3,"remaining":0,"results_max":50,"offset_max":3_000_000}})
    );
}

/// One MISP `passive-dns` object as the script prints it: sorted (relation, value) pairs.
fn misp_object(pairs: &[(&str, &str)]) -> Value {
    let mut pairs: Vec<Value> = pairs.iter().map(|(r, v)| json!([r, v])).collect();
    pairs.sort_by_key(|p| p.to_string());
    json!(["passive-dns", pairs])
}

#[test]
fn misp_expansion_modules() {
    // The venv may predate misp-modules: check that the modules import first.
    let Some(venv) = venv_python() else { return };
    let imports = run({
        let mut cmd = Command::new(&venv);
        cmd.args(["-c", "import misp_modules.modules.expansion.farsight_passivedns, misp_modules.modules.expansion.circl_passivedns"]);
        cmd
    });
    let found = imports.status.success().then_some(venv);
    if client(found, "misp-modules in target/venv").is_none() {
        return;
    }
    let served = Served::start();
    let Some(out) = python("misp_expansion.py", &[&served.url(), KEY, USER]) else {
        return;
    };
    // farsight_passivedns asks with humantime=True: RFC 3339 times.
    let www_80 = [
        ("rrname", "www.example.com."),
        ("rrtype", "A"),
        ("rdata", "192.0.2.80"),
        ("count", "4"),
    ];
    let www_198 = [
        ("rrname", "www.example.com."),
        ("rrtype", "A"),
        ("rdata", "198.51.100.80"),
        ("count", "6"),
    ];
    let www_aaaa = [
        ("rrname", "www.example.com."),
        ("rrtype", "AAAA"),
        ("rdata", "2001:db8::80"),
        ("count", "1"),
    ];
    let with = |base: &[(&'static str, &'static str)], more: &[(&'static str, &'static str)]| {
        let mut all = base.to_vec();
        all.extend_from_slice(more);
        misp_object(&all)
    };
    let bailiwick = ("bailiwick", "example.com.");
    let t_80 = [
        ("time_first", "2023-11-14T22:13:20+00:00"),
        ("time_last", "2023-11-16T02:00:00+00:00"),
    ];
    let t_198 = [
        ("time_first", "2023-11-17T05:46:40+00:00"),
        ("time_last", "2023-11-25T08:13:20+00:00"),
    ];
    let t_aaaa = [
        ("time_first", "2023-11-14T22:13:20+00:00"),
        ("time_last", "2023-11-14T22:13:20+00:00"),
    ];
    let sorted_objects = |mut v: Vec<Value>| {
        v.sort_by_key(|o| o.to_string());
        Value::Array(v)
    };
    assert_eq!(
        out["farsight_domain"],
        sorted_objects(vec![
            with(&www_80, &[bailiwick, t_80[0], t_80[1]]),
            with(&www_198, &[bailiwick, t_198[0], t_198[1]]),
            with(&www_aaaa, &t_aaaa),
        ]),
        "{out}"
    );
    // An rdata lookup: no bailiwick.
    assert_eq!(
        out["farsight_ip"],
        sorted_objects(vec![with(&www_80, &t_80)]),
        "{out}"
    );
    // circl_passivedns turns the integer times into datetimes itself, and keeps `origin`.
    let circl = |t: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<(&'static str, &'static str)> = t
            .iter()
            .map(|(r, v)| {
                let spaced: &'static str = Box::leak(v.replacen('T', " ", 1).into_boxed_str());
                (*r, spaced)
            })
            .collect();
        v.push(("origin", "hark"));
        v
    };
    assert_eq!(
        out["circl_domain"],
        sorted_objects(vec![
            with(&www_80, &circl(&t_80)),
            with(&www_198, &circl(&t_198)),
            with(&www_aaaa, &circl(&t_aaaa)),
        ]),
        "{out}"
    );
    assert_eq!(
        out["circl_ip"],
        sorted_objects(vec![with(&www_80, &circl(&t_80))]),
        "{out}"
    );
}

/// `hark intel profile --asn-db` with a MaxMind DB written by PyPI's mmdb-writer (the
/// GeoLite2-ASN layout), on the Acme scenario of hark-intel's tests.
#[test]
fn asn_from_a_maxmind_db() {
    let store = TempStore::new();
    let dir = store.dir.path().to_path_buf();
    let mmdb = dir.join("asn.mmdb");
    let Some(out) = python("make_asn_mmdb.py", &[mmdb.to_str().unwrap()]) else {
        return;
    };
    assert_eq!(out["path"], json!(mmdb.to_str().unwrap()));
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../intel/tests/it/scenarios/acme.json");
    store.ok(&["import", "cof", acme.to_str().unwrap()]);
    let profile: Value = serde_json::from_str(&store.ok(&[
        "intel",
        "profile",
        "acme.example",
        "--asn-db",
        mmdb.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    assert!(
        profile["asn_source"]
            .as_str()
            .unwrap()
            .starts_with("MaxMind DB GeoLite2-ASN"),
        "{profile}"
    );
    let network = |address: &str| {
        profile["networks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["address"] == address)
            .cloned()
            .unwrap_or_else(|| panic!("{address}: {profile}"))
    };
    assert_eq!(network("203.0.113.5")["asn"], 64500);
    assert_eq!(
        network("203.0.113.5")["organisation"],
        "ACME-CLOUD-AS example"
    );
    assert_eq!(network("192.0.2.10")["asn"], 64501);
    assert_eq!(network("2001:db8:ac::5")["asn"], Value::Null);
}
