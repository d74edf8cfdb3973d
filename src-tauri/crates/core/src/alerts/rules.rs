//! Alert rules: what to detect and how loudly, globally and per server.
//!
//! Serde-able so the settings file stores them. Every field has a default, so a partial
//! settings file (or an older one) still loads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::event::ServerKey;

const MINUTE: u64 = 60_000;

/// Everything the alert engine is configured with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertRules {
    /// Rules for every server without an override.
    pub defaults: RuleSet,
    /// Per-server overrides, keyed by `ServerKey`'s `panel/server` form.
    pub servers: BTreeMap<String, ServerRules>,
    /// Fleet-wide detectors (node down).
    pub node_unreachable: NodeRule,
    /// Reminders and quiet hours.
    pub noise: NoiseRules,
}

impl AlertRules {
    /// The rules that apply to one server: its overrides on top of the defaults.
    pub fn for_server(&self, key: &ServerKey) -> RuleSet {
        let mut set = self.defaults.clone();
        // Runs for every event: no per-server entry at all is the usual case, and needs no
        // key text built for the lookup.
        if self.servers.is_empty() {
            return set;
        }
        if let Some(o) = self.servers.get(&key.to_string()) {
            macro_rules! take {
                ($($f:ident),*) => { $( if let Some(r) = &o.$f { set.$f = r.clone(); } )* };
            }
            take!(
                crash,
                crash_loop,
                stuck_starting,
                unexpected_offline,
                access,
                cpu,
                memory,
                disk,
                console_silent
            );
        }
        set
    }

    /// Whether the user muted this server (alerts are logged, never notified).
    pub fn is_muted(&self, key: &ServerKey) -> bool {
        self.servers.get(&key.to_string()).is_some_and(|o| o.muted)
    }

    /// Mutes or unmutes one server.
    pub fn set_muted(&mut self, key: &ServerKey, muted: bool) {
        self.servers.entry(key.to_string()).or_default().muted = muted;
    }
}

/// The detectors that apply per server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSet {
    /// A server went offline without a stop anyone asked for.
    pub crash: CrashRule,
    /// Several crashes close together, or Wings giving up its automatic restart.
    pub crash_loop: CrashLoopRule,
    /// Starting for too long.
    pub stuck_starting: DurationRule,
    /// Offline without Aerie asking for it.
    pub unexpected_offline: DurationRule,
    /// Credentials rejected, permission lost, suspended.
    pub access: ToggleRule,
    /// CPU relative to the panel's CPU limit.
    pub cpu: ThresholdRule,
    /// Memory relative to the panel's memory limit.
    pub memory: ThresholdRule,
    /// Disk relative to the panel's disk limit.
    pub disk: ThresholdRule,
    /// No console output while running.
    pub console_silent: DurationRule,
}

impl Default for RuleSet {
    fn default() -> Self {
        Self {
            crash: CrashRule::default(),
            crash_loop: CrashLoopRule::default(),
            stuck_starting: DurationRule {
                enabled: true,
                after_ms: 5 * MINUTE,
            },
            unexpected_offline: DurationRule {
                enabled: true,
                after_ms: 2 * MINUTE,
            },
            access: ToggleRule { enabled: true },
            cpu: ThresholdRule {
                enabled: true,
                percent: 95.0,
                for_ms: 5 * MINUTE,
                recover_ms: MINUTE,
            },
            memory: ThresholdRule {
                enabled: true,
                percent: 90.0,
                for_ms: 5 * MINUTE,
                recover_ms: MINUTE,
            },
            disk: ThresholdRule {
                enabled: true,
                percent: 90.0,
                for_ms: MINUTE,
                recover_ms: MINUTE,
            },
            // Off by default: an idle game server with nobody online is often silent for hours.
            console_silent: DurationRule {
                enabled: false,
                after_ms: 30 * MINUTE,
            },
        }
    }
}

/// Per-server settings; `None` fields use the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerRules {
    /// Log alerts but never notify.
    pub muted: bool,
    /// Override of [`RuleSet::crash`].
    pub crash: Option<CrashRule>,
    /// Override of [`RuleSet::crash_loop`].
    pub crash_loop: Option<CrashLoopRule>,
    /// Override of [`RuleSet::stuck_starting`].
    pub stuck_starting: Option<DurationRule>,
    /// Override of [`RuleSet::unexpected_offline`].
    pub unexpected_offline: Option<DurationRule>,
    /// Override of [`RuleSet::access`].
    pub access: Option<ToggleRule>,
    /// Override of [`RuleSet::cpu`].
    pub cpu: Option<ThresholdRule>,
    /// Override of [`RuleSet::memory`].
    pub memory: Option<ThresholdRule>,
    /// Override of [`RuleSet::disk`].
    pub disk: Option<ThresholdRule>,
    /// Override of [`RuleSet::console_silent`].
    pub console_silent: Option<DurationRule>,
}

/// A detector that is on or off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToggleRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
}

impl Default for ToggleRule {
    fn default() -> Self {
        Self { enabled: true }
    }
}

/// Crash: fires at once; resolves once the server has run again for `recover_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrashRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
    /// Success threshold: running this long after a crash counts as recovered. A crash in
    /// between keeps the same alert open (flapping is one alert, not one per crash).
    pub recover_ms: u64,
    /// How long an unconfirmed crash waits for the daemon's crash lines (which carry the exit
    /// code and OOM flag) before notifying without them. They usually follow within
    /// milliseconds; the confirmation fires at once.
    pub confirm_wait_ms: u64,
}

impl Default for CrashRule {
    fn default() -> Self {
        Self {
            enabled: true,
            recover_ms: MINUTE,
            confirm_wait_ms: 2_000,
        }
    }
}

/// Crash loop: `crashes` crashes within `window_ms`, or Wings aborting its automatic restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CrashLoopRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
    /// Crashes that make a loop (3 by default).
    pub crashes: u32,
    /// The span, ms, those crashes must fall within (10 minutes by default).
    pub window_ms: u64,
    /// Running this long counts as out of the loop.
    pub recover_ms: u64,
}

impl Default for CrashLoopRule {
    fn default() -> Self {
        Self {
            enabled: true,
            crashes: 3,
            window_ms: 10 * MINUTE,
            recover_ms: 5 * MINUTE,
        }
    }
}

/// A state that is wrong once it lasts longer than `after_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DurationRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
    /// How long the state may last.
    pub after_ms: u64,
}

impl Default for DurationRule {
    fn default() -> Self {
        Self {
            enabled: true,
            after_ms: 5 * MINUTE,
        }
    }
}

/// A resource above `percent` of its panel limit for `for_ms`; below it for `recover_ms`
/// resolves. Unlimited resources (limit 0) are never alerted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThresholdRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
    /// Usage in percent of the panel's limit for the resource (CPU: of the CPU limit, which
    /// may exceed 100 % of one core).
    pub percent: f64,
    /// Failure threshold: above for this long fires.
    pub for_ms: u64,
    /// Success threshold: below for this long resolves.
    pub recover_ms: u64,
}

impl Default for ThresholdRule {
    fn default() -> Self {
        Self {
            enabled: true,
            percent: 90.0,
            for_ms: 5 * MINUTE,
            recover_ms: MINUTE,
        }
    }
}

/// Node unreachable: every watched server of a node (at least `min_servers`) lost its
/// socket, all within `window_ms` of each other. One alert for the node instead of one per
/// server; crash and offline alerts of its servers are held back for `window_ms` so a node
/// outage does not also page once per server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeRule {
    /// Off: this detector raises no alert where the rule applies.
    pub enabled: bool,
    /// Servers a node needs before its outage is told apart from one server's.
    pub min_servers: usize,
    /// The losses must fall within this window.
    pub window_ms: u64,
    /// Failure threshold: the node must stay unreachable this long.
    pub for_ms: u64,
}

impl Default for NodeRule {
    fn default() -> Self {
        Self {
            enabled: true,
            min_servers: 2,
            window_ms: 30_000,
            for_ms: 10_000,
        }
    }
}

/// Reminders and quiet hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NoiseRules {
    /// Remind about unacknowledged active alerts this often; 0 turns reminders off.
    pub remind_every_ms: u64,
    /// Hold notifications during these hours and summarise them afterwards.
    pub quiet_hours: Option<QuietHours>,
}

impl Default for NoiseRules {
    fn default() -> Self {
        Self {
            remind_every_ms: 30 * MINUTE,
            quiet_hours: None,
        }
    }
}

/// A daily window in the user's local time, e.g. 23:00-07:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    /// Start, minutes after local midnight.
    pub start_minute: u16,
    /// End, minutes after local midnight; before `start_minute` means the window spans midnight.
    pub end_minute: u16,
    /// The user's offset from UTC in minutes (the engine never reads the clock or time zone).
    pub utc_offset_minutes: i32,
}

impl QuietHours {
    /// Whether `now_ms` (UTC) falls inside the window.
    pub fn contains(&self, now_ms: u64) -> bool {
        let utc_minute = i64::try_from(now_ms / MINUTE).unwrap_or(i64::MAX);
        let local = (utc_minute + i64::from(self.utc_offset_minutes)).rem_euclid(1440);
        let (start, end) = (i64::from(self.start_minute), i64::from(self.end_minute));
        if start <= end {
            (start..end).contains(&local)
        } else {
            local >= start || local < end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_server_override_replaces_only_that_rule() {
        let key = ServerKey::new("p", "s1");
        let mut rules = AlertRules::default();
        rules.servers.insert(
            key.to_string(),
            ServerRules {
                stuck_starting: Some(DurationRule {
                    enabled: true,
                    after_ms: 20 * MINUTE,
                }),
                ..ServerRules::default()
            },
        );
        let set = rules.for_server(&key);
        assert_eq!(set.stuck_starting.after_ms, 20 * MINUTE);
        assert_eq!(set.crash, CrashRule::default());
        assert_eq!(
            rules.for_server(&ServerKey::new("p", "other")),
            RuleSet::default()
        );
    }

    #[test]
    fn rules_survive_a_settings_round_trip_and_partial_files_load() {
        let mut rules = AlertRules::default();
        rules.set_muted(&ServerKey::new("p", "s1"), true);
        rules.noise.quiet_hours = Some(QuietHours {
            start_minute: 23 * 60,
            end_minute: 7 * 60,
            utc_offset_minutes: 60,
        });
        let json = serde_json::to_string(&rules).expect("serializes");
        let back: AlertRules = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, rules);
        let partial: AlertRules =
            serde_json::from_str(r#"{"defaults":{"cpu":{"percent":80}}}"#).expect("parses");
        assert!((partial.defaults.cpu.percent - 80.0).abs() < f64::EPSILON);
        assert!(partial.defaults.cpu.enabled);
    }

    #[test]
    fn quiet_hours_span_midnight_in_local_time() {
        let q = QuietHours {
            start_minute: 23 * 60,
            end_minute: 7 * 60,
            utc_offset_minutes: 120,
        };
        let at = |h: u64, m: u64| (h * 60 + m) * MINUTE;
        assert!(q.contains(at(21, 30)), "23:30 local");
        assert!(q.contains(at(4, 59)), "06:59 local");
        assert!(!q.contains(at(5, 0)), "07:00 local");
        assert!(!q.contains(at(12, 0)), "14:00 local");
    }
}
