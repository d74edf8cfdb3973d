//! How much history the database keeps. Part of the settings file (`[history]`).

use serde::{Deserialize, Serialize};

/// Largest console archive per server: 64 MiB (32 times the default). More would let a few
/// noisy servers fill the disk, and reads of the archive (export, backfill) grow with it.
pub const MAX_CONSOLE_BYTES_PER_SERVER: u64 = 64 * 1024 * 1024;

/// One downsampling tier: buckets of `step_secs`, kept for `keep_hours`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Bucket length in seconds (each bucket stores the mean of the samples in it).
    pub step_secs: u32,
    /// How long buckets of this tier are kept, in hours.
    pub keep_hours: u32,
}

impl Tier {
    /// Bucket length in milliseconds.
    pub fn step_ms(&self) -> u64 {
        u64::from(self.step_secs.max(1)) * 1000
    }

    /// Retention in milliseconds.
    pub fn keep_ms(&self) -> u64 {
        u64::from(self.keep_hours) * 3_600_000
    }
}

/// History retention: metric tiers, the alert log and the console archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retention {
    /// Metric tiers, finest first. The defaults keep 5 s buckets for 6 h (the 15 min and 1 h
    /// charts), 1 min buckets for 7 days (24 h and 7 d charts) and 15 min buckets for 90 days.
    pub tiers: Vec<Tier>,
    /// Alert log entries older than this are deleted.
    pub alert_log_days: u32,
    /// Console archive cap per server, bytes; the oldest lines go first.
    pub console_bytes_per_server: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            tiers: vec![
                Tier {
                    step_secs: 5,
                    keep_hours: 6,
                },
                Tier {
                    step_secs: 60,
                    keep_hours: 7 * 24,
                },
                Tier {
                    step_secs: 900,
                    keep_hours: 90 * 24,
                },
            ],
            alert_log_days: 365,
            console_bytes_per_server: 2 * 1024 * 1024,
        }
    }
}

impl Retention {
    /// Checks the values a user may have typed; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        if self.tiers.is_empty() {
            return Err("history.tiers must list at least one tier".into());
        }
        let mut prev = 0;
        for t in &self.tiers {
            if t.step_secs == 0 || t.keep_hours == 0 {
                return Err("history.tiers: step_secs and keep_hours must be above 0".into());
            }
            if t.step_secs <= prev {
                return Err("history.tiers must go from the finest step to the coarsest".into());
            }
            prev = t.step_secs;
        }
        if self.console_bytes_per_server < 4096 {
            return Err("history.console_bytes_per_server must be at least 4096".into());
        }
        Ok(())
    }

    /// This retention with `console_bytes_per_server` brought down to
    /// [`MAX_CONSOLE_BYTES_PER_SERVER`], saying so in the log when it was above.
    pub fn clamped(mut self) -> Self {
        if self.console_bytes_per_server > MAX_CONSOLE_BYTES_PER_SERVER {
            tracing::warn!(
                configured = self.console_bytes_per_server,
                used = MAX_CONSOLE_BYTES_PER_SERVER,
                "history.console_bytes_per_server is above its limit of 64 MiB per server; using 64 MiB"
            );
            self.console_bytes_per_server = MAX_CONSOLE_BYTES_PER_SERVER;
        }
        self
    }

    /// The finest tier whose retention covers `span_ms` (the coarsest when none does).
    pub fn tier_for_span(&self, span_ms: u64) -> Option<Tier> {
        self.tiers
            .iter()
            .find(|t| t.keep_ms() >= span_ms)
            .or(self.tiers.last())
            .copied()
    }
}
