//! Short per-server memories for notification bodies and images: the last console lines and
//! the last minutes of stats.

use std::collections::{HashMap, VecDeque};

use crate::event::{Rates, ServerEvent, ServerEventKind, ServerKey, Stats, TimestampMs};

/// Console lines kept per server.
const CONSOLE_LINES: usize = 5;
/// Stats kept per server: one sample per `STATS_EVERY_MS`, for `STATS_SPAN_MS`. Bounded so a
/// thousand servers cost a few MB, not one sample per second each.
const STATS_EVERY_MS: u64 = 5_000;
const STATS_SPAN_MS: u64 = 10 * 60_000;

/// A stats sample kept for a notification's chart (one every 5 s, for 10 minutes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatsSample {
    /// When it was observed.
    pub at: TimestampMs,
    /// Usage as Wings reported it (cumulative counters included).
    pub stats: Stats,
    /// Network and disk rates the session derived from the previous sample's counters.
    pub rates: Rates,
}

#[derive(Debug, Default)]
struct Tail {
    console: VecDeque<String>,
    stats: VecDeque<StatsSample>,
}

/// The last console lines and stats of every server.
#[derive(Debug, Default)]
pub struct ServerTails {
    tails: HashMap<ServerKey, Tail>,
}

impl ServerTails {
    /// Remembers what a notification may need from this event.
    pub fn observe(&mut self, ev: &ServerEvent) {
        match &ev.kind {
            ServerEventKind::Console { line, .. } => {
                let tail = super::per_server(&mut self.tails, &ev.key);
                for part in line.split(['\n', '\r']).filter(|p| !p.trim().is_empty()) {
                    if tail.console.len() == CONSOLE_LINES {
                        tail.console.pop_front();
                    }
                    tail.console.push_back(strip_ansi(part));
                }
            }
            ServerEventKind::Stats { stats, rates } => {
                let tail = super::per_server(&mut self.tails, &ev.key);
                if tail
                    .stats
                    .back()
                    .is_some_and(|last| ev.at < last.at + STATS_EVERY_MS)
                {
                    return;
                }
                while tail
                    .stats
                    .front()
                    .is_some_and(|first| ev.at.saturating_sub(first.at) > STATS_SPAN_MS)
                {
                    tail.stats.pop_front();
                }
                tail.stats.push_back(StatsSample {
                    at: ev.at,
                    stats: **stats,
                    rates: *rates,
                });
            }
            _ => {}
        }
    }

    /// The last console lines, oldest first, without ANSI escapes.
    pub fn console(&self, key: &ServerKey) -> Vec<String> {
        self.tails
            .get(key)
            .map(|t| t.console.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// The last minutes of stats, oldest first.
    pub fn stats(&self, key: &ServerKey) -> Vec<StatsSample> {
        self.tails
            .get(key)
            .map(|t| t.stats.iter().copied().collect())
            .unwrap_or_default()
    }
}

/// Removes every terminal escape sequence (one implementation for the whole app).
pub use crate::text::strip_ansi;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::ConsoleOrigin;

    fn line(at: TimestampMs, line: &str) -> ServerEvent {
        ServerEvent {
            key: ServerKey::new("p", "s"),
            at,
            kind: ServerEventKind::Console {
                line: line.into(),
                origin: ConsoleOrigin::Daemon,
            },
        }
    }

    #[test]
    fn console_tail_keeps_the_last_lines_without_colour_codes() {
        let mut tails = ServerTails::default();
        for i in 0..7 {
            tails.observe(&line(i, &format!("line {i}")));
        }
        tails.observe(&line(
            8,
            "\u{1b}[33m\u{1b}[1m[Pterodactyl Daemon]:\u{1b}[39m Exit code: 137\u{1b}[0m",
        ));
        let got = tails.console(&ServerKey::new("p", "s"));
        assert_eq!(got.len(), CONSOLE_LINES);
        assert_eq!(
            got.last().map(String::as_str),
            Some("[Pterodactyl Daemon]: Exit code: 137")
        );
        assert_eq!(got[0], "line 3");
    }

    #[test]
    fn stats_tail_is_bounded_and_downsampled() {
        let mut tails = ServerTails::default();
        let key = ServerKey::new("p", "s");
        for s in 0..3600u64 {
            tails.observe(&ServerEvent {
                key: key.clone(),
                at: s * 1000,
                kind: ServerEventKind::Stats {
                    stats: Box::default(),
                    rates: Rates::default(),
                },
            });
        }
        let kept = tails.stats(&key);
        assert!(kept.len() <= (STATS_SPAN_MS / STATS_EVERY_MS + 1) as usize);
        let (first, last) = (kept[0].at, kept[kept.len() - 1].at);
        assert!(last - first <= STATS_SPAN_MS, "{first}..{last}");
        assert!(last >= 3_595_000, "the newest samples are kept");
    }
}
