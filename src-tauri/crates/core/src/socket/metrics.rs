//! Counters a socket keeps, and URL redaction for everything that shows a URL.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// A snapshot of one socket's counters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metrics {
    /// Data messages received.
    pub messages_in: u64,
    /// Data messages written.
    pub messages_out: u64,
    /// Payload bytes received.
    pub bytes_in: u64,
    /// Payload bytes written.
    pub bytes_out: u64,
    /// Round trip of the last answered ping.
    pub last_latency: Option<Duration>,
    /// Successful reconnects.
    pub reconnects: u64,
    /// How long the current connection has been open.
    pub uptime: Option<Duration>,
    /// The URL in use or being tried, tokens redacted.
    pub current_url: String,
    /// Messages waiting in the outgoing queue.
    pub queue_depth: usize,
    /// Messages dropped because the queue was full (drop-oldest policy) or not replayable.
    pub queue_dropped: u64,
    /// The last error, secrets redacted.
    pub last_error: Option<String>,
}

/// Live counters shared by the task and the handles.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) messages_in: AtomicU64,
    pub(crate) messages_out: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    /// Microseconds + 1, 0 = none yet.
    pub(crate) latency_us: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) queue_dropped: AtomicU64,
    pub(crate) text: Mutex<TextMetrics>,
}

#[derive(Debug, Default)]
pub(crate) struct TextMetrics {
    pub(crate) current_url: String,
    pub(crate) last_error: Option<String>,
    pub(crate) open_since: Option<Instant>,
}

impl Counters {
    pub(crate) fn add_out(&self, bytes: usize) {
        self.messages_out.fetch_add(1, Ordering::Relaxed);
        self.bytes_out.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub(crate) fn set_latency(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX - 1);
        self.latency_us.store(us + 1, Ordering::Relaxed);
    }

    pub(crate) fn with_text<R>(&self, f: impl FnOnce(&mut TextMetrics) -> R) -> R {
        let mut guard = match self.text.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub(crate) fn snapshot(&self, queue_depth: usize) -> Metrics {
        let (current_url, last_error, open_since) =
            self.with_text(|t| (t.current_url.clone(), t.last_error.clone(), t.open_since));
        let latency = self.latency_us.load(Ordering::Relaxed);
        Metrics {
            messages_in: self.messages_in.load(Ordering::Relaxed),
            messages_out: self.messages_out.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            last_latency: (latency > 0).then(|| Duration::from_micros(latency - 1)),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            uptime: open_since.map(|t| t.elapsed()),
            current_url,
            queue_depth,
            queue_dropped: self.queue_dropped.load(Ordering::Relaxed),
            last_error,
        }
    }
}

/// The URL with every query value and any user info replaced by `[redacted]`, so tokens
/// never reach logs, metrics or errors. Unparseable input is redacted whole.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return "[redacted unparseable URL]".to_owned();
    };
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("[redacted]");
        let _ = url.set_password(None);
    }
    if url.query().is_some() {
        let pairs: Vec<String> = url
            .query_pairs()
            .map(|(k, _)| format!("{k}=[redacted]"))
            .collect();
        // Written raw so the brackets stay readable instead of percent-encoded.
        url.set_query(None);
        let mut out = url.to_string();
        let fragment = url.fragment().map(|f| format!("#{f}"));
        if let Some(f) = &fragment {
            out.truncate(out.len() - f.len());
        }
        out.push('?');
        out.push_str(&pairs.join("&"));
        if let Some(f) = fragment {
            out.push_str(&f);
        }
        return out;
    }
    url.to_string()
}

/// Removes every query value of `url` from `text` (e.g. an error message that quoted it).
pub(crate) fn scrub(text: &str, url: &str) -> String {
    let mut out = text.to_owned();
    if let Ok(parsed) = url::Url::parse(url) {
        for (_, v) in parsed.query_pairs() {
            if v.len() >= 4 {
                out = out.replace(v.as_ref(), "[redacted]");
            }
        }
        if let Some(q) = parsed.query() {
            out = out.replace(q, "[redacted]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_query_and_userinfo_are_redacted() {
        assert_eq!(
            redact_url("wss://node.example.com:8080/api/servers/abc/ws?token=eyJsecret&x=1"),
            "wss://node.example.com:8080/api/servers/abc/ws?token=[redacted]&x=[redacted]"
        );
        assert_eq!(
            redact_url("ws://user:pw@host/ws"),
            "ws://%5Bredacted%5D@host/ws"
        );
        assert_eq!(redact_url("ws://host/ws"), "ws://host/ws");
        assert!(!redact_url("not a url eyJsecret").contains("eyJ"));
        let msg = scrub(
            "failed GET /ws?token=eyJsecret: refused",
            "ws://h/ws?token=eyJsecret",
        );
        assert!(!msg.contains("eyJsecret"), "{msg}");
    }
}
