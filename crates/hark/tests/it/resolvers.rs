//! dnstap from the resolvers people run — BIND 9, Knot Resolver, PowerDNS Recursor and
//! dnsdist, as Debian ships them — into `hark run`, each beside a capture of the same traffic
//! on `lo`. Each server resolves the harness zone (NSD on 127.0.0.1:5300) and sends dnstap to
//! a unix socket hark listens on; every server is configured so that nothing leaves loopback
//! (root hints on 127.0.0.1, no security polling, no trust-anchor or priming queries).
//!
//! Resolvers that report their upstream answers (BIND 9's and PowerDNS Recursor's
//! RESOLVER_RESPONSE) are compared with a capture of the upstream traffic, and their rows
//! carry the zone as bailiwick; Knot Resolver and dnsdist report the client side only
//! (CLIENT_RESPONSE, taken with `client_responses = true`), compared with a capture of the
//! clients' traffic, without bailiwick.

use crate::run_service::{
    ask, assert_serves_the_zone, capture_lo, command_exists, exported, ingested_capture, query,
    questions, Rows, Service, Stopped,
};
use crate::support::shared;
use crate::verify::start_in;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The port the resolver under test listens on.
const PORT: u16 = 5310;

/// Root hints naming a server on loopback, so that any priming stays on the machine.
const ROOT_HINTS: &str =
    ". 3600000 IN NS a.root.invalid.\na.root.invalid. 3600000 IN A 127.0.0.1\n";

/// Which side of the resolver its dnstap reports.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    /// RESOLVER_RESPONSE: what the authority answered (captured on NSD's port).
    Upstream,
    /// CLIENT_RESPONSE: what the resolver answered its clients (captured on its own port).
    Client,
}

/// One emitter: its program, its side, and how to start it with its dnstap sent to `socket`
/// (its configuration written in `dir`).
struct Emitter {
    program: &'static str,
    side: Side,
    start: fn(dir: &Path, socket: &Path) -> Command,
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// BIND 9 (`named`) forwarding the zone to NSD, logging every dnstap message type: hark keeps
/// only the RESOLVER_RESPONSE messages by default.
fn bind9(dir: &Path, socket: &Path) -> Command {
    let d = dir.display();
    write(&dir.join("root.hints"), ROOT_HINTS);
    write(
        &dir.join("named.conf"),
        &format!(
            r#"options {{
  directory "{d}";
  pid-file "{d}/named.pid";
  session-keyfile "{d}/session.key";
  managed-keys-directory "{d}";
  listen-on port {PORT} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion yes;
  allow-query {{ 127.0.0.1; }};
  dnssec-validation no;
  dnstap {{ all; }};
  dnstap-output unix "{socket}";
}};
controls {{ }};
zone "." {{ type hint; file "{d}/root.hints"; }};
zone "example.test" {{ type forward; forward only; forwarders {{ 127.0.0.1 port 5300; }}; }};
"#,
            socket = socket.display()
        ),
    );
    let mut command = Command::new("named");
    command.arg("-g").arg("-c").arg(dir.join("named.conf"));
    command
}

/// Knot Resolver (`kresd`) sending the zone's questions to NSD as a stub; its dnstap module
/// reports the client side.
fn knot_resolver(dir: &Path, socket: &Path) -> Command {
    write(
        &dir.join("config.lua"),
        &format!(
            r#"net.listen('127.0.0.1', {PORT}, {{ kind = 'dns' }})
modules = {{ dnstap = {{ socket_path = "{socket}", client = {{ log_queries = false, log_responses = true }} }} }}
modules.unload('priming')
modules.unload('detect_time_skew')
modules.unload('detect_time_jump')
modules.unload('ta_signal_query')
trust_anchors.remove('.')
modules.load('hints')
hints.root({{ ['a.root.invalid.'] = '127.0.0.1' }})
cache.size = 10 * MB
policy.add(policy.suffix(policy.STUB({{ '127.0.0.1@5300' }}), {{ todname('example.test.') }}))
"#,
            socket = socket.display()
        ),
    );
    let mut command = Command::new("kresd");
    command
        .arg("-n")
        .arg("-c")
        .arg(dir.join("config.lua"))
        .arg(dir);
    command
}

/// PowerDNS Recursor forwarding the zone to NSD, two threads (one dnstap connection each).
fn powerdns_recursor(dir: &Path, socket: &Path) -> Command {
    let d = dir.display();
    write(&dir.join("root.hints"), ROOT_HINTS);
    write(
        &dir.join("recursor.lua"),
        &format!(
            "dnstapFrameStreamServer(\"{}\", {{logQueries=false, logResponses=true}})\n",
            socket.display()
        ),
    );
    write(
        &dir.join("recursor.conf"),
        &format!(
            "config-dir={d}\nsocket-dir={d}\nlocal-address=127.0.0.1\nlocal-port={PORT}\n\
             forward-zones=example.test=127.0.0.1:5300\nlua-config-file={d}/recursor.lua\n\
             hint-file={d}/root.hints\nsecurity-poll-suffix=\ndaemon=no\nwrite-pid=no\n\
             dnssec=off\nthreads=2\n"
        ),
    );
    let mut command = Command::new("pdns_recursor");
    command.arg(format!("--config-dir={d}"));
    command
}

/// dnsdist in front of NSD, logging its responses to clients.
fn dnsdist(dir: &Path, socket: &Path) -> Command {
    write(
        &dir.join("dnsdist.conf"),
        &format!(
            r#"setSecurityPollSuffix("")
setLocal("127.0.0.1:{PORT}")
newServer({{address="127.0.0.1:5300"}})
tap = newFrameStreamUnixLogger("{socket}")
addResponseAction(AllRule(), DnstapLogResponseAction("dnsdist", tap))
"#,
            socket = socket.display()
        ),
    );
    let mut command = Command::new("dnsdist");
    command
        .args(["--supervised", "--disable-syslog", "-C"])
        .arg(dir.join("dnsdist.conf"));
    command
}

/// Waits until the resolver on [`PORT`] answers a question — one outside the zone, whose
/// answer (an error) makes no row: retries while the server starts must not add rows to
/// only one side of the comparison.
fn wait_until_answering(program: &str) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let give_up = Instant::now() + crate::run_service::PATIENCE;
    let mut buf = [0u8; 512];
    loop {
        socket
            .send_to(&query(0xbeef, "warm-up.invalid", 1), ("127.0.0.1", PORT))
            .unwrap();
        if socket.recv(&mut buf).is_ok_and(|n| n > 12) {
            return;
        }
        assert!(Instant::now() < give_up, "{program} never answered");
    }
}

/// Runs `emitter` against `hark run` and the capture, and compares what each kept.
fn collect_from(emitter: &Emitter) {
    if shared().is_none() || !command_exists("tcpdump") || !command_exists(emitter.program) {
        return;
    }
    // NSD serving the zone (the harness holds the fixed ports, ours included).
    let Some(_harness) = start_in(tempfile::tempdir().unwrap(), false) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let socket = root.join("tap.sock");
    let service = Service::start(
        root,
        &format!(
            r#"[store]
path = "{root}/db"
flush_seconds = 0.5
[[dnstap]]
name = "{name}"
listen = "unix:{socket}"
client_responses = {client}
"#,
            root = root.display(),
            name = emitter.program,
            socket = socket.display(),
            client = emitter.side == Side::Client,
        ),
    );
    let captured_port = match emitter.side {
        Side::Upstream => 5300,
        Side::Client => PORT,
    };
    let pcap = root.join("lo.pcap");
    let tcpdump = capture_lo(&pcap, &format!("udp port {captured_port}"));
    let server_dir = root.join(emitter.program);
    std::fs::create_dir_all(&server_dir).unwrap();
    let log = std::fs::File::create(root.join(format!("{}.log", emitter.program))).unwrap();
    let server = Stopped(
        (emitter.start)(&server_dir, &socket)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_until_answering(emitter.program);
    ask(&format!("127.0.0.1:{PORT}"), &questions());
    tcpdump.finish();
    let (from_capture, responses) = ingested_capture(&pcap, captured_port);
    // Some servers hold dnstap frames for a while (libfstrm flushes on a timer) and lose
    // what they still hold when stopped: wait until hark has every response first.
    service.wait_for("every response over dnstap", |status| {
        Service::source(status, emitter.program)
            .is_some_and(|s| s["messages"].as_u64() >= Some(responses))
    });
    drop(server);
    service.wait_for("the emitter to leave", |status| {
        Service::source(status, emitter.program)
            .is_some_and(|s| s["connections"].as_u64() >= Some(1) && s["connections_open"] == 0)
    });
    let log = service.stop();
    assert!(log.contains("hark: stopped"), "{log}");

    let from_dnstap = exported(&root.join("db"));
    assert!(
        from_capture.len() > 150,
        "{} rows, {responses} responses",
        from_capture.len()
    );
    let only_in = |a: &Rows, b: &Rows| a.keys().filter(|k| !b.contains_key(*k)).count();
    assert_eq!(
        (
            only_in(&from_dnstap, &from_capture),
            only_in(&from_capture, &from_dnstap)
        ),
        (0, 0),
        "rows only over dnstap, only in the capture"
    );
    let bailiwick = match emitter.side {
        Side::Upstream => "example.test.",
        Side::Client => "-",
    };
    for (key, (count, row_bailiwick)) in &from_dnstap {
        assert_eq!(*count, from_capture[key].0, "{key:?}");
        assert_eq!(row_bailiwick, bailiwick, "{key:?}");
    }
    assert_serves_the_zone(&from_dnstap);
}

#[test]
fn bind9_upstream_answers_equal_the_capture() {
    collect_from(&Emitter {
        program: "named",
        side: Side::Upstream,
        start: bind9,
    });
}

#[test]
fn knot_resolver_client_answers_equal_the_capture() {
    collect_from(&Emitter {
        program: "kresd",
        side: Side::Client,
        start: knot_resolver,
    });
}

#[test]
fn powerdns_recursor_upstream_answers_equal_the_capture() {
    collect_from(&Emitter {
        program: "pdns_recursor",
        side: Side::Upstream,
        start: powerdns_recursor,
    });
}

#[test]
fn dnsdist_client_answers_equal_the_capture() {
    collect_from(&Emitter {
        program: "dnsdist",
        side: Side::Client,
        start: dnsdist,
    });
}
