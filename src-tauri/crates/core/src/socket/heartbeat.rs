//! The ping/pong bookkeeping of one connection, shared by the resilient socket's task and the
//! fleet's server tasks (who own the timers and the writing). Pure: time is passed in.
//!
//! A ping carries a sequence number, so a late pong of an older ping is not taken for the
//! answer to the latest. A newer ping supersedes an unanswered one but keeps its deadline and
//! its traffic mark, so frequent pings never postpone the verdict.

use std::time::Duration;

use tokio::time::Instant;

/// The ping awaiting its pong.
#[derive(Debug, Clone, Copy)]
struct Outstanding {
    seq: u64,
    sent: Instant,
    /// Frames received when the first unanswered ping went out.
    seen: u64,
    /// When the missing pong is judged.
    due: Instant,
}

/// One connection's heartbeat state.
#[derive(Debug)]
pub(crate) struct Heartbeat {
    seq: u64,
    out: Option<Outstanding>,
    /// Frames of any kind received on this connection.
    frames: u64,
    last_rx: Instant,
}

impl Heartbeat {
    /// A fresh connection, opened at `now`.
    pub(crate) fn new(now: Instant) -> Self {
        Self {
            seq: 0,
            out: None,
            frames: 0,
            last_rx: now,
        }
    }

    /// A frame of any kind arrived.
    #[inline]
    pub(crate) fn received(&mut self, now: Instant) {
        self.frames += 1;
        self.last_rx = now;
    }

    /// When the last frame arrived (the connection's opening if none has).
    pub(crate) fn last_rx(&self) -> Instant {
        self.last_rx
    }

    /// Records a ping sent at `now` and returns its payload. The pong is due `timeout` after
    /// the oldest unanswered ping.
    pub(crate) fn ping(&mut self, now: Instant, timeout: Duration) -> [u8; 8] {
        self.seq = self.seq.wrapping_add(1);
        let (seen, due) = match self.out {
            Some(o) => (o.seen, o.due),
            None => (self.frames, now + timeout),
        };
        self.out = Some(Outstanding {
            seq: self.seq,
            sent: now,
            seen,
            due,
        });
        self.seq.to_be_bytes()
    }

    /// A pong arrived: the round trip when it answers the latest ping.
    pub(crate) fn pong(&mut self, payload: &[u8], now: Instant) -> Option<Duration> {
        let o = self.out?;
        if payload != o.seq.to_be_bytes() {
            return None;
        }
        self.out = None;
        Some(now.saturating_duration_since(o.sent))
    }

    /// Counts any traffic as the answer (protocols without ping frames).
    pub(crate) fn answered(&mut self) {
        self.out = None;
    }

    /// When the unanswered ping's pong is due, if one is awaited.
    pub(crate) fn pong_due(&self) -> Option<Instant> {
        self.out.map(|o| o.due)
    }

    /// At the pong's deadline: whether the link is dead. With `traffic_counts`, frames that
    /// arrived since the ping prove the link alive (the pong is queued behind them) and the
    /// wait ends without a verdict.
    pub(crate) fn overdue(&mut self, traffic_counts: bool) -> bool {
        let Some(o) = self.out.take() else {
            return false;
        };
        !(traffic_counts && self.frames != o.seen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn a_pong_answers_only_the_latest_ping_and_gives_the_round_trip() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(t0);
        let old = hb.ping(t0, T);
        let new = hb.ping(t0 + Duration::from_secs(1), T);
        assert_eq!(
            hb.pong(&old, t0 + Duration::from_secs(2)),
            None,
            "late pong"
        );
        assert_eq!(
            hb.pong(&new, t0 + Duration::from_secs(3)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(hb.pong_due(), None);
    }

    #[test]
    fn a_newer_ping_keeps_the_first_deadline() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(t0);
        hb.ping(t0, T);
        hb.ping(t0 + Duration::from_secs(5), T);
        assert_eq!(hb.pong_due(), Some(t0 + T));
    }

    #[test]
    fn traffic_excuses_a_late_pong_only_when_asked_to() {
        let t0 = Instant::now();
        let mut hb = Heartbeat::new(t0);
        hb.ping(t0, T);
        assert!(hb.overdue(true), "no traffic since the ping: dead");
        hb.ping(t0, T);
        hb.received(t0 + Duration::from_secs(1));
        assert!(!hb.overdue(true), "traffic since the ping: alive");
        hb.ping(t0, T);
        hb.received(t0 + Duration::from_secs(1));
        assert!(hb.overdue(false), "strict: only a pong answers");
    }
}
