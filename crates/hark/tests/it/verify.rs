//! `hark recon --verify` against the loopback resolver harness (`../shared/harness`: NSD
//! serving example.test on 127.0.0.1:5300, Unbound resolving it on 127.0.0.1:5301).

use crate::support::{shared, tools_present, TempStore};
use serde_json::Value;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// The harness, stopped at drop. It holds [`HARNESS`] and a lock file: its servers use
/// fixed ports, so tests that start it take turns, in this process and across processes
/// (test binaries of several checkouts may run at once on one machine).
pub struct Harness {
    script_dir: PathBuf,
    pub dir: tempfile::TempDir,
    _turn: std::sync::MutexGuard<'static, ()>,
    _machine_turn: std::fs::File,
}

/// Taken by whoever runs the harness.
pub static HARNESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg(self.script_dir.join("stop.sh"))
            .arg(self.dir.path())
            .status();
    }
}

/// Starts the harness and waits until Unbound answers; None (with a note) outside CI when
/// the harness or its servers are missing.
fn start() -> Option<Harness> {
    start_in(tempfile::tempdir().unwrap(), false)
}

/// Starts the harness in `dir`; with `own_listeners`, its servers send dnstap to sockets
/// the caller listens on (`dir/run/dnstap.sock` for Unbound, `dir/run/dnstap-nsd.sock` for
/// NSD) instead of fstrm_capture.
pub fn start_in(dir: tempfile::TempDir, own_listeners: bool) -> Option<Harness> {
    let shared = shared()?;
    if !tools_present(&["nsd", "unbound", "fstrm_capture"]) {
        assert!(
            std::env::var_os("CI").is_none(),
            "nsd, unbound and fstrm_capture are needed (scripts/setup-test-clients.sh installs them)"
        );
        eprintln!("note: nsd/unbound/fstrm_capture not installed; skipping");
        return None;
    }
    let harness = Harness {
        script_dir: shared.join("harness"),
        dir,
        _turn: HARNESS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
        _machine_turn: machine_turn(),
    };
    let mut start = Command::new("sh");
    start
        .arg(harness.script_dir.join("start.sh"))
        .arg(harness.dir.path());
    if own_listeners {
        start.arg("--no-capture");
    }
    let status = start.status().unwrap();
    assert!(status.success(), "harness start.sh failed");
    // A query for example.test/A, until Unbound answers it.
    let query =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x04test\x00\x00\x01\x00\x01";
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 512];
    loop {
        socket.send_to(query, "127.0.0.1:5301").unwrap();
        if socket
            .recv(&mut buf)
            .is_ok_and(|n| n > 12 && buf[3] & 0x0f == 0)
        {
            return Some(harness);
        }
        assert!(
            Instant::now() < deadline,
            "the harness's Unbound never answered"
        );
    }
}

/// An exclusive lock on a file in the temporary directory, held while the harness runs.
fn machine_turn() -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("hark-harness.lock"))
        .unwrap();
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).unwrap();
    file
}

const ROWS: &str = r#"{"rrname":"example.test.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":5}
{"rrname":"example.test.","rrtype":"A","rdata":"192.0.2.200","time_first":1690000000,"time_last":1690500000,"count":2}
{"rrname":"web.example.test.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700500000,"count":9}
{"rrname":"www.example.test.","rrtype":"CNAME","rdata":"web.example.test.","time_first":1700000000,"time_last":1700500000,"count":9}
{"rrname":"example.test.","rrtype":"MX","rdata":"10 mail.example.test.","time_first":1700000000,"time_last":1700500000,"count":3}
{"rrname":"example.test.","rrtype":"TXT","rdata":"\"v=spf1 -all\"","time_first":1700000000,"time_last":1700500000,"count":3}
{"rrname":"old.example.test.","rrtype":"A","rdata":"192.0.2.7","time_first":1690000000,"time_last":1690000000,"count":1}
{"rrname":"mail.example.test.","rrtype":"AAAA","rdata":"2001:db8::25","time_first":1690000000,"time_last":1690000000,"count":1}
{"rrname":"www.example.test.","rrtype":"A","rdata":"192.0.2.80","time_first":1680000000,"time_last":1680000000,"count":1}
"#;

#[test]
fn verify_through_the_loopback_resolver() {
    let Some(_harness) = start() else { return };
    let store = TempStore::new();
    let rows = store.dir.path().join("rows.json");
    std::fs::write(&rows, ROWS).unwrap();
    store.ok(&["import", "cof", rows.to_str().unwrap()]);
    let json: Value = serde_json::from_str(&store.ok(&[
        "recon",
        "example.test",
        "--verify",
        "127.0.0.1:5301",
        "--format",
        "json",
    ]))
    .unwrap();
    let v = &json["verification"];
    assert_eq!(v["active"], true);
    assert_eq!(v["resolver"], "127.0.0.1:5301");
    assert_eq!(v["questions"], 8);
    let mut got: Vec<(String, String)> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "{} {} {}",
                    r["rrname"].as_str().unwrap(),
                    r["rrtype"].as_str().unwrap(),
                    r["rdata"].as_str().unwrap()
                ),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let want = [
        ("example.test. A 192.0.2.1", "resolves"),
        ("example.test. A 192.0.2.200", "changed"),
        ("example.test. MX 10 mail.example.test.", "resolves"),
        ("example.test. TXT \"v=spf1 -all\"", "resolves"),
        ("mail.example.test. AAAA 2001:db8::25", "no data"),
        ("old.example.test. A 192.0.2.7", "gone"),
        ("web.example.test. A 192.0.2.80", "resolves"),
        ("www.example.test. A 192.0.2.80", "changed"),
        ("www.example.test. CNAME web.example.test.", "resolves"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want);
    let changed = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rdata"] == "192.0.2.200")
        .unwrap();
    assert_eq!(changed["current"], serde_json::json!(["192.0.2.1"]));
    // A name that became an alias answers with its CNAME.
    let alias = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rrname"] == "www.example.test." && r["rrtype"] == "A")
        .unwrap();
    assert_eq!(
        alias["current"],
        serde_json::json!(["CNAME web.example.test."])
    );
    let text = store.ok(&["recon", "example.test", "--verify", "127.0.0.1:5301"]);
    assert!(
        text.contains("ACTIVE: 8 queries were sent to 127.0.0.1:5301"),
        "{text}"
    );
    assert!(
        text.contains("5 of 9 remembered records still resolve"),
        "{text}"
    );
    // Without --verify nothing is sent and the report says nothing of it.
    let quiet = store.ok(&["recon", "example.test", "--format", "json"]);
    assert!(serde_json::from_str::<Value>(&quiet).unwrap()["verification"].is_null());
}
