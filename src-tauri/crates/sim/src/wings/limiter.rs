//! Wings' inbound rate limits (W-new and Pelican, `docs/protocols/wings.md` §6.1): token
//! buckets that drop excess messages and report `throttled` once per streak.

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket with a "throttled streak" flag.
#[derive(Debug)]
pub struct Bucket {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    last: Instant,
    streak: bool,
}

/// Outcome of offering one message to a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Let it through.
    Pass,
    /// Drop it and tell the client (`throttled`), first drop of a streak.
    DropAndReport,
    /// Drop it silently.
    Drop,
}

impl Bucket {
    /// A bucket holding `burst` tokens, refilled one per `every`.
    pub fn new(burst: u32, every: Duration) -> Self {
        Self {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            per_sec: 1.0 / every.as_secs_f64(),
            last: Instant::now(),
            streak: false,
        }
    }

    /// Offers one message.
    pub fn offer(&mut self, now: Instant) -> Verdict {
        let refill = now.duration_since(self.last).as_secs_f64() * self.per_sec;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            self.streak = false;
            Verdict::Pass
        } else if self.streak {
            Verdict::Drop
        } else {
            self.streak = true;
            Verdict::DropAndReport
        }
    }
}

/// The per-connection limiter: one global bucket plus the per-event buckets.
#[derive(Debug)]
pub struct Limiter {
    /// 10 burst, 1 per 200 ms.
    pub global: Bucket,
    auth: Bucket,
    logs: Bucket,
    command: Bucket,
    default: Bucket,
}

impl Default for Limiter {
    fn default() -> Self {
        Self {
            global: Bucket::new(10, Duration::from_millis(200)),
            auth: Bucket::new(2, Duration::from_secs(5)),
            logs: Bucket::new(2, Duration::from_secs(5)),
            command: Bucket::new(10, Duration::from_secs(1)),
            default: Bucket::new(4, Duration::from_secs(1)),
        }
    }
}

impl Limiter {
    /// The bucket for an event name.
    pub fn for_event(&mut self, event: &str) -> &mut Bucket {
        match event {
            "auth" => &mut self.auth,
            "send logs" => &mut self.logs,
            "send command" => &mut self.command,
            _ => &mut self.default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_one_report_then_refill() {
        let mut b = Bucket::new(2, Duration::from_secs(5));
        let now = Instant::now();
        assert_eq!(b.offer(now), Verdict::Pass);
        assert_eq!(b.offer(now), Verdict::Pass);
        assert_eq!(b.offer(now), Verdict::DropAndReport);
        assert_eq!(b.offer(now), Verdict::Drop);
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(b.offer(Instant::now()), Verdict::Pass);
    }
}
