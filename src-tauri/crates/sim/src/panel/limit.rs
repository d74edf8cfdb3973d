//! Laravel's `ThrottleRequests`: a fixed window per key with `X-RateLimit-*` headers.

use std::collections::HashMap;
use std::time::Duration;

use tokio::time::Instant;

/// Result of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    /// The limit.
    pub limit: u32,
    /// Requests left in the window.
    pub remaining: u32,
    /// `Some(seconds until the window resets)` when over the limit.
    pub retry_after: Option<u64>,
}

/// Fixed-window counters per key.
#[derive(Debug)]
pub struct Windows {
    limit: u32,
    window: Duration,
    keys: HashMap<String, (Instant, u32)>,
}

impl Windows {
    /// `limit` requests per `window` per key.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            keys: HashMap::new(),
        }
    }

    /// Counts one request for `key`.
    pub fn hit(&mut self, key: &str, now: Instant) -> Count {
        let window = self.window;
        let entry = self.keys.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = window.saturating_sub(now.duration_since(entry.0));
            return Count {
                limit: self.limit,
                remaining: 0,
                retry_after: Some(left.as_secs_f64().ceil().max(1.0) as u64),
            };
        }
        entry.1 += 1;
        Count {
            limit: self.limit,
            remaining: self.limit - entry.1,
            retry_after: None,
        }
    }
}
