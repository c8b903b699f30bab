//! The web console: what it loads (every script, style and image from the hub, under a strict
//! policy), and the issue's scenarios in a real browser — Debian's headless Chromium driven
//! over WebDriver (chromedriver) against the real server on the demo data, axe-core checking
//! every page visited for serious and critical accessibility violations.
//!
//! Without Chromium and chromedriver the browser tests print that they were skipped;
//! `PASSERELLE_BROWSER_TESTS=required` (set by `.ci/run`) makes a missing browser a failure.
//! A failing browser test leaves a screenshot and the page's HTML in
//! `target/tmp/console/`. `PASSERELLE_UPDATE_SCREENSHOT=1` refreshes `docs/console.png`;
//! `PASSERELLE_CONSOLE_SHOTS=1` keeps a screenshot of every page checked.

use std::collections::{BTreeSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{Value, json};

use crate::common::{self, TestApp};

/// Generous: another test run may share the machine's two cores.
const WAIT: Duration = Duration::from_secs(60);
/// The password `TestApp::account` gives every account it makes.
const PASSWORD: &str = "a long new passphrase";
/// axe-core, vendored (`console/vendor/update.sh`): the tests need no network.
const AXE: &str = include_str!("../fixtures/axe/axe.min.js");

// ---------------------------------------------------------------------------------------
// What the console loads, without a browser.
// ---------------------------------------------------------------------------------------

/// Every `src`/`href` of a script, stylesheet, icon or image in an HTML page.
fn html_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for tag in html.split('<').skip(1) {
        let name: String = tag.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        let name = name.to_ascii_lowercase();
        if !["script", "link", "img", "source", "iframe", "object", "embed"].contains(&name.as_str()) {
            continue;
        }
        let end = tag.find('>').unwrap_or(tag.len());
        let attrs = &tag[..end];
        for attr in ["src=\"", "href=\""] {
            if let Some(start) = attrs.find(attr) {
                let rest = &attrs[start + attr.len()..];
                if let Some(stop) = rest.find('"') {
                    found.push(rest[..stop].to_string());
                }
            }
        }
    }
    found
}

/// The modules a JavaScript file imports (`from '…'`, `import('…')`, `import '…'`).
fn js_imports(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for marker in ["from '", "import('", "import '", "from \"", "import(\"", "import \""] {
        let quote = marker.chars().last().unwrap_or('\'');
        let mut rest = source;
        while let Some(at) = rest.find(marker) {
            rest = &rest[at + marker.len()..];
            if let Some(stop) = rest.find(quote) {
                found.push(rest[..stop].to_string());
            }
        }
    }
    found
}

/// The `url(…)` of a stylesheet (data: URIs left out: they load nothing).
fn css_urls(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("url(") {
        rest = &rest[at + 4..];
        if let Some(stop) = rest.find(')') {
            let url = rest[..stop].trim().trim_matches(['\'', '"']).to_string();
            if !url.starts_with("data:") && !url.starts_with('#') {
                found.push(url);
            }
        }
    }
    found
}

#[tokio::test]
async fn the_console_and_graphiql_load_everything_from_the_hub() {
    let app = common::sqlite_app(false).await;
    let base = url::Url::parse(&app.base).expect("the hub's address");
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<(url::Url, &'static str)> = VecDeque::new();
    queue.push_back((base.join("/").expect("url"), "text/html"));
    queue.push_back((base.join("/graphql").expect("url"), "text/html"));
    while let Some((url, expected)) = queue.pop_front() {
        if !seen.insert(url.to_string()) {
            continue;
        }
        let resp = app
            .client
            .get(url.clone())
            .header("accept", "text/html,*/*")
            .send()
            .await
            .expect("the hub answers");
        assert_eq!(resp.status(), 200, "{url} is served");
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            content_type.starts_with(expected),
            "{url}: {content_type}, not {expected}"
        );
        let policy = resp
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp.text().await.expect("a body");
        let references: Vec<(String, &'static str)> = if expected == "text/html" {
            let policy = policy.unwrap_or_else(|| panic!("{url} has a content security policy"));
            let scripts = policy
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap_or_default();
            assert_eq!(scripts.trim(), "script-src 'self'", "{url}: {policy}");
            assert!(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"));
            assert!(!policy.contains("http"), "no other origin in {url}'s policy: {policy}");
            // No inline script: every script element loads a file.
            for tag in body.split("<script").skip(1) {
                let open = &tag[..tag.find('>').unwrap_or(tag.len())];
                assert!(open.contains("src=\""), "{url} has an inline script: <script{open}>");
            }
            html_references(&body)
                .into_iter()
                .map(|r| {
                    let kind = if r.ends_with(".css") {
                        "text/css"
                    } else if r.ends_with(".js") {
                        "text/javascript"
                    } else if r.ends_with(".svg") {
                        "image/svg+xml"
                    } else {
                        ""
                    };
                    (r, kind)
                })
                .collect()
        } else if expected == "text/javascript" && !url.path().starts_with("/console/vendor/") {
            // The console's own modules; the vendored bundles are classic scripts whose
            // `import()` strings are dead code (and the policy would refuse another origin).
            js_imports(&body).into_iter().map(|r| (r, "text/javascript")).collect()
        } else if expected == "text/css" {
            css_urls(&body).into_iter().map(|r| (r, "image/")).collect()
        } else {
            Vec::new()
        };
        for (reference, kind) in references {
            assert!(
                !reference.starts_with("//") && !reference.contains("://"),
                "{url} refers to another origin: {reference}"
            );
            let target = url.join(&reference).expect("a reference resolves");
            assert_eq!(target.origin(), base.origin(), "{url} → {reference}");
            // Console views are fragments of `/`; the export links are the API's own.
            if reference.starts_with('#') || kind.is_empty() {
                continue;
            }
            queue.push_back((target, kind));
        }
    }
    for must in [
        "/console/js/main.js",
        "/console/js/app.js",
        "/console/js/pages/agenda.js",
        "/console/js/pages/import.js",
        "/console/js/messages/en.js",
        "/console/vendor/graphiql/graphiql.min.js",
        "/console/vendor/react-dom/react-dom.production.min.js",
    ] {
        let wanted = base.join(must).expect("url").to_string();
        assert!(seen.contains(&wanted), "{must} is reached from the pages: {seen:#?}");
    }

    // Files are revalidated cheaply and served compressed (to a client that does not
    // decompress them itself, so that the encoding shows).
    let raw = reqwest::Client::builder().no_gzip().build().expect("a client");
    let script = base.join("/console/vendor/graphiql/graphiql.min.js").expect("url");
    let resp = raw
        .get(script.clone())
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("sent");
    let etag = resp.headers().get("etag").cloned().expect("an etag");
    assert_eq!(
        resp.headers().get("content-encoding").map(|v| v.as_bytes()),
        Some(&b"gzip"[..])
    );
    let again = raw
        .get(script)
        .header("accept-encoding", "gzip")
        .header("if-none-match", etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    for hidden in [
        "/console/vendor/update.sh",
        "/console/index.html",
        "/console/../Cargo.toml",
    ] {
        let resp = app
            .client
            .get(format!("{}{hidden}", app.base))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), 404, "{hidden} is not served");
    }
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// The browser.
// ---------------------------------------------------------------------------------------

/// Chromium and chromedriver, or why the browser tests cannot run here.
fn browser_binaries() -> Result<(PathBuf, PathBuf), String> {
    let chromium = std::env::var("PASSERELLE_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let driver = std::env::var("PASSERELLE_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    for path in [&chromium, &driver] {
        if !Path::new(path).exists() {
            return Err(format!(
                "{path} not found (apt-get install chromium chromium-driver, or set PASSERELLE_CHROMIUM and PASSERELLE_CHROMEDRIVER)"
            ));
        }
    }
    Ok((chromium.into(), driver.into()))
}

/// chromedriver's log endpoint: the page's console, its uncaught errors and the policy's
/// refusals.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (poem::http::Method, Option<String>) {
        (poem::http::Method::POST, Some(r#"{"type":"browser"}"#.into()))
    }
}

/// chromedriver's network emulation: a latency in milliseconds, or `None` to end it.
#[derive(Debug)]
struct NetworkConditions(Option<u64>);

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (poem::http::Method, Option<String>) {
        match self.0 {
            Some(latency) => (
                poem::http::Method::POST,
                Some(
                    json!({ "network_conditions": { "offline": false, "latency": latency, "download_throughput": 500_000, "upload_throughput": 500_000 } })
                        .to_string(),
                ),
            ),
            None => (poem::http::Method::DELETE, None),
        }
    }
}

struct Browser {
    client: Client,
    driver: Child,
    profile: PathBuf,
    downloads: PathBuf,
    base: String,
    name: String,
    /// Findings of axe that are neither serious nor critical, printed at the end.
    notes: std::sync::Mutex<Vec<String>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("console");
    std::fs::create_dir_all(&dir).expect("the artifacts directory");
    dir
}

impl Browser {
    async fn start(name: &str, base: &str) -> Option<Browser> {
        let (chromium, driver_path) = match browser_binaries() {
            Ok(found) => found,
            Err(why) => {
                assert!(
                    std::env::var("PASSERELLE_BROWSER_TESTS").as_deref() != Ok("required"),
                    "PASSERELLE_BROWSER_TESTS=required but {why}"
                );
                eprintln!("console browser test {name} skipped: {why}");
                return None;
            }
        };
        let port = free_port();
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let scratch = std::env::temp_dir().join(format!("passerelle-browser-{}", uuid::Uuid::new_v4()));
        let profile = scratch.join("profile");
        let downloads = scratch.join("downloads");
        std::fs::create_dir_all(&downloads).expect("a downloads directory");
        let capabilities = json!({
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--lang=fr-FR", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads,
                    "download.prompt_for_download": false,
                    "intl.accept_languages": "fr-FR,fr",
                },
            },
        });
        let capabilities = match capabilities {
            Value::Object(map) => map,
            _ => unreachable!("an object literal"),
        };
        let deadline = Instant::now() + WAIT;
        let webdriver = format!("http://127.0.0.1:{port}");
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => break client,
                Err(err) if Instant::now() < deadline => {
                    let _ = err;
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(err) => panic!("no browser session: {err}"),
            }
        };
        Some(Browser {
            client,
            driver,
            profile: scratch,
            downloads,
            base: base.to_string(),
            name: name.to_string(),
            notes: std::sync::Mutex::new(Vec::new()),
        })
    }

    /// Opens a view of the console (`/agenda?…`) by its address, as a bookmark would.
    /// On the console already, the address's fragment changes, as a link does; the same
    /// address again reloads the page. Either way this waits for the new view to be drawn
    /// (a new document, or a new drawing of `<main>`), never for the old one.
    async fn open(&self, route: &str) {
        let url = format!("{}/#{route}", self.base);
        let state = "return [performance.timeOrigin, document.querySelector('main')?.dataset.drawn ?? null]";
        let before = self.js(state).await;
        let here = self.client.current_url().await.expect("an address");
        let on_console = here.as_str().starts_with(&format!("{}/", self.base)) && here.path() == "/";
        if !on_console {
            self.client.goto(&url).await.expect("navigates");
        } else if here.fragment() == Some(route) {
            self.client.refresh().await.expect("reloads");
        } else {
            self.js_with("window.location.hash = arguments[0]", vec![json!(route)])
                .await;
        }
        self.until("the new view is drawn", async || {
            let now = self.js(state).await;
            now != before && now[1] != Value::Null
        })
        .await;
        self.ready().await;
    }

    /// Waits until the view is drawn (a title, nothing loading).
    async fn ready(&self) {
        self.until("the view is drawn", async || {
            self.js("return !!document.querySelector('main h1') && !document.querySelector('main[aria-busy]') && !document.querySelector('main > .loading')")
                .await
                .as_bool()
                .unwrap_or(false)
        })
        .await;
    }

    /// Waits until the view's title reads `text`.
    async fn heading(&self, text: &str) {
        self.wait_text("main h1", text).await;
        self.ready().await;
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, Vec::new()).await.expect("the script runs")
    }

    async fn js_with(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.expect("the script runs")
    }

    async fn until(&self, what: &str, mut check: impl AsyncFnMut() -> bool) {
        let deadline = Instant::now() + WAIT;
        while !check().await {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css} appears: {e}"))
    }

    async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : null";
        self.js_with(script, vec![json!(css)])
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Waits until `css` holds `needle`; returns its text.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let last = self.text(css).await;
            if last.contains(needle) {
                return last;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?} in {css}; it reads {last:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("cleared");
        field.send_keys(value).await.expect("typed");
    }

    /// Sets a date or time control (typing into those depends on the browser's locale).
    async fn set_value(&self, css: &str, value: &str) {
        self.find(css).await;
        self.js_with(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![json!(css), json!(value)],
        )
        .await;
    }

    async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("{css} clicks: {e}"));
    }

    /// Clicks the link or button whose text contains `text`.
    async fn click_text(&self, css: &str, text: &str) {
        self.until(&format!("a {css} reads {text:?}"), async || {
            self.js_with(
                "return [...document.querySelectorAll(arguments[0])].some(e => e.innerText.includes(arguments[1]))",
                vec![json!(css), json!(text)],
            )
            .await
            .as_bool()
            .unwrap_or(false)
        })
        .await;
        let elements = self.client.find_all(Locator::Css(css)).await.expect("found");
        for element in elements {
            if element.text().await.unwrap_or_default().contains(text) {
                element.click().await.expect("clicks");
                return;
            }
        }
        panic!("no {css} reads {text:?}");
    }

    async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.expect("selected");
    }

    /// The fragment route of the current address (`/agenda?region=…`).
    async fn route(&self) -> String {
        let url = self.client.current_url().await.expect("an address");
        url.fragment().unwrap_or_default().to_string()
    }

    /// Signs in through the console's form.
    async fn sign_in(&self, email: &str, password: &str) {
        self.open("/connexion").await;
        self.fill("#signin-email", email).await;
        self.fill("#signin-password", password).await;
        self.click("form button[type=submit]").await;
    }

    /// The page as it is now is checked: axe-core finds no serious or critical violation,
    /// the console logged no error and no refusal of the policy, nothing came from another
    /// origin, and (at a phone's width) nothing overflows sideways.
    async fn check(&self, page: &str) {
        let loaded = self.js("return typeof window.axe").await;
        if loaded.as_str() != Some("object") {
            self.js(&format!("{AXE}\n;return typeof window.axe")).await;
        }
        let script = r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, {
              runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
              resultTypes: ['violations'],
            }).then(
              (r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)) }))),
              (e) => done({ error: String(e) }),
            );"#;
        let result = self.client.execute_async(script, Vec::new()).await.expect("axe runs");
        let violations = result
            .as_array()
            .unwrap_or_else(|| panic!("axe failed on {page}: {result}"));
        let mut serious = Vec::new();
        for v in violations {
            let impact = v["impact"].as_str().unwrap_or("");
            let line = format!("{} [{impact}] {}: {}", v["id"], v["help"], v["nodes"]);
            if impact == "serious" || impact == "critical" {
                serious.push(line);
            } else if let Ok(mut notes) = self.notes.lock() {
                notes.push(format!("{page}: {line}"));
            }
        }
        assert!(serious.is_empty(), "axe on {page}:\n{}", serious.join("\n"));

        let log = self.client.issue_cmd(BrowserLog).await.expect("the console's log");
        let problems: Vec<String> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| {
                let message = entry["message"].as_str().unwrap_or("");
                (entry["level"] == "SEVERE" && !message.contains("Failed to load resource"))
                    || message.contains("Content Security Policy")
            })
            .map(|entry| entry["message"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            problems.is_empty(),
            "the console logged on {page}:\n{}",
            problems.join("\n")
        );

        let foreign = self
            .js_with(
                "return performance.getEntriesByType('resource').map(e => e.name).filter(n => !n.startsWith(arguments[0]) && !n.startsWith('blob:') && !n.startsWith('data:'))",
                vec![json!(self.base)],
            )
            .await;
        assert_eq!(foreign, json!([]), "{page} loaded from another origin");
        let overflow = self
            .js("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            .await;
        assert!(
            overflow.as_i64().unwrap_or(0) <= 1,
            "{page} overflows sideways by {overflow} px"
        );
        // `PASSERELLE_CONSOLE_SHOTS=1`: a screenshot of every page checked, to look at.
        if std::env::var("PASSERELLE_CONSOLE_SHOTS").as_deref() == Ok("1") {
            let name: String = page
                .chars()
                .map(|c| if c.is_alphanumeric() { c } else { '-' })
                .collect();
            let dir = artifacts_dir().join("pages");
            std::fs::create_dir_all(&dir).expect("a directory");
            self.screenshot(&dir.join(format!("{}-{name}.png", self.name))).await;
        }
    }

    /// A phone's width (360 px) or a desktop's.
    async fn phone(&self, on: bool) {
        let (w, h) = if on { (360, 780) } else { (1280, 1000) };
        self.client.set_window_size(w, h).await.expect("resized");
    }

    async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).expect("the screenshot is written");
    }

    /// After the scenario: on failure a screenshot and the page's HTML, then the browser
    /// and its driver stopped (this test's own processes only).
    async fn finish(mut self, outcome: std::thread::Result<()>) {
        if outcome.is_err() {
            let dir = artifacts_dir();
            let png = dir.join(format!("{}.png", self.name));
            if let Ok(bytes) = self.client.screenshot().await {
                let _ = std::fs::write(&png, bytes);
                eprintln!("screenshot of the failure: {}", png.display());
            }
            if let Ok(html) = self.client.source().await {
                let _ = std::fs::write(dir.join(format!("{}.html", self.name)), html);
            }
        }
        if let Ok(notes) = self.notes.lock()
            && !notes.is_empty()
        {
            eprintln!(
                "axe, moderate and minor findings ({}):\n{}",
                self.name,
                notes.join("\n")
            );
        }
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Runs `scenario` in a fresh browser pointed at the hub at `base` (skipped, with the reason
/// printed, where no browser is installed).
async fn in_browser(base: &str, name: &str, scenario: impl AsyncFnOnce(&Browser)) {
    let Some(browser) = Browser::start(name, base).await else {
        return;
    };
    let outcome = AssertUnwindSafe(scenario(&browser)).catch_unwind().await;
    browser.finish(outcome).await;
}

/// The hub on the demo data, its search index filled.
async fn demo_app() -> TestApp {
    let app = common::sqlite_app(true).await;
    app.index().await;
    app
}

async fn organisation_id(app: &TestApp, slug: &str) -> String {
    let data = app
        .data(
            "query($s: String!) { organisation(slug: $s) { id } }",
            json!({ "s": slug }),
        )
        .await;
    data["organisation"]["id"]
        .as_str()
        .expect("the demo organisation")
        .to_string()
}

// ---------------------------------------------------------------------------------------
// The issue's scenarios.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_first_sign_in_forces_the_password_change() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    let (_, temporary) = passerelle::auth::accounts::create_user(
        app.db(),
        "camille.dupont@example.org",
        Some("Camille Dupont"),
        Some(uuid::Uuid::parse_str(&org).expect("an id")),
        entity::Role::Member,
    )
    .await
    .expect("the account is created");
    in_browser(&app.base, "first_sign_in", async |b| {
        b.open("/connexion").await;
        b.check("la connexion").await;
        // A wrong password is said in French, beside nothing: the form's summary.
        b.fill("#signin-email", "camille.dupont@example.org").await;
        b.fill("#signin-password", "pas le bon mot de passe").await;
        b.click("form button[type=submit]").await;
        b.wait_text(".error-summary", "Adresse e-mail ou mot de passe incorrect.")
            .await;

        b.fill("#signin-password", &temporary).await;
        b.click("form button[type=submit]").await;
        b.heading("Choisissez votre mot de passe").await;
        assert!(b.route().await.starts_with("/mot-de-passe"));
        // Until the change, nothing else opens and the menu is gone.
        assert_eq!(
            b.js("return document.querySelectorAll('.site-nav a').length").await,
            json!(0)
        );
        b.check("le changement forcé du mot de passe").await;

        // The temporary password just typed is not asked again.
        assert_eq!(
            b.js("return !!document.querySelector('#password-current')").await,
            json!(false)
        );
        b.fill("#password-new", "camille2027").await;
        b.fill("#password-confirm", "camille2027").await;
        b.click("form button[type=submit]").await;
        b.until("the refusal is shown beside the field", async || {
            !b.text("#password-new-error").await.is_empty()
        })
        .await;
        let error = b.text("#password-new-error").await;
        assert!(
            !error.contains(" / ") && !error.contains("must"),
            "the hub's French only: {error}"
        );
        assert_eq!(
            b.find("#password-new").await.attr("aria-invalid").await.expect("read"),
            Some("true".into())
        );
        b.check("un mot de passe refusé").await;

        let chosen = "une longue phrase pour entrer dans Passerelle";
        b.fill("#password-new", chosen).await;
        b.fill("#password-confirm", "une autre phrase").await;
        b.click("form button[type=submit]").await;
        b.wait_text(
            "#password-confirm-error",
            "Les deux saisies du nouveau mot de passe diffèrent.",
        )
        .await;
        b.fill("#password-confirm", chosen).await;
        b.click("form button[type=submit]").await;
        b.heading("Bonjour, Camille Dupont").await;
        b.wait_text(".site-header", "Se déconnecter").await;
        b.wait_text(".site-nav", "Annuaire").await;
        b.check("l'accueil d'un membre").await;

        // The session is a bearer token in this tab's sessionStorage, not a cookie.
        let stored = b.js("return sessionStorage.getItem('passerelle.session')").await;
        assert!(stored.as_str().is_some_and(|s| s.contains("pss_")), "{stored}");
        assert_eq!(b.js("return document.cookie").await, json!(""));

        b.click_text(".site-header button", "Se déconnecter").await;
        b.wait_text(".site-header", "Se connecter").await;
        assert_eq!(
            b.js("return sessionStorage.getItem('passerelle.session')").await,
            Value::Null
        );
    })
    .await;
    // The new password is the account's now.
    let login = app
        .gql_as(
            None,
            "mutation { login(email: \"camille.dupont@example.org\", password: \"une longue phrase pour entrer dans Passerelle\") { mustChangePassword } }",
            json!({}),
        )
        .await;
    if browser_binaries().is_ok() {
        assert_eq!(login["data"]["login"]["mustChangePassword"], false, "{login}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_search_with_a_typo_finds_the_kit_and_opens_it() {
    let app = demo_app().await;
    in_browser(&app.base, "search", async |b| {
        b.open("/").await;
        b.check("l'accueil").await;
        b.fill("#home-search", "malette pedagogique").await;
        b.click(".search-box button[type=submit]").await;
        b.heading("Recherche").await;
        let results = b.wait_text(".results", "Mallette pédagogique « Femmes et Microtechniques »").await;
        assert!(results.contains("Mallette pédagogique"), "{results}");
        // The matched words are highlighted, and the facets are there to narrow.
        let marks = b.js("return [...document.querySelectorAll('.results mark')].map(m => m.textContent.toLowerCase())").await;
        assert!(marks.to_string().contains("mallette"), "{marks}");
        b.wait_text(".facets", "Type").await;
        b.check("les résultats de recherche").await;
        if std::env::var("PASSERELLE_UPDATE_SCREENSHOT").as_deref() == Ok("1") {
            b.client.set_window_size(1200, 860).await.expect("resized");
            b.screenshot(&Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/console.png")).await;
            b.phone(false).await;
        }

        // A facet narrows the results to resources.
        b.click("#facet-type-RESOURCE").await;
        b.until("only resources are listed", async || {
            b.route().await.contains("type=RESOURCE")
                && b
                    .js("return [...document.querySelectorAll('.result-type')].every(e => e.innerText.includes('Ressource'))")
                    .await
                    == json!(true)
        })
        .await;
        assert_eq!(
            b.js("return document.activeElement && document.activeElement.id").await,
            json!("facet-type-RESOURCE"),
            "the focus stays on the facet"
        );

        b.click_text(".result-title a", "Mallette pédagogique « Femmes et Microtechniques »").await;
        b.heading("Mallette pédagogique « Femmes et Microtechniques »").await;
        let page = b.text("main").await;
        assert!(page.contains("Mallette pédagogique") && page.contains("Partagée") || page.contains("Organisation"), "{page}");
        b.check("la page d'une ressource").await;

        // At a phone's width, the same pages work.
        b.phone(true).await;
        b.open("/recherche?q=exposition%20femmes").await;
        b.wait_text(".results", "Exposition").await;
        b.check("la recherche sur un téléphone").await;
        b.phone(false).await;
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn the_agenda_is_filtered_by_region() {
    let app = demo_app().await;
    // The demo's events are placed around today: where the inauguration fell, in French.
    let events = app
        .data("{ events(first: 50) { nodes { title startsAt } } }", json!({}))
        .await;
    let inauguration = events["events"]["nodes"]
        .as_array()
        .and_then(|all| {
            all.iter()
                .find(|e| e["title"].as_str().is_some_and(|t| t.starts_with("Inauguration")))
        })
        .and_then(|e| e["startsAt"].as_str())
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .expect("the inauguration")
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let (day, month_name, month) = french_date(inauguration);
    in_browser(&app.base, "agenda", async |b| {
        b.open("/agenda").await;
        b.wait_text(".agenda-list", "Sciences de l’Ingénieure au Féminin").await;
        b.check("l'agenda, événements à venir").await;
        b.click_text("main a", "Passés").await;
        b.wait_text(".agenda-list", "Atelier 3").await;
        b.check("l'agenda, événements passés").await;

        b.select("#filter-region", "HAUTS_DE_FRANCE").await;
        b.wait_text(".agenda-list", "Aucun événement passé avec ces filtres.")
            .await;
        assert_eq!(
            b.js("return document.activeElement && document.activeElement.id").await,
            json!("filter-region"),
            "the focus stays on the filter"
        );
        b.select("#filter-region", "BOURGOGNE_FRANCHE_COMTE").await;
        b.wait_text(".agenda-list", "3 événements affichés").await;
        let list = b.text(".agenda-list").await;
        assert!(
            list.contains("Exposition « Femmes et Microtechniques » à l’ENSMM"),
            "{list}"
        );
        assert!(!list.contains("Atelier"), "the workshops have no région: {list}");
        let route = b.route().await;
        assert!(
            route.contains("region=BOURGOGNE_FRANCHE_COMTE") && route.contains("periode=passes"),
            "{route}"
        );
        // In French, in the event's zone: the exhibition's first day (a Friday).
        assert!(day.starts_with("vendredi "), "{day}");
        assert!(list.contains(&day), "{day}: {list}");
        b.check("l'agenda filtré par région").await;

        // The month, with the same filter.
        b.open(&format!("/agenda?vue=mois&mois={month}&region=BOURGOGNE_FRANCHE_COMTE"))
            .await;
        b.wait_text(".agenda-month", &format!("2 événements en {month_name}"))
            .await;
        let calendar = b.text(".calendar").await;
        assert!(
            calendar.contains("Inauguration de l’exposition itinérante"),
            "{calendar}"
        );
        b.check("le mois de l'inauguration").await;
        b.phone(true).await;
        b.check("le mois sur un téléphone").await;
        b.phone(false).await;

        // The event page: place, organiser, and « add to my calendar ».
        b.click_text(".calendar a", "Inauguration de l’exposition itinérante")
            .await;
        b.heading("Inauguration de l’exposition itinérante").await;
        let page = b.text("main").await;
        assert!(page.contains("ENSMM") && page.contains("Campus des Métiers"), "{page}");
        assert!(page.contains("Saisi directement dans Passerelle."), "{page}");
        let href = b.find("#add-to-calendar").await.attr("href").await.expect("read");
        assert!(href.is_some_and(|h| h.starts_with("/events/") && h.ends_with(".ics")));
        b.check("la page d'un événement").await;
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_editor_creates_an_event_after_a_refused_field() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("editrice@example.org", entity::Role::Editor, Some(&org))
        .await;
    let day = (chrono::Utc::now() + chrono::Duration::days(45)).date_naive();
    in_browser(&app.base, "editor_event", async |b| {
        b.sign_in("editrice@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.open("/agenda").await;
        b.click_text("main a", "Nouvel événement").await;
        b.heading("Nouvel événement").await;
        b.check("le formulaire d'événement").await;

        b.fill("#event-title", "Journée portes ouvertes Femmes et Microtechniques")
            .await;
        b.set_value("#event-start-date", &day.to_string()).await;
        b.set_value("#event-start-time", "14:00").await;
        b.set_value("#event-end-time", "17:30").await;
        b.fill("#event-place", "ENSMM").await;
        b.fill("#event-city", "Besançon").await;
        b.select("#event-region", "BOURGOGNE_FRANCHE_COMTE").await;
        b.fill("#event-url", "ensmm.fr/portes-ouvertes").await;
        b.click("form button[type=submit]").await;

        // The hub's refusal, in French, beside the field it names; the summary links to it.
        let error = b
            .wait_text(
                "#event-url-error",
                "Une adresse web complète est attendue, commençant par http:// ou https://.",
            )
            .await;
        assert!(!error.contains("must be"), "{error}");
        assert_eq!(
            b.find("#event-url").await.attr("aria-invalid").await.expect("read"),
            Some("true".into())
        );
        let described = b.find("#event-url").await.attr("aria-describedby").await.expect("read");
        assert!(described.is_some_and(|d| d.contains("event-url-error")));
        b.wait_text(".error-summary", "Le formulaire contient une erreur").await;
        assert_eq!(
            b.js("return document.activeElement && document.activeElement.className")
                .await,
            json!("error-summary")
        );
        b.check("le formulaire avec une erreur").await;

        b.fill("#event-url", "https://www.ens2m.fr/portes-ouvertes").await;
        b.click("form button[type=submit]").await;
        b.heading("Journée portes ouvertes Femmes et Microtechniques").await;
        // The postal code is the commune's, filled from the official table.
        let page = b.text("main").await;
        assert!(
            page.contains("14:00") && page.contains("17:30") && page.contains("ENSMM, 25000 Besançon"),
            "{page}"
        );
        b.check("l'événement créé").await;

        // It is in the agenda…
        b.open("/agenda?region=BOURGOGNE_FRANCHE_COMTE").await;
        b.wait_text(".agenda-list", "Journée portes ouvertes Femmes et Microtechniques")
            .await;
        // …and, once indexed, in search.
        app.index().await;
        b.open("/recherche?q=portes%20ouvertes%20microtechnique").await;
        b.wait_text(".results", "Journée portes ouvertes Femmes et Microtechniques")
            .await;
        b.check("la recherche de l'événement créé").await;
    })
    .await;
    if browser_binaries().is_ok() {
        let data = app
            .data(
                "{ events(filter: { region: BOURGOGNE_FRANCHE_COMTE }, orderBy: STARTS_AT_DESC, first: 1) { nodes { title url timezone organiser { slug } } } }",
                json!({}),
            )
            .await;
        let event = &data["events"]["nodes"][0];
        assert_eq!(event["title"], "Journée portes ouvertes Femmes et Microtechniques");
        assert_eq!(event["url"], "https://www.ens2m.fr/portes-ouvertes");
        assert_eq!(event["timezone"], "Europe/Paris");
        assert_eq!(
            event["organiser"]["slug"], "cmq-msi-bfc",
            "an editor writes for their organisation"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn an_editor_gives_an_all_day_event_by_its_dates() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("jours@example.org", entity::Role::Editor, Some(&org)).await;
    let first = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive();
    let last = first + chrono::Duration::days(1);
    in_browser(&app.base, "editor_all_day", async |b| {
        b.sign_in("jours@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.open("/agenda").await;
        b.click_text("main a", "Nouvel événement").await;
        b.heading("Nouvel événement").await;
        b.fill("#event-title", "Salon des métiers sur deux jours").await;
        b.click("#event-all-day").await;
        b.set_value("#event-start-date", &first.to_string()).await;
        b.set_value("#event-end-date", &last.to_string()).await;
        b.click("form button[type=submit]").await;
        b.heading("Salon des métiers sur deux jours").await;
    })
    .await;
    if browser_binaries().is_ok() {
        let data = app
            .data(
                "{ events(filter: { region: null }, orderBy: CREATED_AT_DESC, first: 1) { nodes { title allDay firstDay lastDay } } }",
                json!({}),
            )
            .await;
        let event = &data["events"]["nodes"][0];
        assert_eq!(event["title"], "Salon des métiers sur deux jours");
        assert_eq!(event["allDay"], true);
        assert_eq!(event["firstDay"], first.to_string().as_str(), "the dates as given");
        assert_eq!(event["lastDay"], last.to_string().as_str(), "the last day inclusive");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_spreadsheet_is_checked_by_a_dry_run_then_imported() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("import@example.org", entity::Role::Editor, Some(&org))
        .await;
    let file = std::env::temp_dir().join(format!("passerelle-import-{}.csv", uuid::Uuid::new_v4()));
    std::fs::write(
        &file,
        "Nom de l'événement;Lieu;Description;Auteur;Organisateur;Date;Ouvert;Lien\n\
         Forum des métiers de l'industrie;Lycée Jules Haag;Rencontres avec des ingénieures;CMQ MSI;CMQ MSI;12/05/2027 09:00;Oui;https://example.org/forum\n\
         Atelier robotique;ENSMM;Pour les collégiennes;CMQ MSI;CMQ MSI;32/13/2027;Oui;\n\
         Visite d'entreprise;Arc France;Découverte des métiers du verre;CMQ MSI;CMQ MSI;20/05/2027;Non;\n",
    )
    .expect("the spreadsheet is written");
    in_browser(&app.base, "import", async |b| {
        b.sign_in("import@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.open("/import").await;
        b.heading("Importer un tableur").await;
        b.check("l'import").await;
        b.find("#import-file")
            .await
            .send_keys(&file.display().to_string())
            .await
            .expect("chosen");
        b.click("form button[type=submit]").await;

        let report = b.wait_text("#import-report", "Essai à blanc").await;
        assert!(
            report.contains("3 lignes lues")
                && report.contains("2 lignes valides")
                && report.contains("1 ligne refusée"),
            "{report}"
        );
        // Row by row: each line of the file with its outcome; the refused one says why, in French.
        let rows = b.text(".import-rows tbody").await;
        assert!(
            rows.contains("Forum des métiers de l'industrie") && rows.contains("Valide"),
            "{rows}"
        );
        let refused = b.text(".import-rows tr.row-error").await;
        assert!(
            refused.starts_with('3') && refused.contains("« 32/13/2027 » n’est pas une date"),
            "{refused}"
        );
        assert_eq!(
            b.js("return document.querySelector('#import-run').disabled").await,
            json!(true)
        );
        b.check("l'essai à blanc").await;
        let written = app.data("{ events { totalCount } }", json!({})).await;
        assert_eq!(written["events"]["totalCount"], 9, "a dry run writes nothing");

        b.click("#import-skip-invalid").await;
        b.click("#import-run").await;
        let done = b.wait_text(".import-outcome", "Import terminé").await;
        assert!(done.contains("2 créées"), "{done}");
        b.check("l'import terminé").await;
    })
    .await;
    if browser_binaries().is_ok() {
        let data = app
            .data("{ events(first: 100, filter: { startsAfter: \"2027-01-01T00:00:00Z\" }) { nodes { title organiser { slug } } } }", json!({}))
            .await;
        let titles: Vec<&str> = data["events"]["nodes"]
            .as_array()
            .expect("a list")
            .iter()
            .filter_map(|e| e["title"].as_str())
            .collect();
        assert!(
            titles.contains(&"Forum des métiers de l'industrie") && titles.contains(&"Visite d'entreprise"),
            "{titles:?}"
        );
        assert!(!titles.contains(&"Atelier robotique"));
    }
    let _ = std::fs::remove_file(&file);
    app.stop().await;
}

#[tokio::test]
async fn a_member_does_not_see_another_organisations_private_contact() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("membre@example.org", entity::Role::Member, Some(&org))
        .await;
    let hugo = app
        .data(
            "{ contacts(first: 100) { nodes { id lastName visibility } } }",
            json!({}),
        )
        .await["contacts"]["nodes"]
        .as_array()
        .expect("contacts")
        .iter()
        .find(|c| c["lastName"] == "Perrin")
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_string(),
                c["visibility"].clone(),
            )
        })
        .expect("the admin sees Hugo Perrin");
    assert_eq!(hugo.1, "ORGANISATION");
    in_browser(&app.base, "contacts", async |b| {
        b.sign_in("membre@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.click_text(".site-nav a", "Annuaire").await;
        b.heading("Annuaire").await;
        let list = b.wait_text(".paged", "Aurélie Fontaine").await;
        assert!(
            list.contains("Camille Martin") && list.contains("camille.martin@example.org"),
            "{list}"
        );
        assert!(
            !list.contains("Perrin"),
            "another organisation's ORGANISATION contact is hidden: {list}"
        );
        b.check("l'annuaire d'un membre").await;

        let cusi = organisation_id(&app, "cusi").await;
        b.select("#filter-organisation", &cusi).await;
        b.wait_text("main", "Aucun contact avec ces filtres.").await;
        b.open(&format!("/contacts/{}", hugo.0)).await;
        b.heading("Contact introuvable").await;
        b.check("un contact invisible").await;

        // Nor does the search, nor the vCard of the address book.
        b.open("/recherche?q=Perrin").await;
        b.wait_text("main", "Aucun résultat").await;
        b.open("/annuaire").await;
        b.click_text(".exports button", "vCard").await;
        let vcf = b.downloads.join("contacts.vcf");
        b.until("the vCard is downloaded", async || vcf.exists()).await;
        let cards = std::fs::read_to_string(&vcf).expect("the vCard");
        assert!(cards.contains("Fontaine") && !cards.contains("Perrin"), "{cards}");
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_creates_an_account() {
    let app = demo_app().await;
    let org = organisation_id(&app, "verr-elles").await;
    let login = async |password: &str| {
        app.gql_as(
            None,
            "mutation($p: String!) { login(email: \"sandrine.lemaire@example.org\", password: $p) { mustChangePassword user { role organisation { slug } } } }",
            json!({ "p": password }),
        )
        .await
    };
    in_browser(&app.base, "admin_account", async |b| {
        b.sign_in("admin@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.click_text(".site-nav a", "Comptes").await;
        b.heading("Comptes").await;
        b.check("les comptes").await;
        b.fill("#user-email", "Sandrine.Lemaire@example.org").await;
        b.fill("#user-name", "Sandrine Lemaire").await;
        b.select("#user-role", "EDITOR").await;
        b.select("#user-organisation", &org).await;
        b.click(".create-user form button[type=submit]").await;
        b.wait_text(".create-result", "Compte de sandrine.lemaire@example.org créé")
            .await;
        let secret = "return document.querySelector(arguments[0] + ' .secret-value').value";
        let temporary = b.js_with(secret, vec![json!(".create-result")]).await;
        let temporary = temporary.as_str().unwrap_or_default().to_string();
        assert_eq!(temporary.len(), 20, "the temporary password is shown once: {temporary}");
        b.check("un compte créé").await;
        // It opens the account, which must change it first.
        let signed = login(&temporary).await;
        assert_eq!(signed["data"]["login"]["mustChangePassword"], true, "{signed}");
        assert_eq!(signed["data"]["login"]["user"]["organisation"]["slug"], "verr-elles");

        // The list shows it, waiting for its first sign-in.
        b.open("/admin/comptes?role=EDITOR").await;
        b.wait_text(".card-user", "Sandrine Lemaire").await;
        b.wait_text(".card-user", "Mot de passe temporaire").await;
        // A reset shows a new temporary password once; the old one stops working.
        b.click_text(".card-user button", "Réinitialiser le mot de passe").await;
        b.client.accept_alert().await.expect("confirmed");
        b.wait_text(
            ".card-user .secret",
            "Nouveau mot de passe temporaire de sandrine.lemaire@example.org",
        )
        .await;
        let reset = b.js_with(secret, vec![json!(".card-user")]).await;
        let reset = reset.as_str().unwrap_or_default().to_string();
        assert!(reset.len() == 20 && reset != temporary);
        assert_eq!(common::error_code(&login(&temporary).await), "UNAUTHENTICATED");
        b.check("un mot de passe réinitialisé").await;
        // Disabled, the account cannot sign in at all.
        b.click_text(".card-user button", "Désactiver").await;
        b.client.accept_alert().await.expect("confirmed");
        b.wait_text(".card-user", "Désactivé").await;
        b.wait_text(".card-user .button-row", "Réactiver").await;
        assert_eq!(common::error_code(&login(&reset).await), "UNAUTHENTICATED");
        b.check("un compte désactivé").await;

        // The audit log has every step.
        b.open("/admin/journal?type=User").await;
        let log = b.wait_text(".audit", "création").await;
        assert!(
            log.contains("réinitialisation du mot de passe") && log.contains("désactivation"),
            "{log}"
        );
        b.check("le journal").await;
    })
    .await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Beyond the scenarios: failures said and retried, every other page checked, English.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_network_shows_progress_and_a_failed_request_offers_to_retry() {
    let app = demo_app().await;
    let relay = common::relay::Relay::start(app.base.trim_start_matches("http://")).await;
    let through = format!("http://{}", relay.addr);
    in_browser(&through, "retry", async |b| {
        b.open("/ressources").await;
        b.wait_text(".paged", "Mallette pédagogique").await;

        // Slow: the bar shows, then words say the hub is slow; the old view stays meanwhile.
        b.client
            .issue_cmd(NetworkConditions(Some(4000)))
            .await
            .expect("a slow network");
        b.click_text(".site-nav a", "Actions").await;
        b.until("the progress bar shows", async || {
            b.js("return !document.querySelector('.progress').hidden").await == json!(true)
        })
        .await;
        b.wait_text(".slow-notice", "Le hub met du temps à répondre").await;
        assert_eq!(
            b.js("return document.querySelector('main').getAttribute('aria-busy')")
                .await,
            json!("true")
        );
        b.heading("Actions").await;
        b.until("the progress bar hides", async || {
            b.js("return document.querySelector('.progress').hidden && document.querySelector('.slow-notice').hidden")
                .await
                == json!(true)
        })
        .await;
        b.client
            .issue_cmd(NetworkConditions(None))
            .await
            .expect("the network back");

        // Cut: the view says what failed, in French, and offers to try again.
        relay.set(false);
        b.click_text(".site-nav a", "Organisations").await;
        let failure = b.wait_text(".failure", "Le hub est injoignable").await;
        assert!(failure.contains("Impossible de charger : Organisations"), "{failure}");
        b.check("une page en échec").await;
        relay.set(true);
        b.click_text(".failure button", "Réessayer").await;
        b.wait_text(".paged", "Verr’Elles").await;
        b.check("la page réessayée").await;
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn every_other_view_passes_axe_in_french_and_english() {
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("tour@example.org", entity::Role::Editor, Some(&org)).await;
    let action = app
        .data(
            "{ actions(first: 1, filter: { region: BOURGOGNE_FRANCHE_COMTE }) { nodes { id title } } }",
            json!({}),
        )
        .await["actions"]["nodes"][0]["id"]
        .as_str()
        .expect("a demo action")
        .to_string();
    in_browser(&app.base, "tour", async |b| {
        b.sign_in("tour@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        let views = [
            ("/organisations", "Organisations"),
            ("/organisations/cmq-msi-bfc", "Campus des Métiers"),
            ("/actions", "Actions"),
            ("/ressources?kind=TEACHING_KIT", "Ressources"),
            ("/flux", "Flux des partenaires"),
            ("/compte", "Mon compte"),
            ("/mot-de-passe", "Changer de mot de passe"),
            ("/ressources/nouvelle", "Nouvelle ressource"),
            ("/contacts/nouveau", "Nouveau contact"),
            ("/actions/nouvelle", "Nouvelle action"),
            ("/organisations/cmq-msi-bfc/modifier", "Modifier l’organisation"),
            ("/admin/comptes", "Accès réservé"),
            ("/nulle-part", "Page introuvable"),
        ];
        for (route, title) in views {
            b.open(route).await;
            b.heading(title).await;
            b.check(route).await;
        }
        // The same views at a phone's width.
        b.phone(true).await;
        for (route, title) in views {
            b.open(route).await;
            b.heading(title).await;
            b.check(&format!("{route} (360 px)")).await;
        }
        b.phone(false).await;

        // The keyboard: on a page just loaded (the same address opened again reloads it), the
        // first Tab reaches the skip link, which leads into the content.
        b.open("/actions").await;
        b.open("/actions").await;
        b.find("body").await.send_keys("\u{E004}").await.expect("Tab");
        assert_eq!(
            b.js("return document.activeElement && document.activeElement.className")
                .await,
            json!("skip-link")
        );
        b.client
            .active_element()
            .await
            .expect("focused")
            .send_keys("\u{E007}")
            .await
            .expect("Enter");
        assert_eq!(
            b.js("return document.activeElement && document.activeElement.id").await,
            json!("contenu")
        );

        // An experience report added to an action.
        b.open(&format!("/actions/{action}")).await;
        b.wait_text(".reports-section", "Ajouter un retour d’expérience").await;
        b.check("une action").await;
        b.fill(
            ".reports-section textarea",
            "Les collégiennes ont démonté la mallette en une heure.",
        )
        .await;
        b.click(".reports-section form button[type=submit]").await;
        b.wait_text(".reports", "Les collégiennes ont démonté la mallette en une heure.")
            .await;
        b.check("une action et son nouveau retour").await;

        // The private calendar link of the current filter.
        b.open("/agenda?region=BOURGOGNE_FRANCHE_COMTE").await;
        b.fill("#calendar-link-name", "Agenda BFC").await;
        b.click(".subscribe form button[type=submit]").await;
        let link = b.wait_text(".subscribe-result", "Lien privé « Agenda BFC »").await;
        assert!(!link.is_empty());
        let url = b
            .js("return document.querySelector('.subscribe-result .secret-value').value")
            .await;
        assert!(url.as_str().is_some_and(|u| u.contains("/calendar/psc_")), "{url}");
        b.check("le lien d'agenda privé").await;

        // English, on request, everywhere; the choice is kept.
        b.click(".lang-switch").await;
        b.wait_text("main h1", "Agenda").await;
        b.wait_text(".site-nav", "Address book").await;
        assert_eq!(b.js("return document.documentElement.lang").await, json!("en"));
        b.wait_text(".filters", "All régions").await;
        b.check("the agenda in English").await;
        b.open("/recherche?q=mallette").await;
        b.wait_text(".results", "Teaching kit").await;
        b.check("search in English").await;
        b.phone(true).await;
        b.open("/").await;
        b.click(".nav-toggle").await;
        b.wait_text(".site-nav", "Resources").await;
        b.check("the menu on a phone").await;
        b.phone(false).await;
        b.click(".lang-switch").await;
        b.wait_text(".site-nav", "Annuaire").await;

        // GraphiQL, offered the console's session, from the hub alone.
        b.client.goto(&format!("{}/graphql", b.base)).await.expect("navigates");
        b.find(".graphiql-container").await;
        b.click(".graphiql-execute-button").await;
        b.wait_text(".graphiql-response", "startsAt").await;
        let log = b.client.issue_cmd(BrowserLog).await.expect("the log");
        let refused: Vec<&Value> = log
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| {
                e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("Content Security Policy"))
            })
            .collect();
        assert!(refused.is_empty(), "GraphiQL is refused nothing: {refused:?}");
    })
    .await;
    app.stop().await;
}

#[tokio::test]
async fn an_editor_adds_a_feed_and_reads_its_runs_and_last_error() {
    use crate::common::feed_server::{FeedServer, Reply};
    let server = FeedServer::start().await;
    let start = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y%m%dT090000Z");
    server.set(
        "/cmq.ics",
        Reply::file(
            "text/calendar",
            format!(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\nBEGIN:VEVENT\r\nUID:cmq-1\r\nDTSTART:{start}\r\n\
                 SUMMARY:Forum Femmes et Microtechniques\r\nLOCATION:ENSMM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            ),
        ),
    );
    let app = demo_app().await;
    let org = organisation_id(&app, "cmq-msi-bfc").await;
    app.account("flux@example.org", entity::Role::Editor, Some(&org)).await;
    in_browser(&app.base, "feeds", async |b| {
        b.sign_in("flux@example.org", PASSWORD).await;
        b.heading("Bonjour").await;
        b.click_text(".site-nav a", "Flux").await;
        b.heading("Flux des partenaires").await;
        b.fill("#feed-name", "Agenda du CMQ").await;
        b.fill("#feed-url", &server.url("/cmq.ics")).await;
        b.select("#feed-format", "ICAL").await;
        b.click(".add-feed form button[type=submit]").await;
        b.heading("Agenda du CMQ").await;

        b.click_text(".page-actions button", "Lire maintenant").await;
        b.wait_text(".inline-status", "Lecture terminée : réussie.").await;
        b.wait_text(".data-table", "réussie").await;
        b.check("un flux et ses lectures").await;

        // The event it brought says where it came from.
        b.open("/agenda").await;
        b.click_text(".agenda-list a", "Forum Femmes et Microtechniques").await;
        b.heading("Forum Femmes et Microtechniques").await;
        b.wait_text(".provenance", "Repris automatiquement du flux Agenda du CMQ.")
            .await;
        b.check("un événement venu d'un flux").await;

        // A failing feed shows its last error.
        server.set(
            "/cmq.ics",
            Reply::Status {
                code: 500,
                retry_after: None,
            },
        );
        b.click_text(".provenance a", "Agenda du CMQ").await;
        b.heading("Agenda du CMQ").await;
        b.click_text(".page-actions button", "Lire maintenant").await;
        b.wait_text(".inline-status", "échec").await;
        b.wait_text("main .failure", "Dernière erreur").await;
        b.check("un flux en échec").await;
    })
    .await;
    app.stop().await;
}

/// A day as the console writes it in French (« vendredi 8 mars 2019 », as `Intl` does: the
/// mail's words with plain spaces and without the « 1er » of letters), its month as the month
/// view names it (« mars 2019 ») and as its URL does (`2019-03`).
fn french_date(day: chrono::NaiveDate) -> (String, String, String) {
    let written = passerelle::mail::compose::french_date(day)
        .replace('\u{a0}', " ")
        .replacen(" 1er ", " 1 ", 1);
    let month = written.splitn(3, ' ').nth(2).unwrap_or_default().to_string();
    (written, month, day.format("%Y-%m").to_string())
}
