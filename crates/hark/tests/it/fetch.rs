//! `hark fetch` against hark's own faces standing in for each provider: a store served on
//! 127.0.0.1 (`hark serve`, with keys) answers as DNSDB, CIRCL, SecurityTrails and VirusTotal,
//! and an empty store fetches from it. The expected rows are read from the served store's
//! input file, written by hand.

use crate::served::Served;
use crate::support::TempStore;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpListener;

/// The served rows (COF), by hand.
const ROWS: &str = r#"{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700500000,"count":12}
{"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"com.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.com.","rrtype":"MX","rdata":"10 mail.example.com.","time_first":1690000000,"time_last":1700900000,"count":8}
{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1695000000,"time_last":1700900000,"count":4}
{"rrname":"example.com.","rrtype":"TXT","rdata":"\"v=spf1 -all\"","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"mail.example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1699000000,"time_last":1699000000,"count":2}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111.cloudfront.net.","time_first":1700300000,"time_last":1700400000,"count":2}
"#;

const KEY: &str = "fetch-test-key";

/// (rrname, rrtype, rdata) → (first, last, count) of COF lines.
type Rows = BTreeMap<(String, String, String), (i64, i64, u64)>;

fn rows_of<'a>(lines: impl Iterator<Item = &'a str>, keep: impl Fn(&Value) -> bool) -> Rows {
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON"))
        .filter(|v| keep(v))
        .map(|v| {
            let text = |k: &str| v[k].as_str().expect("field").to_string();
            (
                (text("rrname"), text("rrtype"), text("rdata")),
                (
                    v["time_first"].as_i64().expect("first"),
                    v["time_last"].as_i64().expect("last"),
                    v["count"].as_u64().expect("count"),
                ),
            )
        })
        .collect()
}

/// A store holding ROWS, served with one key.
fn provider() -> Served {
    provider_of(ROWS)
}

/// A store holding `rows`, served with one key.
fn provider_of(rows: &str) -> Served {
    let store = TempStore::new();
    let file = store.dir.path().join("rows.json");
    std::fs::write(&file, rows).expect("writes");
    store.ok(&["import", "cof", file.to_str().expect("path")]);
    Served::launch(store, &format!("analyst:{KEY}\n"), &[])
}

/// A config with one `[[upstream]]` of each kind at `url`, the key in a file.
fn config(dir: &std::path::Path, url: &str, extra: &str) -> std::path::PathBuf {
    let key = dir.join("key");
    std::fs::write(&key, format!("{KEY}\n")).expect("writes");
    let key = key.display();
    let text = format!(
        "[store]\n\n[[upstream]]\nid = \"dnsdb\"\nkind = \"dnsdb\"\nurl = \"{url}\"\nkey_file = \"{key}\"\n{extra}\n\
         [[upstream]]\nid = \"circl\"\nkind = \"circl\"\nurl = \"{url}\"\nuser = \"analyst\"\nkey_file = \"{key}\"\n\n\
         [[upstream]]\nid = \"st\"\nkind = \"securitytrails\"\nurl = \"{url}\"\nkey_file = \"{key}\"\n\n\
         [[upstream]]\nid = \"vt\"\nkind = \"virustotal\"\nurl = \"{url}\"\nkey_file = \"{key}\"\n"
    );
    let path = dir.join("hark.toml");
    std::fs::write(&path, text).expect("writes");
    path
}

fn exported(store: &TempStore) -> Rows {
    let out = store.ok(&["export"]);
    rows_of(out.lines(), |_| true)
}

/// DNSDB and CIRCL answers are COF: the fetched rows equal the served ones exactly, counts
/// included; asking again within the freshness window asks nothing; a forced refetch adds only
/// what the provider's counts grew by.
#[test]
fn dnsdb_and_circl_answers_become_the_same_rows() {
    let served = provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &served.url(), "");
    let cfg = cfg.to_str().expect("path");
    for id in ["dnsdb", "circl"] {
        let local = TempStore::new();
        let out = local.run(&[
            "fetch",
            "--config",
            cfg,
            "--provider",
            id,
            "www.example.com",
            "192.0.2.1",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{id}: {stderr}");
        let expected = rows_of(ROWS.lines(), |v| {
            v["rrname"] == "www.example.com." || (v["rrtype"] == "A" && v["rdata"] == "192.0.2.1")
        });
        crate::support::assert_same_rows(id, &expected, &exported(&local));
        // Fresh: not asked again, nothing added.
        let out = local.run(&[
            "fetch",
            "--config",
            cfg,
            "--provider",
            id,
            "www.example.com",
        ]);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("fresh"),
            "{id}"
        );
        assert_eq!(
            exported(&local),
            expected,
            "{id}: a fresh answer changed rows"
        );
        // Forced, the same answer: counts are not doubled.
        local.ok(&[
            "fetch",
            "--config",
            cfg,
            "--provider",
            id,
            "--force",
            "www.example.com",
        ]);
        assert_eq!(exported(&local), expected, "{id}: a refetch doubled counts");
        // The checkpoints name the source: stats says where rows came from.
        let stats: Value =
            serde_json::from_str(&local.ok(&["stats", "--json"])).expect("stats JSON");
        assert_eq!(stats["upstream"][id]["targets"], 2, "{id}: {stats}");
    }
}

/// A provider whose totals grew since the last answer: a forced refetch adds only the growth,
/// so the local counts equal the provider's (never the sum of two answers).
#[test]
fn a_refetch_adds_what_the_counts_grew_by() {
    const MORE: &str = "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.80\",\"time_first\":1701000000,\"time_last\":1701000000,\"count\":5}\n";
    let before = provider();
    let after = provider_of(&format!("{ROWS}{MORE}"));
    let dir = tempfile::tempdir().expect("tempdir");
    let local = TempStore::new();
    let first = config(dir.path(), &before.url(), "");
    local.ok(&[
        "fetch",
        "--config",
        first.to_str().expect("path"),
        "--provider",
        "dnsdb",
        "www.example.com",
    ]);
    // The same provider id, now answering with the grown totals.
    let second = config(dir.path(), &after.url(), "");
    local.ok(&[
        "fetch",
        "--config",
        second.to_str().expect("path"),
        "--provider",
        "dnsdb",
        "--force",
        "www.example.com",
    ]);
    let www = |v: &Value| v["rrname"] == "www.example.com.";
    let mut merged = rows_of(ROWS.lines(), www);
    for (key, (first, last, count)) in rows_of(MORE.lines(), www) {
        merged
            .entry(key)
            .and_modify(|(f, l, c)| {
                *f = (*f).min(first);
                *l = (*l).max(last);
                *c += count;
            })
            .or_insert((first, last, count));
    }
    assert_eq!(
        merged[&("www.example.com.".into(), "A".into(), "192.0.2.80".into())],
        (1700000000, 1701000000, 17)
    );
    crate::support::assert_same_rows("grown totals", &merged, &exported(&local));
}

/// SecurityTrails history and VirusTotal resolutions: the (name, type, rdata) keys of the
/// types each gives, for a name and (VirusTotal) an address; times are the providers' (days,
/// resolution dates), so keys are compared.
#[test]
fn securitytrails_and_virustotal_answers_give_the_served_keys() {
    let served = provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &served.url(), "");
    let cfg = cfg.to_str().expect("path");
    let keys =
        |rows: &Rows| -> BTreeSet<(String, String, String)> { rows.keys().cloned().collect() };

    let local = TempStore::new();
    local.ok(&["fetch", "--config", cfg, "--provider", "st", "example.com"]);
    let expected = rows_of(ROWS.lines(), |v| {
        v["rrname"] == "example.com."
            && ["A", "AAAA", "MX", "NS", "TXT"].contains(&v["rrtype"].as_str().unwrap_or(""))
    });
    assert_eq!(keys(&exported(&local)), keys(&expected));

    let local = TempStore::new();
    local.ok(&[
        "fetch",
        "--config",
        cfg,
        "--provider",
        "vt",
        "www.example.com",
        "192.0.2.1",
    ]);
    let expected = rows_of(ROWS.lines(), |v| {
        (v["rrname"] == "www.example.com."
            && ["A", "AAAA"].contains(&v["rrtype"].as_str().unwrap_or("")))
            || (v["rrtype"] == "A" && v["rdata"] == "192.0.2.1")
    });
    assert_eq!(keys(&exported(&local)), keys(&expected));
}

/// A DNSDB key whose daily quota is used up: `rate_limit` says so and nothing is asked.
#[test]
fn an_exhausted_dnsdb_quota_is_an_error() {
    let store = TempStore::new();
    let file = store.dir.path().join("rows.json");
    std::fs::write(&file, ROWS).expect("writes");
    store.ok(&["import", "cof", file.to_str().expect("path")]);
    let served = Served::launch(store, &format!("analyst:{KEY}:limit=1\n"), &[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &served.url(), "");
    let cfg = cfg.to_str().expect("path");
    let local = TempStore::new();
    local.ok(&[
        "fetch",
        "--config",
        cfg,
        "--provider",
        "dnsdb",
        "www.example.com",
    ]);
    let out = local.run(&[
        "fetch",
        "--config",
        cfg,
        "--provider",
        "dnsdb",
        "example.com",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("quota exhausted"), "{stderr}");
}

/// A provider that answers 429 with `Retry-After: 1` is asked again after the pause, and the
/// second answer is stored. The stand-in is a loopback socket answering by hand.
#[test]
fn a_429_is_waited_out() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = listener.local_addr().expect("address");
    let body = "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.80\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":3}\n";
    let server = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for n in 0..2 {
            let (mut stream, _) = listener.accept().expect("accepts");
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .expect("timeout");
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                let got = stream.read(&mut buf).expect("reads");
                if got == 0 {
                    break;
                }
                request.extend_from_slice(&buf[..got]);
            }
            requests.push(String::from_utf8_lossy(&request).into_owned());
            let response = if n == 0 {
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            } else {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            stream.write_all(response.as_bytes()).expect("writes");
        }
        requests
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &format!("http://{addr}"), "");
    let local = TempStore::new();
    local.ok(&[
        "fetch",
        "--config",
        cfg.to_str().expect("path"),
        "--provider",
        "circl",
        "www.example.com",
    ]);
    let requests = server.join().expect("server thread");
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert!(
            request.starts_with("GET /pdns/query/www.example.com "),
            "{request}"
        );
        // analyst:fetch-test-key in Basic credentials.
        assert!(
            request
                .to_ascii_lowercase()
                .contains("authorization: basic yw5hbhlzddpmzxrjac10zxn0lwtleq=="),
            "{request}"
        );
    }
    let rows = exported(&local);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows.values().next(), Some(&(1700000000, 1700000000, 3)));
}

/// `hark run` with a `[[fetch]]` source: the targets are fetched on start through the
/// service's writer, giving exactly the served rows; a restart within the freshness window
/// asks nothing and adds nothing.
#[test]
fn hark_run_fetches_its_targets_on_a_schedule() {
    use crate::run_service::Service;
    let served = provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("key");
    std::fs::write(&key, format!("{KEY}\n")).expect("writes");
    let config = format!(
        "[store]\npath = \"{d}/db\"\nflush_seconds = 0.2\n\n\
         [[upstream]]\nid = \"dnsdb\"\nkind = \"dnsdb\"\nurl = \"{url}\"\nkey_file = \"{k}\"\n\n\
         [[upstream]]\nid = \"vt\"\nkind = \"virustotal\"\nurl = \"{url}\"\nkey_file = \"{k}\"\n\n\
         [[fetch]]\nname = \"providers\"\ntargets = [\"www.example.com\", \"192.0.2.1\"]\n\
         providers = [\"dnsdb\"]\nevery = \"1h\"\n",
        d = dir.path().display(),
        url = served.url(),
        k = key.display()
    );
    let answered = |status: &Value| {
        Service::source(status, "providers").is_some_and(|s| s["messages"].as_u64() >= Some(2))
    };
    let service = Service::start(dir.path(), &config);
    let status = service.wait_for("both answers", answered);
    let source = Service::source(&status, "providers").expect("source");
    assert_eq!(source["kind"], "fetch", "{status}");
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    let expected: BTreeMap<_, _> = rows_of(ROWS.lines(), |v| {
        v["rrname"] == "www.example.com." || (v["rrtype"] == "A" && v["rdata"] == "192.0.2.1")
    })
    .into_iter()
    .map(|(key, (_, _, count))| (key, count))
    .collect();
    let counts = |rows: crate::run_service::Rows| -> BTreeMap<_, _> {
        rows.into_iter()
            .map(|(key, (count, _))| (key, count))
            .collect()
    };
    let db = dir.path().join("db");
    assert_eq!(counts(crate::run_service::exported(&db)), expected);

    // Started again within the hour: both answers are fresh, nothing is asked or added.
    let service = Service::start(dir.path(), &config);
    let status = service.wait_for("a round of fresh answers", |s| {
        Service::source(s, "providers")
            .is_some_and(|s| s["skips"]["fresh_not_asked"].as_u64() >= Some(2))
    });
    let source = Service::source(&status, "providers").expect("source");
    assert_eq!(source["messages"].as_u64(), Some(0), "{status}");
    service.stop();
    assert_eq!(counts(crate::run_service::exported(&db)), expected);
}
