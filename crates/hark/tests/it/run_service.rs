//! `hark run`: the service collecting from real emitters while it serves, reloading on
//! SIGHUP, ingesting a spool directory, and committing everything at SIGTERM.

use crate::support::{shared, TempStore};
use crate::verify::{start_in, start_in_turn, take_turn};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A hang guard for every wait below (not a timing assertion).
pub(crate) const PATIENCE: Duration = Duration::from_secs(60);

/// `hark run` as a child process, killed at drop if still running.
pub(crate) struct Service {
    child: Child,
    pub(crate) store: PathBuf,
    log: PathBuf,
}

impl Service {
    /// Writes `config` to `dir/hark.toml` and starts `hark run` on it; waits for its first
    /// status file.
    pub(crate) fn start(dir: &Path, config: &str) -> Service {
        Service::spawn(dir, config, "run", dir.join("db"))
    }

    /// Writes `config` to `dir/hark.toml` and starts `hark sensor` on it; waits for its first
    /// status file (in its spool, `dir/spool`).
    pub(crate) fn start_sensor(dir: &Path, config: &str) -> Service {
        Service::spawn(dir, config, "sensor", dir.join("spool"))
    }

    fn spawn(dir: &Path, config: &str, command: &str, status_dir: PathBuf) -> Service {
        let path = dir.join("hark.toml");
        std::fs::write(&path, config).unwrap();
        let log = dir.join(format!("{command}.log"));
        let _ = std::fs::remove_file(status_dir.join("run-status.json"));
        let child = Command::new(env!("CARGO_BIN_EXE_hark"))
            .args([command, "--config"])
            .arg(&path)
            .env_remove("HARK_DB")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let service = Service {
            child,
            store: status_dir,
            log,
        };
        service.wait_for("the first status", |status| status["running"] == true);
        service
    }

    /// Kills the process (SIGKILL: a crash) and waits for it.
    pub(crate) fn crash(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn status(&self) -> Option<Value> {
        let text = std::fs::read_to_string(self.store.join("run-status.json")).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Waits until the status satisfies `ready`.
    pub(crate) fn wait_for(&self, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let give_up = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.status() {
                if ready(&status) {
                    return status;
                }
            }
            assert!(
                Instant::now() < give_up,
                "waited in vain for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub(crate) fn source<'s>(status: &'s Value, name: &str) -> Option<&'s Value> {
        status["sources"]
            .as_array()?
            .iter()
            .find(|s| s["name"] == name)
    }

    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then waits for a clean exit.
    pub(crate) fn stop(mut self) -> String {
        self.signal("-TERM");
        let give_up = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let log = self.log();
                assert!(status.success(), "hark run exited with {status}:\n{log}");
                return log;
            }
            assert!(
                Instant::now() < give_up,
                "hark run did not stop:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET path` on the API, as text.
    pub(crate) fn get(&self, api: &str, path: &str) -> String {
        http(api, "GET", path)
    }
}

/// `METHOD path` (no body) on the API at `api`: the whole reply, as text.
pub(crate) fn http(api: &str, method: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(api).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: hark\r\nAccept: */*\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A helper process (tcpdump) stopped with SIGTERM, and waited for, when dropped — also
/// when a test fails half-way.
pub(crate) struct Stopped(pub(crate) Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// Rows as (rrname, rrtype, rdata) → (count, bailiwick or `-`).
pub(crate) type Rows = BTreeMap<(String, String, String), (u64, String)>;

/// `hark export` of a store: (rrname, rrtype, rdata) → (count, bailiwick).
pub(crate) fn exported(store: &Path) -> Rows {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store)
        .arg("export")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let o: Value = serde_json::from_str(line).unwrap();
            let text = |k: &str| o[k].as_str().unwrap_or("-").to_string();
            (
                (text("rrname"), text("rrtype"), text("rdata")),
                (o["count"].as_u64().unwrap(), text("bailiwick")),
            )
        })
        .collect()
}

pub(crate) fn command_exists(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found || std::env::var_os("CI").is_none(),
        "{tool} is needed (scripts/setup-test-clients.sh installs it)"
    );
    found
}

/// A query for `name`/`qtype` with id `id`.
pub(crate) fn query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut out = id.to_be_bytes().to_vec();
    out.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&[0, 1]);
    out
}

/// tcpdump writing what a filter matches on `lo` to a file, until [`Capture::finish`].
pub(crate) struct Capture {
    tcpdump: Stopped,
    pcap: PathBuf,
    /// A port no server uses, bound here so that nothing else takes it: the capture also
    /// records datagrams sent to it, and one marks the end of the traffic under test.
    sentinel: UdpSocket,
}

/// Starts tcpdump writing what `filter` matches on `lo` to `pcap`; returns once it captures.
/// Immediate mode: each packet is written as it arrives (not held in the kernel's buffer
/// block). In that mode every packet takes a ring slot of the snapshot length: 64 KiB slots
/// in a 64 MiB buffer hold a thousand packets while tcpdump waits for a core (with `-s 0` and
/// the default 2 MiB, eight — a busy machine made the reference capture lose answers).
pub(crate) fn capture_lo(pcap: &Path, filter: &str) -> Capture {
    let sentinel = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sentinel_port = sentinel.local_addr().unwrap().port();
    let mut tcpdump = Stopped(
        Command::new("tcpdump")
            .args([
                "-i",
                "lo",
                "-n",
                "-s",
                "65535",
                "-B",
                "65536",
                "-U",
                "--immediate-mode",
                "-w",
            ])
            .arg(pcap)
            .arg(format!("({filter}) or (udp dst port {sentinel_port})"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // tcpdump says "listening on lo" once it captures.
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(tcpdump.0.stderr.take().unwrap()).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("listening on"))),
        "tcpdump did not start"
    );
    Capture {
        tcpdump,
        pcap: pcap.to_path_buf(),
        sentinel,
    }
}

impl Capture {
    /// Stops the capture once it holds everything sent so far. A client having seen an
    /// answer does not mean tcpdump has read it from the kernel yet, and tcpdump stopped
    /// with packets still unread loses them. So a marked datagram goes to the sentinel port
    /// last: the kernel hands packets over in order, and once the marker is in the file every
    /// packet before it is too. (The capture's own port filter leaves the marker out of the
    /// rows; it is not DNS either.)
    pub(crate) fn finish(self) {
        let marker = format!("hark-capture-end-{}", std::process::id());
        self.sentinel
            .send_to(marker.as_bytes(), self.sentinel.local_addr().unwrap())
            .unwrap();
        let give_up = Instant::now() + PATIENCE;
        loop {
            let written = std::fs::read(&self.pcap).unwrap_or_default();
            if written
                .windows(marker.len())
                .any(|window| window == marker.as_bytes())
            {
                break;
            }
            assert!(
                Instant::now() < give_up,
                "tcpdump never wrote the end marker"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        drop(self.tcpdump);
    }
}

/// The questions clients ask of the harness zone: 150 names of its generated part, and
/// names of every type it serves, two of them absent.
pub(crate) fn questions() -> Vec<(String, u16)> {
    let mut questions: Vec<(String, u16)> = (0..150)
        .map(|i| (format!("h{i}.example.test"), 1))
        .collect();
    questions.extend(
        [
            ("www.example.test", 1),
            ("example.test", 15),
            ("example.test", 16),
            ("_sip._udp.example.test", 33),
            ("web.example.test", 28),
            ("nx1.example.test", 1),
            ("nx2.example.test", 28),
        ]
        .map(|(n, t)| (n.to_string(), t)),
    );
    questions
}

/// Sends each question to the resolver at `server` over UDP and waits for its answer.
pub(crate) fn ask(server: &str, questions: &[(String, u16)]) {
    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 4096];
    for (i, (name, qtype)) in questions.iter().enumerate() {
        client
            .send_to(&query(i as u16, name, *qtype), server)
            .unwrap();
        let n = client.recv(&mut buf).expect("the resolver answers");
        assert!(n > 12);
    }
}

/// The rows a capture gives, ingested with `hark ingest --ports port`, and the number of
/// DNS responses it held.
pub(crate) fn ingested_capture(pcap: &Path, port: u16) -> (Rows, u64) {
    let captured = TempStore::new();
    let out = captured.run(&[
        "ingest",
        "--ports",
        &port.to_string(),
        pcap.to_str().unwrap(),
    ]);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{summary}");
    // "FILE: N packets, M responses (…"
    let responses = summary
        .split(" responses")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no response count in {summary}"));
    (exported(&captured.path()), responses)
}

/// `hark status` of the service keeping `store`.
fn status_text(store: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hark"))
        .arg("--db")
        .arg(store)
        .arg("status")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Unbound and NSD of the loopback harness send dnstap to `hark run` (two unix-socket
/// listeners) while clients query Unbound and tcpdump records the upstream traffic on `lo`.
/// While it runs, the API answers from what arrived; after SIGTERM, every upstream response
/// of the capture is in the store exactly twice (Unbound's RESOLVER_RESPONSE and NSD's
/// AUTH_RESPONSE of the same answer), each row with the zone as its bailiwick, and the rows
/// are what the zone serves.
#[test]
fn run_collects_dnstap_from_unbound_and_nsd_while_serving() {
    if shared().is_none() || !command_exists("tcpdump") {
        return;
    }
    // The capture below must see this test's traffic only.
    let turn = take_turn();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    // The harness keeps its files (and the emitters' sockets) in a directory of its own,
    // removed when it stops.
    let harness_dir = tempfile::tempdir().unwrap();
    let sockets = harness_dir.path().join("run");
    std::fs::create_dir_all(&sockets).unwrap();
    let service = Service::start(
        &root,
        &format!(
            r#"[store]
path = "{root}/db"
flush_seconds = 0.5
[api]
listen = "127.0.0.1:0"
no_auth = true
[[dnstap]]
name = "unbound"
listen = "unix:{sockets}/dnstap.sock"
[[dnstap]]
name = "nsd"
listen = "unix:{sockets}/dnstap-nsd.sock"
"#,
            root = root.display(),
            sockets = sockets.display()
        ),
    );
    let pcap = root.join("lo.pcap");
    let tcpdump = capture_lo(&pcap, "udp port 5300");
    let Some(harness) = start_in_turn(turn, harness_dir, true) else {
        return;
    };
    ask("127.0.0.1:5301", &questions());
    // Served while collecting: the API finds what arrived.
    let api = service.wait_for("the API address", |s| s["api"].is_string())["api"]
        .as_str()
        .unwrap()
        .to_string();
    let give_up = Instant::now() + PATIENCE;
    loop {
        let reply = service.get(&api, "/dnsdb/v2/lookup/rrset/name/www.example.test/CNAME");
        if reply.contains("\"rdata\":[\"web.example.test.\"]") {
            break;
        }
        assert!(Instant::now() < give_up, "never queryable: {reply}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let metrics = service.get(&api, "/metrics");
    assert!(
        metrics.contains("hark_source_units_total{source=\"unbound\",kind=\"dnstap\"}"),
        "{metrics}"
    );
    // Stop the servers (they send STOP), wait until hark saw both leave, then stop hark.
    drop(harness);
    service.wait_for("the emitters to leave", |status| {
        ["unbound", "nsd"].iter().all(|name| {
            Service::source(status, name)
                .is_some_and(|s| s["connections"].as_u64() >= Some(1) && s["connections_open"] == 0)
        })
    });
    let status = status_text(&service.store);
    assert!(status.contains("unbound (dnstap"), "{status}");
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    tcpdump.finish();

    let (from_capture, _) = ingested_capture(&pcap, 5300);
    let from_dnstap = exported(&root.join("db"));
    assert!(from_capture.len() > 150, "{} rows", from_capture.len());
    let keys = |rows: &Rows| rows.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&from_dnstap), keys(&from_capture));
    for (key, (count, bailiwick)) in &from_dnstap {
        assert_eq!(*count, 2 * from_capture[key].0, "{key:?}");
        assert_eq!(bailiwick, "example.test.", "{key:?}");
    }
    assert_serves_the_zone(&from_dnstap);
}

/// Asserts `rows` hold what the harness zone serves for [`questions`]
/// (example.test.zone.head and its generated h$i lines).
pub(crate) fn assert_serves_the_zone(rows: &Rows) {
    let row = |name: &str, rrtype: &str, rdata: &str| {
        rows.contains_key(&(name.to_string(), rrtype.to_string(), rdata.to_string()))
    };
    assert!(row("www.example.test.", "CNAME", "web.example.test."));
    assert!(row("web.example.test.", "A", "192.0.2.80"));
    assert!(row("web.example.test.", "A", "192.0.2.81"));
    assert!(row("example.test.", "MX", "10 mail.example.test."));
    assert!(row(
        "_sip._udp.example.test.",
        "SRV",
        "10 5 5060 sip.example.test."
    ));
    for i in 0..150 {
        assert!(row(
            &format!("h{i}.example.test."),
            "A",
            &format!("198.51.100.{}", i % 250 + 1)
        ));
    }
}

/// Runs `fstrm_replay` of `file` to the TCP listener at `address`; true on success.
pub(crate) fn replay(file: &Path, address: &str) -> bool {
    let (host, port) = address.rsplit_once(':').unwrap();
    Command::new("fstrm_replay")
        .args(["-t", "protobuf:dnstap.Dnstap", "-a", host, "-p", port, "-r"])
        .arg(file)
        .status()
        .is_ok_and(|s| s.success())
}

/// A service started with a spool directory only; SIGHUP adds a TCP dnstap listener (a
/// broken file before it is refused and changes nothing); a file dropped in the directory
/// and a dnstap file replayed into the listener give exactly the rows `hark ingest` gives
/// them, and a second copy of the file under another name counts nothing.
#[test]
fn run_reloads_on_sighup_and_ingests_its_spool_directory() {
    let Some(shared) = shared() else {
        return;
    };
    if !command_exists("fstrm_replay") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let spool = root.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let base = format!(
        r#"[store]
path = "{root}/db"
flush_seconds = 0.2
[[directory]]
name = "spool"
path = "{spool}"
pattern = "*.pcap*"
settle_seconds = 0
poll_seconds = 1
"#,
        root = root.display(),
        spool = spool.display()
    );
    let service = Service::start(&root, &base);

    // A capture appears in the spool directory.
    let capture = shared.join("fixtures/pcap/gopassivedns__100_udp_lookups.pcap");
    assert!(capture.is_file(), "{}", capture.display());
    std::fs::copy(&capture, spool.join("a.pcap")).unwrap();
    service.wait_for("the spooled capture", |status| {
        Service::source(status, "spool").is_some_and(|s| s["files"] == 1)
    });

    // A broken file is refused; the running configuration stays.
    std::fs::write(
        root.join("hark.toml"),
        format!("{base}\n[[dnstap]]\nname = \"x\"\n"),
    )
    .unwrap();
    service.signal("-HUP");
    let give_up = Instant::now() + PATIENCE;
    while !service.log().contains("keeping the running configuration") {
        assert!(Instant::now() < give_up, "{}", service.log());
        std::thread::sleep(Duration::from_millis(100));
    }

    // A good one adds a TCP listener.
    let with_listener =
        format!("{base}\n[[dnstap]]\nname = \"remote\"\nlisten = \"tcp:127.0.0.1:0\"\n");
    std::fs::write(root.join("hark.toml"), with_listener).unwrap();
    service.signal("-HUP");
    let status = service.wait_for("the new listener", |status| {
        Service::source(status, "remote").is_some()
    });
    let address = Service::source(&status, "remote").unwrap()["location"]
        .as_str()
        .unwrap()
        .trim_start_matches("tcp:")
        .to_string();
    let traffic = root.join("traffic.dnstap");
    crate::dnstap::resolver_traffic(&traffic, 20);
    assert!(replay(&traffic, &address), "fstrm_replay");
    // The same capture again under another name: recognised by content, not counted again.
    std::fs::copy(&capture, spool.join("b.pcap")).unwrap();
    service.wait_for("the replay and the second copy", |status| {
        Service::source(status, "remote").is_some_and(|s| s["frames"] == 80)
            && Service::source(status, "spool").is_some_and(|s| s["repeats"] == 1)
    });
    let log = service.stop();
    assert!(log.contains("remote: listening for dnstap"), "{log}");

    let expected = TempStore::new();
    expected.ok(&["ingest", capture.to_str().unwrap()]);
    expected.ok(&["ingest", traffic.to_str().unwrap()]);
    assert_eq!(exported(&root.join("db")), exported(&expected.path()));
}

/// A `[[capture]]` on `lo` in `hark run`, beside tcpdump on the same traffic (Unbound asking
/// NSD for clients' questions): after SIGTERM the service holds exactly the rows, counts and
/// bailiwicks of ingesting tcpdump's file.
#[test]
fn run_captures_live_exactly_what_tcpdump_captures() {
    if shared().is_none() || !command_exists("tcpdump") {
        return;
    }
    let Some(_harness) = start_in(tempfile::tempdir().unwrap(), false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let service = Service::start(
        root,
        &format!(
            r#"[store]
path = "{root}/db"
flush_seconds = 0.5
[[capture]]
name = "loopback"
interface = "lo"
filter = "udp port 5300"
ports = [5300]
"#,
            root = root.display()
        ),
    );
    let pcap = root.join("lo.pcap");
    let tcpdump = capture_lo(&pcap, "udp port 5300");
    ask("127.0.0.1:5301", &questions());
    tcpdump.finish();
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");
    let (from_tcpdump, responses) = ingested_capture(&pcap, 5300);
    assert!(responses >= 150, "{responses} responses");
    assert_eq!(exported(&root.join("db")), from_tcpdump);
}
