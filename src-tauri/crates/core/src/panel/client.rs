//! The Pterodactyl/Pelican Client API (`/api/client`).

use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde::de::DeserializeOwned;

use super::errors::{self, Scope};
use super::model::{Account, AccountAttrs, Item, List, ResourcesAttrs, ServerAttrs, TokenEnvelope};
use crate::secret::Secret;
use crate::source::{PowerSignal, RateLimiter, RateLimits, RemoteServer, Resources, WsToken};
use crate::{Error, Result};

/// How many times a request answered with 429 is retried after waiting `Retry-After`.
const MAX_429_RETRIES: u32 = 3;
/// Longest a user action (power, command) waits for the rate limiter; longer, it fails with a
/// message saying when to try again instead of leaving the button spinning.
const ACTION_MAX_WAIT: Duration = Duration::from_secs(5);
/// Longest a user action takes as a whole (limiter, request, retries).
const ACTION_TIMEOUT: Duration = Duration::from_secs(20);
/// Largest page size the panel accepts.
const PER_PAGE: u32 = 100;
/// Refuse absurd listings rather than loop forever on a hostile `total_pages`.
const MAX_PAGES: u64 = 1000;
/// Bodies larger than this are refused (a server list page of 100 is ~300 KB).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// A whole server listing larger than this is refused: [`MAX_PAGES`] pages of [`MAX_BODY`]
/// would be 8 GiB. 10,000 servers take about 30 MiB.
const MAX_LISTING: usize = 48 * 1024 * 1024;

/// A client for one panel account. Clones share the connection pool and the rate limiter.
#[derive(Clone)]
pub struct PanelClient {
    http: reqwest::Client,
    base: String,
    host: String,
    key: Secret,
    limiter: Arc<RateLimiter>,
}

impl std::fmt::Debug for PanelClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelClient")
            .field("base", &self.base)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Validates and normalises a panel base URL to `scheme://host[:port]`: http(s), a host, no
/// query or credentials; a path is dropped.
pub(super) fn normalise_base(url: &str) -> Result<(String, String)> {
    // An address with `user:pass@` would leak the password into the message: don't echo it.
    let shown: String = if url.contains('@') {
        "(address with credentials)".to_owned()
    } else {
        url.chars().take(200).collect()
    };
    let bad = |reason: &str| Error::PanelUrl {
        url: shown.clone(),
        reason: reason.to_owned(),
    };
    let parsed = url::Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(bad("it must start with https:// (or http://)"));
    }
    let host = parsed
        .host_str()
        .ok_or_else(|| bad("it has no host name"))?
        .to_owned();
    if parsed.query().is_some() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("it must not contain a query or credentials"));
    }
    // `scheme://host[:port]` only: the base is also the `Origin` Wings checks, and a path
    // (`--panel https://panel.example.com/server/abcd1234`) would make that Origin wrong.
    let base = parsed.origin().ascii_serialization();
    Ok((base, host))
}

impl PanelClient {
    /// A client for the panel at `base_url` using a client API key (`ptlc_`/`pacc_`).
    ///
    /// Application keys are refused here already, with the message the panel would give.
    pub fn new(base_url: &str, api_key: Secret, limits: RateLimits) -> Result<Self> {
        let (base, host) = normalise_base(base_url)?;
        if api_key.is_application_key() {
            return Err(Error::WrongKeyType);
        }
        let http = reqwest::Client::builder()
            .user_agent(concat!("Aerie/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            // A redirect means a login page or a wrong address, never something to follow.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| errors::from_transport(&host, e))?;
        Ok(Self {
            http,
            base,
            host,
            key: api_key,
            limiter: Arc::new(RateLimiter::new(limits)),
        })
    }

    /// The normalised base URL (also the `Origin` Wings expects).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// This panel's rate limiter.
    pub fn limiter(&self) -> &Arc<RateLimiter> {
        &self.limiter
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        scope: Scope<'_>,
    ) -> Result<(StatusCode, Vec<u8>)> {
        self.call_paced(method, path, body, scope, false).await
    }

    /// A request a person is waiting on (power, command): it never waits more than
    /// [`ACTION_MAX_WAIT`] for the rate limit (failing with when to retry instead) and fails
    /// after [`ACTION_TIMEOUT`] in all.
    async fn user_action(
        &self,
        path: &str,
        body: serde_json::Value,
        scope: Scope<'_>,
    ) -> Result<()> {
        let call = self.call_paced(Method::POST, path, Some(body), scope, true);
        match tokio::time::timeout(ACTION_TIMEOUT, call).await {
            Ok(r) => r.map(|_| ()),
            Err(_) => Err(Error::ActionTimedOut {
                host: self.host.clone(),
                secs: ACTION_TIMEOUT.as_secs(),
            }),
        }
    }

    async fn call_paced(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        scope: Scope<'_>,
        user_action: bool,
    ) -> Result<(StatusCode, Vec<u8>)> {
        let url = format!("{}/api/client{}", self.base, path);
        let refused = |wait: Duration| Error::ActionRateLimited {
            retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        };
        let mut attempt = 0;
        loop {
            if user_action {
                self.limiter
                    .acquire_within(ACTION_MAX_WAIT)
                    .await
                    .map_err(refused)?;
            } else {
                self.limiter.acquire().await;
            }
            let mut req = self
                .http
                .request(method.clone(), &url)
                .header(header::ACCEPT, "application/json")
                .bearer_auth(self.key.expose());
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| errors::from_transport(&self.host, e))?;
            let status = resp.status();
            let num = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let retry_after = num("retry-after");
            if status != StatusCode::TOO_MANY_REQUESTS {
                // On a 429, `Retry-After` is authoritative; `Remaining: 0` would add a minute.
                self.limiter.observe(
                    num("x-ratelimit-limit").and_then(|v| u32::try_from(v).ok()),
                    num("x-ratelimit-remaining").and_then(|v| u32::try_from(v).ok()),
                );
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = Duration::from_secs(retry_after.unwrap_or(60).clamp(1, 3600));
                self.limiter.back_off(wait);
                tracing::warn!(panel = %self.base, wait_s = wait.as_secs(), "panel rate limit hit (429)");
                if user_action && wait > ACTION_MAX_WAIT {
                    return Err(refused(wait));
                }
                if attempt < MAX_429_RETRIES {
                    attempt += 1;
                    continue;
                }
            }
            let bytes = read_capped(resp, &self.host).await?;
            if status.is_success() {
                return Ok((status, bytes));
            }
            let text = String::from_utf8_lossy(&bytes);
            return Err(errors::from_status(
                &self.base,
                status.as_u16(),
                &text,
                retry_after,
                scope,
            ));
        }
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str, scope: Scope<'_>) -> Result<T> {
        let (_, bytes) = self.call(Method::GET, path, None, scope).await?;
        self.parse_json(&bytes)
    }

    fn parse_json<T: DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        serde_json::from_slice(bytes).map_err(|e| Error::NotAPanel {
            url: self.base.clone(),
            detail: if bytes.trim_ascii_start().starts_with(b"<") {
                "an HTML page instead of JSON".to_owned()
            } else {
                format!(
                    "unexpected JSON ({})",
                    e.to_string().chars().take(120).collect::<String>()
                )
            },
        })
    }

    /// `GET /api/client/account`: checks the key and says whose it is.
    pub async fn account(&self) -> Result<Account> {
        let item: Item<AccountAttrs> = self.get_json("/account", Scope::Panel).await?;
        let a = item.attributes;
        Ok(Account {
            username: a.username,
            email: a.email,
            admin: a.admin || a.root_admin,
        })
    }

    /// Every server of the account (owned and subuser), all pages.
    pub async fn list_servers(&self) -> Result<Vec<RemoteServer>> {
        let mut out = Vec::new();
        let mut page = 1u64;
        let mut total_bytes = 0usize;
        loop {
            let path = format!("?page={page}&per_page={PER_PAGE}");
            let (_, bytes) = self.call(Method::GET, &path, None, Scope::Panel).await?;
            total_bytes += bytes.len();
            if total_bytes > MAX_LISTING {
                return Err(Error::NotAPanel {
                    url: self.base.clone(),
                    detail: format!("a server list larger than {} MiB", MAX_LISTING >> 20),
                });
            }
            let list: List<ServerAttrs> = self.parse_json(&bytes)?;
            out.extend(
                list.data
                    .into_iter()
                    .map(|i| i.attributes.into_remote(Vec::new())),
            );
            let total = list
                .meta
                .and_then(|m| m.pagination)
                .map_or(page, |p| p.total_pages.max(p.current_page));
            if page >= total || page >= MAX_PAGES {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// `GET /servers/{id}` with the user's permissions (`meta.user_permissions`).
    pub async fn server(&self, server: &str) -> Result<RemoteServer> {
        let path = format!("/servers/{}", path_segment(server));
        let item: Item<ServerAttrs> = self.get_json(&path, Scope::Server(server)).await?;
        let perms = item.meta.map(|m| m.user_permissions).unwrap_or_default();
        Ok(item.attributes.into_remote(perms))
    }

    /// `GET /servers/{id}/resources` (the panel caches it for 20 s).
    pub async fn resources(&self, server: &str) -> Result<Resources> {
        let path = format!("/servers/{}/resources", path_segment(server));
        let item: Item<ResourcesAttrs> = self.get_json(&path, Scope::Server(server)).await?;
        Ok(item.attributes.into_resources())
    }

    /// `POST /servers/{id}/power`. Success means "accepted"; watch `status` for the outcome.
    /// Fails fast with [`Error::ActionRateLimited`] when the panel pauses this account for
    /// more than a few seconds, and with [`Error::ActionTimedOut`] after 20 s.
    pub async fn power(&self, server: &str, signal: PowerSignal) -> Result<()> {
        let path = format!("/servers/{}/power", path_segment(server));
        let body = serde_json::json!({ "signal": signal.as_str() });
        self.user_action(&path, body, Scope::Server(server)).await
    }

    /// `POST /servers/{id}/command`. Paced and bounded like [`Self::power`].
    pub async fn send_command(&self, server: &str, command: &str) -> Result<()> {
        let path = format!("/servers/{}/command", path_segment(server));
        let body = serde_json::json!({ "command": command });
        self.user_action(&path, body, Scope::Server(server)).await
    }

    /// `GET /servers/{id}/websocket`: mints a socket token, paced to the per-server limit.
    pub async fn websocket_token(&self, server: &str) -> Result<WsToken> {
        self.limiter.acquire_token(server).await;
        let path = format!("/servers/{}/websocket", path_segment(server));
        let env: TokenEnvelope = self.get_json(&path, Scope::Server(server)).await?;
        Ok(WsToken::new(Secret::new(env.data.token), env.data.socket))
    }
}

/// Server ids are `[0-9a-f-]`; anything else is percent-encoded rather than trusted in a path.
fn path_segment(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                vec![c]
            } else {
                format!("%{:02X}", u32::from(c) & 0xff).chars().collect()
            }
        })
        .collect()
}

async fn read_capped(mut resp: reqwest::Response, host: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| errors::from_transport(host, e))?
    {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(Error::NotAPanel {
                url: host.to_owned(),
                detail: "a response larger than 8 MiB".to_owned(),
            });
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_normalised_and_bad_ones_explained() {
        let (b, h) = normalise_base("https://panel.example.com/").expect("valid");
        assert_eq!(
            (b.as_str(), h.as_str()),
            ("https://panel.example.com", "panel.example.com")
        );
        assert!(normalise_base("panel.example.com").is_err());
        // The base is also the Origin Wings checks: never a path.
        for (input, want) in [
            (
                "https://panel.example.com/server/abcd1234/",
                "https://panel.example.com",
            ),
            ("http://127.0.0.1:8080/api/client", "http://127.0.0.1:8080"),
            ("https://[::1]:8443/x", "https://[::1]:8443"),
        ] {
            assert_eq!(normalise_base(input).expect("valid").0, want, "{input}");
        }
        assert!(normalise_base("ftp://x").is_err());
        let e = normalise_base("https://u:p@x").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| !e.contains("u:p")));
    }

    #[test]
    fn application_keys_are_refused_before_any_request() {
        let e = PanelClient::new(
            "https://p.test",
            Secret::new("ptla_abc"),
            RateLimits::default(),
        );
        assert!(matches!(e, Err(Error::WrongKeyType)));
    }

    #[test]
    fn debug_hides_the_key() {
        let c = PanelClient::new(
            "https://p.test",
            Secret::new("ptlc_TOPSECRET"),
            RateLimits::default(),
        )
        .expect("client");
        assert!(!format!("{c:?}").contains("TOPSECRET"));
    }

    #[test]
    fn odd_identifiers_cannot_escape_the_path() {
        assert_eq!(path_segment("abcd1234"), "abcd1234");
        assert_eq!(path_segment("../x"), "%2E%2E%2Fx");
    }

    /// A hostile panel: every page is `pad` bytes and claims 1,000 pages. Counts requests.
    fn endless_panel(pad: usize) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = hits.clone();
        let body = format!(
            r#"{{"object":"list","data":[],"meta":{{"pagination":{{"total":100000,"count":0,"per_page":100,"current_page":1,"total_pages":1000}}}},"pad":"{}"}}"#,
            "x".repeat(pad)
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                }
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut out = stream;
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (url, hits)
    }

    #[tokio::test]
    async fn a_server_list_without_end_is_refused_once_it_grows_too_large() {
        let (url, hits) = endless_panel(4 * 1024 * 1024);
        let client = PanelClient::new(
            &url,
            Secret::new("ptlc_0000000000S3cr3tPart000000000000000000000"),
            RateLimits {
                per_minute: 100_000,
                tokens_per_server_per_minute: 4,
            },
        )
        .expect("client");
        let err = client.list_servers().await.err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("server list larger")),
            "{err:?}"
        );
        let pages = hits.load(std::sync::atomic::Ordering::SeqCst);
        assert!(pages <= 13, "stopped after {pages} pages of 4 MiB");
    }
}
