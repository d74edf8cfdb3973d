//! A connect-rate gate shared by many sockets, so a fleet reconnecting after a node restart
//! does not hit the node (or panel) in one burst.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket: at most `burst` connects at once, then `per_second` connects per second.
/// Cheap to clone; clones share the bucket. Waiters are served in arrival order.
#[derive(Debug, Clone)]
pub struct ConnectGate {
    inner: Arc<Mutex<Bucket>>,
    per_second: f64,
    burst: f64,
}

#[derive(Debug)]
struct Bucket {
    /// May go negative: a negative balance is the queue of reserved future slots.
    tokens: f64,
    last: Instant,
}

impl ConnectGate {
    /// A gate letting `burst` connects through at once and refilling `per_second`.
    pub fn new(per_second: f64, burst: u32) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        let burst = f64::from(burst.max(1));
        Self {
            inner: Arc::new(Mutex::new(Bucket {
                tokens: burst,
                last: Instant::now(),
            })),
            per_second,
            burst,
        }
    }

    /// Waits for a connect slot. Reserving before waiting keeps waiters in order without a
    /// queue of its own.
    pub async fn acquire(&self) {
        let wait = {
            let mut b = match self.inner.lock() {
                Ok(b) => b,
                Err(poisoned) => poisoned.into_inner(),
            };
            let now = Instant::now();
            let refill = now.saturating_duration_since(b.last).as_secs_f64() * self.per_second;
            b.tokens = (b.tokens + refill).min(self.burst);
            b.last = now;
            b.tokens -= 1.0;
            if b.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-b.tokens / self.per_second)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_steady_rate() {
        let gate = ConnectGate::new(10.0, 5);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..25 {
            gate.acquire().await;
            times.push(start.elapsed());
        }
        assert!(
            times[..5].iter().all(|t| t.is_zero()),
            "burst passes at once"
        );
        // The 20 after the burst come at 10/s: the last one at 2 s.
        let last = times[24].as_millis();
        assert!((1990..=2010).contains(&last), "last slot at {last} ms");
    }
}
