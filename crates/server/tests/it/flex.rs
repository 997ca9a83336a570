//! Flex search: regex and glob over owner names and rdata, with DNSDB's flex fields.

use crate::support::{config, dnsdb, start};
use serde_json::{json, Value};

/// (rrname or rdata, rrtype) of each object, in answer order.
fn pairs(objs: &[Value], field: &str) -> Vec<String> {
    objs.iter()
        .map(|o| {
            format!(
                "{} {}",
                o[field].as_str().unwrap(),
                o["rrtype"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regex_rrnames_verbose_and_terse() {
    let server = start(config()).await;
    let (objs, cond) = dnsdb(server.addr, "/dnsdb/v2/regex/rrnames/%5Ewww%5C.")
        .await
        .saf();
    assert_eq!(cond, "succeeded");
    assert_eq!(
        objs,
        vec![
            json!({"rrname":"www.example.com.","rrtype":"A","count":10,"time_first":1700000000,"time_last":1700900000}),
            json!({"rrname":"www.example.com.","rrtype":"AAAA","count":1,"time_first":1700000000,"time_last":1700000000}),
            json!({"rrname":"www.example.net.","rrtype":"AAAA","count":1,"time_first":1700000000,"time_last":1700000100}),
        ]
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/regex/rrnames/%5EWWW%5C./AAAA?verbose=false",
    )
    .await
    .saf();
    assert_eq!(
        objs,
        vec![
            json!({"rrname":"www.example.com.","rrtype":"AAAA"}),
            json!({"rrname":"www.example.net.","rrtype":"AAAA"}),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glob_rrnames_is_anchored_and_excludes() {
    let server = start(config()).await;
    // Globs match the whole name, trailing dot included.
    let (objs, cond) = dnsdb(server.addr, "/dnsdb/v2/glob/rrnames/%2A.example.com")
        .await
        .saf();
    assert_eq!((objs.len(), cond.as_str()), (0, "succeeded"));
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/glob/rrnames/%2A.example.com./A?exclude=fresh.%2A",
    )
    .await
    .saf();
    assert_eq!(pairs(&objs, "rrname"), ["www.example.com. A"]);
    // ANY-DNSSEC and time fences apply to the rows behind each result.
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/glob/rrnames/example.%3F%3F%3F./ANY-DNSSEC",
    )
    .await
    .saf();
    assert_eq!(pairs(&objs, "rrname"), ["example.com. DS"]);
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/glob/rrnames/%5Bw%5D%2A/A?time_first_after=1700100000",
    )
    .await
    .saf();
    assert_eq!(
        objs,
        vec![
            json!({"rrname":"www.example.com.","rrtype":"A","count":6,"time_first":1700200000,"time_last":1700900000})
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rdata_results_merge_owners_and_carry_raw_rdata() {
    let server = start(config()).await;
    let (objs, cond) = dnsdb(server.addr, "/dnsdb/v2/glob/rdata/ns1.%2A/NS")
        .await
        .saf();
    assert_eq!(cond, "succeeded");
    assert_eq!(
        objs,
        vec![json!({
            "rdata":"ns1.dnsprovider.example.","rrtype":"NS",
            "raw_rdata":"036e73310b646e7370726f7669646572076578616d706c6500",
            "count":33,"time_first":1690000000,"time_last":1700900000
        })]
    );
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/regex/rdata/cloudfront?verbose=f")
        .await
        .saf();
    assert_eq!(
        objs,
        vec![
            json!({"rdata":"d111.cloudfront.net.","rrtype":"CNAME","raw_rdata":"04643131310a636c6f756466726f6e74036e657400"})
        ]
    );
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/regex/rdata/%5E192%5C.0%5C.2%5C./A")
        .await
        .saf();
    let mut found = pairs(&objs, "rdata");
    found.sort();
    assert_eq!(found, ["192.0.2.1 A", "192.0.2.80 A", "192.0.2.99 A"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_offsets_page_through_every_result() {
    let server = start(config()).await;
    // Ten (rrname, rrtype) pairs outside DNSSEC in the sample; the key's results_max is 5.
    let (first, cond) = dnsdb(server.addr, "/dnsdb/v2/glob/rrnames/%2A?limit=0")
        .await
        .saf();
    assert_eq!((first.len(), cond.as_str()), (5, "limited"));
    let (second, cond) = dnsdb(server.addr, "/dnsdb/v2/glob/rrnames/%2A?offset=5")
        .await
        .saf();
    assert_eq!((second.len(), cond.as_str()), (5, "succeeded"));
    let mut all = pairs(&first, "rrname");
    all.extend(pairs(&second, "rrname"));
    all.sort();
    assert_eq!(
        all,
        [
            "0/25.2.0.192.in-addr.arpa. PTR",
            "api.example.com. CNAME",
            "example.com. A",
            "example.com. NS",
            "example.org. NS",
            "fresh.example.com. A",
            "weird.example.com. TYPE65534",
            "www.example.com. A",
            "www.example.com. AAAA",
            "www.example.net. AAAA",
        ]
    );
    assert_eq!(
        dnsdb(server.addr, "/dnsdb/v2/glob/rrnames/%2A?offset=11")
            .await
            .status,
        416
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_patterns() {
    let server = start(config()).await;
    // Exponential for a backtracking engine; linear for the regex crate.
    for pattern in [
        "%28a%2B%29%2B%24",
        "%28%28x%2Bx%2B%29%2B%29%2By",
        "%28.%2A%29%7B1%2C20%7Dx%24",
    ] {
        let (_, cond) = dnsdb(server.addr, &format!("/dnsdb/v2/regex/rrnames/{pattern}"))
            .await
            .saf();
        assert_eq!(cond, "succeeded", "{pattern}");
    }
    let huge = "a".repeat(2_000);
    for target in [
        "/dnsdb/v2/regex/rrnames/%28abc".to_string(),
        "/dnsdb/v2/regex/rrnames/%28%28%28a%7B100%7D%29%7B100%7D%29%7B100%7D%29".to_string(),
        format!("/dnsdb/v2/regex/rrnames/{huge}"),
        "/dnsdb/v2/glob/rdata/%5Babc".to_string(),
        "/dnsdb/v2/regex/rrnames/a%07".to_string(),
        "/dnsdb/v2/regex/rrnames/a?exclude=%28".to_string(),
        "/dnsdb/v2/regex/rrnames/a/NOTATYPE".to_string(),
    ] {
        let reply = dnsdb(server.addr, &target).await;
        assert_eq!(reply.status, 400, "{target}: {reply:?}");
        assert!(reply.body.starts_with("Error: "), "{reply:?}");
    }
    assert_eq!(
        dnsdb(server.addr, "/dnsdb/v2/regex/names/a").await.status,
        404
    );
    assert_eq!(dnsdb(server.addr, "/dnsdb/v2/ping").await.status, 200);
}
