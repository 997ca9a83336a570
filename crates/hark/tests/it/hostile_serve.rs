//! `hark serve` against a crowd: thousands of connections at once, half-sent requests,
//! oversized heads. The server must stay up and keep answering.

use crate::served::{http_get, Served};
use crate::support::TempStore;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const KEY: &str = "crowd-key";

fn served() -> Served {
    let store = TempStore::new();
    let rows = store.dir.path().join("rows.json");
    std::fs::write(
        &rows,
        "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.80\",\"time_first\":1700000000,\"time_last\":1700100000,\"count\":4}\n",
    )
    .unwrap();
    store.ok(&["import", "cof", rows.to_str().unwrap()]);
    Served::launch(store, &format!("crowd:{KEY}\n"), &["--header-timeout", "3"])
}

fn healthy(served: &mut Served) {
    assert!(served.is_running(), "hark serve died");
    let (status, text) = http_get(served.addr, "/dnsdb/v2/ping", &[]);
    assert_eq!(status, 200, "{text}");
    let (status, text) = http_get(
        served.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com",
        &[("X-API-Key", KEY)],
    );
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("192.0.2.80") && text.contains("{\"cond\":\"succeeded\"}"),
        "{text}"
    );
}

#[test]
fn ten_thousand_parallel_connections_opened_and_dropped() {
    // The test process holds every client end at once: make room for them.
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap();
    let crowd = 10_000usize;
    assert!(
        limit > crowd as u64 + 500,
        "open-file limit {limit} is too low for the test"
    );
    let mut served = served();
    let mut open = Vec::with_capacity(crowd);
    for i in 0..crowd {
        let mut stream =
            TcpStream::connect(served.addr).unwrap_or_else(|err| panic!("connection {i}: {err}"));
        match i % 4 {
            // Half-sent request heads.
            0 => {
                let _ = stream.write_all(b"GET /dnsdb/v2/lookup/rrset/name/www.exa");
            }
            // A whole request whose answer is never read.
            1 => {
                let _ = stream.write_all(
                    format!("GET /dnsdb/v2/lookup/rrset/name/www.example.com HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n\r\n").as_bytes(),
                );
            }
            // Garbage.
            2 => {
                let _ = stream
                    .write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n");
            }
            // Nothing at all.
            _ => {}
        }
        open.push(stream);
    }
    // With all of them open, the server still answers.
    healthy(&mut served);
    drop(open);
    healthy(&mut served);
}

#[test]
fn slow_and_oversized_request_heads() {
    let mut served = served();
    // A head over the 32 KiB limit gets 431.
    let huge = "x".repeat(64 * 1024);
    let (status, _) = http_get(served.addr, "/dnsdb/v2/ping", &[("X-Padding", &huge)]);
    assert_eq!(status, 431);
    // A client that never finishes its head is cut off after --header-timeout (3 s).
    let mut slow = TcpStream::connect(served.addr).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    slow.write_all(b"GET /dnsdb/v2/ping HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let closed = slow.read_to_end(&mut rest);
    assert!(
        closed.is_ok(),
        "the server should close the connection: {closed:?}"
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    healthy(&mut served);
}
