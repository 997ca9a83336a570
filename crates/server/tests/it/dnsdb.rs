//! The DNSDB API v2 face: SAF framing, field types, lookups of every kind, parameters.

use crate::support::{config, dnsdb, get, sorted, start, triples, KEY};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rrset_exact_body() {
    let server = start(config()).await;
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com/A?swclient=dnsdbq&version=2.6.4",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(
        reply.body,
        concat!(
            "{\"cond\":\"begin\"}\n",
            "{\"obj\":{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":[\"192.0.2.80\"],\"time_first\":1700000000,\"time_last\":1700100000,\"count\":4,\"bailiwick\":\"example.com.\"}}\n",
            "{\"obj\":{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":[\"198.51.100.80\"],\"time_first\":1700200000,\"time_last\":1700900000,\"count\":6,\"bailiwick\":\"example.com.\"}}\n",
            "{\"cond\":\"succeeded\"}\n",
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_types_wildcards_and_any() {
    let server = start(config()).await;
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/%2A.example.com?limit=0&time_last_before=1700999999",
    )
    .await;
    let (objs, cond) = reply.saf();
    assert_eq!(cond, "succeeded");
    for obj in &objs {
        assert!(
            obj["rrname"].is_string() && obj["rrtype"].is_string(),
            "{obj}"
        );
        assert!(
            obj["count"].is_u64() && obj["time_first"].is_i64() && obj["time_last"].is_i64(),
            "{obj}"
        );
        assert_eq!(obj["rdata"].as_array().map(Vec::len), Some(1), "{obj}");
    }
    assert_eq!(
        triples(&objs),
        sorted(&[
            "api.example.com. CNAME d111.cloudfront.net.",
            "weird.example.com. TYPE65534 \\# 2 0102",
            "www.example.com. A 192.0.2.80",
            "www.example.com. A 198.51.100.80",
            "www.example.com. AAAA 2001:db8::80",
        ])
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.%2A/AAAA",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&[
            "www.example.com. AAAA 2001:db8::80",
            "www.example.net. AAAA 2001:db8::1"
        ])
    );
    // ANY leaves DNSSEC types out; ANY-DNSSEC keeps only them; bailiwick filters.
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/example.com/ANY")
        .await
        .saf();
    assert_eq!(
        triples(&objs),
        sorted(&[
            "example.com. A 192.0.2.1",
            "example.com. NS ns1.dnsprovider.example."
        ])
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/example.com/ANY-DNSSEC",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["example.com. DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF"])
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/example.com/ANY/com",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["example.com. NS ns1.dnsprovider.example."])
    );
    assert_eq!(objs[0]["bailiwick"], json!("com."));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_results_and_raw_lookups() {
    let server = start(config()).await;
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/nothing.example.com",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        "{\"cond\":\"begin\"}\n{\"cond\":\"succeeded\"}\n"
    );
    // www.example.com in wire format, upper case: made canonical.
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/raw/03575757074558414d504c4503636f6d00/AAAA",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["www.example.com. AAAA 2001:db8::80"])
    );
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/lookup/rdata/raw/c0000201/A")
        .await
        .saf();
    assert_eq!(triples(&objs), sorted(&["example.com. A 192.0.2.1"]));
    assert!(
        objs[0].get("bailiwick").is_none(),
        "rdata lookups carry no bailiwick"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rdata_lookups_with_encoded_segments() {
    let server = start(config()).await;
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rdata/name/ns1.dnsprovider.example/NS",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&[
            "example.com. NS ns1.dnsprovider.example.",
            "example.org. NS ns1.dnsprovider.example."
        ])
    );
    assert!(objs.iter().all(|o| o.get("bailiwick").is_none()));
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rdata/name/%2A.cloudfront.net",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["api.example.com. CNAME d111.cloudfront.net."])
    );
    let v6 = sorted(&[
        "www.example.com. AAAA 2001:db8::80",
        "www.example.net. AAAA 2001:db8::1",
    ]);
    for target in [
        "/dnsdb/v2/lookup/rdata/ip/2001%3Adb8%3A%3A%2C32",
        "/dnsdb/v2/lookup/rdata/ip/2001:db8::,32/AAAA",
        "/dnsdb/v2/lookup/rdata/ip/2001:db8::-2001:db8::ffff/ANY",
    ] {
        let (objs, _) = dnsdb(server.addr, target).await.saf();
        assert_eq!(triples(&objs), v6, "{target}");
    }
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rdata/ip/192.0.2.0%2C25?time_last_before=1700999999",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["example.com. A 192.0.2.1", "www.example.com. A 192.0.2.80"])
    );
    let reply = dnsdb(server.addr, "/dnsdb/v2/lookup/rdata/ip/192.0.2.0,24/MX").await;
    assert_eq!(reply.status, 400, "{reply:?}");
    // An owner name holding a `/`, sent as %2F.
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/0%2F25.2.0.192.in-addr.arpa/PTR",
    )
    .await
    .saf();
    assert_eq!(
        triples(&objs),
        sorted(&["0/25.2.0.192.in-addr.arpa. PTR host.example.com."])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fences_limits_offsets() {
    let server = start(config()).await;
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/%2A.example.com?time_last_after=1700800000",
    )
    .await
    .saf();
    assert_eq!(triples(&objs)[0], "fresh.example.com. A 192.0.2.99");
    assert_eq!(
        triples(&objs)[1..],
        sorted(&["www.example.com. A 198.51.100.80"])[..]
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/%2A.example.com?time_last_after=-3600",
    )
    .await
    .saf();
    assert_eq!(triples(&objs), sorted(&["fresh.example.com. A 192.0.2.99"]));
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/%2A.example.com?time_first_after=1700200000&time_first_before=1700300000").await.saf();
    assert_eq!(
        triples(&objs),
        sorted(&[
            "api.example.com. CNAME d111.cloudfront.net.",
            "www.example.com. A 198.51.100.80"
        ])
    );
    let (first, cond) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?limit=1",
    )
    .await
    .saf();
    assert_eq!((first.len(), cond.as_str()), (1, "limited"));
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?limit=1",
    )
    .await;
    assert!(reply
        .body
        .ends_with("{\"cond\":\"limited\",\"msg\":\"Result limit reached\"}\n"));
    let (second, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?limit=1&offset=1",
    )
    .await
    .saf();
    assert_eq!(second.len(), 1);
    assert_ne!(first, second);
    let (rest, cond) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com?offset=2",
    )
    .await
    .saf();
    assert_eq!((rest.len(), cond.as_str()), (1, "succeeded"));
    // limit=0 and a too-large limit both mean results_max (5 here).
    for target in ["?limit=0", "?limit=1000", ""] {
        let (objs, cond) = dnsdb(
            server.addr,
            &format!("/dnsdb/v2/lookup/rrset/name/%2A.example.com{target}"),
        )
        .await
        .saf();
        assert_eq!((objs.len(), cond.as_str()), (5, "limited"), "{target}");
    }
    assert_eq!(
        dnsdb(
            server.addr,
            "/dnsdb/v2/lookup/rrset/name/www.example.com?offset=11"
        )
        .await
        .status,
        416
    );
    assert_eq!(
        dnsdb(
            server.addr,
            "/dnsdb/v2/lookup/rrset/name/www.example.com?time_last_after=yesterday"
        )
        .await
        .status,
        400
    );
    // Booleans in every spelling; humantime gives RFC 3339 strings.
    for spelling in ["true", "True", "t", "1"] {
        let (objs, _) = dnsdb(
            server.addr,
            &format!(
                "/dnsdb/v2/lookup/rrset/name/www.example.com/AAAA?humantime={spelling}&aggr=False"
            ),
        )
        .await
        .saf();
        assert_eq!(
            objs[0]["time_first"],
            json!("2023-11-14T22:13:20Z"),
            "{spelling}"
        );
    }
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/www.example.com/AAAA?humantime=f&aggr=0",
    )
    .await
    .saf();
    assert_eq!(objs[0]["time_first"], json!(1700000000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn summarize() {
    let server = start(config()).await;
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/summarize/rrset/name/www.example.com",
    )
    .await;
    assert_eq!(
        reply.body,
        "{\"cond\":\"begin\"}\n{\"obj\":{\"count\":11,\"num_results\":3,\"time_first\":1700000000,\"time_last\":1700900000}}\n{\"cond\":\"succeeded\"}\n"
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/summarize/rrset/name/www.example.com/A?max_count=1",
    )
    .await
    .saf();
    assert_eq!(
        objs,
        [json!({"count":4,"num_results":1,"time_first":1700000000,"time_last":1700100000})]
    );
    let (objs, _) = dnsdb(
        server.addr,
        "/dnsdb/v2/summarize/rdata/name/ns1.dnsprovider.example",
    )
    .await
    .saf();
    assert_eq!(
        objs,
        [json!({"count":33,"num_results":2,"time_first":1690000000,"time_last":1700900000})]
    );
    let (objs, _) = dnsdb(server.addr, "/dnsdb/v2/summarize/rdata/ip/2001:db8::,32")
        .await
        .saf();
    assert_eq!(
        objs,
        [json!({"count":2,"num_results":2,"time_first":1700000000,"time_last":1700000100})]
    );
    let (objs, cond) = dnsdb(
        server.addr,
        "/dnsdb/v2/summarize/rrset/name/nothing.example",
    )
    .await
    .saf();
    assert_eq!((objs.len(), cond.as_str()), (0, "succeeded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_ping_rate_limit_and_errors() {
    let server = start(config()).await;
    let target = "/dnsdb/v2/lookup/rrset/name/www.example.com";
    assert_eq!(get(server.addr, target, &[]).await.status, 403);
    let wrong = get(server.addr, target, &[("X-API-Key", "nope")]).await;
    assert_eq!(
        (wrong.status, wrong.body.as_str()),
        (403, "Error: missing or invalid API key\n")
    );
    assert_eq!(
        get(server.addr, target, &[("x-api-key", KEY)]).await.status,
        200
    );
    assert_eq!(
        get(server.addr, target, &[("X-API-KEY", KEY)]).await.status,
        200
    );
    // The hashed key of `other` is sha256("test").
    assert_eq!(
        get(server.addr, target, &[("X-Api-Key", "test")])
            .await
            .status,
        200
    );
    let ping = get(server.addr, "/dnsdb/v2/ping", &[]).await;
    assert_eq!(
        (ping.status, ping.body.as_str()),
        (200, "{\"ping\":\"ok\"}\n")
    );
    let rate = dnsdb(server.addr, "/dnsdb/v2/rate_limit").await;
    assert_eq!(
        rate.body,
        "{\"rate\":{\"reset\":\"n/a\",\"limit\":\"unlimited\",\"remaining\":\"n/a\",\"results_max\":5,\"offset_max\":10}}\n"
    );
    assert_eq!(
        get(server.addr, "/dnsdb/v2/rate_limit", &[]).await.status,
        403
    );
    for path in [
        "/dnsdb/v2/bogus",
        "/nothing",
        "/dnsdb/v2/lookup/bogus/name/x",
    ] {
        assert_eq!(dnsdb(server.addr, path).await.status, 404, "{path}");
    }
    // The root leads to the web UI.
    let root = dnsdb(server.addr, "/").await;
    assert_eq!((root.status, root.header("location")), (303, Some("/ui/")));
    for path in [
        "/dnsdb/v2/lookup/rrset/name/",
        "/dnsdb/v2/lookup/rrset/name/www.*.com",
        "/dnsdb/v2/lookup/rrset/name/x/NOTATYPE",
        "/dnsdb/v2/lookup/rrset/raw/zz",
        "/dnsdb/v2/lookup/rdata/ip/300.1.1.1",
    ] {
        assert_eq!(dnsdb(server.addr, path).await.status, 400, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn time_limit_ends_with_failed() {
    let mut slow = config();
    slow.query_timeout = std::time::Duration::ZERO;
    let server = start(slow).await;
    let reply = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/%2A.example.com").await;
    assert_eq!(
        reply.body,
        "{\"cond\":\"begin\"}\n{\"cond\":\"failed\",\"msg\":\"query time limit reached\"}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_name_with_many_rows_outgrows_the_inline_answer() {
    // 2,000 addresses under one exact name: a bounded lookup whose answer is larger than
    // what is gathered inline, so it continues as a streamed answer.
    let mut extra = String::new();
    for i in 0..2_000u32 {
        extra.push_str(&format!(
            "{{\"rrname\":\"many.example.com.\",\"rrtype\":\"A\",\"rdata\":\"10.0.{}.{}\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n",
            i / 256,
            i % 256
        ));
    }
    let mut config = config();
    config.limits.results_max = 10_000;
    let server = crate::support::start_with_rows(config, &extra).await;
    let reply = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/many.example.com/A",
    )
    .await;
    assert_eq!(reply.header("transfer-encoding"), Some("chunked"));
    let (objs, cond) = reply.saf();
    assert_eq!((objs.len(), cond.as_str()), (2_000, "succeeded"));
    let mut addresses: Vec<String> = objs
        .iter()
        .map(|o| o["rdata"][0].as_str().unwrap().to_string())
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), 2_000);
    // Limited inline and streamed alike.
    let (objs, cond) = dnsdb(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/many.example.com/A?limit=3",
    )
    .await
    .saf();
    assert_eq!((objs.len(), cond.as_str()), (3, "limited"));
    let small = dnsdb(server.addr, "/dnsdb/v2/lookup/rrset/name/www.example.com/A").await;
    assert!(small.header("content-length").is_some(), "{small:?}");
}
