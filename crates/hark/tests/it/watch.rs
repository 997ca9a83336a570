//! Watch rules end to end: `hark watch check`; the reference capture with no rules (no alert)
//! and with rules on its busiest zones (exactly the alerts its ground truth predicts, computed
//! here from the truth file); and a canary name resolved through Unbound whose dnstap feeds
//! `hark run`, the alert reaching a webhook receiver with the client named, and nothing raised
//! again after a restart.

use crate::run_service::{capture_lo, command_exists, http, Service};
use crate::support::{generate, shared, TempStore};
use crate::verify::start_in;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A hang guard for the waits below (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(60);

fn alerts(store: &TempStore, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["alerts", "--json"];
    args.extend_from_slice(extra);
    store
        .ok(&args)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn pairs(alerts: &[Value]) -> BTreeSet<(String, String)> {
    alerts
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().unwrap().to_string(),
                a["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn watch_check_names_the_line_of_each_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.toml");
    std::fs::write(
        &file,
        "[[rule]]\nid = \"decoy\"\nkind = \"canary\"\nnames = [\n  \"ok.example\",\n  \"not a name\",\n]\n",
    )
    .unwrap();
    let store = TempStore::new();
    let out = store.run(&["watch", "check", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 6:") && err.contains("not a name"),
        "{err}"
    );
    std::fs::write(
        &file,
        "[[rule]]\nid = \"decoy\"\nkind = \"canary\"\nnames = [\"ok.example\"]\n",
    )
    .unwrap();
    let text = store.ok(&["watch", "check", file.to_str().unwrap()]);
    assert!(text.contains("1 rule(s), 0 sink(s): OK"), "{text}");
}

/// The truth file's (rrname, rrtype, rdata) tuples.
fn truth_tuples(path: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn the_reference_capture_raises_exactly_what_its_truth_predicts() {
    let Some(shared) = shared() else { return };
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("ref.pcap");
    let truth = dir.path().join("ref.tsv");
    generate(
        &shared,
        &pcap,
        Some(&truth),
        &["--responses", "20000", "--seed", "23", "--domains", "300"],
    );
    let tuples = truth_tuples(&truth);
    let pcap_arg = pcap.to_str().unwrap();

    // No rules: no alert.
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "# no rules yet\n").unwrap();
    let quiet = TempStore::new();
    quiet.ok(&[
        "ingest",
        "--sections",
        "all",
        "--rules",
        empty.to_str().unwrap(),
        pcap_arg,
    ]);
    assert!(alerts(&quiet, &[]).is_empty());

    // The busiest registrable domains of the truth, counted here with the PSL.
    let mut per_domain: BTreeMap<String, usize> = BTreeMap::new();
    for (rrname, _, _) in &tuples {
        if let Some(domain) = psl::domain_str(rrname.trim_end_matches('.')) {
            *per_domain.entry(domain.to_string()).or_default() += 1;
        }
    }
    let mut busiest: Vec<(usize, String)> = per_domain.into_iter().map(|(d, n)| (n, d)).collect();
    busiest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let zones: Vec<String> = busiest.iter().take(3).map(|(_, d)| d.clone()).collect();
    let listed = busiest[3].1.clone();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        format!(
            "[[rule]]\nid = \"names\"\nkind = \"new-name\"\nzones = {zones:?}\n\n\
             [[rule]]\nid = \"bad\"\nkind = \"intel\"\nnames = [{listed:?}]\n"
        ),
    )
    .unwrap();
    // Expected: one new-name alert per distinct name strictly below a zone; one intel alert
    // for the listed domain (its rows fold into one within the day's window).
    let mut expected: BTreeSet<(String, String)> = tuples
        .iter()
        .filter(|(rrname, _, _)| zones.iter().any(|z| rrname.ends_with(&format!(".{z}."))))
        .map(|(rrname, _, _)| ("names".to_string(), rrname.clone()))
        .collect();
    expected.insert(("bad".to_string(), format!("{listed}.")));
    assert!(expected.len() > 20, "{} expected alerts", expected.len());

    let store = TempStore::new();
    store.ok(&[
        "ingest",
        "--sections",
        "all",
        "--rules",
        rules.to_str().unwrap(),
        pcap_arg,
    ]);
    let raised = alerts(&store, &[]);
    assert_eq!(raised.len(), expected.len(), "one alert per subject");
    assert_eq!(pairs(&raised), expected);

    // Again, even forced (counted twice): no row is new, so nothing is raised again.
    store.ok(&[
        "ingest",
        "--sections",
        "all",
        "--rules",
        rules.to_str().unwrap(),
        "--force",
        pcap_arg,
    ]);
    assert_eq!(alerts(&store, &[]).len(), expected.len());

    // Acknowledged by the CLI, filtered by state.
    let id = raised[0]["id"].as_str().unwrap();
    assert!(store.ok(&["alerts", "ack", id]).contains("acknowledged"));
    let acked = alerts(&store, &["--state", "acknowledged"]);
    assert_eq!(acked.len(), 1);
    assert_eq!(acked[0]["id"], id);
    assert_eq!(alerts(&store, &["--rule", "bad"]).len(), 1);

    // Exports, read back by MISP's and STIX's own Python libraries.
    if let Some(python) = crate::clients::venv_python() {
        let misp = dir.path().join("event.json");
        let stix = dir.path().join("bundle.json");
        std::fs::write(&misp, store.ok(&["alerts", "--export", "misp"])).unwrap();
        std::fs::write(&stix, store.ok(&["alerts", "--export", "stix"])).unwrap();
        let check = Command::new(python)
            .arg("-c")
            .arg(
                "import sys, json, pymisp, stix2\n\
                 event = pymisp.MISPEvent()\n\
                 event.load_file(sys.argv[1])\n\
                 values = sorted(a.value for a in event.attributes if a.type == 'domain')\n\
                 bundle = stix2.parse(open(sys.argv[2]).read(), allow_custom=False)\n\
                 patterns = sorted(o.pattern for o in bundle.objects if o.type == 'indicator')\n\
                 print(json.dumps({'misp': values, 'stix': patterns}))\n",
            )
            .arg(&misp)
            .arg(&stix)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
        let parsed: Value = serde_json::from_slice(&check.stdout).unwrap();
        let mut names: Vec<String> = expected
            .iter()
            .map(|(_, subject)| subject.trim_end_matches('.').to_string())
            .collect();
        names.sort();
        let misp_values: Vec<String> = serde_json::from_value(parsed["misp"].clone()).unwrap();
        assert_eq!(misp_values, names);
        let mut patterns: Vec<String> = names
            .iter()
            .map(|n| format!("[domain-name:value = '{n}']"))
            .collect();
        patterns.sort();
        let stix_patterns: Vec<String> = serde_json::from_value(parsed["stix"].clone()).unwrap();
        assert_eq!(stix_patterns, patterns);
    }

    // `hark watch test` replays into a scratch store and prints the same alerts.
    let tested = TempStore::new();
    let printed: Vec<Value> = tested
        .ok(&["watch", "test", "--json", rules.to_str().unwrap(), pcap_arg])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // It reads the default sections (answer, authority): its expectation is the truth's
    // tuples of those sections, so compare the subjects it shares with the full set.
    assert!(!printed.is_empty());
    assert!(pairs(&printed).is_subset(&expected));
}

/// A webhook receiver on 127.0.0.1: every request body it answered 200 to.
struct Receiver {
    url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
}

fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let got = bodies.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            let mut length = 0usize;
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end().to_ascii_lowercase();
                if trimmed.is_empty() {
                    break;
                }
                if let Some(value) = trimmed.strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            got.lock()
                .unwrap()
                .push(serde_json::from_slice(&body).unwrap());
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    Receiver { url, bodies }
}

/// `dig` through Unbound, from `source` (an address of 127/8).
fn dig(source: &str, name: &str) {
    let out = Command::new("dig")
        .args([
            "-p",
            "5301",
            "@127.0.0.1",
            "-b",
            source,
            "+tries=1",
            "+time=5",
            name,
            "A",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_canary_resolved_through_unbound_reaches_a_webhook_with_the_client() {
    if shared().is_none() || !command_exists("dig") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let hook = receiver();
    std::fs::write(
        root.join("rules.toml"),
        format!(
            "[[sink]]\nid = \"soc\"\nkind = \"webhook\"\nurl = {:?}\nsecret = \"s3cret\"\n\n\
             [[rule]]\nid = \"decoy\"\ntitle = \"A decoy name was resolved\"\nkind = \"canary\"\n\
             severity = \"high\"\nnames = [\"canary.example.test\"]\n",
            hook.url
        ),
    )
    .unwrap();
    let harness_dir = tempfile::tempdir().unwrap();
    let sockets = harness_dir.path().join("run");
    std::fs::create_dir_all(&sockets).unwrap();
    let config = dnstap_config(&root, &sockets);
    let service = Service::start(&root, &config);
    let Some(harness) = start_in(harness_dir, true) else {
        return;
    };
    dig("127.0.0.1", "www.example.test");
    dig("127.0.0.7", "canary.example.test");
    let give_up = Instant::now() + PATIENCE;
    let from_client = loop {
        let found = hook.bodies.lock().unwrap().iter().find_map(|alert| {
            let evidence = alert["evidence"][0].clone();
            (evidence["message"] == "CLIENT_QUERY").then(|| alert.clone())
        });
        if let Some(alert) = found {
            break alert;
        }
        assert!(
            Instant::now() < give_up,
            "no alert reached the webhook; log:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(from_client["rule"], "decoy");
    assert_eq!(from_client["subject"], "canary.example.test.");
    assert_eq!(from_client["evidence"][0]["client"], "127.0.0.7");
    assert!(from_client["summary"]
        .as_str()
        .unwrap()
        .contains("127.0.0.7"));
    // Listed and acknowledged through the API.
    let api = service.wait_for("the API address", |s| s["api"].is_string())["api"]
        .as_str()
        .unwrap()
        .to_string();
    let listed = service.get(&api, "/api/v1/alerts?rule=decoy");
    assert!(listed.contains("\"client\":\"127.0.0.7\""), "{listed}");
    let id = from_client["id"].as_str().unwrap();
    let acked = http(&api, "POST", &format!("/api/v1/alerts/{id}/ack"));
    assert!(
        acked.starts_with("HTTP/1.1 200") && acked.contains("\"state\":\"acknowledged\""),
        "{acked}"
    );
    // The UI's watch page shows the running rules (the reply is not compressed: no
    // Accept-Encoding).
    let watched = service.get(&api, "/ui/watch");
    assert!(
        watched.contains(r#"<a href="/ui/name/canary.example.test.">canary.example.test.</a>"#),
        "{watched}"
    );
    assert!(!watched.contains("decoy2.example.test."));
    // SIGHUP re-reads the rule file: a second decoy takes effect without a restart.
    let rules = std::fs::read_to_string(root.join("rules.toml")).unwrap();
    std::fs::write(
        root.join("rules.toml"),
        rules.replace(
            "[\"canary.example.test\"]",
            "[\"canary.example.test\", \"decoy2.example.test\"]",
        ),
    )
    .unwrap();
    service.signal("-HUP");
    let give_up = Instant::now() + PATIENCE;
    while !service.log().contains("watch: 1 rule(s)") {
        assert!(
            Instant::now() < give_up,
            "no reload; log:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    dig("127.0.0.9", "decoy2.example.test");
    let give_up = Instant::now() + PATIENCE;
    while !hook.bodies.lock().unwrap().iter().any(|a| {
        a["subject"] == "decoy2.example.test." && a["evidence"][0]["client"] == "127.0.0.9"
    }) {
        assert!(
            Instant::now() < give_up,
            "the reloaded rule raised nothing; log:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // ... and the UI shows the reloaded rules.
    assert!(service
        .get(&api, "/ui/watch")
        .contains(r#"<a href="/ui/name/decoy2.example.test.">decoy2.example.test.</a>"#));
    drop(harness);
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    let delivered = hook.bodies.lock().unwrap().len();
    let logged = std::fs::read_to_string(root.join("db/watch/alerts.ndjson")).unwrap();

    // Restarted: the rows are stored, the sinks' offsets kept: nothing is raised or sent again.
    // (The harness removed its directory: the listeners' socket directory is made anew.)
    std::fs::create_dir_all(&sockets).unwrap();
    let service = Service::start(&root, &config);
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    assert_eq!(hook.bodies.lock().unwrap().len(), delivered);
    assert_eq!(
        std::fs::read_to_string(root.join("db/watch/alerts.ndjson")).unwrap(),
        logged
    );
}

/// `dig` at the harness's `port` (5301 Unbound, 5300 NSD), from `source`; TCP for transfers.
fn dig_at(port: &str, source: &str, rrtype: &str, name: &str) -> String {
    let out = Command::new("dig")
        .args([
            "-p",
            port,
            "@127.0.0.1",
            "-b",
            source,
            "+tries=1",
            "+time=5",
            name,
            rrtype,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success() || rrtype == "AXFR",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `hark run`'s configuration for the harness tests: the store and rules in `root`, dnstap
/// from the harness's Unbound and NSD through sockets in `sockets`.
fn dnstap_config(root: &Path, sockets: &Path) -> String {
    format!(
        r#"[store]
path = "{root}/db"
flush_seconds = 0.5
[api]
listen = "127.0.0.1:0"
no_auth = true
[watch]
rules = "{root}/rules.toml"
[[dnstap]]
name = "unbound"
listen = "unix:{sockets}/dnstap.sock"
[[dnstap]]
name = "nsd"
listen = "unix:{sockets}/dnstap-nsd.sock"
"#,
        root = root.display(),
        sockets = sockets.display()
    )
}

/// Rewrites the harness's zone: `extra` lines added, the SOA serial set to `serial`; NSD
/// reloads it (SIGHUP) and the function returns once NSD logged the reading.
fn change_zone(harness_dir: &Path, original: &str, serial: &str, extra: &str) {
    let zone = harness_dir.join("zones/example.test.zone");
    let log = harness_dir.join("run/nsd.log");
    let loads = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("zone example.test read with success")
            .count()
    };
    let before = loads();
    std::fs::write(
        &zone,
        format!("{}{extra}", original.replace("2024010101", serial)),
    )
    .unwrap();
    let pid = std::fs::read_to_string(harness_dir.join("run/nsd.pid")).unwrap();
    assert!(Command::new("kill")
        .args(["-HUP", pid.trim()])
        .status()
        .unwrap()
        .success());
    let give_up = Instant::now() + PATIENCE;
    while loads() <= before {
        assert!(Instant::now() < give_up, "NSD never reloaded the zone");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the listeners received no more frames and the alert log stopped growing for
/// three polls in a row, a second apart (Unbound flushes dnstap every second; hark commits
/// every half second): everything sent so far is stored and matched.
fn settle(service: &Service, root: &Path) {
    let state = || {
        let status: Value = std::fs::read_to_string(root.join("db/run-status.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let frames: Vec<Value> = status["sources"]
            .as_array()
            .map(|s| s.iter().map(|s| s["frames"].clone()).collect())
            .unwrap_or_default();
        let log = std::fs::read(root.join("db/watch/alerts.ndjson")).unwrap_or_default();
        (frames, log.len())
    };
    let give_up = Instant::now() + PATIENCE;
    let mut last = state();
    let mut same = 0;
    while same < 3 {
        assert!(
            Instant::now() < give_up,
            "never settled; log:\n{}",
            service.log()
        );
        std::thread::sleep(Duration::from_secs(1));
        let now = state();
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
}

/// Every alert in the store at `root/db`, read with `hark alerts --json`.
fn alerts_in(root: &Path) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(root.join("db"))
        .args(["alerts", "--json"])
        .env_remove("HARK_DB")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What the zone-change test asks before the change: (type, name).
const BEFORE_CHANGE: [(&str, &str); 4] = [
    ("MX", "example.test"),
    ("TXT", "example.test"),
    ("TXT", "_dmarc.example.test"),
    ("A", "www.example.test"),
];

/// What it asks after: the changed and the new names.
const AFTER_CHANGE: [(&str, &str); 4] = [
    ("MX", "example.test"),
    ("TXT", "_dmarc.example.test"),
    ("A", "newhost.example.test"),
    ("A", "dead.example.test"),
];

#[test]
fn a_zone_change_served_by_nsd_raises_exactly_the_matching_alerts() {
    if shared().is_none() || !command_exists("dig") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::write(
        root.join("rules.toml"),
        "[[rule]]\nid = \"mx\"\nkind = \"record-change\"\nnames = [\"example.test\"]\n\
         types = [\"MX\"]\nexpect = [\"mail.example.test\"]\n\n\
         [[rule]]\nid = \"mail\"\nkind = \"posture\"\nzones = [\"example.test\"]\n\n\
         [[rule]]\nid = \"names\"\nkind = \"new-name\"\nzones = [\"example.test\"]\n\n\
         [[rule]]\nid = \"takeover\"\nkind = \"takeover-risk\"\nzones = [\"example.test\"]\n\n\
         [[rule]]\nid = \"axfr\"\nkind = \"zone-transfer\"\nzones = [\"example.test\"]\n\
         allow = [\"127.0.0.1/32\"]\n",
    )
    .unwrap();
    let harness_dir = tempfile::tempdir().unwrap();
    let sockets = harness_dir.path().join("run");
    std::fs::create_dir_all(&sockets).unwrap();
    let service = Service::start(&root, &dnstap_config(&root, &sockets));
    let Some(harness) = start_in(harness_dir, true) else {
        return;
    };
    let original =
        std::fs::read_to_string(harness.dir.path().join("zones/example.test.zone")).unwrap();
    // Before: the zone with a DMARC policy of reject, every name of the test resolved once.
    let reject = "_dmarc IN TXT \"v=DMARC1; p=reject\"\n";
    change_zone(harness.dir.path(), &original, "2024010102", reject);
    for (rrtype, name) in BEFORE_CHANGE {
        dig_at("5301", "127.0.0.1", rrtype, name);
    }
    settle(&service, &root);
    let before: BTreeSet<String> = alerts_in(&root)
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();

    // The change: a new MX, a weaker DMARC, a new subdomain, a CNAME to a name that does
    // not exist; and a transfer of the zone asked from 127.0.0.9 (only 127.0.0.1 may).
    let changed = "_dmarc IN TXT \"v=DMARC1; p=none\"\n\
                   @ IN MX 20 mx.elsewhere.test.\n\
                   newhost IN A 192.0.2.99\n\
                   dead IN CNAME gone.example.test.\n";
    change_zone(harness.dir.path(), &original, "2024010103", changed);
    for (rrtype, name) in AFTER_CHANGE {
        dig_at("5301", "127.0.0.1", rrtype, name);
    }
    assert!(dig_at("5301", "127.0.0.1", "MX", "example.test").contains("mx.elsewhere.test."));
    // The transfer is captured too (tcpdump on lo), for the capture side below.
    let pcap = root.join("axfr.pcap");
    let capture = capture_lo(&pcap, "tcp port 5300");
    dig_at("5300", "127.0.0.9", "AXFR", "example.test");
    capture.finish();
    settle(&service, &root);
    let raised: Vec<Value> = alerts_in(&root)
        .into_iter()
        .filter(|a| !before.contains(a["id"].as_str().unwrap()))
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("mx", "example.test. MX"),
        ("mail", "_dmarc.example.test. DMARC"),
        ("names", "newhost.example.test."),
        ("names", "dead.example.test."),
        ("takeover", "dead.example.test. CNAME"),
        ("axfr", "example.test. AXFR 127.0.0.9"),
    ]
    .iter()
    .map(|(r, s)| (r.to_string(), s.to_string()))
    .collect();
    assert_eq!(pairs(&raised), expected, "{raised:#?}");
    let takeover = raised.iter().find(|a| a["rule"] == "takeover").unwrap();
    assert_eq!(
        takeover["evidence"][0]["finding"]["target"],
        "gone.example.test."
    );
    let axfr = raised.iter().find(|a| a["rule"] == "axfr").unwrap();
    assert_eq!(axfr["evidence"][0]["client"], "127.0.0.9");
    assert_eq!(axfr["evidence"][0]["message"], "AUTH_QUERY");
    // The capture of the transfer, ingested with a rule allowing no one: NSD's answer (over
    // TCP, reassembled) names the server it came from; a capture keeps no client.
    std::fs::write(
        root.join("capture-rules.toml"),
        "[[rule]]\nid = \"axfr\"\nkind = \"zone-transfer\"\nzones = [\"example.test\"]\n",
    )
    .unwrap();
    let replay = TempStore::new();
    replay.ok(&[
        "ingest",
        "--ports",
        "5300",
        "--rules",
        root.join("capture-rules.toml").to_str().unwrap(),
        pcap.to_str().unwrap(),
    ]);
    let from_capture = alerts(&replay, &[]);
    assert_eq!(
        pairs(&from_capture),
        BTreeSet::from([(
            "axfr".to_string(),
            "example.test. AXFR 127.0.0.1".to_string()
        )])
    );
    let evidence = &from_capture[0]["evidence"][0];
    assert_eq!(evidence["server"], "127.0.0.1");
    assert_eq!(evidence["message"], "AUTH_RESPONSE");
    assert!(evidence.get("client").is_none());
    drop(harness);
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    let logged = std::fs::read_to_string(root.join("db/watch/alerts.ndjson")).unwrap();

    // Restarted, the changed zone served again and every name resolved again: nothing is
    // new, nothing is raised.
    let harness_dir = tempfile::tempdir().unwrap();
    let sockets = harness_dir.path().join("run");
    std::fs::create_dir_all(&sockets).unwrap();
    let service = Service::start(&root, &dnstap_config(&root, &sockets));
    let Some(harness) = start_in(harness_dir, true) else {
        return;
    };
    change_zone(harness.dir.path(), &original, "2024010103", changed);
    for (rrtype, name) in BEFORE_CHANGE.iter().chain(&AFTER_CHANGE) {
        dig_at("5301", "127.0.0.1", rrtype, name);
    }
    settle(&service, &root);
    drop(harness);
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    assert_eq!(
        std::fs::read_to_string(root.join("db/watch/alerts.ndjson")).unwrap(),
        logged
    );
}
