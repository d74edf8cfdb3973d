//! A small W3C WebDriver client over reqwest: just what the scenarios use.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The W3C key under which an element reference travels.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How often `wait_*` polls the page.
const POLL: Duration = Duration::from_millis(100);

/// One WebDriver session (one app process).
#[derive(Debug)]
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

/// A reference to an element in the page.
#[derive(Debug, Clone)]
pub struct Element(String);

impl Session {
    /// Opens a session that launches `application` with `args`.
    pub async fn start(port: u16, application: &Path, args: &[String]) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let base = format!("http://127.0.0.1:{port}");
        let caps = json!({
            "capabilities": { "alwaysMatch": { "tauri:options": {
                "application": application,
                "args": args,
            }}}
        });
        let resp: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .context("POST /session: is tauri-driver running?")?
            .json()
            .await?;
        let value = unwrap_value(resp)?;
        let id = value["sessionId"]
            .as_str()
            .context("no sessionId in the new-session reply")?
            .to_string();
        Ok(Self { http, base, id })
    }

    /// The session id (for a cleanup that cannot be async).
    pub fn id(&self) -> &str {
        &self.id
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.id);
        let mut req = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            req = req.json(&body);
        } else if method == reqwest::Method::POST {
            req = req.json(&json!({}));
        }
        let resp: Value = req
            .send()
            .await
            .with_context(|| format!("{method} {path}"))?
            .json()
            .await?;
        unwrap_value(resp).with_context(|| format!("{method} {path}"))
    }

    /// The first element matching `css`, if any.
    pub async fn find(&self, css: &str) -> Result<Option<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        match self
            .call(reqwest::Method::POST, "/element", Some(body))
            .await
        {
            Ok(v) => Ok(v[ELEMENT].as_str().map(|s| Element(s.to_string()))),
            Err(e) if format!("{e:#}").contains("no such element") => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every element matching `css`.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let body = json!({ "using": "css selector", "value": css });
        let v = self
            .call(reqwest::Method::POST, "/elements", Some(body))
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.to_string())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Polls until an element matching `css` exists.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(el) = self.find(css).await? {
                return Ok(el);
            }
            if Instant::now() > deadline {
                bail!("no element `{css}` after {timeout:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Polls until at least `n` elements match `css`; returns them.
    pub async fn wait_for_count(
        &self,
        css: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Element>> {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.find_all(css).await?;
            if found.len() >= n {
                return Ok(found);
            }
            if Instant::now() > deadline {
                bail!("{} of {n} elements `{css}` after {timeout:?}", found.len());
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Polls until the text of the first `css` element satisfies `pred`; returns that text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        loop {
            if let Some(el) = self.find(css).await? {
                // The element may be replaced between find and read; retry on a stale reference.
                if let Ok(text) = self.text(&el).await {
                    if pred(&text) {
                        return Ok(text);
                    }
                    last = text;
                }
            }
            if Instant::now() > deadline {
                bail!("`{css}` text never matched after {timeout:?}; last: {last:?}");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Visible text of an element.
    pub async fn text(&self, el: &Element) -> Result<String> {
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/text", el.0),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// An attribute of an element.
    pub async fn attr(&self, el: &Element, name: &str) -> Result<Option<String>> {
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/element/{}/attribute/{name}", el.0),
                None,
            )
            .await?;
        Ok(v.as_str().map(str::to_string))
    }

    /// Clicks an element.
    pub async fn click(&self, el: &Element) -> Result<()> {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/click", el.0),
            None,
        )
        .await
        .map(drop)
    }

    /// Types into an element.
    pub async fn send_keys(&self, el: &Element, text: &str) -> Result<()> {
        let body = json!({ "text": text });
        self.call(
            reqwest::Method::POST,
            &format!("/element/{}/value", el.0),
            Some(body),
        )
        .await
        .map(drop)
    }

    /// The `data-testid` of the element that has the keyboard focus (what Enter would press),
    /// `null` when the focused element has none.
    pub async fn focused_testid(&self) -> Result<Value> {
        self.execute(
            "return document.activeElement && document.activeElement.dataset.testid",
            vec![],
        )
        .await
    }

    /// Runs a script in the page and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.call(reqwest::Method::POST, "/execute/sync", Some(body))
            .await
    }

    /// Runs an async script (its last argument is the callback) and returns what it passed.
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.call(reqwest::Method::POST, "/execute/async", Some(body))
            .await
    }

    /// Saves a PNG of the window to `dir/name.png`.
    pub async fn screenshot(&self, dir: &Path, name: &str) -> Result<PathBuf> {
        let v = self.call(reqwest::Method::GET, "/screenshot", None).await?;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().context("screenshot is not a string")?)?;
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session (the app quits).
    pub async fn quit(self) -> Result<()> {
        self.http
            .delete(format!("{}/session/{}", self.base, self.id))
            .send()
            .await?;
        Ok(())
    }
}

/// Unwraps `{"value": …}` or turns a WebDriver error into an `Err`.
fn unwrap_value(resp: Value) -> Result<Value> {
    let value = resp.get("value").cloned().unwrap_or(Value::Null);
    if let Some(err) = value.get("error").and_then(Value::as_str) {
        let msg = value.get("message").and_then(Value::as_str).unwrap_or("");
        bail!("webdriver: {err}: {msg}");
    }
    Ok(value)
}
