//! The small stateful pieces of a session: power state and crash detection, rates from
//! cumulative counters, and de-duplication of the `send logs` replay.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::console::CrashLine;
use crate::event::{Fact, PowerState, Rates, ServerEventKind, Stats};
use crate::source::PowerSignal;

/// How long a power action Aerie sent explains the next offline (ms).
const REQUEST_MEMORY_MS: u64 = 10 * 60 * 1000;

/// How long an unexplained offline waits for the daemon's crash lines before it is reported
/// as an unconfirmed crash (ms). Wings writes them right after the status, so they normally
/// arrive within milliseconds; they are missing when crash detection is off for the server,
/// when a clean exit is not counted, or when the lossy event path dropped them (§6.6).
pub(super) const CRASH_CONFIRM_MS: u64 = 250;

/// Status machine plus the crash-vs-stop rules of the protocol notes (§8).
///
/// One crash is reported once: confirmed (with exit code and OOM flag) when the daemon's
/// crash lines follow, unconfirmed when they do not within [`CRASH_CONFIRM_MS`].
#[derive(Debug, Default)]
pub(super) struct PowerTracker {
    state: Option<PowerState>,
    saw_stopping: bool,
    requested: Option<(PowerSignal, u64)>,
    /// An offline nobody asked for, waiting for the crash lines: since when (ms).
    suspect: Option<u64>,
    /// Crash lines being collected: exit code, OOM flag, since when (ms).
    pending_crash: Option<(Option<i32>, Option<bool>, u64)>,
}

impl PowerTracker {
    pub fn state(&self) -> Option<PowerState> {
        self.state
    }

    /// Remembers a power action Aerie sent, so the offline it causes is not a crash.
    pub fn note_request(&mut self, signal: PowerSignal, now_ms: u64) {
        if signal.stops() {
            self.requested = Some((signal, now_ms));
        }
    }

    /// When [`PowerTracker::tick`] must run next (ms), if a crash report is waiting.
    pub fn deadline(&self) -> Option<u64> {
        let lines = self.pending_crash.map(|(_, _, at)| at);
        [self.suspect, lines]
            .into_iter()
            .flatten()
            .min()
            .map(|at| at.saturating_add(CRASH_CONFIRM_MS))
    }

    /// Reports what waited long enough for its confirmation.
    pub fn tick(&mut self, now_ms: u64, out: &mut Vec<ServerEventKind>) {
        if self
            .pending_crash
            .is_some_and(|(_, _, at)| now_ms >= at.saturating_add(CRASH_CONFIRM_MS))
        {
            self.flush_crash(out);
        }
        if self
            .suspect
            .is_some_and(|at| now_ms >= at.saturating_add(CRASH_CONFIRM_MS))
        {
            self.flush_suspect(out);
        }
    }

    pub fn on_status(&mut self, new: PowerState, now_ms: u64, out: &mut Vec<ServerEventKind>) {
        let prev = self.state;
        if prev == Some(new) {
            return;
        }
        self.flush_crash(out);
        self.flush_suspect(out);
        self.state = Some(new);
        out.push(ServerEventKind::Status {
            state: new,
            previous: prev,
        });
        match new {
            PowerState::Stopping => self.saw_stopping = true,
            PowerState::Offline => {
                let requested = self
                    .requested
                    .take()
                    .filter(|(_, at)| now_ms.saturating_sub(*at) <= REQUEST_MEMORY_MS);
                let was_up = matches!(prev, Some(PowerState::Running | PowerState::Starting));
                if requested.is_some() && prev.is_some() {
                    out.push(ServerEventKind::Alert {
                        fact: Fact::RequestedStop,
                    });
                } else if was_up && !self.saw_stopping {
                    // Reported once the daemon's crash lines (exit code, OOM) arrived, or
                    // unconfirmed if they do not come.
                    self.suspect = Some(now_ms);
                }
                self.saw_stopping = false;
            }
            PowerState::Starting | PowerState::Running => self.saw_stopping = false,
        }
    }

    pub fn on_crash_line(&mut self, line: &CrashLine, now_ms: u64, out: &mut Vec<ServerEventKind>) {
        match line {
            CrashLine::Detected => {
                self.flush_crash(out);
                // The daemon confirms the offline we suspected (or one whose status was lost).
                self.suspect = None;
                self.pending_crash = Some((None, None, now_ms));
            }
            CrashLine::ExitCode(c) => {
                if let Some(p) = &mut self.pending_crash {
                    p.0 = Some(*c);
                }
            }
            CrashLine::OutOfMemory(o) => {
                if let Some(p) = &mut self.pending_crash {
                    p.1 = Some(*o);
                }
                self.flush_crash(out);
            }
            CrashLine::AbortingRestart(reason) => {
                self.flush_crash(out);
                // "crash detection is disabled": no crash lines came, report it now.
                self.flush_suspect(out);
                out.push(ServerEventKind::Alert {
                    fact: Fact::AutoRestartAborted {
                        reason: reason.clone(),
                    },
                });
            }
        }
    }

    fn flush_crash(&mut self, out: &mut Vec<ServerEventKind>) {
        if let Some((exit_code, oom, _)) = self.pending_crash.take() {
            out.push(ServerEventKind::Alert {
                fact: Fact::Crashed {
                    exit_code,
                    oom,
                    confirmed: true,
                },
            });
        }
    }

    fn flush_suspect(&mut self, out: &mut Vec<ServerEventKind>) {
        if self.suspect.take().is_some() {
            out.push(ServerEventKind::Alert {
                fact: Fact::Crashed {
                    exit_code: None,
                    oom: None,
                    confirmed: false,
                },
            });
        }
    }
}

/// Rates from consecutive cumulative counters. A counter that goes down (container restart,
/// zeroed offline stats) yields a rate of 0 for that sample instead of a huge bogus number.
#[derive(Debug, Default)]
pub(super) struct RateTracker {
    last: Option<(u64, Stats)>,
}

impl RateTracker {
    pub fn sample(&mut self, stats: &Stats, now_ms: u64) -> Rates {
        let rates = match &self.last {
            Some((at, prev)) if now_ms > *at => {
                let secs = (now_ms - at) as f64 / 1000.0;
                let rate = |new: u64, old: u64| {
                    if new >= old {
                        (new - old) as f64 / secs
                    } else {
                        0.0
                    }
                };
                let disk = match (stats.disk_io, prev.disk_io) {
                    (Some(n), Some(o)) => (
                        Some(rate(n.read_bytes, o.read_bytes)),
                        Some(rate(n.write_bytes, o.write_bytes)),
                    ),
                    (Some(_), None) => (Some(0.0), Some(0.0)),
                    _ => (None, None),
                };
                Rates {
                    rx_bps: rate(stats.network_rx_bytes, prev.network_rx_bytes),
                    tx_bps: rate(stats.network_tx_bytes, prev.network_tx_bytes),
                    disk_read_bps: disk.0,
                    disk_write_bps: disk.1,
                }
            }
            _ => Rates {
                disk_read_bps: stats.disk_io.map(|_| 0.0),
                disk_write_bps: stats.disk_io.map(|_| 0.0),
                ..Rates::default()
            },
        };
        self.last = Some((now_ms, *stats));
        rates
    }
}

/// Remembers the last container lines so the `send logs` replay after a reconnect only
/// yields the lines that were missed.
///
/// Live lines cost one hash and a ring push (this runs for every console line of every
/// server); the per-hash counts are only built when a replay starts.
#[derive(Debug)]
pub(super) struct Backfill {
    recent: VecDeque<u64>,
    cap: usize,
    /// While replaying: lines still expected, and the replay window's end (ms).
    replay: Option<(usize, u64)>,
    /// Replay lines not yet matched (each seen line can cancel one replayed line).
    unmatched: HashMap<u64, u32, BuildHasherDefault<PreHashed>>,
}

/// The keys are already hashes: use them as they are.
#[derive(Debug, Default)]
pub(super) struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash_line(line: &str) -> u64 {
    let mut h = DefaultHasher::new();
    line.hash(&mut h);
    h.finish()
}

impl Backfill {
    pub fn new(cap: usize) -> Self {
        Self {
            recent: VecDeque::with_capacity(cap),
            cap,
            replay: None,
            unmatched: HashMap::default(),
        }
    }

    /// A replay of up to `lines` lines is expected within `window_ms` after `now_ms`.
    pub fn expect_replay(&mut self, lines: usize, now_ms: u64, window_ms: u64) {
        self.replay = Some((lines, now_ms.saturating_add(window_ms)));
        self.unmatched.clear();
        for h in &self.recent {
            *self.unmatched.entry(*h).or_default() += 1;
        }
    }

    /// Classifies a container line: `None` = duplicate of one already shown; `Some(true)` =
    /// replayed line that was missed; `Some(false)` = live.
    pub fn classify(&mut self, line: &str, now_ms: u64) -> Option<bool> {
        let h = hash_line(line);
        let replaying = match &mut self.replay {
            Some((left, until)) if *left > 0 && now_ms <= *until => {
                *left -= 1;
                true
            }
            Some(_) => {
                self.replay = None;
                self.unmatched = HashMap::default();
                false
            }
            None => false,
        };
        if replaying && let Some(c) = self.unmatched.get_mut(&h).filter(|c| **c > 0) {
            *c -= 1;
            return None;
        }
        if self.recent.len() >= self.cap.max(1) {
            self.recent.pop_front();
        }
        self.recent.push_back(h);
        Some(replaying)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::DiskIo;

    fn facts(out: &[ServerEventKind]) -> Vec<Fact> {
        out.iter()
            .filter_map(|k| match k {
                ServerEventKind::Alert { fact } => Some(fact.clone()),
                _ => None,
            })
            .collect()
    }

    fn run(p: &mut PowerTracker, states: &[PowerState]) -> Vec<Fact> {
        let mut out = Vec::new();
        for s in states {
            p.on_status(*s, 1000, &mut out);
        }
        facts(&out)
    }

    use PowerState::*;

    #[test]
    fn running_to_offline_without_stopping_is_one_crash_confirmed_by_the_daemon() {
        let mut p = PowerTracker::default();
        let f = run(&mut p, &[Offline, Starting, Running, Offline]);
        assert!(f.is_empty(), "waits for the daemon's report: {f:?}");
        assert_eq!(p.deadline(), Some(1000 + CRASH_CONFIRM_MS));
        let mut out = Vec::new();
        p.on_crash_line(&CrashLine::Detected, 1001, &mut out);
        p.on_crash_line(&CrashLine::ExitCode(1), 1001, &mut out);
        p.on_crash_line(&CrashLine::OutOfMemory(true), 1002, &mut out);
        p.on_crash_line(
            &CrashLine::AbortingRestart("last crash".into()),
            1002,
            &mut out,
        );
        p.tick(5000, &mut out);
        assert_eq!(
            facts(&out),
            vec![
                Fact::Crashed {
                    exit_code: Some(1),
                    oom: Some(true),
                    confirmed: true
                },
                Fact::AutoRestartAborted {
                    reason: "last crash".into()
                }
            ]
        );
    }

    #[test]
    fn an_offline_without_crash_lines_is_one_unconfirmed_crash_after_the_wait() {
        let mut p = PowerTracker::default();
        run(&mut p, &[Running, Offline]);
        let mut out = Vec::new();
        p.tick(1000 + CRASH_CONFIRM_MS - 1, &mut out);
        assert!(facts(&out).is_empty(), "not yet");
        p.tick(1000 + CRASH_CONFIRM_MS, &mut out);
        p.tick(9000, &mut out);
        assert_eq!(
            facts(&out),
            vec![Fact::Crashed {
                exit_code: None,
                oom: None,
                confirmed: false
            }],
            "once"
        );
        assert_eq!(p.deadline(), None);
        // Crash detection disabled: the abort line reports it at once, before the abort.
        run(&mut p, &[Starting, Running, Offline]);
        let mut out = Vec::new();
        p.on_crash_line(
            &CrashLine::AbortingRestart("crash detection is disabled".into()),
            1001,
            &mut out,
        );
        assert!(matches!(
            facts(&out)[..],
            [
                Fact::Crashed {
                    confirmed: false,
                    ..
                },
                Fact::AutoRestartAborted { .. }
            ]
        ));
    }

    #[test]
    fn stops_through_stopping_are_never_crashes() {
        let mut p = PowerTracker::default();
        assert!(
            run(&mut p, &[Running, Stopping, Offline]).is_empty(),
            "console stop / kill"
        );
        assert!(
            run(
                &mut p,
                &[Starting, Running, Stopping, Offline, Starting, Running]
            )
            .is_empty()
        );
    }

    #[test]
    fn a_stop_aerie_sent_is_a_requested_stop_even_if_stopping_was_lost() {
        let mut p = PowerTracker::default();
        run(&mut p, &[Running]);
        p.note_request(PowerSignal::Kill, 1000);
        assert_eq!(run(&mut p, &[Offline]), vec![Fact::RequestedStop]);
        run(&mut p, &[Starting, Running]);
        p.note_request(PowerSignal::Restart, 1000);
        assert_eq!(
            run(&mut p, &[Stopping, Offline, Starting, Running]),
            vec![Fact::RequestedStop]
        );
        // The request is used up: the next unexplained offline is a crash again.
        run(&mut p, &[Offline]);
        let mut out = Vec::new();
        p.tick(u64::MAX, &mut out);
        assert!(matches!(facts(&out)[..], [Fact::Crashed { .. }]));
    }

    #[test]
    fn crash_lines_without_a_seen_status_still_confirm_a_crash() {
        let mut p = PowerTracker::default();
        let mut out = Vec::new();
        p.on_crash_line(&CrashLine::Detected, 0, &mut out);
        p.on_crash_line(&CrashLine::ExitCode(137), 0, &mut out);
        p.on_status(Starting, 0, &mut out);
        assert_eq!(
            facts(&out),
            vec![Fact::Crashed {
                exit_code: Some(137),
                oom: None,
                confirmed: true
            }]
        );
    }

    #[test]
    fn rates_come_from_deltas_and_survive_counter_resets() {
        let mut r = RateTracker::default();
        let s = |rx: u64, w: u64| Stats {
            network_rx_bytes: rx,
            disk_io: Some(DiskIo {
                read_bytes: 0,
                write_bytes: w,
            }),
            ..Stats::default()
        };
        assert_eq!(r.sample(&s(1000, 0), 0).rx_bps, 0.0);
        let x = r.sample(&s(3000, 500), 2000);
        assert_eq!((x.rx_bps, x.disk_write_bps), (1000.0, Some(250.0)));
        let reset = r.sample(&s(10, 0), 3000);
        assert_eq!((reset.rx_bps, reset.disk_write_bps), (0.0, Some(0.0)));
        assert_eq!(
            r.sample(&s(10, 0), 3000).rx_bps,
            0.0,
            "same instant: no division by zero"
        );
    }

    #[test]
    fn replay_after_reconnect_yields_only_missed_lines() {
        let mut b = Backfill::new(150);
        for l in ["a", "b", "c"] {
            assert_eq!(b.classify(l, 0), Some(false));
        }
        b.expect_replay(150, 100, 2000);
        let got: Vec<_> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|l| b.classify(l, 200))
            .collect();
        assert_eq!(got, vec![None, None, None, Some(true), Some(true)]);
        // After the window, lines are live even if they repeat.
        assert_eq!(b.classify("a", 5000), Some(false));
    }
}
