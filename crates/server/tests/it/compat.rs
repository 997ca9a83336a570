//! The SecurityTrails and VirusTotal faces over loopback, with a raw HTTP client: shapes,
//! periods, current values, paging, and each face's error objects. Every expected value is
//! worked out by hand from the rows below (dates are UTC days of the epoch times).

use crate::support::*;
use hark_server::auth::Keys;
use hark_server::Config;
use serde_json::{json, Value};

/// The key whose daily quota is two queries.
pub const QUOTA_KEY: &str = "quota-key";

/// Rows added to the sample ones: example.com's current records (last seen 1701000000 =
/// 2023-11-26) and older ones, names sharing its values, and walks longer than a page.
pub fn rows() -> String {
    let mut rows = String::from(
        r#"{"rrname":"example.com.","rrtype":"A","rdata":"203.0.113.10","time_first":1700600000,"time_last":1701000000,"count":5,"bailiwick":"example.com."}
{"rrname":"example.com.","rrtype":"A","rdata":"203.0.113.11","time_first":1700600000,"time_last":1701000000,"count":5,"bailiwick":"example.com."}
{"rrname":"example.com.","rrtype":"AAAA","rdata":"2001:db8::10","time_first":1700600000,"time_last":1701000000,"count":3}
{"rrname":"example.com.","rrtype":"MX","rdata":"10 mail.example.com.","time_first":1700000000,"time_last":1701000000,"count":4}
{"rrname":"example.com.","rrtype":"MX","rdata":"20 backup-mx.example.net.","time_first":1690000000,"time_last":1695000000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.example.com.","time_first":1690000000,"time_last":1701000000,"count":9,"bailiwick":"com."}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns2.example.com.","time_first":1690000000,"time_last":1701000000,"count":9,"bailiwick":"com."}
{"rrname":"example.com.","rrtype":"SOA","rdata":"ns1.example.com. hostmaster.example.com. 2023111401 3600 900 604800 300","time_first":1700000000,"time_last":1701000000,"count":3}
{"rrname":"example.com.","rrtype":"TXT","rdata":"\"v=spf1 -all\"","time_first":1700000000,"time_last":1701000000,"count":2}
{"rrname":"shop.example.org.","rrtype":"A","rdata":"203.0.113.10","time_first":1700000000,"time_last":1700100000,"count":1}
{"rrname":"example.net.","rrtype":"NS","rdata":"ns1.example.com.","time_first":1690000000,"time_last":1700000000,"count":1,"bailiwick":"net."}
{"rrname":"deep.lab.example.com.","rrtype":"A","rdata":"192.0.2.200","time_first":1700000000,"time_last":1700000000,"count":1}
"#,
    );
    // 60 addresses of one name, and 45 names of one address: walks of several pages.
    for i in 1..=60 {
        rows.push_str(&format!(
            "{{\"rrname\":\"vt-many.example.\",\"rrtype\":\"A\",\"rdata\":\"10.9.0.{i}\",\"time_first\":1700000000,\"time_last\":{},\"count\":1}}\n",
            1_700_000_000 + i
        ));
    }
    for i in 0..45 {
        rows.push_str(&format!(
            "{{\"rrname\":\"h{i:02}.ipwalk.example.\",\"rrtype\":\"A\",\"rdata\":\"198.51.100.7\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n"
        ));
    }
    rows
}

/// The test keys (the usual one, and one with a quota of two queries a day), and limits
/// large enough for the walks.
pub fn compat_config() -> Config {
    let mut config = config();
    config.keys = Some(Keys::parse(&format!("{USER}:{KEY}\nquota:{QUOTA_KEY}:limit=2\n")).unwrap());
    config.limits.results_max = 1_000;
    config
}

fn json_body(reply: &Reply) -> Value {
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{reply:?}"
    );
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body))
}

async fn st(server: &TestServer, target: &str) -> Value {
    let reply = get(server.addr, target, &[("APIKEY", KEY)]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    json_body(&reply)
}

async fn vt(server: &TestServer, target: &str) -> Value {
    let reply = get(server.addr, target, &[("x-apikey", KEY)]).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    json_body(&reply)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn securitytrails_current_dns_and_subdomains() {
    let server = start_with_rows(compat_config(), &rows()).await;
    assert_eq!(st(&server, "/v1/ping").await, json!({"success": true}));
    let domain = st(&server, "/v1/domain/example.com").await;
    assert_eq!(
        domain,
        json!({
            "endpoint": "/v1/domain/example.com",
            "hostname": "example.com",
            "apex_domain": null,
            "alexa_rank": null,
            "subdomain_count": 5,
            "current_dns": {
                "a": {"first_seen": "2023-11-21", "values": [
                    {"ip": "203.0.113.10", "ip_count": 2},
                    {"ip": "203.0.113.11", "ip_count": 1},
                ]},
                "aaaa": {"first_seen": "2023-11-21", "values": [
                    {"ipv6": "2001:db8::10", "ipv6_count": 1},
                ]},
                "mx": {"first_seen": "2023-11-14", "values": [
                    {"hostname": "mail.example.com", "host": "mail.example.com", "priority": 10, "hostname_count": 1},
                ]},
                // ns1.dnsprovider.example. was last seen 1700900000, over a day before.
                "ns": {"first_seen": "2023-07-22", "values": [
                    {"nameserver": "ns1.example.com", "nameserver_count": 2},
                    {"nameserver": "ns2.example.com", "nameserver_count": 1},
                ]},
                "soa": {"first_seen": "2023-11-14", "values": [
                    {"email": "hostmaster@example.com", "email_count": null, "ttl": null},
                ]},
                "txt": {"first_seen": "2023-11-14", "values": [{"value": "v=spf1 -all"}]},
            },
        })
    );
    // The key as a query parameter works the same.
    let reply = get(
        server.addr,
        &format!("/v1/domain/example.com?apikey={KEY}"),
        &[],
    )
    .await;
    assert_eq!(json_body(&reply), domain);

    let subdomains = st(&server, "/v1/domain/example.com/subdomains").await;
    let mut names: Vec<String> = serde_json::from_value(subdomains["subdomains"].clone()).unwrap();
    names.sort();
    assert_eq!(names, ["api", "deep.lab", "fresh", "weird", "www"]);
    assert_eq!(subdomains["subdomain_count"], 5);
    assert_eq!(subdomains["meta"], json!({"limit_reached": false}));
    assert_eq!(
        subdomains["endpoint"],
        json!("/v1/domain/example.com/subdomains")
    );
    let children = st(
        &server,
        "/v1/domain/example.com/subdomains?children_only=true",
    )
    .await;
    let mut names: Vec<String> = serde_json::from_value(children["subdomains"].clone()).unwrap();
    names.sort();
    assert_eq!(names, ["api", "fresh", "weird", "www"]);
    assert_eq!(children["subdomain_count"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn securitytrails_history_periods() {
    let server = start_with_rows(compat_config(), &rows()).await;
    assert_eq!(
        st(&server, "/v1/history/example.com/dns/a").await,
        json!({
            "endpoint": "/v1/history/example.com/dns/a",
            "type": "a/ipv4",
            "pages": 1,
            "records": [
                {"values": [{"ip": "203.0.113.10", "ip_count": 2}, {"ip": "203.0.113.11", "ip_count": 1}],
                 "type": "a", "organizations": [], "first_seen": "2023-11-21", "last_seen": "2023-11-26"},
                {"values": [{"ip": "192.0.2.1", "ip_count": 1}],
                 "type": "a", "organizations": [], "first_seen": "2023-11-14", "last_seen": "2023-11-20"},
            ],
        })
    );
    let mx = st(&server, "/v1/history/example.com/dns/mx").await;
    assert_eq!(
        mx["records"],
        json!([
            {"values": [{"hostname": "mail.example.com", "host": "mail.example.com", "priority": 10, "hostname_count": 1}],
             "type": "mx", "organizations": [], "first_seen": "2023-11-14", "last_seen": "2023-11-26"},
            {"values": [{"hostname": "backup-mx.example.net", "host": "backup-mx.example.net", "priority": 20, "hostname_count": 1}],
             "type": "mx", "organizations": [], "first_seen": "2023-07-22", "last_seen": "2023-09-18"},
        ])
    );
    assert_eq!(mx["type"], "mx");
    let ns = st(&server, "/v1/history/example.com/dns/ns").await;
    assert_eq!(
        ns["records"],
        json!([
            {"values": [{"nameserver": "ns1.example.com", "nameserver_count": 2}, {"nameserver": "ns2.example.com", "nameserver_count": 1}],
             "type": "ns", "organizations": [], "first_seen": "2023-07-22", "last_seen": "2023-11-26"},
            {"values": [{"nameserver": "ns1.dnsprovider.example", "nameserver_count": 2}],
             "type": "ns", "organizations": [], "first_seen": "2023-07-22", "last_seen": "2023-11-25"},
        ])
    );
    let aaaa = st(&server, "/v1/history/example.com/dns/AAAA").await;
    assert_eq!(aaaa["type"], "aaaa/ipv6");
    assert_eq!(
        aaaa["records"][0]["values"],
        json!([{"ipv6": "2001:db8::10", "ipv6_count": 1}])
    );
    let soa = st(&server, "/v1/history/example.com/dns/soa").await;
    assert_eq!(
        soa["records"][0]["values"],
        json!([{"email": "hostmaster@example.com", "email_count": null, "ttl": null}])
    );
    let txt = st(&server, "/v1/history/example.com/dns/txt").await;
    assert_eq!(
        txt["records"][0]["values"],
        json!([{"value": "v=spf1 -all"}])
    );
    // Past the last page: no records, the same page count. A name never seen: none at all.
    let past = st(&server, "/v1/history/example.com/dns/a?page=2").await;
    assert_eq!(
        (past["records"].clone(), past["pages"].clone()),
        (json!([]), json!(1))
    );
    let unseen = st(&server, "/v1/history/unseen.example/dns/a").await;
    assert_eq!(
        (unseen["records"].clone(), unseen["pages"].clone()),
        (json!([]), json!(0))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn securitytrails_domains_list() {
    let server = start_with_rows(compat_config(), &rows()).await;
    let list = |body: &'static str, target: &'static str| {
        let addr = server.addr;
        async move {
            let reply = post(
                addr,
                target,
                &[("APIKEY", KEY), ("Content-Type", "application/json")],
                body,
            )
            .await;
            assert_eq!(reply.status, 200, "{reply:?}");
            json_body(&reply)
        }
    };
    let hostnames = |doc: &Value| -> Vec<String> {
        doc["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["hostname"].as_str().unwrap().to_string())
            .collect()
    };
    let by_ip = list(
        r#"{"filter": {"ipv4": "203.0.113.10"}}"#,
        "/v1/domains/list",
    )
    .await;
    assert_eq!(hostnames(&by_ip), ["example.com", "shop.example.org"]);
    assert_eq!(by_ip["record_count"], 2);
    assert_eq!(
        by_ip["meta"],
        json!({"total_pages": 1, "page": 1, "max_page": 100, "query": "ipv4 = '203.0.113.10'", "limit_reached": false})
    );
    assert_eq!(
        by_ip["records"][0],
        json!({"hostname": "example.com", "alexa_rank": null, "host_provider": [], "mail_provider": [],
               "whois": {"createdDate": null, "expiresDate": null, "registrar": null},
               "computed": {"company_name": null}})
    );
    let by_ns = list(
        r#"{"filter": {"ns": "NS1.EXAMPLE.COM"}}"#,
        "/v1/domains/list",
    )
    .await;
    assert_eq!(hostnames(&by_ns), ["example.com", "example.net"]);
    let by_mx = list(
        r#"{"filter": {"mx": "mail.example.com"}}"#,
        "/v1/domains/list",
    )
    .await;
    assert_eq!(hostnames(&by_mx), ["example.com"]);
    let mut apex = hostnames(
        &list(
            r#"{"filter": {"apex_domain": "example.com"}}"#,
            "/v1/domains/list?include_ips=false&page=1",
        )
        .await,
    );
    apex.sort();
    assert_eq!(
        apex,
        [
            "api.example.com",
            "deep.lab.example.com",
            "example.com",
            "fresh.example.com",
            "weird.example.com",
            "www.example.com"
        ]
    );
    let page2 = list(
        r#"{"filter": {"ipv4": "198.51.100.7"}}"#,
        "/v1/domains/list?page=1",
    )
    .await;
    assert_eq!(
        (page2["record_count"].clone(), hostnames(&page2).len()),
        (json!(45), 45)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn securitytrails_errors() {
    let server = start_with_rows(compat_config(), &rows()).await;
    let message = |reply: &Reply| json_body(reply)["message"].as_str().unwrap().to_string();
    for key in [&[("APIKEY", "wrong")][..], &[]] {
        let reply = get(server.addr, "/v1/domain/example.com", key).await;
        assert_eq!(reply.status, 403, "{reply:?}");
        assert_eq!(message(&reply), "Invalid authentication credentials");
    }
    let reply = get(server.addr, "/v1/domain/unseen.example", &[("APIKEY", KEY)]).await;
    assert_eq!(reply.status, 404);
    assert_eq!(message(&reply), "Not Found");
    let reply = get(
        server.addr,
        "/v1/history/example.com/dns/cname",
        &[("APIKEY", KEY)],
    )
    .await;
    assert_eq!(reply.status, 400);
    assert!(
        message(&reply).contains("a, aaaa, mx, ns, soa or txt"),
        "{reply:?}"
    );
    for body in [
        r#"{"filter": {"ipv4": "300.1.1.1"}}"#,
        r#"{"filter": {"ipv4": "2001:db8::1"}}"#,
        r#"{"filter": {"keyword": "shop"}}"#,
        r#"{"filter": {"ipv4": "203.0.113.10", "ns": "ns1.example.com"}}"#,
        "not json",
    ] {
        let reply = post(server.addr, "/v1/domains/list", &[("APIKEY", KEY)], body).await;
        assert_eq!(reply.status, 400, "{body}: {reply:?}");
        assert!(!message(&reply).is_empty());
    }
    let reply = post(
        server.addr,
        "/v1/domains/list?page=101",
        &[("APIKEY", KEY)],
        r#"{"filter": {"ipv4": "203.0.113.10"}}"#,
    )
    .await;
    assert_eq!(reply.status, 400);
    // The quota: ping is free, two queries pass, the third is refused with the headers.
    let quota = [("APIKEY", QUOTA_KEY)];
    assert_eq!(get(server.addr, "/v1/ping", &quota).await.status, 200);
    for remaining in ["1", "0"] {
        let reply = get(server.addr, "/v1/history/example.com/dns/a", &quota).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("x-ratelimit-remaining"), Some(remaining));
    }
    let reply = get(server.addr, "/v1/domain/example.com", &quota).await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        message(&reply),
        "You've exceeded the usage limits for your account."
    );
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    assert!(reply.header("retry-after").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virustotal_resolutions_and_objects() {
    let server = start_with_rows(compat_config(), &rows()).await;
    let page = vt(&server, "/api/v3/domains/example.com/resolutions").await;
    let resolutions = page["data"].as_array().unwrap();
    let mut ids: Vec<&str> = resolutions
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "192.0.2.1example.com",
            "2001:db8::10example.com",
            "203.0.113.10example.com",
            "203.0.113.11example.com"
        ]
    );
    let zero =
        json!({"harmless": 0, "malicious": 0, "suspicious": 0, "undetected": 0, "timeout": 0});
    let ten = resolutions
        .iter()
        .find(|r| r["id"] == "203.0.113.10example.com")
        .unwrap();
    assert_eq!(
        *ten,
        json!({"type": "resolution", "id": "203.0.113.10example.com", "attributes": {
            "date": 1701000000, "host_name": "example.com", "ip_address": "203.0.113.10",
            "resolver": "https://hark.test/pdns",
            "host_name_last_analysis_stats": zero, "ip_address_last_analysis_stats": zero}})
    );
    // One page: neither a cursor nor a next link.
    assert_eq!(page.get("meta"), None);
    assert_eq!(page["links"].get("next"), None);
    let by_ip = vt(
        &server,
        "/api/v3/ip_addresses/203.0.113.10/resolutions?limit=40",
    )
    .await;
    let hosts: Vec<(&str, i64)> = by_ip["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["attributes"]["host_name"].as_str().unwrap(),
                r["attributes"]["date"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        hosts,
        [
            ("example.com", 1701000000),
            ("shop.example.org", 1700100000)
        ]
    );

    // 45 names on one address: 40, then 5 from the cursor, which then ends.
    let first = vt(
        &server,
        "/api/v3/ip_addresses/198.51.100.7/resolutions?limit=40",
    )
    .await;
    assert_eq!(first["data"].as_array().unwrap().len(), 40);
    let cursor = first["meta"]["cursor"].as_str().unwrap().to_string();
    let next = first["links"]["next"].as_str().unwrap();
    assert!(
        next.starts_with(&format!(
            "http://{}/api/v3/ip_addresses/198.51.100.7/resolutions?limit=40&cursor=",
            server.addr
        )),
        "{next}"
    );
    let second = vt(
        &server,
        &format!("/api/v3/ip_addresses/198.51.100.7/resolutions?limit=40&cursor={cursor}"),
    )
    .await;
    let mut names: Vec<String> = first["data"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["data"].as_array().unwrap())
        .map(|r| r["attributes"]["host_name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(second.get("meta"), None);
    names.sort();
    let expected: Vec<String> = (0..45).map(|i| format!("h{i:02}.ipwalk.example")).collect();
    assert_eq!(names, expected);
    // limit is clamped to 40; the default page is 10.
    let clamped = vt(
        &server,
        "/api/v3/domains/vt-many.example/resolutions?limit=400",
    )
    .await;
    assert_eq!(clamped["data"].as_array().unwrap().len(), 40);
    let default = vt(&server, "/api/v3/domains/vt-many.example/resolutions").await;
    assert_eq!(default["data"].as_array().unwrap().len(), 10);

    let domain = vt(&server, "/api/v3/domains/example.com").await;
    assert_eq!(domain["data"]["type"], "domain");
    assert_eq!(domain["data"]["id"], "example.com");
    let attributes = &domain["data"]["attributes"];
    assert_eq!(
        attributes["last_dns_records"],
        json!([
            {"type": "A", "value": "203.0.113.10"},
            {"type": "A", "value": "203.0.113.11"},
            {"type": "NS", "value": "ns1.example.com"},
            {"type": "NS", "value": "ns2.example.com"},
            {"type": "SOA", "value": "ns1.example.com", "rname": "hostmaster.example.com",
             "serial": 2023111401u32, "refresh": 3600, "retry": 900, "expire": 604800, "minimum": 300},
            {"type": "MX", "value": "mail.example.com", "priority": 10},
            {"type": "TXT", "value": "v=spf1 -all"},
            {"type": "AAAA", "value": "2001:db8::10"},
        ])
    );
    assert_eq!(attributes["last_dns_records_date"], 1701000000);
    assert_eq!(attributes["last_analysis_stats"], zero);
    assert_eq!(attributes["whois"], "");
    let ip = vt(&server, "/api/v3/ip_addresses/203.0.113.10").await;
    assert_eq!(
        (
            ip["data"]["type"].clone(),
            ip["data"]["id"].clone(),
            ip["data"]["attributes"]["asn"].clone()
        ),
        (json!("ip_address"), json!("203.0.113.10"), Value::Null)
    );
    for empty in [
        "/api/v3/domains/example.com/communicating_files",
        "/api/v3/domains/example.com/relationships/urls",
        "/api/v3/ip_addresses/203.0.113.10/urls",
    ] {
        assert_eq!(vt(&server, empty).await["data"], json!([]), "{empty}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn virustotal_errors() {
    let server = start_with_rows(compat_config(), &rows()).await;
    let error = |reply: &Reply| json_body(reply)["error"].clone();
    let reply = get(server.addr, "/api/v3/domains/example.com/resolutions", &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        error(&reply),
        json!({"code": "AuthenticationRequiredError", "message": "X-Apikey header is missing"})
    );
    let reply = get(
        server.addr,
        "/api/v3/domains/example.com/resolutions",
        &[("x-apikey", "wrong")],
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(error(&reply)["code"], "WrongCredentialsError");
    for target in [
        "/api/v3/domains/unseen.example",
        "/api/v3/domains/unseen.example/resolutions",
        "/api/v3/domains/example.com/no_such_relationship",
        "/api/v3/files/abc",
    ] {
        let reply = get(server.addr, target, &[("x-apikey", KEY)]).await;
        assert_eq!(reply.status, 404, "{target}");
        assert_eq!(error(&reply)["code"], "NotFoundError", "{target}");
    }
    for target in [
        "/api/v3/ip_addresses/999.1.1.1",
        "/api/v3/ip_addresses/not-an-ip/resolutions",
        "/api/v3/domains/example.com/resolutions?limit=0",
        "/api/v3/domains/example.com/resolutions?cursor=garbage",
    ] {
        let reply = get(server.addr, target, &[("x-apikey", KEY)]).await;
        assert_eq!(reply.status, 400, "{target}");
        assert_eq!(error(&reply)["code"], "InvalidArgumentError", "{target}");
    }
    // A cursor from another walk is refused, not followed.
    let first = vt(
        &server,
        "/api/v3/ip_addresses/198.51.100.7/resolutions?limit=1",
    )
    .await;
    let cursor = first["meta"]["cursor"].as_str().unwrap();
    let reply = get(
        server.addr,
        &format!("/api/v3/domains/example.com/resolutions?cursor={cursor}"),
        &[("x-apikey", KEY)],
    )
    .await;
    assert_eq!(reply.status, 400);
    // The quota, shared with the other faces.
    let quota = [("x-apikey", QUOTA_KEY)];
    for _ in 0..2 {
        assert_eq!(
            get(server.addr, "/api/v3/domains/example.com", &quota)
                .await
                .status,
            200
        );
    }
    let reply = get(
        server.addr,
        "/api/v3/domains/example.com/resolutions",
        &quota,
    )
    .await;
    assert_eq!(reply.status, 429);
    assert_eq!(
        error(&reply),
        json!({"code": "QuotaExceededError", "message": "Quota exceeded"})
    );
    let reply = get(
        server.addr,
        "/dnsdb/v2/lookup/rrset/name/example.com",
        &[("X-API-Key", QUOTA_KEY)],
    )
    .await;
    assert_eq!(reply.status, 429);
}
