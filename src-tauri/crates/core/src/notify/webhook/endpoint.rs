//! One webhook receiver: its secret URL and the HTTP delivery to it, with a timeout per
//! attempt and the socket layer's [`Backoff`] between attempts.
//!
//! Retried: 5xx, no answer in time, no connection, and 429 (after its `Retry-After`, capped).
//! Not retried: any other 4xx (a deleted webhook, a wrong topic: retrying cannot help).
//! The URL is never logged, never put in an error and never followed through a redirect; the
//! `Debug` form and every message show only its scheme and host.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};

use super::payload::{Body, Message, body};
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::SinkKind;
use crate::socket::{Backoff, ReconnectPolicy};
use crate::source::is_loopback;

/// How a webhook is delivered: timeouts, retries, the queue in front of it.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Longest wait for one attempt, answer included.
    pub timeout: Duration,
    /// Delays between attempts (the socket layer's policy); `max_attempts` counts retries
    /// after the first attempt.
    pub retry: ReconnectPolicy,
    /// Longest `Retry-After` honoured on a 429; a longer one waits this long.
    pub retry_after_cap: Duration,
    /// Messages waiting behind the one being delivered; when full the oldest is dropped and
    /// counted.
    pub queue: usize,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry: ReconnectPolicy {
                strategy: crate::socket::Strategy::FullJitter,
                base: Duration::from_secs(1),
                cap: Duration::from_secs(30),
                max_attempts: Some(4),
                ..ReconnectPolicy::default()
            },
            retry_after_cap: Duration::from_secs(60),
            queue: 64,
        }
    }
}

/// A webhook URL. Its path or query holds the token, so only [`WebhookUrl::redacted`] is ever
/// shown.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    secret: Secret,
    shown: String,
}

impl std::fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl WebhookUrl {
    /// Checks `raw`: an absolute `https://` URL, or `http://` to this machine (a receiver on
    /// another machine over plain http would get the token unencrypted).
    pub fn parse(raw: &Secret) -> Result<Self> {
        let refuse = |reason: &str| Error::SinkUrl {
            reason: reason.to_owned(),
        };
        let text = raw.expose().trim();
        let url = url::Url::parse(text).map_err(|_| refuse("it is not an absolute URL"))?;
        let host = url
            .host_str()
            .ok_or_else(|| refuse("it names no host"))?
            .to_owned();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(refuse(
                    "it is plain http to another machine, which would carry the token unencrypted; use its https:// address",
                ));
            }
            _ => return Err(refuse("only http(s) webhooks are supported")),
        }
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        Ok(Self {
            shown: format!("{}://{host}{port}/[redacted]", url.scheme()),
            secret: Secret::new(text),
        })
    }

    /// `https://discord.com/[redacted]`: what logs, errors and lists may show.
    pub fn redacted(&self) -> &str {
        &self.shown
    }

    /// The full URL, for the keyring and the request only.
    pub(crate) fn expose(&self) -> &str {
        self.secret.expose()
    }

    /// The secret as the keyring stores it.
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `text` with every secret part of this URL replaced (for a receiver's error text that
    /// might quote it): the URL, its path and query whole, then each part of them but a few
    /// well-known words.
    fn scrub(&self, text: &str) -> String {
        const PUBLIC: [&str; 4] = ["api", "webhooks", "services", "hooks"];
        let mut out = text.replace(self.expose(), "[redacted]");
        if let Ok(url) = url::Url::parse(self.expose()) {
            let path = url.path();
            let mut parts: Vec<&str> = vec![path];
            parts.extend(url.query());
            parts.extend(url.path_segments().into_iter().flatten());
            parts.extend(url.query().into_iter().flat_map(|q| q.split(['&', '='])));
            for part in parts {
                if part.len() >= 4 && part != "/" && !PUBLIC.contains(&part) {
                    out = out.replace(part, "[redacted]");
                }
            }
        }
        out
    }
}

/// One attempt's outcome.
enum Attempt {
    Delivered,
    /// Worth another try, after `after` when the receiver said so.
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    Refused(String),
}

/// A webhook receiver of one kind at one secret URL.
#[derive(Debug)]
pub struct Endpoint {
    name: String,
    kind: SinkKind,
    url: WebhookUrl,
    options: WebhookOptions,
    client: reqwest::Client,
}

impl Endpoint {
    /// A receiver named `name` (for messages) of `kind` at `url`.
    pub fn new(
        name: &str,
        kind: SinkKind,
        url: WebhookUrl,
        options: WebhookOptions,
    ) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            // A redirect would send the payload somewhere the user never configured.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Aerie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Webhook {
                sink: name.to_owned(),
                detail: format!("cannot set up HTTPS: {}", e.without_url()),
            })?;
        Ok(Self {
            name: name.to_owned(),
            kind,
            url,
            options,
            client,
        })
    }

    /// The sink's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the receiver expects.
    pub fn kind(&self) -> SinkKind {
        self.kind
    }

    /// The options it was made with.
    pub fn options(&self) -> &WebhookOptions {
        &self.options
    }

    /// Sends `message`, retrying as the module explains; returns once the receiver accepted
    /// it or the retries are spent.
    pub async fn send(&self, message: &Message) -> Result<()> {
        let body = body(self.kind, message);
        let mut backoff = Backoff::new(&self.options.retry);
        loop {
            let reason = match self.attempt(&body).await {
                Attempt::Delivered => {
                    tracing::debug!(sink = %self.name, attempts = backoff.attempt() + 1, "webhook delivered");
                    return Ok(());
                }
                Attempt::Refused(reason) => return Err(self.error(reason)),
                Attempt::Retry { reason, after } => match backoff.next(&self.options.retry) {
                    Some((attempt, delay)) => {
                        let reason = self.url.scrub(&reason);
                        let wait = after.map_or(delay, |a| a.min(self.options.retry_after_cap));
                        tracing::debug!(
                            sink = %self.name,
                            attempt,
                            wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                            %reason,
                            "webhook: retrying"
                        );
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    None => format!(
                        "{reason} (gave up after {} attempts)",
                        backoff.attempt() + 1
                    ),
                },
            };
            return Err(self.error(reason));
        }
    }

    fn error(&self, reason: String) -> Error {
        Error::Webhook {
            sink: self.name.clone(),
            detail: self.url.scrub(&reason),
        }
    }

    async fn attempt(&self, body: &Body) -> Attempt {
        let mut request = self
            .client
            .post(self.url.expose())
            .header(CONTENT_TYPE, body.content_type)
            .body(body.bytes.clone());
        for (name, value) in &body.headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                request = request.header(*name, value);
            }
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return self.transport_failure(&e),
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Delivered;
        }
        let after = retry_after(response.headers().get(RETRY_AFTER));
        // A short excerpt of the receiver's words ("Unknown Webhook", "topic not found").
        let said = response
            .text()
            .await
            .map(|t| t.chars().take(200).collect::<String>())
            .unwrap_or_default();
        let said = if said.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", said.trim())
        };
        if status == StatusCode::TOO_MANY_REQUESTS {
            Attempt::Retry {
                reason: format!("the receiver is rate limiting (HTTP 429){said}"),
                after,
            }
        } else if status.is_server_error() {
            Attempt::Retry {
                reason: format!("the receiver failed (HTTP {}){said}", status.as_u16()),
                after: None,
            }
        } else {
            let hint = match status.as_u16() {
                401 | 403 | 404 | 410 => {
                    ": the webhook was deleted or its address is wrong; remove the sink and add it again"
                }
                _ => "",
            };
            Attempt::Refused(format!(
                "the receiver refused it (HTTP {}){said}{hint}",
                status.as_u16()
            ))
        }
    }

    /// Describes a failed request from its kind and the host only: reqwest's own text names
    /// the URL.
    fn transport_failure(&self, e: &reqwest::Error) -> Attempt {
        let host = self.url.redacted();
        let reason = if e.is_timeout() {
            format!(
                "{host} did not answer within {} s",
                self.options.timeout.as_secs_f32()
            )
        } else if e.is_connect() {
            format!("cannot connect to {host}")
        } else if e.is_request() || e.is_body() {
            format!("the request to {host} failed")
        } else {
            format!("talking to {host} failed")
        };
        Attempt::Retry {
            reason,
            after: None,
        }
    }
}

/// `Retry-After` in seconds (the HTTP-date form is rare on webhooks and read as absent).
fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    let text = value?.to_str().ok()?.trim();
    let secs: f64 = text.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DISCORD: &str = "https://discord.com/api/webhooks/123456789/SECRETtokenPART?wait=true";

    #[test]
    fn debug_and_redacted_forms_show_scheme_and_host_only() {
        let url = WebhookUrl::parse(&Secret::new(DISCORD)).expect("valid");
        for shown in [format!("{url:?}"), url.redacted().to_owned()] {
            assert_eq!(shown, "https://discord.com/[redacted]");
        }
        let scrubbed = url.scrub("bad token SECRETtokenPART for 123456789 at https://x");
        assert!(!scrubbed.contains("SECRETtokenPART") && !scrubbed.contains("123456789"));
    }

    #[test]
    fn an_endpoint_debug_form_holds_no_part_of_the_url() {
        let url = WebhookUrl::parse(&Secret::new(DISCORD)).expect("valid");
        let endpoint = Endpoint::new("Ops", SinkKind::Discord, url, WebhookOptions::default())
            .expect("client");
        let shown = format!("{endpoint:?}");
        assert!(shown.contains("https://discord.com/[redacted]"), "{shown}");
        for part in ["SECRETtokenPART", "123456789", "wait=true"] {
            assert!(!shown.contains(part), "{shown}");
        }
    }

    #[test]
    fn plain_http_is_only_for_this_machine_and_errors_never_quote_the_url() {
        for ok in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/x",
            "http://[::1]:9/x",
        ] {
            assert!(WebhookUrl::parse(&Secret::new(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "http://ntfy.example.com/secret-topic",
            "ftp://example.com/secret-topic",
            "secret-topic",
        ] {
            let err = WebhookUrl::parse(&Secret::new(bad))
                .expect_err(bad)
                .to_string();
            assert!(!err.contains("secret-topic"), "{err}");
        }
    }

    #[test]
    fn retry_after_takes_seconds_and_ignores_dates() {
        let v = |s: &'static str| Some(HeaderValue::from_static(s));
        assert_eq!(retry_after(v("3").as_ref()), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after(v("0.5").as_ref()),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            retry_after(v("Wed, 21 Oct 2015 07:28:00 GMT").as_ref()),
            None
        );
        assert_eq!(retry_after(None), None);
    }
}
