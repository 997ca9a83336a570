//! Every HTTP face through the real router (DNSDB v2, CIRCL, SecurityTrails v1, VirusTotal
//! v3, the native API, metrics) over a small embedded store: any request target, headers
//! and body get an answer that is not a server error, and whose body ends.
//!
//! Input: a face (first byte), then the path and query after the face's prefix up to the
//! first newline, then `Name: value` header lines, then (after an empty line) a body, which
//! makes a POST.
#![no_main]

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use hark_server::{app, AppState, Config};
use hark_store::{Batch, Detail, Store};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

const ROWS: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111.cloudfront.net.","time_first":1700300000,"time_last":1700400000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"com.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.com.","rrtype":"MX","rdata":"10 mail.example.com.","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"example.com.","rrtype":"TXT","rdata":"\"v=spf1 include:_spf.example.net -all\"","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"example.com.","rrtype":"SOA","rdata":"ns1.example.com. hostmaster.example.com. 1 2 3 4 5","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"weird.example.com.","rrtype":"TYPE65534","rdata":"\\# 2 0102","time_first":1700000000,"time_last":1700000500,"count":1}
{"rrname":"1.2.0.192.in-addr.arpa.","rrtype":"PTR","rdata":"host.example.com.","time_first":1700000000,"time_last":1700000100,"count":2}
"#;

struct Server {
    runtime: tokio::runtime::Runtime,
    state: AppState,
    _dir: tempfile::TempDir,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store =
            hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).expect("a store");
        let mut batch = Batch::default();
        for line in ROWS.lines() {
            for row in hark_cof::parse_line(line).expect("sample rows parse") {
                batch.rows.push(row.into_entry().expect("sample rows pack"));
            }
        }
        store
            .commit(&batch, Detail::Figures)
            .expect("sample rows commit");
        let store: Arc<dyn Store> = Arc::new(store);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        Server {
            runtime,
            state: AppState::new(store, Config::default()),
            _dir: dir,
        }
    })
}

const FACES: [&str; 7] = [
    "/dnsdb/v2/",
    "/pdns/query/",
    "/v1/",
    "/api/v3/",
    "/api/v1/",
    "/api/",
    "/",
];

fuzz_target!(|data: &[u8]| {
    let Some((&face, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.split('\n');
    let target = format!(
        "{}{}",
        FACES[usize::from(face) % FACES.len()],
        lines.next().unwrap_or("")
    );
    let method = if body.is_empty() {
        Method::GET
    } else {
        Method::POST
    };
    let mut builder = Request::builder().method(method).uri(target.as_str());
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    let Ok(request) = builder.body(Body::from(body.to_string())) else {
        return; // not a request any HTTP parser would hand over
    };
    let server = server();
    let router = app(server.state.clone());
    server.runtime.block_on(async move {
        let response =
            tokio::time::timeout(std::time::Duration::from_secs(20), router.oneshot(request))
                .await
                .expect("an answer within 20 s")
                .expect("the router is infallible");
        let status = response.status();
        assert!(
            status != StatusCode::INTERNAL_SERVER_ERROR,
            "{target:?} got {status}"
        );
        let body = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            response.into_body().collect(),
        )
        .await
        .expect("a body that ends within 20 s");
        assert!(body.is_ok(), "{target:?}: the body failed");
    });
});
