//! `hark capture -i lo` against a real server: Debian's NSD, configured from the shared
//! harness (`../shared/harness`: its zone and `nsd.conf.in`), on 127.0.0.1 and a free port,
//! queried with `dig`. The rows stored must be what the zone serves for those queries,
//! written here from the zone file.

use crate::support::{shared, tools_present, TempStore};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// NSD serving the harness zone on 127.0.0.1:`port`, stopped at drop.
struct Nsd {
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Nsd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("run/nsd.pid")) {
            let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
        }
    }
}

/// A UDP port nothing listens on now (TCP on the same number is checked by NSD itself).
fn free_port() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// Starts NSD with the harness's zone and configuration (its port replaced, dnstap off)
/// and waits until it answers.
fn start_nsd(harness: &Path) -> Nsd {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in ["zones", "run"] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    // The zone as the harness's start.sh writes it: the fixed head, then h0..h999.
    let mut zone = std::fs::read_to_string(harness.join("example.test.zone.head")).unwrap();
    for i in 0..1000 {
        zone.push_str(&format!("h{i} IN A 198.51.100.{}\n", i % 250 + 1));
    }
    std::fs::write(root.join("zones/example.test.zone"), zone).unwrap();
    let port = free_port();
    let conf = std::fs::read_to_string(harness.join("nsd.conf.in"))
        .unwrap()
        .replace("@DIR@", &root.display().to_string())
        .replace("127.0.0.1@5300", &format!("127.0.0.1@{port}"))
        .replace("dnstap-enable: yes", "dnstap-enable: no");
    std::fs::write(root.join("nsd.conf"), conf).unwrap();
    let status = Command::new("nsd")
        .arg("-c")
        .arg(root.join("nsd.conf"))
        .status()
        .unwrap();
    assert!(status.success(), "nsd did not start");
    let nsd = Nsd { dir, port };
    let query =
        b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x04test\x00\x00\x01\x00\x01";
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut buf = [0u8; 512];
    loop {
        socket.send_to(query, ("127.0.0.1", port)).unwrap();
        if socket.recv(&mut buf).is_ok_and(|n| n > 12) {
            return nsd;
        }
        assert!(Instant::now() < deadline, "NSD never answered");
    }
}

/// `hark capture` running, stopped (SIGTERM) and reaped at drop if the test fails first.
struct Capture {
    child: Child,
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dig(port: &str, args: &[&str]) {
    let out = Command::new("dig")
        .args(["@127.0.0.1", "-p", port, "+tries=1", "+time=5"])
        .args(args)
        .output()
        .expect("dig runs");
    assert!(
        out.status.success(),
        "dig {args:?}: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Waits for the child's exit, at most `limit`.
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "hark capture did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn live_capture_on_loopback_stores_what_nsd_serves() {
    let Some(shared) = shared() else { return };
    if !tools_present(&["nsd", "dig"]) {
        assert!(
            std::env::var_os("CI").is_none(),
            "nsd and dig are needed (scripts/setup-test-clients.sh installs them)"
        );
        eprintln!("note: nsd/dig not installed; skipping");
        return;
    }
    let nsd = start_nsd(&shared.join("harness"));
    let port = nsd.port.to_string();
    let store = TempStore::new();
    let filter = format!("port {port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store.path())
        .args(["capture", "-i", "lo", "--filter", &filter, "--ports", &port])
        .args(["--sections", "answer", "--flush-secs", "1", "--no-progress"])
        .env_remove("HARK_DB")
        .stderr(Stdio::piped())
        .spawn()
        .expect("hark runs");
    let stderr = child.stderr.take().expect("stderr");
    let mut capture = Capture { child };
    // Wait for "capturing on lo": the interface is open and filtered by then.
    let mut lines = BufReader::new(stderr).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    if !first.starts_with("capturing on lo") {
        let status = wait(&mut capture.child, Duration::from_secs(10));
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let text = format!("{first}\n{}", rest.join("\n"));
        let denied = text.contains("Operation not permitted") || text.contains("permission");
        if denied && std::env::var_os("CI").is_none() {
            eprintln!("note: no permission to capture here; skipping ({text})");
            return;
        }
        panic!("hark capture did not start ({status}): {text}");
    }
    let collected = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    let started = jiff::Timestamp::now().as_second();
    dig(&port, &["www.example.test", "A"]);
    dig(&port, &["example.test", "MX"]);
    dig(&port, &["_sip._udp.example.test", "SRV"]);
    dig(&port, &["h7.example.test", "A"]);
    dig(&port, &["h7.example.test", "A"]);
    dig(&port, &["+tcp", "example.test", "TXT"]);
    dig(&port, &["example.test", "AAAA"]);
    dig(&port, &["nx1.example.test", "A"]);
    let ended = jiff::Timestamp::now().as_second();
    let pid = capture.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = wait(&mut capture.child, Duration::from_secs(30));
    let summary = collected.join().unwrap().join("\n");
    assert!(
        status.success(),
        "hark capture exited with {status}: {summary}"
    );
    assert!(summary.contains("interface lo: "), "{summary}");

    // What the zone (../shared/harness/example.test.zone.head and start.sh) serves for those
    // queries, answer sections only; h7 is 198.51.100.8 (7 % 250 + 1) and was asked twice.
    let want: BTreeMap<(String, String, String), u64> = [
        (("www.example.test.", "CNAME", "web.example.test."), 1),
        (("web.example.test.", "A", "192.0.2.80"), 1),
        (("web.example.test.", "A", "192.0.2.81"), 1),
        (("example.test.", "MX", "10 mail.example.test."), 1),
        (
            (
                "_sip._udp.example.test.",
                "SRV",
                "10 5 5060 sip.example.test.",
            ),
            1,
        ),
        (("h7.example.test.", "A", "198.51.100.8"), 2),
        (("example.test.", "TXT", "\"v=spf1 -all\""), 1),
        (("example.test.", "AAAA", "2001:db8::1"), 1),
    ]
    .into_iter()
    .map(|((name, rrtype, rdata), count)| ((name.into(), rrtype.into(), rdata.into()), count))
    .collect();
    let rows = store.export();
    let got: BTreeMap<_, _> = rows.iter().map(|(k, v)| (k.clone(), v.0)).collect();
    assert_eq!(got, want, "{summary}");
    for (key, (_, first, last)) in &rows {
        assert!(
            started <= *first && *last <= ended,
            "{key:?}: seen {first}..{last}, queries sent {started}..{ended}"
        );
    }
    // The NXDOMAIN answer is a negative row.
    let negatives = store.ok(&["export", "--negatives"]);
    assert!(
        negatives.contains("\"nx1.example.test.\"") && negatives.lines().count() == 1,
        "{negatives}"
    );
}
