//! The CIRCL face: COF lines, origin, numeric unknown types, CIDR with a raw slash, paging.

use crate::support::{circl, config, get, sorted, start, triples, KEY, USER};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_query_exact_lines() {
    let server = start(config()).await;
    let reply = circl(server.addr, "/pdns/query/www.example.com?rrtype=A", &[]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        concat!(
            "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.80\",\"time_first\":1700000000,\"time_last\":1700100000,\"count\":4,\"bailiwick\":\"example.com.\",\"origin\":\"https://hark.test/pdns\"}\n",
            "{\"rrname\":\"www.example.com.\",\"rrtype\":\"A\",\"rdata\":\"198.51.100.80\",\"time_first\":1700200000,\"time_last\":1700900000,\"count\":6,\"bailiwick\":\"example.com.\",\"origin\":\"https://hark.test/pdns\"}\n",
        )
    );
    let lines = circl(server.addr, "/pdns/query/weird.example.com", &[])
        .await
        .json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["rrtype"], json!(65534));
    assert_eq!(lines[0]["rdata"], json!("\\# 2 0102"));
    // Every record carries origin; DNSSEC types are not held back on this face.
    let lines = circl(server.addr, "/pdns/query/example.com", &[])
        .await
        .json_lines();
    assert_eq!(lines.len(), 3);
    assert!(lines
        .iter()
        .all(|l| l["origin"] == json!("https://hark.test/pdns")));
    assert!(lines
        .iter()
        .all(|l| l["time_first"].is_i64() && l["count"].is_u64()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_queries() {
    let server = start(config()).await;
    let v4 = sorted(&[
        "example.com. A 192.0.2.1",
        "fresh.example.com. A 192.0.2.99",
        "www.example.com. A 192.0.2.80",
    ]);
    for target in [
        "/pdns/query/192.0.2.0/24",
        "/pdns/query/192.0.2.0%2F24",
        "/pdns/query/192.0.2.1-192.0.2.200",
    ] {
        let lines = circl(server.addr, target, &[]).await.json_lines();
        assert_eq!(triples(&lines), v4, "{target}");
    }
    let lines = circl(server.addr, "/pdns/query/2001:db8::1", &[])
        .await
        .json_lines();
    assert_eq!(
        triples(&lines),
        sorted(&["www.example.net. AAAA 2001:db8::1"])
    );
    let lines = circl(
        server.addr,
        "/pdns/query/192.0.2.0/24?time_last_after=-3600",
        &[],
    )
    .await
    .json_lines();
    assert_eq!(
        triples(&lines),
        sorted(&["fresh.example.com. A 192.0.2.99"])
    );
    let empty = circl(server.addr, "/pdns/query/203.0.113.7", &[]).await;
    assert_eq!((empty.status, empty.body.as_str()), (200, ""));
    assert_eq!(
        circl(server.addr, "/pdns/query/10.0.0.0/99", &[])
            .await
            .status,
        400
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dribble_paging_and_filter() {
    let server = start(config()).await;
    let whole_reply = circl(server.addr, "/pdns/query/*.example.com", &[]).await;
    // More rows match than the key's results_max, and the answer says so, as CIRCL does.
    assert_eq!(
        whole_reply.header("x-dribble-errors"),
        Some(r#"{"error":"maxset","value":5}"#)
    );
    let whole = whole_reply.json_lines();
    assert_eq!(whole.len(), 5, "results_max of the test config");
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut headers = vec![("dribble-paginate-count", "2")];
        if let Some(c) = cursor.as_deref() {
            headers.push(("dribble-paginate-cursor", c));
        }
        let reply = circl(server.addr, "/pdns/query/%2A.example.com", &headers).await;
        assert_eq!(reply.status, 200);
        paged.extend(reply.json_lines());
        pages += 1;
        match reply.header("x-dribble-cursor") {
            Some(next) => {
                // A kept walk, named by an integer pypdns can parse, far above row counts.
                let n: u64 = next.parse().unwrap();
                assert!(n >= 1 << 40, "{n}");
                assert_eq!(reply.header("x-dribble-errors"), None);
                cursor = Some(next.to_string());
            }
            None => {
                assert_eq!(
                    reply.header("x-dribble-errors"),
                    Some(r#"{"error":"maxset","value":5}"#),
                    "the walk ended at results_max with more rows matching"
                );
                break;
            }
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(paged, whole);
    // A walk's cursor resumes only its own query; unknown cursors are refused, not restarted.
    let first = circl(
        server.addr,
        "/pdns/query/*.example.com",
        &[("dribble-paginate-count", "2")],
    )
    .await;
    let cursor = first.header("x-dribble-cursor").unwrap().to_string();
    let other = circl(
        server.addr,
        "/pdns/query/*.example.net",
        &[
            ("dribble-paginate-count", "2"),
            ("dribble-paginate-cursor", &cursor),
        ],
    )
    .await;
    assert_eq!(other.status, 400, "{}", other.body);
    let unknown = (cursor.parse::<u64>().unwrap() + 1_000_000).to_string();
    let expired = circl(
        server.addr,
        "/pdns/query/*.example.com",
        &[
            ("dribble-paginate-count", "2"),
            ("dribble-paginate-cursor", &unknown),
        ],
    )
    .await;
    assert_eq!(expired.status, 400);
    assert!(
        expired.body.contains("start the walk again"),
        "{}",
        expired.body
    );
    // A small number is a count of rows to skip, for clients that count.
    let counted = circl(
        server.addr,
        "/pdns/query/*.example.com",
        &[
            ("dribble-paginate-count", "2"),
            ("dribble-paginate-cursor", "2"),
        ],
    )
    .await
    .json_lines();
    assert_eq!(counted, whole[2..4]);
    let lines = circl(
        server.addr,
        "/pdns/query/www.example.com",
        &[
            ("dribble-filter-rrtype", "AAAA"),
            ("dribble-disable-active-query", "1"),
        ],
    )
    .await
    .json_lines();
    assert_eq!(
        triples(&lines),
        sorted(&["www.example.com. AAAA 2001:db8::80"])
    );
    assert_eq!(
        circl(
            server.addr,
            "/pdns/query/x.example",
            &[("dribble-paginate-count", "0")]
        )
        .await
        .status,
        400
    );
    let limited = circl(server.addr, "/pdns/query/*.example.com?limit=2", &[])
        .await
        .json_lines();
    assert_eq!(limited.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_auth() {
    let server = start(config()).await;
    let target = "/pdns/query/www.example.com";
    let reply = get(server.addr, target, &[]).await;
    assert_eq!(reply.status, 401);
    assert!(reply.header("www-authenticate").is_some());
    let bad = data_encoding::BASE64.encode(format!("{USER}:wrong").as_bytes());
    assert_eq!(
        get(
            server.addr,
            target,
            &[("Authorization", &format!("Basic {bad}"))]
        )
        .await
        .status,
        401
    );
    let swapped = data_encoding::BASE64.encode(format!("other:{KEY}").as_bytes());
    assert_eq!(
        get(
            server.addr,
            target,
            &[("Authorization", &format!("Basic {swapped}"))]
        )
        .await
        .status,
        401
    );
    assert_eq!(
        get(server.addr, target, &[("Authorization", "Basic !!!")])
            .await
            .status,
        401
    );
    assert_eq!(circl(server.addr, target, &[]).await.status, 200);
}
