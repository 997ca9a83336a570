//! Serving under load and misuse: concurrent-query slots (503), `Accept` (415), `/metrics`.

use crate::support::{config, dnsdb, get, start, start_with, KEY, TIMEOUT};
use hark_server::Config;
use hark_store::{
    Batch, Checkpoint, CommitReport, Detail, NegativeQuery, NegativeRow, RdataQuery, Row, RrKey,
    RrsetQuery, SourceId, Store, StoreError, StoreStats,
};
use std::ops::ControlFlow;
use std::sync::{Arc, Condvar, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A store whose rrset lookups wait until the gate opens: a query that stays in flight.
/// (Tests hold it with a wildcard lookup, which streams from the blocking pool; a bounded
/// one would be answered on the request's own thread.)
struct GatedStore {
    inner: hark_store_embedded::EmbeddedStore,
    gate: Arc<(Mutex<bool>, Condvar)>,
}

impl GatedStore {
    fn wait(&self) {
        let (open, changed) = &*self.gate;
        let mut is_open = open.lock().unwrap();
        while !*is_open {
            is_open = changed.wait(is_open).unwrap();
        }
    }
}

impl Store for GatedStore {
    fn commit(&self, batch: &Batch, detail: Detail) -> Result<CommitReport, StoreError> {
        self.inner.commit(batch, detail)
    }
    fn checkpoint(&self, source: &SourceId) -> Result<Option<Checkpoint>, StoreError> {
        self.inner.checkpoint(source)
    }
    fn unfinished(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.inner.unfinished()
    }
    fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        self.inner.checkpoints()
    }
    fn rrset_after(
        &self,
        query: &RrsetQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.wait();
        self.inner.rrset_after(query, after, visit)
    }
    fn rdata_after(
        &self,
        query: &RdataQuery,
        after: Option<&RrKey>,
        visit: &mut dyn FnMut(Row) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner.rdata_after(query, after, visit)
    }
    fn negatives(
        &self,
        query: &NegativeQuery,
        visit: &mut dyn FnMut(NegativeRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner.negatives(query, visit)
    }
    fn certs(
        &self,
        query: &hark_store::CertQuery,
        visit: &mut dyn FnMut(hark_store::CertRow) -> ControlFlow<()>,
    ) -> Result<(), StoreError> {
        self.inner.certs(query, visit)
    }
    fn scan(&self, visit: &mut dyn FnMut(Row) -> ControlFlow<()>) -> Result<(), StoreError> {
        self.inner.scan(visit)
    }
    fn stats(&self) -> Result<StoreStats, StoreError> {
        self.inner.stats()
    }
}

fn metric(text: &str, line_start: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(line_start))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_server_answers_503_then_recovers() {
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let mut config = config();
    config.max_queries = 1;
    let gate_for_store = Arc::clone(&gate);
    let server = start_with(config, move |inner| {
        Arc::new(GatedStore {
            inner,
            gate: gate_for_store,
        })
    })
    .await;
    // The first query takes the only slot and waits in the store; its head is already sent.
    let mut held = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /dnsdb/v2/lookup/rrset/name/%2A.example.com/A HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-API-Key: {KEY}\r\n\r\n"
    );
    held.write_all(request.as_bytes()).await.unwrap();
    let mut head = Vec::new();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let read = tokio::time::timeout(TIMEOUT, held.read(&mut byte))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read, 1, "connection closed early");
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let busy = dnsdb(server.addr, "/dnsdb/v2/lookup/rdata/ip/192.0.2.1").await;
    assert_eq!(busy.status, 503, "{busy:?}");
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert!(busy.body.starts_with("Error: too many concurrent queries"));
    // Answers that need no store scan still work.
    assert_eq!(get(server.addr, "/dnsdb/v2/ping", &[]).await.status, 200);
    let metrics = get(server.addr, "/metrics", &[]).await.body;
    assert_eq!(
        metric(&metrics, "hark_queries_in_flight "),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        metric(&metrics, "hark_queries_refused_total{reason=\"busy\"}"),
        Some(1.0),
        "{metrics}"
    );
    // Open the gate: the held answer completes, and the slot is free again.
    {
        let (open, changed) = &*gate;
        *open.lock().unwrap() = true;
        changed.notify_all();
    }
    let mut rest = Vec::new();
    tokio::time::timeout(TIMEOUT, held.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    let rest = String::from_utf8(rest).unwrap();
    assert!(
        rest.contains("198.51.100.80") && rest.contains("{\"cond\":\"succeeded\"}"),
        "{rest}"
    );
    let (objs, cond) = dnsdb(server.addr, "/dnsdb/v2/lookup/rdata/ip/192.0.2.1")
        .await
        .saf();
    assert_eq!((objs.len(), cond.as_str()), (1, "succeeded"));
    let metrics = get(server.addr, "/metrics", &[]).await.body;
    assert_eq!(
        metric(&metrics, "hark_queries_in_flight "),
        Some(0.0),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_header_415() {
    let server = start(config()).await;
    let target = "/dnsdb/v2/lookup/rrset/name/www.example.com";
    let with_accept = |accept: &'static str| {
        let addr = server.addr;
        async move { get(addr, target, &[("X-API-Key", KEY), ("Accept", accept)]).await }
    };
    for accepted in [
        "application/x-ndjson",
        "application/json",
        "*/*",
        "text/html, */*;q=0.1",
    ] {
        assert_eq!(with_accept(accepted).await.status, 200, "{accepted}");
    }
    let refused = with_accept("text/html").await;
    assert_eq!(refused.status, 415, "{refused:?}");
    assert!(refused
        .body
        .starts_with("Error: cannot answer in text/html"));
    // ping and rate_limit answer whatever Accept says (clients send x-ndjson there too).
    let ping = get(server.addr, "/dnsdb/v2/ping", &[("Accept", "image/png")]).await;
    assert_eq!(ping.status, 200);
    let circl = crate::support::circl(
        server.addr,
        "/pdns/query/example.com",
        &[("Accept", "text/csv")],
    )
    .await;
    assert_eq!(circl.status, 415);
    let api = get(
        server.addr,
        "/api/v1/stats",
        &[("X-API-Key", KEY), ("Accept", "application/x-ndjson")],
    )
    .await;
    assert_eq!(api.status, 415);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_by_face_and_code() {
    let server = start(config()).await;
    for _ in 0..3 {
        let _ = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/www.example.com")
            .await
            .saf();
    }
    assert_eq!(
        get(server.addr, "/dnsdb/v2/lookup/rrset/name/x", &[])
            .await
            .status,
        403
    );
    let _ = crate::support::circl(server.addr, "/pdns/query/example.com", &[]).await;
    assert_eq!(get(server.addr, "/nowhere", &[]).await.status, 404);
    let st = get(server.addr, "/v1/ping", &[("APIKEY", KEY)]).await;
    assert_eq!(st.status, 200);
    let vt = get(server.addr, "/api/v3/domains/example.com", &[]).await;
    assert_eq!(vt.status, 401);
    let reply = get(server.addr, "/metrics", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(reply
        .header("content-type")
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = reply.body;
    let count = |labels: &str| metric(&text, &format!("hark_http_requests_total{{{labels}}}"));
    assert_eq!(count("face=\"dnsdb\",code=\"200\""), Some(3.0), "{text}");
    assert_eq!(count("face=\"dnsdb\",code=\"403\""), Some(1.0), "{text}");
    assert_eq!(count("face=\"circl\",code=\"200\""), Some(1.0), "{text}");
    assert_eq!(count("face=\"other\",code=\"404\""), Some(1.0), "{text}");
    assert_eq!(
        count("face=\"securitytrails\",code=\"200\""),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        count("face=\"virustotal\",code=\"401\""),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        metric(&text, "hark_http_response_seconds_count{face=\"dnsdb\"}"),
        Some(4.0),
        "{text}"
    );
    assert!(text.trim_end().ends_with("# EOF"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_frees_its_slot() {
    // 100,000 rows: far more than socket buffers hold, so the scan blocks on the client.
    let mut extra = String::new();
    for i in 0..100_000u32 {
        extra.push_str(&format!(
            "{{\"rrname\":\"h{i:06}.bulk.example.com.\",\"rrtype\":\"A\",\"rdata\":\"10.{}.{}.{}\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n",
            i >> 16, (i >> 8) & 255, i & 255
        ));
    }
    let mut config = config();
    config.max_queries = 1;
    config.query_timeout = std::time::Duration::from_secs(1);
    config.limits.results_max = 1_000_000;
    let server = crate::support::start_with_rows(config, &extra).await;
    let mut stalled = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!(
        "GET /dnsdb/v2/lookup/rrset/name/%2A.bulk.example.com?limit=0 HTTP/1.1\r\nHost: x\r\nX-API-Key: {KEY}\r\n\r\n"
    );
    stalled.write_all(request.as_bytes()).await.unwrap();
    // While the stalled answer holds the only slot, others are refused...
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/%2A.example.com")
            .await
            .status,
        503
    );
    // ...until its deadline (1 s) and the send grace (5 s) pass; never reading does not keep it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let reply = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/%2A.example.com").await;
        if reply.status == 200 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the slot was never freed: {reply:?}"
        );
    }
    drop(stalled);
}

/// 130 clients calling `/api/v1/stats` as fast as they can while 20 lookups run, with only
/// two query slots: stats cost no scan and take no query slot, so every lookup is answered
/// (a lookup queued behind the flood would be refused with 503 once the slots were taken).
/// Counted, not timed: the flood runs until the lookups are done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stats_flood_leaves_lookups_answering() {
    let server = start(Config {
        max_queries: 2,
        ..config()
    })
    .await;
    let addr = server.addr;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut flood = Vec::new();
    for _ in 0..130 {
        let done = done.clone();
        flood.push(tokio::spawn(async move {
            let mut answered = 0u32;
            loop {
                let reply = get(addr, "/api/v1/stats", &[("X-API-Key", KEY)]).await;
                assert_eq!(reply.status, 200, "{}", reply.body);
                answered += 1;
                if done.load(std::sync::atomic::Ordering::Relaxed) {
                    return answered;
                }
            }
        }));
    }
    for _ in 0..20 {
        let reply = dnsdb(addr, "/dnsdb/v2/lookup/rrset/name/%2A.example.com").await;
        assert_eq!(
            reply.status, 200,
            "a lookup during the flood: {}",
            reply.body
        );
        assert!(reply
            .body
            .ends_with("{\"cond\":\"limited\",\"msg\":\"Result limit reached\"}\n"));
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut stats_calls = 0;
    for task in flood {
        stats_calls += task.await.unwrap();
    }
    assert!(stats_calls >= 130, "the flood ran: {stats_calls} calls");
}
