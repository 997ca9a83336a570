//! A test server over a known store, and a raw HTTP/1.1 client (raw, so paths reach the
//! server exactly as written: no normalising of `..`, no re-encoding).

use hark_server::params::Limits;
use hark_server::{auth::Keys, AppState, Config};
use hark_store::{Batch, Store};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every await in these tests is bounded by this.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The DNSDB key and the CIRCL user/password of the test keys file.
pub const KEY: &str = "s3cret-key";
pub const USER: &str = "analyst";

/// Now, as the server sees it, for the "fresh" row and relative fences.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// The rows every test server holds, as COF lines. `{fresh_first}`/`{fresh_last}` are
/// replaced by times a minute or two ago.
const SAMPLE: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6,"bailiwick":"example.com."}
{"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"d111.cloudfront.net.","time_first":1700300000,"time_last":1700400000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"com.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.org.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","bailiwick":"org.","time_first":1690000000,"time_last":1700900000,"count":3}
{"rrname":"example.com.","rrtype":"DS","rdata":"12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF","bailiwick":"com.","time_first":1700000000,"time_last":1700900000,"count":7}
{"rrname":"weird.example.com.","rrtype":"TYPE65534","rdata":"\\# 2 0102","time_first":1700000000,"time_last":1700000500,"count":1}
{"rrname":"www.example.net.","rrtype":"AAAA","rdata":"2001:db8::1","time_first":1700000000,"time_last":1700000100,"count":1}
{"rrname":"0/25.2.0.192.in-addr.arpa.","rrtype":"PTR","rdata":"host.example.com.","time_first":1700000000,"time_last":1700000100,"count":2}
{"rrname":"fresh.example.com.","rrtype":"A","rdata":"192.0.2.99","time_first":{fresh_first},"time_last":{fresh_last},"count":1}
"#;

/// A server on a free loopback port, stopped at drop.
pub struct TestServer {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.abort();
    }
}

/// The test configuration: keys, origin, small limits so limits are testable.
pub fn config() -> Config {
    Config {
        keys: Some(Keys::parse(&format!("{USER}:{KEY}\nother:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n")).unwrap()),
        origin: "https://hark.test/pdns".into(),
        query_timeout: Duration::from_secs(10),
        limits: Limits {
            results_max: 5,
            offset_max: 10,
        },
        max_queries: 8,
        max_connections: 256,
        header_timeout: Duration::from_secs(2),
    }
}

/// Starts a server over the sample rows.
pub async fn start(config: Config) -> TestServer {
    start_with(config, |store| Arc::new(store)).await
}

/// Starts a server over the sample rows, with the store wrapped by `wrap`.
pub async fn start_with(
    config: Config,
    wrap: impl FnOnce(hark_store_embedded::EmbeddedStore) -> Arc<dyn Store>,
) -> TestServer {
    start_full(config, "", wrap).await
}

/// Starts a server over the sample rows plus `extra` COF lines.
pub async fn start_with_rows(config: Config, extra: &str) -> TestServer {
    start_full(config, extra, |store| Arc::new(store)).await
}

async fn start_full(
    config: Config,
    extra: &str,
    wrap: impl FnOnce(hark_store_embedded::EmbeddedStore) -> Arc<dyn Store>,
) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let store = hark_store_embedded::EmbeddedStore::open(&dir.path().join("db")).unwrap();
    let now = now();
    let text = SAMPLE
        .replace("{fresh_first}", &(now - 120).to_string())
        .replace("{fresh_last}", &(now - 60).to_string())
        + extra;
    let mut batch = Batch::default();
    for line in text.lines() {
        for row in hark_cof::parse_line(line).unwrap() {
            batch.rows.push(row.into_entry().unwrap());
        }
    }
    // One NXDOMAIN answer, for the negative lookups.
    batch.negatives.push((
        hark_record::NegativeKey {
            qname: b"\x04gone\x07example\x03com\x00"
                .to_vec()
                .into_boxed_slice(),
            qtype: hark_dns::RrType::A,
            rcode: hark_record::rcode::NXDOMAIN,
        },
        hark_record::Tally {
            seen: Some(hark_record::TimeSpan {
                first: 1700000000,
                last: 1700000300,
            }),
            zone_seen: None,
            count: 2,
        },
    ));
    // One certificate name, for /api/v1/certs.
    batch.certs.push((
        hark_record::CertKey::new(
            b"\x03www\x07example\x03com\x00",
            "C=US, O=Let's Encrypt, CN=R3",
        ),
        hark_record::Tally {
            seen: Some(hark_record::TimeSpan {
                first: 1_700_000_000,
                last: 1_707_775_999,
            }),
            zone_seen: None,
            count: 1,
        },
    ));
    store.commit(&batch, hark_store::Detail::Figures).unwrap();
    let mut state = AppState::new(wrap(store), config);
    // One alert, for /api/v1/alerts.
    let alerts = hark_watch::AlertLog::open(&dir.path().join("watch")).unwrap();
    alerts
        .raise(vec![hark_watch::alerts::Finding {
            rule: "decoy".into(),
            title: "a decoy name was resolved".into(),
            kind: "canary",
            severity: hark_watch::Severity::High,
            window: 0,
            sinks: vec![],
            subject: "vpn.example.com.".into(),
            summary: "192.0.2.7 asked for vpn.example.com. A".into(),
            evidence: hark_watch::Evidence {
                source: "query".into(),
                rrname: "vpn.example.com.".into(),
                rrtype: "A".into(),
                client: Some("192.0.2.7".into()),
                message: Some("CLIENT_QUERY".into()),
                time_first: 1700000000,
                time_last: 1700000000,
                count: 1,
                ..hark_watch::Evidence::default()
            },
        }])
        .unwrap();
    state.alerts = Some(Arc::new(alerts));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(hark_server::serve(listener, state, async {
        let _ = rx.await;
    }));
    TestServer {
        addr,
        shutdown: Some(tx),
        task,
        _dir: dir,
    }
}

/// A response as received.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// A header's value (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body's lines parsed as JSON.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        assert!(!self.body.contains("\n\n"), "blank line in {:?}", self.body);
        assert!(
            self.body.is_empty() || self.body.ends_with('\n'),
            "unterminated last line in {:?}",
            self.body
        );
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The `obj`s of a SAF body, after checking its framing; and its terminating cond.
    pub fn saf(&self) -> (Vec<serde_json::Value>, String) {
        assert_eq!(self.status, 200, "{self:?}");
        let lines = self.json_lines();
        assert!(lines.len() >= 2, "too short: {:?}", self.body);
        assert_eq!(lines[0], serde_json::json!({"cond":"begin"}));
        let last = lines.last().unwrap();
        let cond = last["cond"].as_str().unwrap().to_string();
        assert!(
            ["succeeded", "limited", "failed"].contains(&cond.as_str()),
            "{last}"
        );
        let objs = lines[1..lines.len() - 1]
            .iter()
            .map(|l| {
                assert_eq!(l.as_object().unwrap().len(), 1, "{l}");
                l["obj"].clone()
            })
            .collect();
        (objs, cond)
    }
}

/// Sends `GET target` with `headers` and reads the whole response.
pub async fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    tokio::time::timeout(TIMEOUT, get_inner(addr, target, headers))
        .await
        .unwrap_or_else(|_| panic!("GET {target} timed out"))
}

/// `get` with the DNSDB key.
pub async fn dnsdb(addr: SocketAddr, target: &str) -> Reply {
    get(addr, target, &[("X-API-Key", KEY)]).await
}

/// `get` with CIRCL Basic auth, plus `headers`.
pub async fn circl(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    let credentials = data_encoding::BASE64.encode(format!("{USER}:{KEY}").as_bytes());
    let auth = format!("Basic {credentials}");
    let mut all = vec![("Authorization", auth.as_str())];
    all.extend_from_slice(headers);
    get(addr, target, &all).await
}

async fn get_inner(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> Reply {
    send(addr, "GET", target, headers, "").await
}

/// Sends `POST target` with `headers` and `body` and reads the whole response.
pub async fn post(addr: SocketAddr, target: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    tokio::time::timeout(TIMEOUT, send(addr, "POST", target, headers, body))
        .await
        .unwrap_or_else(|_| panic!("POST {target} timed out"))
}

async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        data = &data[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// (rrname, rrtype, rdata) of each object, sorted; rdata may be a one-element array.
pub fn triples(objs: &[serde_json::Value]) -> Vec<String> {
    let mut out: Vec<String> = objs
        .iter()
        .map(|o| {
            let rdata = match &o["rdata"] {
                serde_json::Value::Array(items) => {
                    assert_eq!(items.len(), 1, "{o}");
                    items[0].as_str().unwrap().to_string()
                }
                other => other.as_str().unwrap().to_string(),
            };
            let rrtype = match &o["rrtype"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{} {} {}", o["rrname"].as_str().unwrap(), rrtype, rdata)
        })
        .collect();
    out.sort();
    out
}

/// Sorted owned strings.
pub fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}
