//! Hostile requests get clear errors and leave the server healthy.

use crate::support::{config, dnsdb, get, start, TIMEOUT};
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_paths() {
    let server = start(config()).await;
    let huge = format!("/dnsdb/v2/lookup/rrset/name/{}", "a".repeat(64 * 1024));
    let status = dnsdb(server.addr, &huge).await.status;
    assert!([414, 400, 431].contains(&status), "{status}");
    for target in [
        "/dnsdb/v2/lookup/rrset/name/%zz",
        "/dnsdb/v2/lookup/rrset/name/%4",
        "/dnsdb/v2/lookup/rrset/name/%ff%fe",
        "/pdns/query/%",
    ] {
        let reply =
            crate::support::circl(server.addr, target, &[("X-API-Key", crate::support::KEY)]).await;
        assert_eq!(reply.status, 400, "{target}: {reply:?}");
        assert!(
            reply.body.starts_with("Error: ") && reply.body.lines().count() == 1,
            "{reply:?}"
        );
    }
    for target in [
        "/dnsdb/v2/lookup/../ping",
        "/dnsdb/v2/lookup/rrset/name/%2E%2E/A",
        "/../etc/passwd",
    ] {
        let status = dnsdb(server.addr, target).await.status;
        assert!([400, 404].contains(&status), "{target}: {status}");
    }
    assert_eq!(get(server.addr, "/dnsdb/v2/ping", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_opened_and_dropped() {
    let server = start(config()).await;
    for round in 0..2_000 {
        let connect = tokio::net::TcpStream::connect(server.addr);
        let mut stream = tokio::time::timeout(TIMEOUT, connect)
            .await
            .unwrap()
            .unwrap();
        if round % 2 == 0 {
            // Half send a partial request first.
            let _ = stream.write_all(b"GET /dnsdb/v2/lookup/rrset/name/").await;
        }
        drop(stream);
    }
    let ping = get(server.addr, "/dnsdb/v2/ping", &[]).await;
    assert_eq!(
        (ping.status, ping.body.as_str()),
        (200, "{\"ping\":\"ok\"}\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_leave_mid_answer() {
    let server = start(config()).await;
    for _ in 0..50 {
        let mut stream = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(server.addr))
            .await
            .unwrap()
            .unwrap();
        let request = format!(
            "GET /dnsdb/v2/lookup/rrset/name/%2A.example.com HTTP/1.1\r\nHost: x\r\nX-API-Key: {}\r\n\r\n",
            crate::support::KEY
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        drop(stream);
    }
    let ping = get(server.addr, "/dnsdb/v2/ping", &[]).await;
    assert_eq!(ping.status, 200);
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/www.example.com")
        .await
        .saf();
    assert_eq!(objs.len(), 3);
}
