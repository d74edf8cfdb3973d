//! Per-panel request pacing.
//!
//! Panels limit the Client API per *user* (720/min on Pterodactyl 1.11, 256/min on Pelican),
//! shared with the user's browser, and newer panels limit websocket-token minting to 5/min per
//! server. A fleet of 1,000 servers starting at once would blow through both, so every request
//! waits here first: a sliding one-minute window under a configured budget, a pause whenever
//! the panel says `X-RateLimit-Remaining: 0` or answers 429 with `Retry-After`, and a separate
//! per-server window for token minting. Waiters queue fairly (FIFO) behind one async lock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

const WINDOW: Duration = Duration::from_secs(60);

/// Budgets for one panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per minute Aerie allows itself (kept under the panel's limit so the user's
    /// browser still has room).
    pub per_minute: u32,
    /// Websocket tokens per minute per server (the panel's limit is 5).
    pub tokens_per_server_per_minute: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_minute: 200,
            tokens_per_server_per_minute: 4,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    sent: VecDeque<Instant>,
    blocked_until: Option<Instant>,
    /// The panel's own `X-RateLimit-Limit`, when lower than ours.
    panel_limit: Option<u32>,
    minted: HashMap<String, VecDeque<Instant>>,
}

/// Paces the requests of one panel. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    gate: tokio::sync::Mutex<()>,
    state: Mutex<State>,
}

impl RateLimiter {
    /// A limiter with these budgets.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits: RateLimits {
                per_minute: limits.per_minute.max(1),
                tokens_per_server_per_minute: limits.tokens_per_server_per_minute.max(1),
            },
            gate: tokio::sync::Mutex::new(()),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state inconsistent (plain counters).
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until one more request fits, then counts it.
    pub async fn acquire(&self) {
        let _turn = self.gate.lock().await;
        loop {
            let wait = {
                let mut st = self.lock();
                let now = Instant::now();
                while st
                    .sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    st.sent.pop_front();
                }
                let budget = st
                    .panel_limit
                    .map_or(self.limits.per_minute, |p| p.min(self.limits.per_minute))
                    .max(1) as usize;
                if let Some(until) = st.blocked_until.filter(|u| *u > now) {
                    Some(until - now)
                } else if st.sent.len() >= budget {
                    st.sent
                        .front()
                        .map(|t| (*t + WINDOW).saturating_duration_since(now))
                } else {
                    st.sent.push_back(now);
                    None
                }
            };
            match wait {
                None => return,
                Some(d) => tokio::time::sleep(d.max(Duration::from_millis(1))).await,
            }
        }
    }

    /// [`Self::acquire`] for a request a person is waiting on: gives up, without counting the
    /// request, when the wait would exceed `max`, and returns roughly how long until the panel
    /// takes requests again. A long `Retry-After` is refused at once rather than waited out.
    pub async fn acquire_within(&self, max: Duration) -> Result<(), Duration> {
        let needed = self.wait_needed();
        if needed > max {
            return Err(needed);
        }
        match tokio::time::timeout(max, self.acquire()).await {
            Ok(()) => Ok(()),
            // Queued behind requests that are themselves waiting: report the panel's pause, or
            // the time we already waited when there is none.
            Err(_) => Err(self.wait_needed().max(max)),
        }
    }

    /// How long a request arriving now would wait for the pause or the window (no queue).
    fn wait_needed(&self) -> Duration {
        let st = self.lock();
        let now = Instant::now();
        let paused = st
            .blocked_until
            .map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
        let budget = st
            .panel_limit
            .map_or(self.limits.per_minute, |p| p.min(self.limits.per_minute))
            .max(1) as usize;
        let in_window: Vec<_> = st
            .sent
            .iter()
            .filter(|t| now.duration_since(**t) < WINDOW)
            .collect();
        let full = if in_window.len() >= budget {
            in_window.first().map_or(Duration::ZERO, |t| {
                (**t + WINDOW).saturating_duration_since(now)
            })
        } else {
            Duration::ZERO
        };
        paused.max(full)
    }

    /// Waits until another websocket token may be minted for `server`, then counts it.
    pub async fn acquire_token(&self, server: &str) {
        loop {
            let wait = {
                let mut st = self.lock();
                let now = Instant::now();
                let q = st.minted.entry(server.to_owned()).or_default();
                while q.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
                    q.pop_front();
                }
                if q.len() >= self.limits.tokens_per_server_per_minute as usize {
                    q.front()
                        .map(|t| (*t + WINDOW).saturating_duration_since(now))
                } else {
                    q.push_back(now);
                    None
                }
            };
            match wait {
                None => break,
                Some(d) => tokio::time::sleep(d.max(Duration::from_millis(1))).await,
            }
        }
        self.acquire().await;
    }

    /// Learns from a response's `X-RateLimit-Limit` / `X-RateLimit-Remaining` headers.
    pub fn observe(&self, limit: Option<u32>, remaining: Option<u32>) {
        let mut st = self.lock();
        if let Some(l) = limit.filter(|l| *l > 0) {
            st.panel_limit = Some(l);
        }
        if remaining == Some(0) {
            // Laravel's window is one minute from its first hit; without a reset time, wait one.
            let until = Instant::now() + WINDOW;
            st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
        }
    }

    /// Pauses every request of this panel for `retry_after` (a 429).
    pub fn back_off(&self, retry_after: Duration) {
        let mut st = self.lock();
        let until = Instant::now() + retry_after.min(Duration::from_secs(3600));
        st.blocked_until = Some(st.blocked_until.map_or(until, |b| b.max(until)));
    }

    /// Forgets the minting history of a server no longer watched.
    pub fn forget(&self, server: &str) {
        self.lock().minted.remove(server);
    }

    /// Requests counted in the current one-minute window.
    pub fn in_window(&self) -> usize {
        let mut st = self.lock();
        let now = Instant::now();
        while st
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            st.sent.pop_front();
        }
        st.sent.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_spread_so_no_minute_exceeds_the_budget() {
        let lim = Arc::new(RateLimiter::new(RateLimits {
            per_minute: 10,
            tokens_per_server_per_minute: 5,
        }));
        let start = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..25 {
            let lim = lim.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                lim.acquire().await;
                let _ = tx.send(Instant::now());
            });
        }
        drop(tx);
        let mut times = Vec::new();
        while let Some(t) = rx.recv().await {
            times.push(t.duration_since(start));
        }
        times.sort();
        assert_eq!(times.len(), 25);
        for (i, t) in times.iter().enumerate() {
            let in_minute = times
                .iter()
                .skip(i)
                .take_while(|u| **u < *t + WINDOW)
                .count();
            assert!(in_minute <= 10, "{in_minute} requests within a minute");
        }
        assert!(
            times[24] >= Duration::from_secs(120),
            "third batch waits two windows"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_and_remaining_zero_pause_the_panel() {
        let lim = RateLimiter::new(RateLimits::default());
        lim.back_off(Duration::from_secs(7));
        let t0 = Instant::now();
        lim.acquire().await;
        assert!(t0.elapsed() >= Duration::from_secs(7));
        lim.observe(Some(720), Some(0));
        let t1 = Instant::now();
        lim.acquire().await;
        assert!(t1.elapsed() >= Duration::from_secs(59));
    }

    #[tokio::test(start_paused = true)]
    async fn a_user_action_is_refused_at_once_when_the_panel_pauses_long() {
        let lim = RateLimiter::new(RateLimits::default());
        lim.back_off(Duration::from_secs(1800));
        let t0 = Instant::now();
        let refused = lim.acquire_within(Duration::from_secs(5)).await;
        assert_eq!(t0.elapsed(), Duration::ZERO, "no waiting");
        let wait = refused.expect_err("refused");
        assert!(wait > Duration::from_secs(1790), "{wait:?}");
        assert_eq!(lim.in_window(), 0, "nothing counted");

        // A short pause is waited out.
        let lim = RateLimiter::new(RateLimits::default());
        lim.back_off(Duration::from_secs(3));
        lim.acquire_within(Duration::from_secs(5))
            .await
            .expect("short pause waited");
        assert!(t0.elapsed() >= Duration::from_secs(3));
    }

    #[tokio::test(start_paused = true)]
    async fn token_minting_is_limited_per_server_not_per_panel() {
        let lim = RateLimiter::new(RateLimits {
            per_minute: 1000,
            tokens_per_server_per_minute: 2,
        });
        let t0 = Instant::now();
        lim.acquire_token("a").await;
        lim.acquire_token("a").await;
        lim.acquire_token("b").await;
        assert!(t0.elapsed() < Duration::from_secs(1));
        lim.acquire_token("a").await;
        assert!(t0.elapsed() >= Duration::from_secs(60));
    }
}
