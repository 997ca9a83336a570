//! Remote sensors: `hark sensor` collecting dnstap and shipping batches to the `[intake]` of
//! a central `hark run`, through a centre that goes away and a sensor that crashes; the
//! centre ends with exactly the rows a direct ingest of the same traffic gives.

use crate::run_service::{command_exists, exported, Rows, Service};
use crate::support::{shared, TempStore};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;

const KEY: &str = "s3cret-edge-1";

/// `fstrm_replay` of `file` into the unix socket `socket`.
fn replay_unix(file: &Path, socket: &Path) {
    let status = Command::new("fstrm_replay")
        .args(["-t", "protobuf:dnstap.Dnstap", "-u"])
        .arg(socket)
        .arg("-r")
        .arg(file)
        .status()
        .unwrap();
    assert!(status.success(), "fstrm_replay failed");
}

/// A free port on 127.0.0.1 (the centre must come back on the same one).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `POST /sensor/v1/batch` by hand: (status code, body).
fn post(port: u16, key: &str, batch: &str, body: &[u8]) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST /sensor/v1/batch HTTP/1.1\r\nHost: centre\r\nAuthorization: Bearer {key}\r\n\
         x-hark-batch: {batch}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

/// Negative rows of a store: (qname, qtype, rcode) → count.
fn negatives(store: &Path) -> BTreeMap<(String, String, String), u64> {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store)
        .args(["export", "--negatives"])
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let o: Value = serde_json::from_str(line).unwrap();
            let text = |k: &str| o[k].as_str().unwrap().to_string();
            (
                (text("qname"), text("qtype"), text("rcode")),
                o["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The sensor's figure `name` in its status.
fn figure(status: &Value, name: &str) -> u64 {
    status["sensor"][name].as_u64().unwrap_or(0)
}

#[test]
fn a_sensor_ships_exactly_through_a_centre_away_and_crashes_on_both_ends() {
    let Some(shared) = shared() else {
        return;
    };
    if !command_exists("fstrm_replay") {
        return;
    }
    let fixture = shared.join("fixtures/dnstap/bind9__dnstap.saved.fstrm");
    assert!(fixture.is_file(), "{}", fixture.display());
    let root = tempfile::tempdir().unwrap();
    let centre_dir = root.path().join("centre");
    let sensor_dir = root.path().join("sensor");
    std::fs::create_dir_all(&centre_dir).unwrap();
    std::fs::create_dir_all(&sensor_dir).unwrap();
    std::fs::write(centre_dir.join("sensors.keys"), format!("edge-1:{KEY}\n")).unwrap();
    std::fs::write(sensor_dir.join("key"), format!("{KEY}\n")).unwrap();
    let port = free_port();
    let centre_config = format!(
        r#"[store]
path = "{c}/db"
flush_seconds = 0.2
[intake]
listen = "127.0.0.1:{port}"
keys = "{c}/sensors.keys"
"#,
        c = centre_dir.display()
    );
    let socket = sensor_dir.join("tap.sock");
    let sensor_config = format!(
        r#"[store]
flush_seconds = 0.2
[sensor]
name = "edge-1"
centre = "http://127.0.0.1:{port}"
key_file = "{s}/key"
spool = "{s}/spool"
[[dnstap]]
name = "resolver"
listen = "unix:{socket}"
"#,
        s = sensor_dir.display(),
        socket = socket.display()
    );

    // The centre is up: two replays are shipped, and a stopping sensor ships what is left.
    let centre = Service::start(&centre_dir, &centre_config);
    let sensor = Service::start_sensor(&sensor_dir, &sensor_config);
    replay_unix(&fixture, &socket);
    replay_unix(&fixture, &socket);
    let log = sensor.stop();
    assert!(log.contains("hark: stopped\n"), "{log}");
    let status: Value = serde_json::from_str(
        &std::fs::read_to_string(sensor_dir.join("spool/run-status.json")).unwrap(),
    )
    .unwrap();
    assert!(figure(&status, "shipped") >= 1, "{status}");
    assert_eq!(figure(&status, "waiting"), 0, "{status}");
    // The centre crashes; what it acknowledged is in its store.
    centre.crash();

    // The centre is away: a third replay waits in the spool.
    let sensor = Service::start_sensor(&sensor_dir, &sensor_config);
    replay_unix(&fixture, &socket);
    let log = sensor.stop();
    assert!(log.contains("wait in the spool"), "{log}");
    let spooled: Vec<_> = std::fs::read_dir(sensor_dir.join("spool"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".ndjson.gz"))
        .collect();
    assert!(!spooled.is_empty());
    let kept = std::fs::read(&spooled[0]).unwrap();
    let name = spooled[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let (epoch, seq) = name
        .trim_start_matches("batch-")
        .trim_end_matches(".ndjson.gz")
        .split_once('-')
        .unwrap();
    let batch = format!("{epoch}-{:x}", u64::from_str_radix(seq, 16).unwrap());
    // The sensor starts again, cannot ship, and crashes with its spool full.
    let sensor = Service::start_sensor(&sensor_dir, &sensor_config);
    sensor.wait_for("a failed attempt", |s| figure(s, "failures") >= 1);
    sensor.crash();

    // Both come back: the spool drains into the centre.
    let centre = Service::start(&centre_dir, &centre_config);
    let sensor = Service::start_sensor(&sensor_dir, &sensor_config);
    sensor.wait_for("the spool to drain", |s| {
        figure(s, "waiting") == 0 && figure(s, "shipped") >= 1
    });
    // A batch sent again is acknowledged and not counted; a stranger and garbage are refused.
    let (status, body) = post(port, KEY, &batch, &kept);
    assert_eq!(
        (status, body.contains("\"duplicate\":true")),
        (200, true),
        "{body}"
    );
    assert_eq!(post(port, "wrong", &batch, &kept).0, 401);
    assert_eq!(post(port, KEY, &batch, b"not gzip").0, 400);
    assert_eq!(post(port, KEY, "nonsense", &kept).0, 400);
    let centre_status = centre.wait_for("the intake figures", |s| {
        s["intake"]["unauthorized"].as_u64() >= Some(1)
    });
    assert!(
        centre_status["intake"]["duplicates"].as_u64() >= Some(1),
        "{centre_status}"
    );
    assert!(centre_status["intake"]["malformed"].as_u64() >= Some(2));
    sensor.stop();
    centre.stop();

    // Three replays of the file: three times the rows of one direct ingest, no more.
    let direct = TempStore::new();
    direct.ok(&["ingest", fixture.to_str().unwrap()]);
    let once = exported(&direct.path());
    assert!(once.len() >= 5, "{} rows", once.len());
    let thrice: Rows = once
        .iter()
        .map(|(key, (count, bailiwick))| (key.clone(), (count * 3, bailiwick.clone())))
        .collect();
    assert_eq!(exported(&centre_dir.join("db")), thrice);
    let negatives_once = negatives(&direct.path());
    let negatives_thrice: BTreeMap<_, _> = negatives_once
        .iter()
        .map(|(key, count)| (key.clone(), count * 3))
        .collect();
    assert_eq!(negatives(&centre_dir.join("db")), negatives_thrice);
}
