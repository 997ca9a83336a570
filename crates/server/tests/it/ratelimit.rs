//! Per-key rate limits: the daily quota, the burst, the `X-RateLimit-*` headers and
//! `rate_limit`, over loopback.

use crate::support::*;
use hark_server::auth::Keys;

const LIMITED: &str = "limited-key";
const BURSTY: &str = "bursty-key";

fn limited_config() -> hark_server::Config {
    let mut config = config();
    config.keys = Some(
        Keys::parse(&format!(
            "{USER}:{KEY}\nquota:{LIMITED}:limit=3,results_max=2,offset_max=1\nbursty:{BURSTY}:burst=2/3600\n"
        ))
        .unwrap(),
    );
    config
}

/// The next UTC midnight, as the server reports `reset`.
fn next_midnight() -> i64 {
    (now().div_euclid(86_400) + 1) * 86_400
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_quota_then_429_with_exact_headers() {
    let server = start(limited_config()).await;
    let target = "/dnsdb/v2/lookup/rrset/name/www.example.com/A";
    let key = [("X-API-Key", LIMITED)];
    let rate = get(server.addr, "/dnsdb/v2/rate_limit", &key).await;
    let reset = next_midnight();
    assert_eq!(rate.status, 200);
    assert_eq!(
        rate.body,
        format!("{{\"rate\":{{\"reset\":{reset},\"limit\":3,\"remaining\":3,\"results_max\":2,\"offset_max\":1}}}}\n")
    );
    for remaining in ["2", "1", "0"] {
        let reply = get(server.addr, target, &key).await;
        let (objs, cond) = reply.saf();
        // results_max=2 clamps the default limit.
        assert_eq!((objs.len(), cond.as_str()), (2, "succeeded"));
        assert_eq!(reply.header("X-RateLimit-Limit"), Some("3"));
        assert_eq!(reply.header("X-RateLimit-Remaining"), Some(remaining));
        assert_eq!(
            reply.header("X-RateLimit-Reset"),
            Some(reset.to_string().as_str())
        );
    }
    let refused = get(server.addr, target, &key).await;
    assert_eq!(
        (refused.status, refused.body.as_str()),
        (429, "Error: rate limit exceeded\n")
    );
    assert_eq!(refused.header("X-RateLimit-Limit"), Some("3"));
    assert_eq!(refused.header("X-RateLimit-Remaining"), Some("0"));
    assert_eq!(
        refused.header("X-RateLimit-Reset"),
        Some(reset.to_string().as_str())
    );
    let retry: i64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=86_400).contains(&retry), "{retry}");
    // rate_limit and ping still answer and count nothing.
    let rate = get(server.addr, "/dnsdb/v2/rate_limit", &key).await;
    assert_eq!(
        rate.body,
        format!("{{\"rate\":{{\"reset\":{reset},\"limit\":3,\"remaining\":0,\"results_max\":2,\"offset_max\":1}}}}\n")
    );
    assert_eq!(get(server.addr, "/dnsdb/v2/ping", &key).await.status, 200);
    // Other keys are not affected; a key without a quota reads unlimited.
    let free = dnsdb(server.addr, target).await;
    assert_eq!(free.status, 200);
    assert_eq!(free.header("X-RateLimit-Limit"), Some("unlimited"));
    assert_eq!(free.header("X-RateLimit-Remaining"), Some("n/a"));
    assert_eq!(free.header("X-RateLimit-Reset"), Some("n/a"));
    let rate = dnsdb(server.addr, "/dnsdb/v2/rate_limit").await;
    assert_eq!(
        rate.body,
        "{\"rate\":{\"reset\":\"n/a\",\"limit\":\"unlimited\",\"remaining\":\"n/a\",\"results_max\":5,\"offset_max\":10}}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_offset_max_and_bad_requests_cost_nothing() {
    let server = start(limited_config()).await;
    let key = [("X-API-Key", LIMITED)];
    let over = get(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?offset=2",
        &key,
    )
    .await;
    assert_eq!(over.status, 416);
    let bad = get(server.addr, "/dnsdb/v2/lookup/rdata/ip/nonsense", &key).await;
    assert_eq!(bad.status, 400);
    let ok = get(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?offset=1",
        &key,
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("X-RateLimit-Remaining"), Some("2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn burst_window() {
    let server = start(limited_config()).await;
    let key = [("X-API-Key", BURSTY)];
    let rate = get(server.addr, "/dnsdb/v2/rate_limit", &key).await;
    assert_eq!(
        rate.body,
        "{\"rate\":{\"reset\":\"n/a\",\"limit\":\"unlimited\",\"remaining\":\"n/a\",\"results_max\":5,\"offset_max\":10,\"burst_size\":2,\"burst_window\":3600}}\n"
    );
    let target = "/dnsdb/v2/summarize/rrset/name/www.example.com";
    for _ in 0..2 {
        let reply = get(server.addr, target, &key).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-RateLimit-Limit"), Some("unlimited"));
    }
    let refused = get(server.addr, target, &key).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.header("X-RateLimit-Limit"), Some("unlimited"));
    assert_eq!(refused.header("X-RateLimit-Remaining"), Some("n/a"));
    assert_eq!(refused.header("X-RateLimit-Reset"), Some("n/a"));
    let retry: i64 = refused.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circl_counts_against_the_same_quota() {
    let server = start(limited_config()).await;
    let credentials = data_encoding::BASE64.encode(format!("quota:{LIMITED}").as_bytes());
    let auth = format!("Basic {credentials}");
    let headers = [("Authorization", auth.as_str())];
    for remaining in ["2", "1", "0"] {
        let reply = get(server.addr, "/pdns/query/www.example.com", &headers).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-RateLimit-Remaining"), Some(remaining));
        // results_max=2 applies to this key on the CIRCL route as well.
        assert_eq!(reply.json_lines().len(), 2);
    }
    let refused = get(server.addr, "/pdns/query/www.example.com", &headers).await;
    assert_eq!(refused.status, 429);
    let dnsdb = get(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com",
        &[("X-API-Key", LIMITED)],
    )
    .await;
    assert_eq!(dnsdb.status, 429);
}
