//! The web UI over HTTP: security headers, embedded assets and their hashes, login and CSRF,
//! what the pages show of the sample rows (checked by hand against support.rs), exports, and
//! hostile requests (a clear 400 or 404, never a 500).

use crate::support::{config, get, post, start, start_with_rows, Reply, KEY};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::net::SocketAddr;

/// SHA-256 (hex) of the vendored files as `scripts/ui-assets.sh` fetched them from npm
/// (htmx.org 2.0.11, cytoscape 3.35.0), written down here by hand.
const PINS: &[(&str, &str)] = &[
    (
        "htmx.min.js",
        "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717",
    ),
    (
        "cytoscape.min.js",
        "71fa9ebec21a7ca2c40cff6aacc30d1f6464e363662ad4b2c197e1adc770cd94",
    ),
    (
        "LICENSE-htmx",
        "d3d2456f76414f2456104660ebd65aff1c04cd7966b942bdabd63f3cdb316a38",
    ),
    (
        "LICENSE-cytoscape",
        "eb319c6e6f233607f71e8e2f450391751883cfc0eeb3ca7ef574c13d1d9c2203",
    ),
];

fn sha(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))
}

fn vendor(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/vendor")
            .join(name),
    )
    .unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn vendored_files_match_their_pins() {
    for (name, pin) in PINS {
        assert_eq!(sha(&vendor(name)), *pin, "{name}");
    }
    for (name, pin) in &PINS[..2] {
        assert_eq!(
            sha(&gunzip(&vendor(&format!("{name}.gz")))),
            *pin,
            "{name}.gz"
        );
        assert_eq!(
            sha(&unbrotli(&vendor(&format!("{name}.br")))),
            *pin,
            "{name}.br"
        );
    }
    assert_eq!(hark_server::ui::assets::VENDOR, &PINS[..2]);
}

/// Sends raw bytes (for bodies that are not text) and returns status, headers, body.
async fn get_bytes(
    addr: SocketAddr,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        request.push_str(&format!("{n}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(crate::support::TIMEOUT, stream.read_to_end(&mut raw))
        .await
        .unwrap()
        .unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect::<Vec<_>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        let mut out = Vec::new();
        let mut rest = body.as_slice();
        loop {
            let end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..end]).unwrap().trim(), 16)
                .unwrap();
            rest = &rest[end + 2..];
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
        body = out;
    }
    (status, headers, body)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Logs in with the test key; returns the session cookie (`hark_session=…`).
async fn login(addr: SocketAddr) -> String {
    let form = get(addr, "/ui/login?next=/ui/", &[]).await;
    assert_eq!(form.status, 200);
    let set = form.header("set-cookie").unwrap();
    let token = set
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("hark_login=")
        .unwrap()
        .to_string();
    assert!(form
        .body
        .contains(&format!("name=\"csrf\" value=\"{token}\"")));
    let cookie = format!("hark_login={token}");
    let reply = post(
        addr,
        "/ui/login",
        &[
            ("Cookie", &cookie),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("csrf={token}&next=%2Fui%2Fstatus&key={KEY}"),
    )
    .await;
    assert_eq!(reply.status, 303, "{reply:?}");
    assert_eq!(reply.header("location"), Some("/ui/status"));
    let session = reply
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .map(|(_, v)| v.split(';').next().unwrap().to_string())
        .find(|v| v.starts_with("hark_session=") && v.len() > "hark_session=".len())
        .unwrap();
    session
}

async fn page(addr: SocketAddr, cookie: &str, target: &str) -> Reply {
    get(addr, target, &[("Cookie", cookie)]).await
}

#[tokio::test]
async fn pages_carry_a_strict_csp_and_assets_their_hashes() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    let home = page(server.addr, &cookie, "/ui/").await;
    assert_eq!(home.status, 200);
    let csp = home.header("content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'")
            && csp.contains("default-src 'none'")
            && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(home.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(home.header("cache-control"), Some("no-store"));
    // No inline script or style, nothing from another origin.
    assert!(
        !home.body.contains("<script>")
            && !home.body.contains("style=")
            && !home.body.contains("<style")
    );
    assert!(
        !home.body.contains("http://")
            && !home.body.contains("https://")
            && !home.body.contains("src=\"//")
    );
    let htmx = "/ui/assets/htmx.min.d6fdc75f204e6bde.js";
    assert!(home.body.contains(htmx), "{}", home.body);
    // The same bytes, whatever the client accepts.
    for (accept, decode) in [
        ("br", unbrotli as fn(&[u8]) -> Vec<u8>),
        ("gzip", gunzip),
        ("identity", |b: &[u8]| b.to_vec()),
    ] {
        let (status, headers, body) =
            get_bytes(server.addr, htmx, &[("Accept-Encoding", accept)]).await;
        assert_eq!(status, 200);
        assert_eq!(sha(&decode(&body)), PINS[0].1, "{accept}");
        assert_eq!(
            header(&headers, "cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        assert!(header(&headers, "content-security-policy").is_some());
    }
    // An old hash is not served.
    let stale = get(server.addr, "/ui/assets/htmx.min.0000000000000000.js", &[]).await;
    assert_eq!(stale.status, 404);
    // A page is gzip-compressed for a client that accepts it.
    let (status, headers, body) = get_bytes(
        server.addr,
        "/ui/name/www.example.com",
        &[("Cookie", &cookie), ("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "content-encoding"), Some("gzip"));
    assert!(String::from_utf8(gunzip(&body))
        .unwrap()
        .contains("198.51.100.80"));
}

#[tokio::test]
async fn login_sessions_and_csrf() {
    let server = start(config()).await;
    let addr = server.addr;
    // No session: to the login page, remembering where to come back.
    let reply = get(addr, "/ui/name/example.com", &[]).await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some("/ui/login?next=%2Fui%2Fname%2Fexample.com")
    );
    // A login without the double-submit token is refused, so is a wrong key.
    let form = "csrf=abc&key=s3cret-key";
    let reply = post(
        addr,
        "/ui/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        form,
    )
    .await;
    assert_eq!(reply.status, 403);
    let reply = post(
        addr,
        "/ui/login",
        &[("Cookie", "hark_login=abc")],
        "csrf=abc&key=wrong",
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("not one of this server"));
    // A made-up session is no session.
    let reply = page(addr, "hark_session=00", "/ui/").await;
    assert_eq!(reply.status, 303);
    let cookie = login(addr).await;
    let status = page(addr, &cookie, "/ui/status").await;
    assert_eq!(status.status, 200);
    assert!(status.body.contains("Log out analyst"));
    // Logout needs the session's CSRF token.
    let token_at = status.body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = &status.body[token_at..token_at + 64];
    let refused = post(addr, "/ui/logout", &[("Cookie", &cookie)], "csrf=0000").await;
    assert_eq!(refused.status, 403);
    assert_eq!(page(addr, &cookie, "/ui/").await.status, 200);
    let out = post(
        addr,
        "/ui/logout",
        &[("Cookie", &cookie)],
        &format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(out.status, 303);
    assert_eq!(page(addr, &cookie, "/ui/").await.status, 303);
    // The login page never sends anyone off the UI.
    let form = get(addr, "/ui/login?next=https://evil.example/", &[]).await;
    assert!(form.body.contains("name=\"next\" value=\"/ui/\""));
}

#[tokio::test]
async fn without_keys_there_is_no_login() {
    let mut config = config();
    config.keys = None;
    let server = start(config).await;
    let home = get(server.addr, "/ui/", &[]).await;
    assert_eq!(home.status, 200);
    assert!(!home.body.contains("Log out"));
    let login = get(server.addr, "/ui/login?next=/ui/status", &[]).await;
    assert_eq!(
        (login.status, login.header("location")),
        (303, Some("/ui/status"))
    );
}

#[tokio::test]
async fn the_name_page_and_its_exports() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    let reply = page(server.addr, &cookie, "/ui/name/www.example.com").await;
    assert_eq!(reply.status, 200);
    let body = &reply.body;
    // Two A rows and one AAAA row, each address linked to its pivot.
    assert!(
        body.contains("<h2>A <span class=\"count\">(2)</span></h2>"),
        "{body}"
    );
    assert!(body.contains("<h2>AAAA <span class=\"count\">(1)</span></h2>"));
    for address in ["192.0.2.80", "198.51.100.80", "2001:db8::80"] {
        assert!(
            body.contains(&format!("<a href=\"/ui/ip/{address}\">{address}</a>")),
            "{address}"
        );
    }
    assert!(body.contains("<td data-v=\"1700200000\">2023-11-17 05:46:40</td>"));
    // CSV export of the name: by hand from the sample rows (results_max of the key is 5).
    let csv = page(
        server.addr,
        &cookie,
        "/ui/export/csv/rrset/name/www.example.com?type=A",
    )
    .await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.body,
        "rrname,rrtype,rdata,bailiwick,time_first,time_last,count,zone_time_first,zone_time_last\n\
         www.example.com.,A,192.0.2.80,example.com.,1700000000,1700100000,4,,\n\
         www.example.com.,A,198.51.100.80,example.com.,1700200000,1700900000,6,,\n"
    );
    let cof = page(
        server.addr,
        &cookie,
        "/ui/export/cof/rrset/name/www.example.com?type=AAAA",
    )
    .await;
    let lines = cof.json_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["rdata"], "2001:db8::80");
    assert_eq!(lines[0]["count"], 1);
    // Who points at a name: the CNAME of api.example.com.
    let target = page(server.addr, &cookie, "/ui/name/d111.cloudfront.net").await;
    assert!(target.body.contains("id=\"pointing\""));
    assert!(target
        .body
        .contains("<a href=\"/ui/name/api.example.com.\">api.example.com.</a>"));
}

#[tokio::test]
async fn the_search_box_goes_to_its_view() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    let reply = page(
        server.addr,
        &cookie,
        "/ui/search?q=192.0.2.0%2F24+since%3A2023-11-14",
    )
    .await;
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some("/ui/ip/192.0.2.0%2F24?time_last_after=1699920000")
    );
    let explain = page(server.addr, &cookie, "/ui/explain?q=*.example.com").await;
    assert!(
        explain.body.contains("every name below example.com"),
        "{}",
        explain.body
    );
    let bad = page(server.addr, &cookie, "/ui/search?q=example.com%2FNOTATYPE").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not a record type"));
}

#[tokio::test]
async fn a_pivot_of_many_names_is_paged_by_domain() {
    // 2,000 names of 400 registrable domains (d0.com … d399.com, 5 names each) on one address.
    let mut rows = String::new();
    for i in 0..2000 {
        rows.push_str(&format!(
            "{{\"rrname\":\"n{i}.d{}.com.\",\"rrtype\":\"A\",\"rdata\":\"203.0.113.7\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n",
            i % 400
        ));
    }
    let server = start_with_rows(config(), &rows).await;
    let cookie = login(server.addr).await;
    let reply = page(server.addr, &cookie, "/ui/ip/203.0.113.7").await;
    assert_eq!(reply.status, 200);
    assert!(
        reply
            .body
            .contains("2000 names of 400 registrable domains on 1 addresses (2000 records)."),
        "{}",
        reply.body
    );
    assert_eq!(reply.body.matches("<tbody class=\"domain\">").count(), 50);
    assert!(reply.body.contains("page 1 of 8"));
    assert!(reply.body.contains("shared hosting or CDN"));
    let last = page(server.addr, &cookie, "/ui/ip/203.0.113.7?page=8").await;
    assert_eq!(last.body.matches("<tbody class=\"domain\">").count(), 50);
    let names = page(server.addr, &cookie, "/ui/ip/203.0.113.7/domain/d7.com.").await;
    // n7, n407, n807, n1207, n1607.
    assert_eq!(names.body.matches("<li>").count(), 5);
    assert!(names.body.contains("n1607.d7.com."));
}

#[tokio::test]
async fn hostile_requests_get_a_clear_answer() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    for (target, status) in [
        ("/ui/name/example.com?limit=abc", 400),
        ("/ui/name/example.com?time_first_after=yesterday", 400),
        ("/ui/name/example.com?q=%zz", 400),
        ("/ui/name/a..b", 400),
        ("/ui/name/*", 400),
        ("/ui/name/example.com?type=NOPE", 400),
        ("/ui/name/%ff", 400),
        ("/ui/search?q=%ff%fe", 400),
        ("/ui/ip/300.1.1.1", 400),
        ("/ui/ip/10.0.0.0%2F99", 400),
        ("/ui/ip/10.0.0.0%2F8?page=-1", 400),
        ("/ui/timeline/example.com?from=garbage", 400),
        ("/ui/graph/example.com/graph.json?budget=-1", 400),
        ("/ui/graph/example.com/graph.json?cluster=maybe", 400),
        ("/ui/flex/regex/(((", 400),
        ("/ui/recon/*.example.com", 400),
        ("/ui/rdata/raw/abc", 400),
        ("/ui/nope", 404),
        ("/ui/rdata/bogus/x", 404),
        ("/ui/export/pdf/rrset/name/example.com", 404),
        ("/ui/graph/example.com/graph.png", 404),
    ] {
        let reply = page(server.addr, &cookie, target).await;
        assert_eq!(reply.status, status, "{target}: {}", reply.body);
    }
    let long = format!("/ui/name/{}", "a".repeat(9000));
    assert_eq!(page(server.addr, &cookie, &long).await.status, 414);
    for target in ["/ui/name/a..b", "/ui/nope/deeper"] {
        let reply = page(server.addr, &cookie, target).await;
        assert!(
            reply.body.contains("role=\"alert\""),
            "{target}: {}",
            reply.body
        );
        assert!(reply.header("content-security-policy").is_some());
    }
}

#[tokio::test]
async fn graph_timeline_recon_and_status() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    let graph = page(server.addr, &cookie, "/ui/graph/www.example.com/graph.json").await;
    let doc: serde_json::Value = serde_json::from_str(&graph.body).unwrap();
    // www.example.com.: A 192.0.2.80, A 198.51.100.80, AAAA 2001:db8::80; no CNAME points at it.
    let mut ids: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["data"]["id"].as_str().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        [
            "192.0.2.80",
            "198.51.100.80",
            "2001:db8::80",
            "www.example.com."
        ]
    );
    assert_eq!(doc["edges"].as_array().unwrap().len(), 3);
    let small = page(
        server.addr,
        &cookie,
        "/ui/graph/example.com/graph.json?budget=2",
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&small.body).unwrap();
    assert_eq!(doc["truncated"], true);
    assert!(doc["nodes"].as_array().unwrap().len() <= 2);
    // The same graph on the API, for any subject with a budget.
    let api = crate::support::dnsdb(server.addr, "/api/v1/intel/graph/192.0.2.80?budget=10").await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(doc["truncated"], false);
    assert_eq!(
        doc["nodes"],
        serde_json::json!([{"id": "192.0.2.80", "kind": "address"}, {"id": "www.example.com.", "kind": "name"}])
    );
    let dot = page(server.addr, &cookie, "/ui/graph/192.0.2.80/graph.dot").await;
    assert!(
        dot.body.contains("\"www.example.com.\" -> \"192.0.2.80\""),
        "{}",
        dot.body
    );
    let timeline = page(server.addr, &cookie, "/ui/timeline/www.example.com").await;
    assert_eq!(timeline.body.matches("<rect class=\"bar\"").count(), 3);
    // www's A set moved from 192.0.2.80 to 198.51.100.80 when the latter was first seen.
    assert_eq!(timeline.body.matches("<line class=\"change\"").count(), 1);
    assert!(
        timeline
            .body
            .contains("moved from 192.0.2.80 to 198.51.100.80 on 2023-11-17 05:46:40"),
        "{}",
        timeline.body
    );
    let recon = page(server.addr, &cookie, "/ui/recon/example.com").await;
    assert_eq!(recon.status, 200);
    let summary = recon.body.find("id=\"summary\"").unwrap();
    assert!(summary < recon.body.find("class=\"report\"").unwrap());
    let status = page(server.addr, &cookie, "/ui/status").await;
    assert!(status.body.contains("hark_http_requests_total"));
    assert!(status.body.contains("face=ui"));
}

#[tokio::test]
async fn large_graphs_are_clustered() {
    // 400 names h0.c0.com … h399.c9.com (10 registrable domains, 40 names each), each on its
    // own address 10.9.0.0 … 10.9.0.249, 10.9.1.0 … 10.9.1.149: 800 nodes, past 300.
    let mut rows = String::new();
    for i in 0..400 {
        rows.push_str(&format!(
            "{{\"rrname\":\"h{i}.c{}.com.\",\"rrtype\":\"A\",\"rdata\":\"10.9.{}.{}\",\"time_first\":1700000000,\"time_last\":1700000000,\"count\":1}}\n",
            i % 10,
            i / 250,
            i % 250
        ));
    }
    let server = start_with_rows(config(), &rows).await;
    let cookie = login(server.addr).await;
    let reply = page(server.addr, &cookie, "/ui/graph/10.9.0.0%2F16/graph.json").await;
    let doc: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(doc["clustered"], true);
    let mut labels: Vec<String> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["data"]["label"].as_str().unwrap().to_string())
        .collect();
    labels.sort();
    let mut expected: Vec<String> = (0..10).map(|k| format!("c{k}.com. (40)")).collect();
    expected.push("10.9.0.0/24 (250)".into());
    expected.push("10.9.1.0/24 (150)".into());
    expected.sort();
    assert_eq!(labels, expected);
    // Every domain has names on both /24s: 20 edges.
    assert_eq!(doc["edges"].as_array().unwrap().len(), 20);
    // A cluster expands to its members.
    let cluster = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["data"]["id"] == "cluster:c3.com.")
        .unwrap();
    assert_eq!(cluster["data"]["subject"], "*.c3.com");
    let members = page(
        server.addr,
        &cookie,
        "/ui/graph/*.c3.com/graph.json?cluster=false",
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&members.body).unwrap();
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 80);
    // Unclustered on request, and cut at the budget.
    let raw = page(
        server.addr,
        &cookie,
        "/ui/graph/10.9.0.0%2F16/graph.json?cluster=false&budget=100",
    )
    .await;
    let doc: serde_json::Value = serde_json::from_str(&raw.body).unwrap();
    assert_eq!(
        (doc["clustered"].clone(), doc["truncated"].clone()),
        (serde_json::json!(false), serde_json::json!(true))
    );
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 100);
}

/// The value of the first `name="csrf"` field after `from` in `body`.
fn csrf_after(body: &str, from: &str) -> String {
    let start = body.find(from).unwrap();
    let at = body[start..].find("name=\"csrf\" value=\"").unwrap() + start + 19;
    body[at..at + 64].to_string()
}

#[tokio::test]
async fn alerts_are_listed_filtered_and_acknowledged() {
    let server = start(config()).await;
    let addr = server.addr;
    let cookie = login(addr).await;
    // The one alert of support.rs: rule decoy, high, vpn.example.com., seen 1700000000
    // (2023-11-14 22:13:20), a CLIENT_QUERY from 192.0.2.7.
    let list = page(addr, &cookie, "/ui/alerts").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("1 of 1 alerts match, 1 of them new."),
        "{}",
        list.body
    );
    assert!(list
        .body
        .contains(r#"<a href="/ui/name/vpn.example.com.">vpn.example.com.</a>"#));
    for (filter, matched) in [
        ("severity=critical", 0),
        ("severity=medium", 1),
        ("rule=decoy&state=new&subject=VPN.example", 1),
        ("rule=other", 0),
        ("state=acknowledged", 0),
        ("since=2023-11-14&until=2023-11-15", 1),
        ("since=2023-11-15", 0),
        ("until=2023-11-14", 0),
    ] {
        let reply = page(addr, &cookie, &format!("/ui/alerts?{filter}")).await;
        assert_eq!(reply.status, 200, "{filter}");
        assert!(
            reply.body.contains(&format!("{matched} of 1 alerts match")),
            "{filter}: {}",
            reply.body
        );
    }
    for bad in ["severity=urgent", "state=done", "since=yesterday"] {
        let reply = page(addr, &cookie, &format!("/ui/alerts?{bad}")).await;
        assert_eq!(reply.status, 400, "{bad}");
    }
    let at = list.body.find("data-id=\"").unwrap() + 9;
    let id = list.body[at..].split('"').next().unwrap().to_string();
    // The detail: the evidence with its name linked, the client and the dnstap message.
    let detail = page(addr, &cookie, &format!("/ui/alerts/{id}")).await;
    assert_eq!(detail.status, 200);
    let evidence = &detail.body[detail.body.find("id=\"evidence\"").unwrap()..];
    assert!(evidence.contains(r#"<a href="/ui/name/vpn.example.com.">vpn.example.com.</a>"#));
    assert!(evidence.contains("192.0.2.7") && evidence.contains("CLIENT_QUERY"));
    assert_eq!(
        page(addr, &cookie, "/ui/alerts/0123456789abcdef")
            .await
            .status,
        404
    );
    // Acknowledging needs the session's token, and a request from this origin.
    let csrf = csrf_after(&detail.body, "class=\"state-actions\"");
    let target = format!("/ui/alerts/{id}/ack");
    let form = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let refused = post(addr, &target, &form, "csrf=00").await;
    assert_eq!(refused.status, 403);
    let foreign = [form[0], form[1], ("Origin", "http://evil.example")];
    let refused = post(addr, &target, &foreign, &format!("csrf={csrf}")).await;
    assert_eq!(refused.status, 403);
    let origin = format!("http://{addr}");
    let own = [form[0], form[1], ("Origin", origin.as_str())];
    let done = post(addr, &target, &own, &format!("csrf={csrf}")).await;
    assert_eq!(done.status, 303);
    let back = format!("/ui/alerts/{id}");
    assert_eq!(done.header("location"), Some(back.as_str()));
    // The same state change the API sees.
    let api = crate::support::dnsdb(addr, &format!("/api/v1/alerts/{id}")).await;
    let doc: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(doc["state"], "acknowledged");
    assert_eq!(doc["state_changed"][1], "ui:analyst");
    // Resolving goes back to the list it came from; a foreign `next` is ignored.
    let next = "/ui/alerts?state=resolved";
    let done = post(
        addr,
        &format!("/ui/alerts/{id}/resolve"),
        &own,
        &format!("csrf={csrf}&next=%2Fui%2Falerts%3Fstate%3Dresolved"),
    )
    .await;
    assert_eq!(done.header("location"), Some(next));
    let resolved = page(addr, &cookie, next).await;
    assert!(resolved
        .body
        .contains("1 of 1 alerts match, 0 of them new."));
    let elsewhere = post(
        addr,
        &format!("/ui/alerts/{id}/resolve"),
        &own,
        &format!("csrf={csrf}&next=https%3A%2F%2Fevil.example%2F"),
    )
    .await;
    assert_eq!(elsewhere.header("location"), Some(back.as_str()));
    assert_eq!(
        post(
            addr,
            &format!("/ui/alerts/{id}/delete"),
            &own,
            &format!("csrf={csrf}")
        )
        .await
        .status,
        404
    );
    // No rule file given to this server: the watch page says how to give one.
    let watch = page(addr, &cookie, "/ui/watch").await;
    assert!(watch.body.contains("No rule file is loaded"));
}

#[tokio::test]
async fn without_keys_state_changes_carry_the_servers_token() {
    let mut config = config();
    config.keys = None;
    let server = start(config).await;
    let addr = server.addr;
    let list = get(addr, "/ui/alerts", &[]).await;
    let at = list.body.find("data-id=\"").unwrap() + 9;
    let id = list.body[at..].split('"').next().unwrap().to_string();
    let csrf = csrf_after(&list.body, "id=\"alerts\"");
    let target = format!("/ui/alerts/{id}/ack");
    assert_eq!(post(addr, &target, &[], "csrf=").await.status, 403);
    assert_eq!(post(addr, &target, &[], "").await.status, 403);
    let done = post(addr, &target, &[], &format!("csrf={csrf}")).await;
    assert_eq!(done.status, 303);
    let again = get(addr, "/ui/alerts?state=acknowledged", &[]).await;
    assert!(again.body.contains("1 of 1 alerts match"));
}

#[tokio::test]
async fn flex_over_rdata_and_the_reading_of_the_box() {
    let server = start(config()).await;
    let cookie = login(server.addr).await;
    let search = page(
        server.addr,
        &cookie,
        "/ui/search?q=rdata%3A%2Fcloudfront%2F",
    )
    .await;
    assert_eq!(
        search.header("location"),
        Some("/ui/flex/regex/cloudfront?in=rdata")
    );
    // One rdata of the sample matches: api.example.com.'s CNAME d111.cloudfront.net. (2).
    let reply = page(server.addr, &cookie, "/ui/flex/regex/cloudfront?in=rdata").await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.matches("<tr><td class=\"rdata\">").count(), 1);
    assert!(reply
        .body
        .contains(r#"<a href="/ui/name/d111.cloudfront.net.">d111.cloudfront.net.</a>"#));
    // The box under the page says how it read the input.
    assert!(
        reply.body.contains(
            "Read as <strong>a regex over rdata (DNSDB flex: scans every record)</strong>"
        ),
        "{}",
        reply.body
    );
    // A glob over rdata: ns1.dnsprovider.example. under example.com. (30) and example.org. (3).
    let glob = page(server.addr, &cookie, "/ui/flex/glob/ns1.*?in=rdata").await;
    assert_eq!(glob.body.matches("<tr><td class=\"rdata\">").count(), 1);
    assert!(
        glob.body.contains("<td data-v=\"33\">33</td>"),
        "{}",
        glob.body
    );
    let bad = page(server.addr, &cookie, "/ui/flex/regex/x?in=everything").await;
    assert_eq!(bad.status, 400);
    let name = page(server.addr, &cookie, "/ui/name/www.example.com").await;
    assert!(name.body.contains("Read as <strong>a name</strong>"));
}

#[tokio::test]
async fn the_pivot_names_cdns_and_hosts() {
    // 203.0.113.50: two CloudFront owner names; 203.0.113.60: a PTR into Akamai's
    // deploy.static.akamaitechnologies.com; 203.0.113.70: one plain name.
    let rows = r#"{"rrname":"d111.cloudfront.net.","rrtype":"A","rdata":"203.0.113.50","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"d222.cloudfront.net.","rrtype":"A","rdata":"203.0.113.50","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"www.shop.example.","rrtype":"A","rdata":"203.0.113.60","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"60.113.0.203.in-addr.arpa.","rrtype":"PTR","rdata":"a203-0-113-60.deploy.static.akamaitechnologies.com.","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"www.plain.example.","rrtype":"A","rdata":"203.0.113.70","time_first":1700000000,"time_last":1700000000,"count":1}
"#;
    let server = start_with_rows(config(), rows).await;
    let cookie = login(server.addr).await;
    let reply = page(server.addr, &cookie, "/ui/ip/203.0.113.0%2F24").await;
    assert_eq!(reply.status, 200);
    let row = |address: &str| -> String {
        let table = &reply.body[reply.body.find("id=\"addresses\"").unwrap()..];
        let at = table
            .find(&format!("<a href=\"/ui/ip/{address}\">"))
            .unwrap();
        table[at..at + table[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(
        row("203.0.113.50").contains("CDN: Amazon CloudFront"),
        "{}",
        row("203.0.113.50")
    );
    assert!(
        row("203.0.113.60").contains("CDN: Akamai (PTR names)"),
        "{}",
        row("203.0.113.60")
    );
    assert!(
        row("203.0.113.70").contains("dedicated"),
        "{}",
        row("203.0.113.70")
    );
    // cloudfront.net is a public suffix (the PSL's private section): each distribution is a
    // registrable domain of its own, and its row names the CDN too.
    assert!(reply.body.contains(
        r#"<a href="/ui/name/d111.cloudfront.net.">d111.cloudfront.net.</a> <span class="cdn">CDN: Amazon CloudFront</span>"#
    ), "{}", reply.body);
}

#[tokio::test]
async fn a_timeline_of_many_records_pages() {
    // 1,200 A records of big.example.net., each seen one day: 10.0.{i/250}.{i%250}.
    let mut rows = String::new();
    for i in 0..1200i64 {
        let first = 1_700_000_000 + i * 3600;
        rows.push_str(&format!(
            "{{\"rrname\":\"big.example.net.\",\"rrtype\":\"A\",\"rdata\":\"10.0.{}.{}\",\"time_first\":{first},\"time_last\":{},\"count\":2}}\n",
            i / 250,
            i % 250,
            first + 86_400
        ));
    }
    let server = start_with_rows(config(), &rows).await;
    let cookie = login(server.addr).await;
    let first = page(server.addr, &cookie, "/ui/timeline/big.example.net").await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body.matches("<rect class=\"bar\"").count(), 400);
    assert!(
        first.body.contains("Records 1–400 of 1200"),
        "{}",
        first.body
    );
    // Every page has the axis of all 1,200: 1700000000 (2023-11-14) to 1704402800 (2024-01-04).
    assert!(first
        .body
        .contains("data-from=\"1700000000\" data-to=\"1704402800\""));
    assert!(first
        .body
        .contains("href=\"/ui/timeline/big.example.net?offset=400\""));
    let last = page(
        server.addr,
        &cookie,
        "/ui/timeline/big.example.net?offset=1000",
    )
    .await;
    assert_eq!(last.body.matches("<rect class=\"bar\"").count(), 200);
    assert!(last.body.contains("Records 1001–1200 of 1200"));
    assert!(last
        .body
        .contains("data-from=\"1700000000\" data-to=\"1704402800\""));
    assert!(last
        .body
        .contains("rel=\"prev\" href=\"/ui/timeline/big.example.net?offset=600\""));
    // Zoomed to the first 100 hours: the fences leave rows 0–100 (first seen by then); the
    // paging links keep the zoom.
    let zoomed = page(
        server.addr,
        &cookie,
        "/ui/timeline/big.example.net?from=1700000000&to=1700360000&time_first_before=1700360000&limit=40",
    )
    .await;
    assert!(
        zoomed.body.contains("Records 1–40 of 101"),
        "{}",
        zoomed.body
    );
    assert!(zoomed.body.contains(
        "href=\"/ui/timeline/big.example.net?offset=40&amp;from=1700000000&amp;to=1700360000&amp;time_first_before=1700360000&amp;limit=40\""
    ), "{}", zoomed.body);
}
