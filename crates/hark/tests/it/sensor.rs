//! Remote sensors: `hark sensor` collecting dnstap and shipping batches to the `[intake]` of
//! a central `hark run`, through a centre that goes away and a sensor that crashes; the
//! centre ends with exactly the rows a direct ingest of the same traffic gives.

use crate::run_service::{command_exists, exported, Rows, Service};
use crate::support::{shared, TempStore};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const KEY: &str = "s3cret-edge-1";

/// `fstrm_replay` of each file into the unix socket `socket`.
fn replay_unix(files: &[PathBuf], socket: &Path) {
    for file in files {
        let status = Command::new("fstrm_replay")
            .args(["-t", "protobuf:dnstap.Dnstap", "-u"])
            .arg(socket)
            .arg("-r")
            .arg(file)
            .status()
            .unwrap();
        assert!(status.success(), "fstrm_replay failed");
    }
}

/// The traffic sensors see in these tests: BIND 9's dnstap fixture (answers) and a
/// resolver's traffic written here (answers, a poisoned record, NXDOMAIN answers: negative
/// rows), each in its own file under `dir`.
fn traffic(shared: &Path, dir: &Path) -> Vec<PathBuf> {
    let fixture = shared.join("fixtures/dnstap/bind9__dnstap.saved.fstrm");
    assert!(fixture.is_file(), "{}", fixture.display());
    let written = dir.join("resolver.fstrm");
    crate::dnstap::resolver_traffic(&written, 20);
    vec![fixture, written]
}

/// What one direct `hark ingest` of `files` stores: (rows, negative rows).
fn ingested_directly(files: &[PathBuf]) -> (Rows, BTreeMap<(String, String, String), u64>) {
    let direct = TempStore::new();
    for file in files {
        direct.ok(&["ingest", file.to_str().unwrap()]);
    }
    let rows = exported(&direct.path());
    let negative_rows = negatives(&direct.path());
    assert!(rows.len() >= 8, "{} rows", rows.len());
    assert!(!negative_rows.is_empty(), "no negative rows");
    (rows, negative_rows)
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

/// A scratch directory and the traffic ([`traffic`]); none (the test is skipped) without the
/// shared fixtures outside CI, or without `fstrm_replay`.
fn prepared() -> Option<(tempfile::TempDir, Vec<PathBuf>)> {
    let shared = shared()?;
    if !command_exists("fstrm_replay") {
        return None;
    }
    let root = tempfile::tempdir().unwrap();
    let inputs = traffic(&shared, root.path());
    Some((root, inputs))
}

/// The centre's directory under `root`, with a keys file naming the sensor `edge-1`.
fn centre(root: &Path) -> PathBuf {
    let dir = root.join("centre");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sensors.keys"), format!("edge-1:{KEY}\n")).unwrap();
    dir
}

/// The sensor's figure `name` in its status.
fn figure(status: &Value, name: &str) -> u64 {
    status["sensor"][name].as_u64().unwrap_or(0)
}

#[test]
fn a_sensor_ships_exactly_through_a_centre_away_and_crashes_on_both_ends() {
    let Some((root, inputs)) = prepared() else {
        return;
    };
    let centre_dir = centre(root.path());
    let sensor_dir = root.path().join("sensor");
    std::fs::create_dir_all(&sensor_dir).unwrap();
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
    replay_unix(&inputs, &socket);
    replay_unix(&inputs, &socket);
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
    replay_unix(&inputs, &socket);
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

    // Three replays of the files: three times the rows of one direct ingest, no more.
    let (once, negatives_once) = ingested_directly(&inputs);
    let thrice: Rows = once
        .iter()
        .map(|(key, (count, bailiwick))| (key.clone(), (count * 3, bailiwick.clone())))
        .collect();
    assert_eq!(exported(&centre_dir.join("db")), thrice);
    let negatives_thrice: BTreeMap<_, _> = negatives_once
        .iter()
        .map(|(key, count)| (key.clone(), count * 3))
        .collect();
    assert_eq!(negatives(&centre_dir.join("db")), negatives_thrice);
}

/// A private CA with a certificate for the centre (127.0.0.1) and one for the sensor, as PEM
/// files in `dir`: `ca.pem`, `centre.pem`/`centre.key`, `sensor.pem`/`sensor.key`.
fn private_ca(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    for (name, subject) in [("centre", "127.0.0.1"), ("sensor", "edge-1.sensors.test")] {
        let key = KeyPair::generate().unwrap();
        let certificate = CertificateParams::new(vec![subject.to_string()])
            .unwrap()
            .signed_by(&key, &ca)
            .unwrap();
        std::fs::write(dir.join(format!("{name}.pem")), certificate.pem()).unwrap();
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).unwrap();
    }
}

/// A sensor's configuration shipping to `https://127.0.0.1:port` with the `[sensor]` TLS
/// lines `tls`.
fn tls_sensor_config(dir: &Path, port: u16, tls: &str) -> String {
    format!(
        r#"[store]
flush_seconds = 0.2
[sensor]
name = "edge-1"
centre = "https://127.0.0.1:{port}"
key_file = "{s}/key"
spool = "{s}/spool"
{tls}
[[dnstap]]
name = "resolver"
listen = "unix:{s}/tap.sock"
"#,
        s = dir.display(),
    )
}

#[test]
fn a_sensor_ships_over_mutual_tls_to_a_centre_with_a_private_ca() {
    let Some((root, inputs)) = prepared() else {
        return;
    };
    let pki = root.path().join("pki");
    std::fs::create_dir_all(&pki).unwrap();
    private_ca(&pki);
    let centre_dir = centre(root.path());
    let port = free_port();
    let centre = Service::start(
        &centre_dir,
        &format!(
            r#"[store]
path = "{c}/db"
flush_seconds = 0.2
[intake]
listen = "127.0.0.1:{port}"
keys = "{c}/sensors.keys"
tls_certificate = "{p}/centre.pem"
tls_key = "{p}/centre.key"
tls_client_ca = "{p}/ca.pem"
"#,
            c = centre_dir.display(),
            p = pki.display()
        ),
    );
    assert!(
        centre.log().contains(&format!("https://127.0.0.1:{port}")),
        "{}",
        centre.log()
    );
    let p = pki.display();
    // Three sensors with the right key: one trusting the Web PKI only (it cannot verify the
    // centre), one trusting the private CA but holding no certificate (the centre refuses
    // it), and one with both, which ships.
    let attempts = [
        ("web-pki", String::new()),
        ("no-certificate", format!("tls_ca = \"{p}/ca.pem\"")),
        (
            "both",
            format!(
                "tls_ca = \"{p}/ca.pem\"\ntls_certificate = \"{p}/sensor.pem\"\ntls_key = \"{p}/sensor.key\""
            ),
        ),
    ];
    for (name, tls) in attempts {
        let dir = root.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("key"), format!("{KEY}\n")).unwrap();
        let sensor = Service::start_sensor(&dir, &tls_sensor_config(&dir, port, &tls));
        replay_unix(&inputs, &dir.join("tap.sock"));
        if name == "both" {
            sensor.wait_for("the spool to drain", |s| {
                figure(s, "shipped") >= 1 && figure(s, "waiting") == 0
            });
            sensor.stop();
        } else {
            let status = sensor.wait_for("a failed attempt", |s| figure(s, "failures") >= 1);
            assert_eq!(figure(&status, "shipped"), 0, "{name}: {status}");
            if name == "web-pki" {
                let log = sensor.log();
                assert!(log.contains("UnknownIssuer"), "{log}");
            }
            sensor.crash();
        }
    }
    // The sensor without a certificate was turned away during the handshake.
    assert!(
        centre.log().contains("TLS handshake failed"),
        "{}",
        centre.log()
    );
    centre.stop();
    let (once, negatives_once) = ingested_directly(&inputs);
    assert_eq!(exported(&centre_dir.join("db")), once);
    assert_eq!(negatives(&centre_dir.join("db")), negatives_once);
}
