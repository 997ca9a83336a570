//! The web UI in a real browser: Debian's chromium driven over WebDriver (chromedriver)
//! against `hark serve` on 127.0.0.1 over a store of hand-written rows. Each step asserts
//! what the page shows, that the browser logged no error (CSP violations included) and
//! fetched nothing from another origin, and saves a screenshot in the test's directory.
//! Without chromium and chromedriver the test is skipped with a note, and fails under CI.
//! A second test raises alerts with real rules on real ingests (`hark ingest --rules`) and
//! lists, filters, opens and acknowledges them in the browser.

use crate::served::Served;
use crate::support::{tools_present, TempStore};
use fantoccini::actions::{InputSource, MouseActions, PointerAction, MOUSE_BUTTON_LEFT};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const KEY: &str = "ui-browser-key-0123456789";

/// The rows of the store. Expected figures below are counted by hand from these lines.
const ROWS: &str = r#"{"rrname":"example.com.","rrtype":"A","rdata":"192.0.2.1","time_first":1700000000,"time_last":1700500000,"count":10}
{"rrname":"www.example.com.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":4}
{"rrname":"www.example.com.","rrtype":"A","rdata":"198.51.100.80","time_first":1700200000,"time_last":1700900000,"count":6}
{"rrname":"www.example.com.","rrtype":"AAAA","rdata":"2001:db8::80","time_first":1700000000,"time_last":1700000000,"count":1}
{"rrname":"api.example.com.","rrtype":"CNAME","rdata":"www.example.com.","time_first":1700300000,"time_last":1700400000,"count":2}
{"rrname":"example.com.","rrtype":"NS","rdata":"ns1.dnsprovider.example.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"example.com.","rrtype":"MX","rdata":"10 mx.example.net.","time_first":1690000000,"time_last":1700900000,"count":30}
{"rrname":"other.example.org.","rrtype":"A","rdata":"192.0.2.80","time_first":1700000000,"time_last":1700100000,"count":3}
"#;

/// chromedriver on a free loopback port, killed at drop.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver and the browsers it started are one process group: end them all, so a
        // failed test leaves no browser behind.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Driver { child, port }
}

/// chromedriver's log of the page's console (`/session/{id}/se/log`, type `browser`).
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(r#"{"type":"browser"}"#.to_string()),
        )
    }
}

/// A Chrome DevTools Protocol command through chromedriver (`/session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

/// The contrast ratio (WCAG 2) of the page's text and links against its background, the lower.
const CONTRAST: &str = r#"
const lum = c => { const [r, g, b] = c.match(/[\d.]+/g).slice(0, 3).map(Number).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
const bg = getComputedStyle(document.body).backgroundColor;
const link = document.querySelector('main a') || document.body;
return Math.min(ratio(getComputedStyle(document.body).color, bg), ratio(getComputedStyle(link).color, bg));
"#;

/// Every await is bounded by this.
const STEP: Duration = Duration::from_secs(30);

struct Session {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Session {
    async fn goto(&self, path: &str) {
        tokio::time::timeout(STEP, self.client.goto(&format!("{}{path}", self.base)))
            .await
            .unwrap()
            .unwrap();
    }

    async fn text(&self, css: &str) -> String {
        let element = tokio::time::timeout(
            STEP,
            self.client
                .wait()
                .at_most(STEP)
                .for_element(Locator::Css(css)),
        )
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{css}: {e}"));
        element.text().await.unwrap()
    }

    /// Clicks the element `css` finds.
    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    async fn js(&self, script: &str) -> Value {
        tokio::time::timeout(STEP, self.client.execute(script, vec![]))
            .await
            .unwrap()
            .unwrap()
    }

    /// Waits until `script` returns true (a script that throws, on a page still loading,
    /// counts as false).
    async fn until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + STEP;
        let guarded = format!("try {{ {script} }} catch (e) {{ return false; }}");
        while self.js(&guarded).await != json!(true) {
            if Instant::now() >= deadline {
                let page = self
                    .js("return location.href + '\\n' + document.body.innerText.slice(0, 2000);")
                    .await;
                panic!(
                    "timed out waiting for {what}; the page: {}",
                    page.as_str().unwrap_or("")
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The checks every view passes: no console errors, nothing from another origin, every
    /// input labelled; then a screenshot named `name`.
    async fn check(&self, name: &str) {
        let log = self.client.issue_cmd(BrowserLog).await.unwrap();
        let errors: Vec<&Value> = log
            .as_array()
            .map(|entries| entries.iter().filter(|e| e["level"] == "SEVERE").collect())
            .unwrap_or_default();
        assert!(errors.is_empty(), "{name}: console errors {errors:?}");
        let urls = self
            .js("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href]);")
            .await;
        for url in urls.as_array().unwrap() {
            let url = url.as_str().unwrap();
            assert!(
                url.starts_with(&self.base) || url.starts_with("blob:") || url.starts_with("data:"),
                "{name}: a request to another origin: {url}"
            );
        }
        let unlabelled = self
            .js("return Array.from(document.querySelectorAll('input:not([type=hidden]),select,textarea')).filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML);")
            .await;
        assert_eq!(unlabelled, json!([]), "{name}: inputs without a label");
        let contrast = self.js(CONTRAST).await.as_f64().unwrap();
        assert!(
            contrast >= 4.5,
            "{name}: text contrast {contrast:.2} is below 4.5"
        );
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }
}

fn browser_present() -> bool {
    if tools_present(&["chromium", "chromedriver"]) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "chromium and chromedriver are missing: scripts/setup-test-clients.sh installs them"
        );
    }
    eprintln!("note: chromium or chromedriver is missing, skipping the browser test");
    false
}

fn served() -> Served {
    let store = TempStore::new();
    let file = store.dir.path().join("rows.json");
    std::fs::write(&file, ROWS).unwrap();
    store.ok(&["import", "cof", file.to_str().unwrap()]);
    Served::launch(store, &format!("analyst:{KEY}\n"), &[])
}

async fn connect(driver: &Driver) -> Client {
    let capabilities = json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900", "--no-first-run", "--disable-extensions"]
        },
        "goog:loggingPrefs": {"browser": "ALL"}
    });
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    tokio::time::timeout(
        STEP,
        ClientBuilder::new(connector)
            .capabilities(capabilities.as_object().unwrap().clone())
            .connect(&format!("http://127.0.0.1:{}", driver.port)),
    )
    .await
    .unwrap()
    .unwrap()
}

/// One browser at a time: two at once on a small machine only make both slow.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A browser session on `server`, screenshots in `target/tmp/ui-screenshots`.
async fn open(server: &Served, driver: &Driver) -> Session {
    let client = connect(driver).await;
    // Cargo's temporary directory for integration tests: kept after a failure, for a look.
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("ui-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    eprintln!("screenshots in {}", shots.display());
    Session {
        client,
        base: server.url(),
        shots,
    }
}

/// Logs in through the form at the login page the browser was sent to, and waits for `path`.
async fn log_in(s: &Session, path: &str) {
    assert!(s
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/ui/login"));
    let key = s.client.find(Locator::Id("key")).await.unwrap();
    key.send_keys(KEY).await.unwrap();
    key.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    s.until(
        "the page after login",
        &format!("return location.pathname === '{path}';"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_in_chromium() {
    if !browser_present() {
        return;
    }
    let _one = BROWSER.lock().await;
    let server = served();
    let driver = start_driver();
    let session = open(&server, &driver).await;
    steps(&session).await;
    let _ = session.client.clone().close().await;
}

async fn steps(s: &Session) {
    // Without a session the UI asks for a key; the login form leads back to the page asked for.
    s.goto("/ui/name/www.example.com").await;
    s.check("login").await;
    log_in(s, "/ui/name/www.example.com").await;

    // The name page: records by type, links on names and addresses.
    assert_eq!(s.text("h1").await, "www.example.com.");
    assert_eq!(s.count("#table-A tbody tr").await, 2);
    assert_eq!(s.count("#table-AAAA tbody tr").await, 1);
    let a_rdata = s.text("#table-A").await;
    assert!(
        a_rdata.contains("192.0.2.80") && a_rdata.contains("198.51.100.80"),
        "{a_rdata}"
    );
    assert_eq!(
        s.text("#pointing")
            .await
            .matches("api.example.com.")
            .count(),
        1
    );
    s.check("name").await;
    // Sorting by count puts the 6 before the 4 when descending.
    let sort = s
        .client
        .find(Locator::Css("#table-A th:nth-child(7) button"))
        .await
        .unwrap();
    sort.click().await.unwrap();
    sort.click().await.unwrap();
    assert_eq!(
        s.text("#table-A tbody tr:first-child td:nth-child(7)")
            .await,
        "6"
    );
    // Filtering hides the rows without the text.
    let filter = s.client.find(Locator::Id("filter")).await.unwrap();
    filter.send_keys("198.51").await.unwrap();
    s.until(
        "the filter",
        "return document.querySelectorAll('#table-A tbody tr:not([hidden])').length === 1;",
    )
    .await;

    // Focus order: the skip link, the brand, then the search box; "/" jumps to the search box.
    s.goto("/ui/").await;
    let body = s.client.find(Locator::Css("body")).await.unwrap();
    let tab = char::from(Key::Tab).to_string();
    body.send_keys(&tab).await.unwrap();
    let order = [".skip", ".brand", "#q"];
    for (index, css) in order.iter().enumerate() {
        if index > 0 {
            s.client
                .active_element()
                .await
                .unwrap()
                .send_keys(&tab)
                .await
                .unwrap();
        }
        let is = s
            .js(&format!(
                "return document.activeElement === document.querySelector('{css}');"
            ))
            .await;
        assert_eq!(is, json!(true), "focus step {index} should be {css}");
    }

    // The search box says how it reads the input, then goes to the view.
    let q = s.client.find(Locator::Id("q")).await.unwrap();
    q.send_keys("192.0.2.0/24").await.unwrap();
    s.until(
        "the reading",
        "return document.getElementById('reading').textContent.includes('network (CIDR)');",
    )
    .await;
    s.check("search").await;
    q.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    s.until(
        "the pivot page",
        "return location.pathname.startsWith('/ui/ip/');",
    )
    .await;
    // The pivot: 192.0.2.1 (example.com.), 192.0.2.80 (www.example.com., other.example.org.):
    // 3 names of 2 registrable domains on 2 addresses.
    let lead = s.text("p.lead").await;
    assert!(
        lead.starts_with("3 names of 2 registrable domains on 2 addresses"),
        "{lead}"
    );
    let expand = s
        .client
        .find(Locator::Css(
            "button[aria-label='Show the names of example.com.']",
        ))
        .await
        .unwrap();
    expand.click().await.unwrap();
    s.until("the expanded names", "return document.querySelector('tbody.domain tr.expansion').textContent.includes('www.example.com.');").await;
    s.check("pivot").await;
    // Follow a link from the expansion to the name page.
    s.click("tr.expansion a[href='/ui/name/www.example.com.']")
        .await;
    s.until(
        "the linked name page",
        "return location.pathname === '/ui/name/www.example.com.';",
    )
    .await;

    // The timeline of every name below example.com: 2 A and 1 AAAA of www, 1 CNAME of api.
    s.goto("/ui/timeline/*.example.com").await;
    assert_eq!(s.count("svg#chart rect.bar").await, 4);
    s.check("timeline").await;
    // Dragging across the chart zooms: the URL gets the window and its fences, shown as chips.
    let chart = s.client.find(Locator::Css("svg#chart")).await.unwrap();
    let drag = MouseActions::new("mouse".into())
        .then(PointerAction::MoveToElement {
            element: chart.clone(),
            duration: None,
            x: -150.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::MoveToElement {
            element: chart,
            duration: Some(Duration::from_millis(200)),
            x: 400.0,
            y: 0.0,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    s.client.perform_actions(drag).await.unwrap();
    s.until(
        "the zoomed timeline",
        "return location.search.includes('time_last_after=') && location.search.includes('from=');",
    )
    .await;
    assert_eq!(s.count("ul.chips li.chip").await, 2);
    s.check("timeline-zoomed").await;

    // The recon report: summary first, then sections.
    s.goto("/ui/recon/example.com").await;
    assert!(s.text("section.summary").await.contains("Mail:"));
    assert!(s.count("section.report").await >= 5);
    s.check("recon").await;

    // Status: the store holds 8 rows.
    s.goto("/ui/status").await;
    assert!(s.text("#store").await.contains("Records 8"));
    s.check("status").await;
    // Dark: the same page with prefers-color-scheme: dark keeps its contrast.
    s.client
        .issue_cmd(Cdp(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}})))
        .await
        .unwrap();
    let background = s
        .js("return getComputedStyle(document.body).backgroundColor;")
        .await;
    assert_eq!(background, json!("rgb(20, 23, 26)"));
    s.check("status-dark").await;

    // The graph of example.com: nodes example.com., www/api.example.com., 192.0.2.1,
    // 192.0.2.80, 198.51.100.80, 2001:db8::80, ns1.dnsprovider.example., mx.example.net.
    s.goto("/ui/graph/example.com").await;
    s.until(
        "the graph",
        "return document.getElementById('cy').dataset.ready === 'true';",
    )
    .await;
    assert_eq!(
        s.js("return document.getElementById('cy').dataset.nodes;")
            .await,
        json!("9")
    );
    // Expanding 192.0.2.80 brings other.example.org. in.
    let node = s.client.find(Locator::Id("node")).await.unwrap();
    node.send_keys("192.0.2.80").await.unwrap();
    node.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    s.until(
        "the expansion",
        "return document.getElementById('cy').dataset.nodes === '10';",
    )
    .await;
    s.check("graph").await;
}

/// The rule file of the alerts test.
const RULES: &str = r#"
[[rule]]
id = "decoys"
title = "Someone resolved a decoy name"
severity = "critical"
kind = "canary"
names = ["vpn-admin.corp.example"]

[[rule]]
id = "subdomains"
title = "A new name under corp.example"
severity = "low"
kind = "new-name"
zones = ["corp.example"]

[[rule]]
id = "delegation"
title = "corp.example delegated to an unexpected name server"
severity = "high"
kind = "record-change"
names = ["corp.example"]
types = ["NS"]
expect = ["ns1.corp.example", "ns2.corp.example"]
"#;

/// The first ingest: the zone as expected. Raises one alert: www is a new name below
/// corp.example (the NS set holds only expected members).
const FIRST: &str = r#"{"rrname":"corp.example.","rrtype":"NS","rdata":"ns1.corp.example.","time_first":1760000000,"time_last":1760000000,"count":1}
{"rrname":"corp.example.","rrtype":"NS","rdata":"ns2.corp.example.","time_first":1760000000,"time_last":1760000000,"count":1}
{"rrname":"www.corp.example.","rrtype":"A","rdata":"203.0.113.10","time_first":1760000000,"time_last":1760000000,"count":1}
"#;

/// The second ingest. Raises four: the decoy answered (decoys), vpn-admin and mail new below
/// corp.example (subdomains), and the NS set gaining ns9.evil.example. (delegation).
const SECOND: &str = r#"{"rrname":"vpn-admin.corp.example.","rrtype":"A","rdata":"203.0.113.66","time_first":1760100000,"time_last":1760100000,"count":1}
{"rrname":"corp.example.","rrtype":"NS","rdata":"ns9.evil.example.","time_first":1760100000,"time_last":1760100000,"count":1}
{"rrname":"mail.corp.example.","rrtype":"A","rdata":"203.0.113.25","time_first":1760100000,"time_last":1760100000,"count":1}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_in_chromium() {
    if !browser_present() {
        return;
    }
    let _one = BROWSER.lock().await;
    let store = TempStore::new();
    let rules = store.dir.path().join("rules.toml");
    std::fs::write(&rules, RULES).unwrap();
    for (name, rows) in [("first.json", FIRST), ("second.json", SECOND)] {
        let file = store.dir.path().join(name);
        std::fs::write(&file, rows).unwrap();
        store.ok(&[
            "ingest",
            "--rules",
            rules.to_str().unwrap(),
            file.to_str().unwrap(),
        ]);
    }
    let rules_flag = rules.to_str().unwrap().to_string();
    let server = Served::launch(
        store,
        &format!("analyst:{KEY}\n"),
        &["--rules", &rules_flag],
    );
    let driver = start_driver();
    let s = open(&server, &driver).await;

    s.goto("/ui/alerts").await;
    log_in(&s, "/ui/alerts").await;
    assert_eq!(s.count("#alerts tbody tr").await, 5);
    assert!(s
        .text("#alerts-lead")
        .await
        .starts_with("5 of 5 alerts match, 5 of them new."));
    s.check("alerts").await;

    // The filter form: severity at least high leaves the decoy (critical) and the delegation.
    let severity = s.client.find(Locator::Id("f-severity")).await.unwrap();
    severity.select_by_value("high").await.unwrap();
    s.click("form.filters button[type=submit]").await;
    s.until(
        "the filtered list",
        "return location.search.includes('severity=high') && document.querySelectorAll('#alerts tbody tr').length === 2;",
    )
    .await;
    let rules_shown = s
        .js("return Array.from(document.querySelectorAll('#alerts tbody tr td:nth-child(3)')).map(td => td.textContent).sort();")
        .await;
    assert_eq!(rules_shown, json!(["decoys", "delegation"]));
    // A deep link: the alerts about vpn-admin (the decoy, and the new name).
    s.goto("/ui/alerts?subject=vpn-admin").await;
    assert_eq!(s.count("#alerts tbody tr").await, 2);

    // The decoy's alert: its evidence row links to the name and the address.
    s.click("#alerts tbody tr:has(.sev-critical) a.detail")
        .await;
    s.until(
        "the alert page",
        "return location.pathname.startsWith('/ui/alerts/') && !!document.getElementById('evidence');",
    )
    .await;
    let id = s
        .js("return location.pathname.split('/').pop();")
        .await
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.text("#alert-state").await, "new");
    assert_eq!(
        s.count("#evidence a[href='/ui/name/vpn-admin.corp.example.']")
            .await,
        1
    );
    assert_eq!(s.count("#evidence a[href='/ui/ip/203.0.113.66']").await, 1);
    s.check("alert").await;
    // Acknowledge with the keyboard: focus the button, press Enter.
    let ack = s
        .client
        .find(Locator::Css(".state-actions button[data-action=ack]"))
        .await
        .unwrap();
    s.js("document.querySelector('.state-actions button[data-action=ack]').focus(); return true;")
        .await;
    ack.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    s.until(
        "the acknowledged state",
        "return document.getElementById('alert-state').textContent.startsWith('acknowledged');",
    )
    .await;
    assert!(s.text("#alert-state").await.contains("by ui:analyst"));
    // The API sees the same state.
    let (status, reply) = crate::served::http_get(
        server.addr,
        &format!("/api/v1/alerts/{id}"),
        &[("X-API-Key", KEY)],
    );
    assert_eq!(status, 200);
    assert!(reply.contains("\"state\":\"acknowledged\""), "{reply}");
    // Follow the evidence to the name page.
    s.click("#evidence a[href='/ui/name/vpn-admin.corp.example.']")
        .await;
    s.until(
        "the name page",
        "return location.pathname === '/ui/name/vpn-admin.corp.example.';",
    )
    .await;
    assert_eq!(s.text("h1").await, "vpn-admin.corp.example.");

    // Resolve the delegation alert from the list; the list comes back without it.
    s.goto("/ui/alerts?state=new&severity=high").await;
    assert_eq!(s.count("#alerts tbody tr").await, 1);
    s.click("#alerts button[data-action=resolve]").await;
    s.until(
        "the list after resolving",
        "return location.search.includes('state=new') && !!document.querySelector('p.empty');",
    )
    .await;

    // What the rules watch, with their alerts by state.
    s.goto("/ui/watch").await;
    let decoys = s.text("#rule-decoys").await;
    assert!(decoys.contains("vpn-admin.corp.example."), "{decoys}");
    assert!(
        decoys.contains("0 new, 1 acknowledged, 0 resolved"),
        "{decoys}"
    );
    let subdomains = s.text("#rule-subdomains").await;
    assert!(subdomains.contains("*.corp.example."), "{subdomains}");
    assert!(subdomains.contains("3 new"), "{subdomains}");
    let delegation = s.text("#rule-delegation").await;
    assert!(
        delegation.contains("ns1.corp.example.") && delegation.contains("ns2.corp.example."),
        "{delegation}"
    );
    assert!(
        delegation.contains("0 new, 0 acknowledged, 1 resolved"),
        "{delegation}"
    );
    s.check("watch").await;
    // The list in the dark scheme keeps its contrast.
    s.client
        .issue_cmd(Cdp(json!({"cmd": "Emulation.setEmulatedMedia", "params": {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}})))
        .await
        .unwrap();
    s.goto("/ui/alerts").await;
    assert_eq!(
        s.js("return getComputedStyle(document.body).backgroundColor;")
            .await,
        json!("rgb(20, 23, 26)")
    );
    s.check("alerts-dark").await;

    // The search box reads a regex over rdata and goes to the flex page: ns9.evil.example.
    s.goto("/ui/").await;
    let q = s.client.find(Locator::Id("q")).await.unwrap();
    q.send_keys("rdata:/evil/").await.unwrap();
    s.until(
        "the reading",
        "return document.getElementById('reading').textContent.includes('regex over rdata');",
    )
    .await;
    q.send_keys(&char::from(Key::Enter).to_string())
        .await
        .unwrap();
    s.until(
        "the flex page",
        "return location.pathname.startsWith('/ui/flex/regex/') && !!document.getElementById('flex-rdata');",
    )
    .await;
    assert!(s.text("#flex-rdata").await.contains("ns9.evil.example."));
    s.check("flex-rdata").await;
    let _ = s.client.clone().close().await;
}
