//! Reconnect policy: how long to wait before each attempt, and when to stop.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How the delay grows between reconnect attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Always `base`.
    Fixed,
    /// `base * 2^(n-1)`, capped.
    Exponential,
    /// "Full jitter": uniform in `[0, min(cap, base * 2^(n-1))]`. Spreads a herd of sockets
    /// reconnecting after the same outage.
    FullJitter,
    /// "Decorrelated jitter": uniform in `[base, previous * 3]`, capped. Spreads like full
    /// jitter but never retries at once.
    DecorrelatedJitter,
    /// Exponential plus 0–20 % more, picked by hashing the jitter seed with the attempt: each
    /// socket of a fleet gets its own spread with no random generator to carry (a thousand
    /// sockets of a node coming back do not all knock at once, and never sooner than the
    /// exponential delay).
    ExponentialSpread,
}

/// When and how fast a socket reconnects.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    /// Reconnect at all after an unexpected close.
    pub enabled: bool,
    /// Delay growth.
    pub strategy: Strategy,
    /// First delay (and the floor of decorrelated jitter).
    pub base: Duration,
    /// Longest delay.
    pub cap: Duration,
    /// Consecutive failed attempts before giving up; `None` = never give up.
    pub max_attempts: Option<u32>,
    /// A connection that stayed open this long resets the attempt counter, so a long-lived
    /// socket that drops reconnects fast again.
    pub reset_after: Duration,
    /// Close codes from the peer after which the socket does not reconnect (it stays closed
    /// until [`super::SocketHandle::reconnect`]). Defaults: 1000 normal, 1001 going away
    /// (Wings: server deleted), 4409 (Wings: server suspended).
    pub no_reconnect_codes: Vec<u16>,
    /// Seed for the jitter, for reproducible tests; `None` seeds from the OS.
    pub jitter_seed: Option<u64>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        Self {
            enabled: true,
            strategy: Strategy::FullJitter,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
            max_attempts: None,
            reset_after: Duration::from_secs(10),
            no_reconnect_codes: vec![1000, 1001, 4409],
            jitter_seed: None,
        }
    }
}

/// The running delay sequence of one socket.
#[derive(Debug)]
pub(crate) struct Backoff {
    attempt: u32,
    previous: Duration,
    seed: Option<u64>,
    /// Made on first use, by the strategies that draw random delays; boxed, so the many
    /// sockets whose strategy never draws carry a pointer, not the generator's ~300 bytes.
    rng: Option<Box<StdRng>>,
}

impl Backoff {
    pub(crate) fn new(policy: &ReconnectPolicy) -> Self {
        Self::seeded(policy, policy.jitter_seed)
    }

    /// A sequence with its own jitter seed (`None`: from the OS), for many sockets sharing
    /// one policy.
    pub(crate) fn seeded(policy: &ReconnectPolicy, seed: Option<u64>) -> Self {
        Self {
            attempt: 0,
            previous: policy.base,
            seed,
            rng: None,
        }
    }

    fn rng(&mut self) -> &mut StdRng {
        let seed = self.seed;
        self.rng.get_or_insert_with(|| {
            Box::new(match seed {
                Some(seed) => StdRng::seed_from_u64(seed),
                None => StdRng::from_entropy(),
            })
        })
    }

    /// Attempts made since the last reset.
    pub(crate) fn attempt(&self) -> u32 {
        self.attempt
    }

    pub(crate) fn reset(&mut self, policy: &ReconnectPolicy) {
        self.attempt = 0;
        self.previous = policy.base;
    }

    /// The next attempt number and its delay, or `None` when attempts are exhausted.
    pub(crate) fn next(&mut self, policy: &ReconnectPolicy) -> Option<(u32, Duration)> {
        if policy.max_attempts.is_some_and(|max| self.attempt >= max) {
            return None;
        }
        self.attempt = self.attempt.saturating_add(1);
        let cap = policy.cap.max(policy.base);
        let exp = || {
            let shift = (self.attempt - 1).min(30);
            policy.base.saturating_mul(1u32 << shift).min(cap)
        };
        let delay = match policy.strategy {
            Strategy::Fixed => policy.base,
            Strategy::Exponential => exp(),
            Strategy::FullJitter => {
                let upper = exp();
                uniform(self.rng(), Duration::ZERO, upper)
            }
            Strategy::DecorrelatedJitter => {
                let upper = self.previous.saturating_mul(3).min(cap).max(policy.base);
                uniform(self.rng(), policy.base, upper)
            }
            Strategy::ExponentialSpread => {
                let base = exp();
                let mut h = DefaultHasher::new();
                (self.seed, self.attempt).hash(&mut h);
                base + base.mul_f64((h.finish() % 1000) as f64 / 5000.0)
            }
        };
        self.previous = delay;
        Some((self.attempt, delay))
    }
}

fn uniform(rng: &mut StdRng, low: Duration, high: Duration) -> Duration {
    let (lo, hi) = (millis(low), millis(high));
    if hi <= lo {
        return low;
    }
    Duration::from_millis(rng.gen_range(lo..=hi))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(strategy: Strategy) -> ReconnectPolicy {
        ReconnectPolicy {
            strategy,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(8),
            max_attempts: Some(6),
            jitter_seed: Some(7),
            ..ReconnectPolicy::default()
        }
    }

    fn delays(p: &ReconnectPolicy) -> Vec<u64> {
        let mut b = Backoff::new(p);
        std::iter::from_fn(|| b.next(p).map(|(_, d)| millis(d))).collect()
    }

    #[test]
    fn fixed_and_exponential_sequences_stop_at_max_attempts() {
        assert_eq!(delays(&policy(Strategy::Fixed)), vec![1000; 6]);
        assert_eq!(
            delays(&policy(Strategy::Exponential)),
            vec![1000, 2000, 4000, 8000, 8000, 8000]
        );
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = policy(Strategy::FullJitter);
        for (i, d) in delays(&p).into_iter().enumerate() {
            let upper = (1000u64 << i).min(8000);
            assert!(d <= upper, "attempt {i}: {d} > {upper}");
        }
        let p = policy(Strategy::DecorrelatedJitter);
        for d in delays(&p) {
            assert!((1000..=8000).contains(&d), "{d}");
        }
    }

    #[test]
    fn exponential_spread_adds_up_to_a_fifth_and_differs_by_seed() {
        let p = policy(Strategy::ExponentialSpread);
        let a = delays(&p);
        for (i, d) in a.iter().enumerate() {
            let exp = (1000u64 << i).min(8000);
            assert!((exp..=exp + exp / 5).contains(d), "attempt {i}: {d}");
        }
        assert_eq!(a, delays(&p), "the same seed gives the same delays");
        let mut other = p.clone();
        other.jitter_seed = Some(8);
        assert_ne!(a, delays(&other), "another seed spreads differently");
    }

    #[test]
    fn reset_starts_over_and_unlimited_never_ends() {
        let mut p = policy(Strategy::Exponential);
        p.max_attempts = None;
        let mut b = Backoff::new(&p);
        for _ in 0..100 {
            assert!(b.next(&p).is_some());
        }
        b.reset(&p);
        assert_eq!(b.next(&p), Some((1, Duration::from_secs(1))));
    }
}
