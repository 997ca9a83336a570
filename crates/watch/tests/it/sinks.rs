//! Sinks against real receivers on 127.0.0.1: a webhook that fails, then answers (nothing is
//! lost, across a restart of the sinks); the HMAC signature checked with its own code here;
//! NDJSON, syslog over UDP, and an exec hook.

use hark_watch::alerts::Finding;
use hark_watch::rules::{Severity, SinkSpec, SinkTarget};
use hark_watch::{AlertLog, Evidence, Sinks};
use hmac::Mac;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn finding(subject: &str) -> Finding {
    Finding {
        rule: "decoy".into(),
        title: "decoy resolved".into(),
        kind: "canary",
        severity: Severity::High,
        window: 0,
        sinks: vec![],
        subject: subject.into(),
        summary: format!("198.51.100.7 asked for {subject}"),
        evidence: Evidence {
            source: "query".into(),
            rrname: subject.into(),
            rrtype: "A".into(),
            client: Some("198.51.100.7".into()),
            time_first: 1000,
            time_last: 1000,
            count: 1,
            ..Evidence::default()
        },
    }
}

/// A request the receiver got: its headers (lowercased names) and body.
type Received = (Vec<(String, String)>, Vec<u8>);

struct Receiver {
    url: String,
    fail: Arc<AtomicBool>,
    attempts: Arc<AtomicUsize>,
    accepted: Arc<Mutex<Vec<Received>>>,
}

fn receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let fail = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (f, a, got) = (fail.clone(), attempts.clone(), accepted.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream);
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            loop {
                line.clear();
                reader.read_line(&mut line).unwrap();
                let trimmed = line.trim_end();
                if trimmed.is_empty() {
                    break;
                }
                let (name, value) = trimmed.split_once(':').unwrap();
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            a.fetch_add(1, Ordering::SeqCst);
            let status = if f.load(Ordering::SeqCst) {
                "500 Internal Server Error"
            } else {
                got.lock().unwrap().push((headers, body));
                "200 OK"
            };
            let mut stream = reader.into_inner();
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    Receiver {
        url,
        fail,
        attempts,
        accepted,
    }
}

/// Waits (up to a minute; the tests assert what arrives, not when) for `done`.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_failing_webhook_loses_nothing_and_bodies_are_signed() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(AlertLog::open(dir.path()).unwrap());
    let hook = receiver();
    hook.fail.store(true, Ordering::SeqCst);
    let specs = vec![SinkSpec {
        id: "soc".into(),
        target: SinkTarget::Webhook {
            url: hook.url.clone(),
            secret: Some("s3cret".into()),
        },
        min_severity: Severity::Info,
    }];
    let sinks = Sinks::start(dir.path(), log.clone(), &specs);
    let opened = log.raise(vec![finding("vpn.corp.example.")]).unwrap();
    wait_for("two failed attempts", || {
        hook.attempts.load(Ordering::SeqCst) >= 2
    });
    let status = sinks.status();
    assert_eq!(status[0].delivered, 0);
    assert!(status[0].failures >= 2 && status[0].last_error.is_some());
    // Stopped while the receiver fails: the alert stays in the outbox.
    sinks.stop(Duration::ZERO);
    hook.fail.store(false, Ordering::SeqCst);
    log.raise(vec![finding("db.corp.example.")]).unwrap();
    let sinks = Sinks::start(dir.path(), log.clone(), &specs);
    wait_for("both alerts", || hook.accepted.lock().unwrap().len() >= 2);
    sinks.stop(Duration::from_secs(5));
    let accepted = hook.accepted.lock().unwrap();
    assert_eq!(accepted.len(), 2, "each alert once");
    let (headers, body) = &accepted[0];
    let alert: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(alert["id"], opened[0].id.as_str());
    assert_eq!(alert["evidence"][0]["client"], "198.51.100.7");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").unwrap();
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let signature = headers
        .iter()
        .find(|(n, _)| n == "x-hark-signature")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(signature, format!("sha256={expected}"));
    let (_, second) = &accepted[1];
    let second: serde_json::Value = serde_json::from_slice(second).unwrap();
    assert_eq!(second["subject"], "db.corp.example.");
}

#[test]
fn ndjson_syslog_and_exec_sinks() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(AlertLog::open(&dir.path().join("watch")).unwrap());
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let file = dir.path().join("alerts.ndjson");
    let hooked = dir.path().join("hook.json");
    let specs = vec![
        SinkSpec {
            id: "file".into(),
            target: SinkTarget::Ndjson(Some(file.clone())),
            min_severity: Severity::Info,
        },
        SinkSpec {
            id: "syslog".into(),
            target: SinkTarget::Syslog {
                tcp: false,
                address: udp.local_addr().unwrap().to_string(),
            },
            min_severity: Severity::Info,
        },
        SinkSpec {
            id: "hook".into(),
            target: SinkTarget::Exec(vec![
                "sh".into(),
                "-c".into(),
                format!("cat > {}", hooked.display()),
            ]),
            min_severity: Severity::Info,
        },
        SinkSpec {
            id: "critical-only".into(),
            target: SinkTarget::Ndjson(Some(dir.path().join("critical.ndjson"))),
            min_severity: Severity::Critical,
        },
    ];
    let sinks = Sinks::start(&dir.path().join("watch"), log.clone(), &specs);
    let opened = log.raise(vec![finding("vpn.corp.example.")]).unwrap();
    let mut datagram = [0u8; 4096];
    let len = udp.recv(&mut datagram).unwrap();
    let line = std::str::from_utf8(&datagram[..len]).unwrap();
    // PRI: facility local0 (16) * 8 + severity error (3) for a high alert.
    assert!(line.starts_with("<131>1 "), "{line}");
    assert!(line.contains(" hark - canary - CEF:0|hark|hark|"), "{line}");
    assert!(line.contains("|decoy|decoy resolved|8|"), "{line}");
    assert!(line.contains(&format!("cs1={}", opened[0].id)), "{line}");
    assert!(line.contains("src=198.51.100.7"), "{line}");
    wait_for("the hook", || {
        std::fs::metadata(&hooked).is_ok_and(|m| m.len() > 0)
    });
    sinks.stop(Duration::from_secs(10));
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["subject"], "vpn.corp.example.");
    let hooked: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&hooked).unwrap()).unwrap();
    assert_eq!(hooked["id"], opened[0].id.as_str());
    assert!(
        !dir.path().join("critical.ndjson").exists(),
        "below its min_severity"
    );
}
