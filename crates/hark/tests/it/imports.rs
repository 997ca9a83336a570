//! `hark import` of other tools' files: zone snapshots (checked against dnspython), and what
//! every import promises — a cut file re-run never double counts, `--strict` stops at the
//! first bad line.

use crate::support::{shared, TempStore};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv's Python (target/venv, beside the test binary's target directory or the
/// workspace's), or `None` (with a note) when absent outside CI.
/// Rows by key fields, with (first, last, count).
type Table = std::collections::BTreeMap<Vec<String>, (i64, i64, u64)>;

fn venv_python() -> Option<PathBuf> {
    let exe = std::env::current_exe().expect("test binary path");
    let candidates = [
        exe.ancestors()
            .nth(3)
            .map(|target| target.join("venv/bin/python")),
        Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/venv/bin/python")),
    ];
    if let Some(found) = candidates.into_iter().flatten().find(|p| p.is_file()) {
        return Some(found);
    }
    if std::env::var_os("CI").is_some() {
        panic!("target/venv (with dnspython) is missing; scripts/setup-test-clients.sh makes it");
    }
    eprintln!("note: target/venv is missing (run scripts/setup.sh), skipping");
    None
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/imports")
        .join(name)
}

/// The 97 root-zone snapshots imported in order, each at its snapshot time: every record's
/// zone_time_first/zone_time_last and count equal what dnspython computes from the same files.
#[test]
fn root_zone_history_matches_dnspython() {
    let Some(shared) = shared() else { return };
    let Some(python) = venv_python() else { return };
    let dir = shared.join("fixtures/rootzone");
    let index = std::fs::read_to_string(dir.join("index.txt")).expect("index.txt");
    let store = TempStore::new();
    let mut args = vec!["import".to_string(), "zone".into()];
    let mut files = Vec::new();
    let mut snapshots = 0;
    for line in index.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (serial, time) = (fields[0], fields[1]);
        args.extend(["--time".to_string(), time.to_string()]);
        files.push(
            dir.join(format!("root.zone.{serial}.gz"))
                .to_string_lossy()
                .into_owned(),
        );
        snapshots += 1;
    }
    args.extend(files);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    store.ok(&args);
    assert_eq!(snapshots, 97);
    let export = store.dir.path().join("export.json");
    std::fs::write(&export, store.ok(&["export"])).expect("writes export");
    let out = Command::new(python)
        .arg(script("zone_history.py"))
        .arg(dir.join("index.txt"))
        .arg(&dir)
        .arg(&export)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "zone_history.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["snapshots"], 97);
    assert_eq!(
        summary["mismatch_count"], 0,
        "rows differ from dnspython's history: {:#}",
        summary["mismatches"]
    );
    // The history is real: thousands of records came or went between serials.
    assert!(
        summary["changed"].as_u64().expect("changed") > 1000,
        "{summary}"
    );
    assert!(
        summary["records"].as_u64().expect("records") > 20_000,
        "{summary}"
    );
}

/// The same file imported again at the same time is recognised and not counted twice; at a
/// later time (an unchanged zone downloaded again) it extends zone_time_last.
#[test]
fn a_zone_snapshot_is_counted_once_per_time() {
    let store = TempStore::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("example.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\nwww A 192.0.2.1\n",
    )
    .expect("writes");
    let path = zone.to_str().expect("path");
    store.ok(&["import", "zone", "--time", "1000", path]);
    let again = store.run(&["import", "zone", "--time", "1000", path]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("skipped, the same content"));
    store.ok(&["import", "zone", "--time", "2000", path]);
    let rows = export(&store);
    let www = rows
        .iter()
        .find(|r| r["rrname"] == "www.example.com.")
        .expect("www row");
    assert_eq!(www["zone_time_first"], 1000);
    assert_eq!(www["zone_time_last"], 2000);
    assert_eq!(www["count"], 2);
    assert_eq!(www["bailiwick"], "example.com.");
    assert!(www.get("time_first").is_none(), "{www}");
}

fn export(store: &TempStore) -> Vec<Value> {
    store
        .ok(&["export"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect()
}

/// Export rows as sorted lines, for comparing stores.
fn export_lines(store: &TempStore) -> Vec<String> {
    let mut lines: Vec<String> = store.ok(&["export"]).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

/// Imports `args` + a copy of `full` cut at half, then `full`; the store must equal a single
/// import of `full`.
pub fn assert_cut_then_full_counts_once(args: &[&str], full: &Path) {
    let content = std::fs::read(full).expect("reads");
    let dir = tempfile::tempdir().expect("tempdir");
    let cut = dir.path().join("cut");
    let at = content.len() / 2;
    std::fs::write(&cut, &content[..at]).expect("writes");
    let copy = dir.path().join("full");
    std::fs::copy(full, &copy).expect("copies");

    let once = TempStore::new();
    once.ok(&[args, &[full.to_str().expect("path")]].concat());
    let twice = TempStore::new();
    twice.ok(&[args, &[cut.to_str().expect("path")]].concat());
    let out = twice.ok(&[args, &[copy.to_str().expect("path")]].concat());
    let _ = out;
    let (expected, actual) = (export_lines(&once), export_lines(&twice));
    let differing: Vec<_> = actual
        .iter()
        .filter(|l| !expected.contains(l))
        .take(3)
        .collect();
    assert!(
        expected == actual,
        "{} rows after cut + full, {} after one import; e.g. {differing:?}",
        actual.len(),
        expected.len()
    );
}

#[test]
fn a_cut_zone_file_then_the_full_one_counts_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("example.zone");
    let mut text = String::from("$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\n");
    for i in 0..2000 {
        text.push_str(&format!("h{i} A 192.0.2.{}\n", i % 250));
    }
    std::fs::write(&zone, text).expect("writes");
    assert_cut_then_full_counts_once(&["import", "zone", "--time", "1000"], &zone);
}

#[test]
fn strict_stops_at_the_first_bad_line_and_keeps_what_came_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("bad.zone");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\nwww A 192.0.2.1\nbad A 999.1.1.1\nlater A 192.0.2.3\n",
    )
    .expect("writes");
    let path = zone.to_str().expect("path");
    let store = TempStore::new();
    let out = store.run(&["import", "zone", "--strict", "--time", "5", path]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{path}:4:")), "{stderr}");
    let names: Vec<String> = export(&store)
        .iter()
        .map(|r| r["rrname"].as_str().expect("rrname").to_string())
        .collect();
    assert!(names.contains(&"www.example.com.".to_string()), "{names:?}");
    assert!(
        !names.contains(&"later.example.com.".to_string()),
        "{names:?}"
    );
    // Without --strict the bad line is a counted skip naming its reason.
    let lenient = TempStore::new();
    let out = lenient.run(&["import", "zone", "--time", "5", path]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zone_bad_rdata=1"));
    assert_eq!(export(&lenient).len(), 3);
}

/// NSD on loopback serving `zone_text` as example.test with zone transfers allowed to
/// 127.0.0.1; stopped at drop.
struct Nsd {
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Nsd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("nsd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn start_nsd(zone_text: &str) -> Option<Nsd> {
    let present = Command::new("sh")
        .args(["-c", "command -v nsd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "nsd is needed (scripts/setup-test-clients.sh installs it)"
        );
        eprintln!("note: nsd is not installed; skipping");
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    std::fs::write(dir.path().join("example.test.zone"), zone_text).expect("zone");
    let d = dir.path().display();
    let conf = format!(
        "server:\n  ip-address: 127.0.0.1@{port}\n  do-ip6: no\n  username: \"\"\n  chroot: \"\"\n  \
         zonesdir: \"{d}\"\n  database: \"\"\n  zonelistfile: \"{d}/zone.list\"\n  \
         xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n  pidfile: \"{d}/nsd.pid\"\n  \
         logfile: \"{d}/nsd.log\"\n  server-count: 1\n  rrl-ratelimit: 0\n\
         remote-control:\n  control-enable: no\n\
         zone:\n  name: \"example.test\"\n  zonefile: \"example.test.zone\"\n  provide-xfr: 127.0.0.1 NOKEY\n"
    );
    std::fs::write(dir.path().join("nsd.conf"), conf).expect("conf");
    let status = Command::new("nsd")
        .arg("-c")
        .arg(dir.path().join("nsd.conf"))
        .status()
        .expect("nsd runs");
    assert!(status.success(), "nsd did not start");
    let nsd = Nsd { dir, port };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "nsd never listened: {}",
            std::fs::read_to_string(nsd.dir.path().join("nsd.log")).unwrap_or_default()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Some(nsd)
}

/// The harness's zone (../shared/harness) with its 1000 generated hosts, and records of more
/// types, served by NSD: the transfer gives exactly the rows of the same file's import.
#[test]
fn axfr_from_nsd_gives_the_rows_of_the_zone_file() {
    let Some(shared) = shared() else { return };
    let mut zone =
        std::fs::read_to_string(shared.join("harness/example.test.zone.head")).expect("zone head");
    for i in 0..1000 {
        zone.push_str(&format!("h{i} IN A 198.51.100.{}\n", i % 250 + 1));
    }
    zone.push_str(concat!(
        "txt IN TXT \"hello world\" \"two\"\n",
        "caa IN CAA 0 issue \"letsencrypt.org\"\n",
        "sub IN NS ns.sub\n",
        "ns.sub IN A 192.0.2.53\n",
        "big IN TXT ",
    ));
    // Many records so the transfer spans several messages.
    zone.push_str(&format!("\"{}\"\n", "x".repeat(250)));
    for i in 0..3000 {
        zone.push_str(&format!("t{i} IN TXT \"{}\"\n", "y".repeat(100 + i % 100)));
    }
    let Some(nsd) = start_nsd(&zone) else { return };
    let from_file = TempStore::new();
    let file = nsd.dir.path().join("example.test.zone");
    from_file.ok(&[
        "import",
        "zone",
        "--time",
        "1700000000",
        file.to_str().expect("path"),
    ]);
    let transferred = TempStore::new();
    let server = format!("@127.0.0.1:{}", nsd.port);
    transferred.ok(&[
        "import",
        "axfr",
        "example.test",
        &server,
        "--time",
        "1700000000",
    ]);
    let rows = export_lines(&transferred);
    assert_eq!(rows.len(), 14 + 1000 + 5 + 3000, "{:?}", &rows[..5]);
    assert_eq!(rows, export_lines(&from_file));
    // A zone the server does not serve is refused: an error, nothing stored.
    let refused = TempStore::new();
    let out = refused.run(&["import", "axfr", "other.test", &server]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refused"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Rows of `hark export` (RR rows or, with `--negatives`, negative rows) as tuples of their
/// key fields and (first, last, count).
fn exported(store: &TempStore, negatives: bool) -> Table {
    let args: &[&str] = if negatives {
        &["export", "--negatives"]
    } else {
        &["export"]
    };
    store
        .ok(args)
        .lines()
        .map(|line| {
            let o: Value = serde_json::from_str(line).expect("JSON");
            let keys: &[&str] = if negatives {
                &["qname", "qtype", "rcode"]
            } else {
                &["rrname", "rrtype", "rdata"]
            };
            let key = keys
                .iter()
                .map(|k| {
                    o[*k]
                        .as_str()
                        .unwrap_or_else(|| panic!("{k} in {line}"))
                        .to_string()
                })
                .collect();
            let value = (
                o["time_first"].as_i64().expect("time_first"),
                o["time_last"].as_i64().expect("time_last"),
                o["count"].as_u64().expect("count"),
            );
            (key, value)
        })
        .collect()
}

/// The table a Python script builds from the same file.
fn expected_table(python: &Path, script_name: &str, file: &Path) -> (Table, Table) {
    let out = Command::new(python)
        .arg(script(script_name))
        .arg(file)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{script_name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table: Value = serde_json::from_slice(&out.stdout).expect("JSON table");
    let read = |name: &str| {
        table[name]
            .as_array()
            .expect("array")
            .iter()
            .map(|row| {
                let row = row.as_array().expect("row");
                let key = row[..3]
                    .iter()
                    .map(|v| v.as_str().expect("text").to_string())
                    .collect();
                let n = |i: usize| row[i].as_i64().expect("number");
                (key, (n(3), n(4), n(5) as u64))
            })
            .collect()
    };
    (read("rows"), read("negatives"))
}

/// The same Zeek traffic as TSV and as JSON gives identical rows, and they are the rows an
/// independent Python reading of the TSV expects (CNAME chains kept apart, NXDOMAIN negatives).
#[test]
fn zeek_tsv_and_json_give_the_expected_rows() {
    let Some(shared) = shared() else { return };
    let Some(python) = venv_python() else { return };
    let dir = shared.join("fixtures/imports");
    let tsv = dir.join("zed__zeek-default_dns.log.gz");
    let json = dir.join("zed__zeek-json_dns.json.gz");
    let from_tsv = TempStore::new();
    let out = from_tsv.run(&["import", "zeek", tsv.to_str().expect("path")]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zeek_no_response="));
    let from_json = TempStore::new();
    from_json.ok(&["import", "zeek", json.to_str().expect("path")]);
    let (rows, negatives) = (exported(&from_tsv, false), exported(&from_tsv, true));
    assert_eq!(rows, exported(&from_json, false));
    assert_eq!(negatives, exported(&from_json, true));
    let (expected_rows, expected_negatives) = expected_table(&python, "zeek_rows.py", &tsv);
    crate::support::assert_same_rows("zeek rows", &expected_rows, &rows);
    crate::support::assert_same_rows("zeek negatives", &expected_negatives, &negatives);
    assert!(rows.len() > 3000, "{}", rows.len());
    // The chain's address belongs to the chain's end, not to the query name.
    let key = |a: &str, b: &str, c: &str| vec![a.to_string(), b.to_string(), c.to_string()];
    assert!(rows.contains_key(&key("ise.wrccdc.org.", "CNAME", "ise.wrccdc.cpp.edu.")));
    assert!(rows.contains_key(&key("ise.wrccdc.cpp.edu.", "A", "134.71.3.16")));
    assert!(!rows.contains_key(&key("ise.wrccdc.org.", "A", "134.71.3.16")));

    // A cut copy, then the whole file: the same store as one import.
    let plain = tempfile::tempdir().expect("tempdir");
    let text = plain.path().join("dns.log");
    let mut decoder = flate2::read::GzDecoder::new(std::fs::File::open(&tsv).expect("opens"));
    std::io::copy(
        &mut decoder,
        &mut std::fs::File::create(&text).expect("creates"),
    )
    .expect("decodes");
    assert_cut_then_full_counts_once(&["import", "zeek"], &text);
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|p| p.to_string()).collect()
}

/// EVE lines of each generation (written by hand after Suricata's documented shapes), with
/// the rows expected by hand: records behind a CNAME under their own owners, grouped answers
/// only when unambiguous, other events counted.
#[test]
fn eve_v1_v2_v3_events_give_rows_with_their_own_owners() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("eve.json");
    let ts = |s: u32| format!("\"timestamp\":\"2024-05-01T10:00:{s:02}.500000+0000\"");
    let lines = [
        format!(r#"{{{},"event_type":"flow","flow":{{}}}}"#, ts(0)),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"type":"query","id":1,"rrname":"www.example.com","rrtype":"A"}}}}"#,
            ts(1)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"type":"answer","id":1,"rcode":"NOERROR","rrname":"www.example.com","rrtype":"CNAME","ttl":60,"rdata":"cdn.example.net"}}}}"#,
            ts(2)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"type":"answer","id":1,"rcode":"NOERROR","rrname":"cdn.example.net","rrtype":"A","ttl":60,"rdata":"192.0.2.7"}}}}"#,
            ts(3)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"version":2,"type":"answer","id":2,"rcode":"NOERROR","rrname":"www.example.com","rrtype":"A","answers":[{{"rrname":"www.example.com","rrtype":"CNAME","ttl":60,"rdata":"cdn.example.net"}},{{"rrname":"cdn.example.net","rrtype":"A","ttl":60,"rdata":"192.0.2.7"}}],"grouped":{{"CNAME":["cdn.example.net"],"A":["192.0.2.7"]}}}}}}"#,
            ts(4)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"version":2,"type":"answer","id":3,"rcode":"NOERROR","rrname":"img.example.com","rrtype":"A","grouped":{{"CNAME":["img.cdn.example.net"],"A":["192.0.2.9"]}}}}}}"#,
            ts(5)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"version":2,"type":"answer","id":4,"rcode":"NOERROR","rrname":"v6.example.com","rrtype":"AAAA","grouped":{{"AAAA":["2001:db8::1"]}}}}}}"#,
            ts(6)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"version":3,"type":"response","id":5,"rcode":"NXDOMAIN","queries":[{{"rrname":"gone.example.com","rrtype":"A"}}]}}}}"#,
            ts(7)
        ),
        format!(
            r#"{{{},"event_type":"dns","dns":{{"version":3,"type":"response","id":6,"rcode":"NOERROR","queries":[{{"rrname":"example.com","rrtype":"MX"}}],"answers":[{{"rrname":"example.com","rrtype":"MX","ttl":60,"rdata":"mx.example.com"}}]}}}}"#,
            ts(8)
        ),
        "{\"truncated".to_string(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").expect("writes");
    let store = TempStore::new();
    let out = store.run(&["import", "eve", file.to_str().expect("path")]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for reason in [
        "eve_not_dns=1",
        "eve_query=1",
        "eve_grouped_ambiguous=1",
        "eve_incomplete_rdata=1",
        "eve_bad_json=1",
    ] {
        assert!(stderr.contains(reason), "{reason} in {stderr}");
    }
    assert!(
        stderr.contains(&format!("{}:10:", file.display())),
        "the bad line is named: {stderr}"
    );
    let t0 = 1714557600;
    let expected: Table = [
        (
            key(&["www.example.com.", "CNAME", "cdn.example.net."]),
            (t0 + 2, t0 + 4, 2),
        ),
        (
            key(&["cdn.example.net.", "A", "192.0.2.7"]),
            (t0 + 3, t0 + 4, 2),
        ),
        (
            key(&["v6.example.com.", "AAAA", "2001:db8::1"]),
            (t0 + 6, t0 + 6, 1),
        ),
    ]
    .into_iter()
    .collect();
    crate::support::assert_same_rows("eve rows", &expected, &exported(&store, false));
    let negatives: Table = [(
        key(&["gone.example.com.", "A", "NXDOMAIN"]),
        (t0 + 7, t0 + 7, 1),
    )]
    .into_iter()
    .collect();
    crate::support::assert_same_rows("eve negatives", &negatives, &exported(&store, true));
    let strict = TempStore::new();
    let out = strict.run(&["import", "eve", "--strict", file.to_str().expect("path")]);
    assert!(!out.status.success(), "--strict fails on the bad line");
}

/// passivedns lines are deltas: counts add up; NXDOMAIN lines are negative rows; MX/TXT lines
/// are counted skips; the JSON form gives the same rows.
#[test]
fn passivedns_deltas_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = dir.path().join("passivedns.log");
    std::fs::write(
        &text,
        concat!(
            "1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube.com.||A||74.125.43.117||46587||5\n",
            "1322936324.000001||10.1.1.2||8.8.8.8||IN||upload.youtube.com.||A||74.125.43.117||300||7\n",
            "1322849930.5||10.1.1.1||8.8.8.8||IN||www.example.com.||CNAME||cdn.example.net.||60||1\n",
            "1322849931.5||10.1.1.1||8.8.8.8||IN||example.com.||MX||mx.example.com.||60||1\n",
            "1322849932.5||10.1.1.1||8.8.8.8||IN||example.com.||TXT||v=spf1 -all||60||1\n",
            "1322849933.5||10.1.1.1||8.8.8.8||IN||nope.example.com.||A||NXDOMAIN||0||1\n",
        ),
    )
    .expect("writes");
    let json = dir.path().join("passivedns.json");
    std::fs::write(
        &json,
        concat!(
            r#"{"timestamp_s":1322849924,"timestamp_ms":408,"client":"10.1.1.1","server":"8.8.8.8","class":"IN","query":"upload.youtube.com.","type":"A","answer":"74.125.43.117","ttl":46587,"count":5}"#, "\n",
            r#"{"timestamp_s":1322936324,"timestamp_ms":0,"client":"10.1.1.2","server":"8.8.8.8","class":"IN","query":"upload.youtube.com.","type":"A","answer":"74.125.43.117","ttl":300,"count":7}"#, "\n",
            r#"{"timestamp_s":1322849930,"timestamp_ms":500,"client":"10.1.1.1","server":"8.8.8.8","class":"IN","query":"www.example.com.","type":"CNAME","answer":"cdn.example.net.","ttl":60,"count":1}"#, "\n",
            r#"{"timestamp_s":1322849931,"timestamp_ms":500,"client":"10.1.1.1","server":"8.8.8.8","class":"IN","query":"example.com.","type":"MX","answer":"mx.example.com.","ttl":60,"count":1}"#, "\n",
            r#"{"timestamp_s":1322849933,"timestamp_ms":500,"client":"10.1.1.1","server":"8.8.8.8","class":"IN","query":"nope.example.com.","type":"A","answer":"NXDOMAIN","ttl":0,"count":1}"#, "\n",
        ),
    )
    .expect("writes");
    let expected: Table = [
        (
            key(&["upload.youtube.com.", "A", "74.125.43.117"]),
            (1322849924, 1322936324, 12),
        ),
        (
            key(&["www.example.com.", "CNAME", "cdn.example.net."]),
            (1322849930, 1322849930, 1),
        ),
    ]
    .into_iter()
    .collect();
    let negatives: Table = [(
        key(&["nope.example.com.", "A", "NXDOMAIN"]),
        (1322849933, 1322849933, 1),
    )]
    .into_iter()
    .collect();
    for file in [&text, &json] {
        let store = TempStore::new();
        let out = store.run(&["import", "passivedns", file.to_str().expect("path")]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("passivedns_incomplete_rdata="));
        crate::support::assert_same_rows("passivedns rows", &expected, &exported(&store, false));
        crate::support::assert_same_rows(
            "passivedns negatives",
            &negatives,
            &exported(&store, true),
        );
    }
    // Another delimiter and field order.
    let tabs = dir.path().join("tabs.log");
    std::fs::write(
        &tabs,
        "upload.youtube.com.\tA\t74.125.43.117\t12\t1322849924.1\n",
    )
    .expect("writes");
    let store = TempStore::new();
    store.ok(&[
        "import",
        "passivedns",
        "--delimiter",
        "\t",
        "--fields",
        "QTAnS",
        tabs.to_str().expect("path"),
    ]);
    assert_eq!(
        exported(&store, false).get(&key(&["upload.youtube.com.", "A", "74.125.43.117"])),
        Some(&(1322849924, 1322849924, 12))
    );
}

/// `hark ingest` recognises text imports by their first line and makes the rows `hark import`
/// makes.
#[test]
fn ingest_recognises_text_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zone = dir.path().join("db.example");
    std::fs::write(
        &zone,
        "$ORIGIN example.com.\n@ SOA ns hostmaster 1 2 3 4 5\nwww A 192.0.2.1\n",
    )
    .expect("writes");
    let passivedns = dir.path().join("pdns.log");
    std::fs::write(
        &passivedns,
        "1322849924.408856||10.1.1.1||8.8.8.8||IN||a.example.||A||192.0.2.9||60||4\n",
    )
    .expect("writes");
    let eve = dir.path().join("eve.json");
    std::fs::write(
        &eve,
        r#"{"timestamp":"2024-05-01T10:00:00.000000+0000","event_type":"dns","dns":{"type":"answer","rcode":"NOERROR","rrname":"b.example","rrtype":"A","rdata":"192.0.2.10"}}"#.to_string() + "\n",
    )
    .expect("writes");
    for (format, file) in [("zone", &zone), ("passivedns", &passivedns), ("eve", &eve)] {
        let path = file.to_str().expect("path");
        let ingested = TempStore::new();
        ingested.ok(&["ingest", path]);
        let imported = TempStore::new();
        let mut args = vec!["import", format];
        let mtime;
        if format == "zone" {
            mtime = std::fs::metadata(file)
                .and_then(|m| m.modified())
                .expect("mtime")
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_secs()
                .to_string();
            args.extend(["--time", mtime.as_str()]);
        }
        args.push(path);
        imported.ok(&args);
        let rows = export_lines(&ingested);
        assert!(!rows.is_empty(), "{format}");
        assert_eq!(rows, export_lines(&imported), "{format}");
    }
}

/// Sonar FDNS/RDNS and go-dnscollector lines, written after their projects' documented shapes,
/// with the rows expected by hand; `hark ingest` recognises both.
#[test]
fn sonar_and_dnscollector_lines_give_the_expected_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sonar = dir.path().join("fdns.json");
    std::fs::write(
        &sonar,
        concat!(
            r#"{"timestamp":"1527206612","name":"www.example.com","type":"cname","value":"example.com"}"#, "\n",
            r#"{"timestamp":"1527206700","name":"example.com","type":"a","value":"192.0.2.1"}"#, "\n",
            r#"{"timestamp":"1527206800","name":"192.0.2.1","type":"ptr","value":"host.example.com"}"#, "\n",
            r#"{"timestamp":"1527206900","name":"example.com","type":"mx","value":"mail.example.com"}"#, "\n",
        ),
    )
    .expect("writes");
    let collector = dir.path().join("collector.json");
    std::fs::write(
        &collector,
        concat!(
            r#"{"network":{"family":"INET","protocol":"UDP"},"dns":{"rcode":"NOERROR","qname":"www.example.com","qtype":"A","flags":{"qr":true},"resource-records":{"an":[{"name":"www.example.com","rdatatype":"CNAME","rdata":"cdn.example.net","ttl":60},{"name":"cdn.example.net","rdatatype":"A","rdata":"192.0.2.7","ttl":60}],"ns":[],"ar":[]},"malformed-packet":false},"dnstap":{"operation":"CLIENT_RESPONSE","timestamp-rfc3339ns":"2024-05-01T10:00:00.5Z","query-zone":"-"}}"#, "\n",
            r#"{"dns":{"rcode":"NXDOMAIN","qname":"nope.example.com","qtype":"AAAA","flags":{"qr":true},"resource-records":{"an":[],"ns":[],"ar":[]}},"dnstap":{"operation":"CLIENT_RESPONSE","timestamp-rfc3339ns":"2024-05-01T10:00:01Z","query-zone":"-"}}"#, "\n",
            r#"{"dns":{"rcode":"NOERROR","qname":"a.example","qtype":"A","flags":{"qr":false}},"dnstap":{"operation":"CLIENT_QUERY","timestamp-rfc3339ns":"2024-05-01T10:00:02Z"}}"#, "\n",
        ),
    )
    .expect("writes");
    let sonar_rows: Table = [
        (
            key(&["www.example.com.", "CNAME", "example.com."]),
            (1527206612, 1527206612, 1),
        ),
        (
            key(&["example.com.", "A", "192.0.2.1"]),
            (1527206700, 1527206700, 1),
        ),
        (
            key(&["1.2.0.192.in-addr.arpa.", "PTR", "host.example.com."]),
            (1527206800, 1527206800, 1),
        ),
    ]
    .into_iter()
    .collect();
    let t = 1714557600;
    let collector_rows: Table = [
        (
            key(&["www.example.com.", "CNAME", "cdn.example.net."]),
            (t, t, 1),
        ),
        (key(&["cdn.example.net.", "A", "192.0.2.7"]), (t, t, 1)),
    ]
    .into_iter()
    .collect();
    let collector_negatives: Table = [(
        key(&["nope.example.com.", "AAAA", "NXDOMAIN"]),
        (t + 1, t + 1, 1),
    )]
    .into_iter()
    .collect();
    for command in ["import", "ingest"] {
        let store = TempStore::new();
        let mut args = vec![command];
        if command == "import" {
            args.push("sonar");
        }
        args.push(sonar.to_str().expect("path"));
        let out = store.run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stderr).contains("sonar_incomplete_rdata=1"));
        crate::support::assert_same_rows("sonar rows", &sonar_rows, &exported(&store, false));

        let store = TempStore::new();
        let mut args = vec![command];
        if command == "import" {
            args.push("dnscollector");
        }
        args.push(collector.to_str().expect("path"));
        store.ok(&args);
        crate::support::assert_same_rows(
            "dnscollector rows",
            &collector_rows,
            &exported(&store, false),
        );
        crate::support::assert_same_rows(
            "dnscollector negatives",
            &collector_negatives,
            &exported(&store, true),
        );
    }
}
