//! Alerts and history in the desktop: `aerie-core`'s alert service on the fleet's events, with
//! desktop notifications and the SQLite store (metrics history, console archive, alert log).
//!
//! Everything here is wiring; the behaviour lives in `aerie_core::alerts` and
//! `aerie_core::store`. The shell adds only what the UI needs on top:
//! - the alert log adapter ([`StoreLog`]): `Fire`/`Resolved` outputs become rows of kind
//!   `alert.fire`/`alert.resolved` in the store's alert log (next to the fleet's own fact rows),
//!   with the core [`Alert`] as payload;
//! - the snooze end and the muted servers, which the service does not expose, for the UI's
//!   [`AlertsFrame`] (mutes are kept in the settings file's `[desktop]` section);
//! - the mapping from the settings view's rules to core's ([`core_rules`]).

use crate::commands::settings::{AlertRules as UiRules, QuietHours as UiQuiet};
use aerie_core::alerts::{
    Alert, AlertKind, AlertLog, AlertOutput, AlertRules, AlertService, QuietHours, ServiceOptions,
    Severity, Sink,
};
use aerie_core::event::{ServerKey, TimestampMs};
use aerie_core::fleet::{Fleet, Received};
use aerie_core::notify::{DesktopNotifier, DesktopSink};
use aerie_core::store::{AlertEntry, Store, Writer, WriterHandle};
use serde::Serialize;
use std::collections::{BTreeSet, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use ts_rs::TS;

/// Records buffered for the history writer before it drops (and counts) the newest.
const WRITER_CAPACITY: usize = 8_192;
/// Alert-log kinds written by [`StoreLog`].
const FIRE: &str = "alert.fire";
const RESOLVED: &str = "alert.resolved";

/// How bad an alert is, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AlertSeverity {
    /// Something is down.
    Critical,
    /// Needs a look.
    Warning,
    /// For information.
    Info,
}

/// One alert, active or historical.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AlertRecord {
    /// Stable id, e.g. `crash:server:panel/abcd1234` (what `ack_alert` takes).
    pub id: String,
    /// The server (for node alerts: the first affected server).
    pub key: ServerKey,
    /// Display name.
    pub server_name: String,
    /// Rule that fired: `crash`, `crash_loop`, `stuck_starting`, `offline`, `node_down`,
    /// `credentials`, `cpu`, `memory`, `disk`, `silent_console`.
    pub rule: String,
    /// How bad.
    pub severity: AlertSeverity,
    /// One line.
    pub title: String,
    /// More words.
    pub detail: String,
    /// When the condition began.
    #[ts(type = "number")]
    pub started_at: u64,
    /// `null` while active.
    #[ts(type = "number | null")]
    pub resolved_at: Option<u64>,
    /// Acknowledged: no reminders until it recovers.
    pub acknowledged: bool,
}

/// What a test alert did at one webhook sink ("Send test").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct SinkTestResult {
    /// The sink's name.
    pub sink: String,
    /// `discord`, `ntfy`, `slack` or `json`.
    pub kind: String,
    /// The receiver accepted the test alert.
    pub delivered: bool,
    /// Why not, for a person (never the URL); `null` when delivered.
    pub error: Option<String>,
}

impl From<aerie_core::notify::webhook::TestOutcome> for SinkTestResult {
    fn from(o: aerie_core::notify::webhook::TestOutcome) -> Self {
        Self {
            sink: o.config.name,
            kind: o.config.kind.as_str().to_owned(),
            delivered: o.result.is_ok(),
            error: o.result.err(),
        }
    }
}

/// The alert state pushed whenever it changes.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct AlertsFrame {
    /// Active alerts.
    pub active: Vec<AlertRecord>,
    /// Snooze-all end, ms since the Unix epoch; `null` when not snoozed.
    #[ts(type = "number | null")]
    pub snoozed_until: Option<u64>,
    /// Row ids (`<panel>/<server>`) that are muted.
    pub muted: Vec<String>,
}

fn rule_name(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Crash => "crash",
        AlertKind::CrashLoop => "crash_loop",
        AlertKind::StuckStarting => "stuck_starting",
        AlertKind::UnexpectedOffline => "offline",
        AlertKind::NodeUnreachable => "node_down",
        AlertKind::CredentialsRejected | AlertKind::PermissionLost | AlertKind::Suspended => {
            "credentials"
        }
        AlertKind::HighCpu => "cpu",
        AlertKind::HighMemory => "memory",
        AlertKind::HighDisk => "disk",
        AlertKind::ConsoleSilent => "silent_console",
    }
}

/// The server an alert is filed under: its subject, else the first affected server.
fn key_of(alert: &Alert) -> Option<ServerKey> {
    alert
        .id
        .subject
        .server()
        .cloned()
        .or_else(|| alert.servers.first().cloned())
}

impl AlertRecord {
    /// The UI's form of a core alert.
    pub fn of(alert: &Alert, resolved_at: Option<u64>) -> Self {
        use aerie_core::alerts::Subject;
        let key = key_of(alert).unwrap_or_else(|| match &alert.id.subject {
            Subject::Server { key } => key.clone(),
            Subject::Node { panel, node } => ServerKey::new(panel.as_str(), node.as_str()),
            Subject::Account { panel } => ServerKey::new(panel.as_str(), ""),
        });
        Self {
            id: alert.id.to_string(),
            key,
            server_name: alert.name.clone(),
            rule: rule_name(alert.id.kind).to_string(),
            severity: match alert.severity {
                Severity::Critical => AlertSeverity::Critical,
                Severity::Warning => AlertSeverity::Warning,
            },
            title: alert.title.clone(),
            detail: alert.detail.clone(),
            started_at: alert.since,
            resolved_at,
            acknowledged: alert.acknowledged,
        }
    }
}

/// The alert log in the store: `Fire` and `Resolved` outputs, filed under their server.
#[derive(Debug)]
pub struct StoreLog(pub WriterHandle);

impl AlertLog for StoreLog {
    fn record(&mut self, at: TimestampMs, output: &AlertOutput) -> aerie_core::Result<()> {
        let (kind, alert) = match output {
            AlertOutput::Fire { alert, .. } => (FIRE, alert),
            AlertOutput::Resolved { alert, .. } => (RESOLVED, alert),
            _ => return Ok(()),
        };
        let Some(key) = key_of(alert) else {
            return Ok(());
        };
        let payload = serde_json::to_value(alert).unwrap_or(serde_json::Value::Null);
        if !self.0.record_alert(&key, at, kind, &payload) {
            tracing::warn!(%key, kind, "alert log: writer behind, entry dropped");
        }
        Ok(())
    }
}

/// Alert history from log rows (newest first): one record per alert episode, resolved when its
/// `alert.resolved` row exists.
pub fn history(entries: &[AlertEntry], limit: usize) -> Vec<AlertRecord> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in entries {
        let resolved = match e.kind.as_str() {
            FIRE => false,
            RESOLVED => true,
            _ => continue,
        };
        let Ok(alert) = serde_json::from_value::<Alert>(e.payload.clone()) else {
            continue;
        };
        if !seen.insert((alert.id.to_string(), alert.fired_at)) {
            continue;
        }
        out.push(AlertRecord::of(&alert, resolved.then_some(e.at_ms)));
        if out.len() >= limit {
            break;
        }
    }
    out
}

fn minutes_of(hhmm: &str) -> u16 {
    let (h, m) = hhmm.split_once(':').unwrap_or(("0", "0"));
    h.parse::<u16>().unwrap_or(0) * 60 + m.parse::<u16>().unwrap_or(0)
}

/// The settings view's rules as core's. A duration or percentage of 0 turns that rule off;
/// quiet hours use the machine's current UTC offset.
pub fn core_rules(ui: &UiRules, quiet: &UiQuiet) -> AlertRules {
    let ms = |s: u32| u64::from(s) * 1000;
    let mut rules = AlertRules::default();
    let d = &mut rules.defaults;
    d.crash.enabled = ui.crash;
    d.crash_loop.enabled = ui.crash && ui.crash_loop_count > 1;
    d.crash_loop.crashes = ui.crash_loop_count.max(2);
    d.crash_loop.window_ms = ms(ui.crash_loop_window_s);
    d.stuck_starting.enabled = ui.stuck_starting_s > 0;
    d.stuck_starting.after_ms = ms(ui.stuck_starting_s);
    d.unexpected_offline.enabled = ui.unexpected_offline;
    for (rule, percent) in [
        (&mut d.cpu, ui.cpu_percent),
        (&mut d.memory, ui.memory_percent),
        (&mut d.disk, ui.disk_percent),
    ] {
        rule.enabled = percent > 0;
        rule.percent = f64::from(percent);
        rule.for_ms = ms(ui.threshold_duration_s);
    }
    d.console_silent.enabled = ui.silent_console_s > 0;
    d.console_silent.after_ms = ms(ui.silent_console_s);
    rules.node_unreachable.enabled = ui.node_down;
    rules.noise.remind_every_ms = ms(ui.reminder_s);
    rules.noise.quiet_hours = quiet.enabled.then(|| QuietHours {
        start_minute: minutes_of(&quiet.start),
        end_minute: minutes_of(&quiet.end),
        utc_offset_minutes: chrono::Local::now().offset().local_minus_utc() / 60,
    });
    rules
}

/// The alert service, the store and what the UI needs besides.
pub struct Alerting {
    /// The alert service on the fleet's events.
    pub service: AlertService,
    /// The history database (reads); `None` when it could not open.
    pub store: Option<Arc<Store>>,
    writer: Option<Writer>,
    /// The desktop sink, for the notifications switch; `None` without a notification server.
    desktop: Option<Arc<DesktopSink>>,
    muted: Mutex<BTreeSet<ServerKey>>,
    snoozed_until: Mutex<Option<u64>>,
    /// Bumped whenever mute or snooze changes (the active list has its own watch).
    changed: watch::Sender<u64>,
}

impl std::fmt::Debug for Alerting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerting")
            .field(
                "store",
                &self.store.as_ref().map(|s| s.path().to_path_buf()),
            )
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Alerting {
    /// Opens the store, starts recording the fleet's events into it and starts the alert
    /// service (inside a tokio runtime) with desktop notifications and `webhooks`. Neither a
    /// damaged database nor a missing notification daemon stops alerting: each is logged and
    /// left out. Returns the notification clicks.
    pub fn start(
        fleet: &Fleet,
        settings: &aerie_core::settings::Settings,
        rules: AlertRules,
        database: &std::path::Path,
        webhooks: Vec<Arc<dyn Sink>>,
    ) -> (Self, Option<mpsc::UnboundedReceiver<ServerKey>>) {
        let store = Store::open(database, settings.history.clone())
            .map_err(|e| tracing::error!(error = %e, "history store: cannot open"))
            .ok()
            .map(Arc::new);
        let writer = store.as_ref().and_then(|s| {
            s.start_writer(WRITER_CAPACITY)
                .map_err(|e| tracing::error!(error = %e, "history store: no writer"))
                .ok()
        });
        if let Some(w) = &writer {
            record_history(fleet, w.handle());
        }
        // Connected even when the setting is off, so turning it on applies at once.
        let (desktop, clicks) = match DesktopNotifier::new("Aerie") {
            Ok((n, clicks)) => {
                let on = settings.alerts.desktop_notifications;
                (Some(Arc::new(DesktopSink::new(n, on))), Some(clicks))
            }
            Err(e) => {
                tracing::warn!(error = %e, "no desktop notifications");
                (None, None)
            }
        };
        let sinks = desktop
            .iter()
            .map(|d| Arc::clone(d) as Arc<dyn Sink>)
            .chain(webhooks);
        let muted = rules
            .servers
            .iter()
            .filter(|(_, r)| r.muted)
            .filter_map(|(k, _)| k.split_once('/'))
            .map(|(p, s)| ServerKey::new(p, s))
            .collect();
        let service = AlertService::start(
            fleet.subscribe(),
            ServiceOptions {
                rules,
                tick: Duration::from_secs(1),
                sinks: sinks.collect(),
                log: writer
                    .as_ref()
                    .map(|w| Box::new(StoreLog(w.handle())) as Box<dyn AlertLog>),
            },
        );
        let alerting = Self {
            service,
            store,
            writer,
            desktop,
            muted: Mutex::new(muted),
            snoozed_until: Mutex::new(None),
            changed: watch::channel(0).0,
        };
        (alerting, clicks)
    }

    /// The history writer, when the store opened.
    pub fn history_writer(&self) -> Option<WriterHandle> {
        self.writer.as_ref().map(Writer::handle)
    }

    /// Turns desktop notifications on or off from the next alert on (alerts are still
    /// detected, logged and sent to the other sinks).
    pub fn set_notifications(&self, on: bool) {
        if let Some(desktop) = &self.desktop {
            desktop.set_enabled(on);
        }
    }

    /// What the Alerts view shows now.
    pub fn frame(&self) -> AlertsFrame {
        let active = self
            .service
            .active_alerts()
            .borrow()
            .iter()
            .map(|a| AlertRecord::of(a, None))
            .collect();
        AlertsFrame {
            active,
            snoozed_until: self.snoozed_until(),
            muted: lock(&self.muted).iter().map(ToString::to_string).collect(),
        }
    }

    /// Servers muted in this run.
    pub fn muted(&self) -> BTreeSet<ServerKey> {
        lock(&self.muted).clone()
    }

    /// Active alerts per server (node alerts count for every affected server).
    pub fn alert_counts(&self) -> std::collections::HashMap<ServerKey, u32> {
        let mut counts = std::collections::HashMap::new();
        for a in self.service.active_alerts().borrow().iter() {
            let keys = if a.servers.is_empty() {
                key_of(a).into_iter().collect()
            } else {
                a.servers.clone()
            };
            for k in keys {
                *counts.entry(k).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The snooze end, if snoozed and not yet over.
    pub fn snoozed_until(&self) -> Option<u64> {
        let now = aerie_core::clock::now_ms();
        lock(&self.snoozed_until).filter(|&until| until > now)
    }

    /// Snoozes every notification for `minutes`; 0 resumes. Returns the end.
    pub fn snooze(&self, minutes: u32) -> Option<u64> {
        let until = if minutes == 0 {
            self.service.resume();
            None
        } else {
            Some(
                self.service
                    .snooze_for(Duration::from_secs(u64::from(minutes) * 60)),
            )
        };
        *lock(&self.snoozed_until) = until;
        self.changed.send_modify(|v| *v += 1);
        until
    }

    /// Mutes or unmutes one server.
    pub fn set_muted(&self, key: ServerKey, muted: bool) {
        {
            let mut set = lock(&self.muted);
            if muted {
                set.insert(key.clone());
            } else {
                set.remove(&key);
            }
        }
        self.service.set_muted(key, muted);
        self.changed.send_modify(|v| *v += 1);
    }

    /// Replaces the rules, keeping this run's mutes.
    pub fn set_rules(&self, mut rules: AlertRules) {
        for key in lock(&self.muted).iter() {
            rules.set_muted(key, true);
        }
        self.service.set_rules(rules);
    }

    /// Waits for the next change of the alert state (active list, mute or snooze).
    pub fn changes(&self) -> (watch::Receiver<Vec<Alert>>, watch::Receiver<u64>) {
        (self.service.active_alerts(), self.changed.subscribe())
    }

    /// Clears the snooze state when the service reports it ended by itself.
    pub fn follow_outputs(self: &Arc<Self>) {
        let mut outputs = self.service.subscribe_outputs();
        let this = Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                match outputs.recv().await {
                    Ok(AlertOutput::SnoozeEnded) => {
                        let Some(this) = this.upgrade() else { break };
                        *lock(&this.snoozed_until) = None;
                        this.changed.send_modify(|v| *v += 1);
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }
}

/// How often the history recorder takes what the fleet produced. Samples are kept per 5 s at
/// the finest, so a quarter second of delay costs nothing, and a timer instead of a wake-up
/// per event saves about a thousand wake-ups a second at 1,000 servers (for this task and for
/// the SQLite writer thread, which now gets its work in bursts).
const HISTORY_DRAIN_EVERY: Duration = Duration::from_millis(250);

/// Most events recorded per drain: more than the bus holds, so one drain takes what waits.
const HISTORY_DRAIN_MAX: usize = 1 << 16;

/// Records every fleet event worth keeping (stats, console lines, facts) into the store.
fn record_history(fleet: &Fleet, writer: WriterHandle) {
    let mut events = fleet.subscribe();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HISTORY_DRAIN_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let open = events.drain(HISTORY_DRAIN_MAX, |got| match got {
                Received::Event(e) => {
                    writer.record(&e);
                }
                Received::Missed(n) => tracing::warn!(missed = n, "history: fell behind"),
            });
            if !open {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerie_core::alerts::{AlertId, Subject};

    fn alert(fired_at: u64) -> Alert {
        Alert {
            id: AlertId {
                kind: AlertKind::Crash,
                subject: Subject::Server {
                    key: ServerKey::new("p", "abcd1234"),
                },
            },
            severity: Severity::Critical,
            name: "Survival".into(),
            title: "Survival crashed".into(),
            detail: "Exit code 1".into(),
            since: fired_at - 5,
            fired_at,
            exit_code: Some(1),
            oom: None,
            servers: vec![ServerKey::new("p", "abcd1234")],
            acknowledged: false,
        }
    }

    fn entry(kind: &str, at_ms: u64, a: &Alert) -> AlertEntry {
        AlertEntry {
            key: ServerKey::new("p", "abcd1234"),
            at_ms,
            kind: kind.into(),
            payload: serde_json::to_value(a).expect("json"),
        }
    }

    #[test]
    fn history_merges_fire_and_resolve_and_skips_fact_rows() {
        let first = alert(100);
        let second = alert(500);
        let rows = vec![
            entry(FIRE, 500, &second),
            entry("crashed", 499, &second),
            entry(RESOLVED, 300, &first),
            entry(FIRE, 100, &first),
        ];
        let h = history(&rows, 10);
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].resolved_at, None, "the newest is still active");
        assert_eq!(h[1].resolved_at, Some(300));
        assert_eq!(h[1].id, "crash:server:p/abcd1234");
        assert_eq!(h[1].rule, "crash");
        assert_eq!(h[1].started_at, 95);
        assert_eq!(history(&rows, 1).len(), 1);
    }

    #[test]
    fn ui_rules_map_onto_core_rules() {
        let ui = UiRules {
            crash: true,
            crash_loop_count: 3,
            crash_loop_window_s: 600,
            stuck_starting_s: 0,
            unexpected_offline: false,
            node_down: true,
            cpu_percent: 80,
            memory_percent: 90,
            disk_percent: 0,
            threshold_duration_s: 120,
            silent_console_s: 0,
            reminder_s: 1800,
        };
        let quiet = UiQuiet {
            enabled: true,
            start: "22:30".into(),
            end: "07:00".into(),
        };
        let r = core_rules(&ui, &quiet);
        assert!(r.defaults.crash.enabled && r.defaults.crash_loop.enabled);
        assert_eq!(r.defaults.crash_loop.crashes, 3);
        assert_eq!(r.defaults.crash_loop.window_ms, 600_000);
        assert!(!r.defaults.stuck_starting.enabled && !r.defaults.unexpected_offline.enabled);
        assert_eq!(r.defaults.cpu.percent, 80.0);
        assert!(!r.defaults.disk.enabled);
        assert_eq!(r.defaults.memory.for_ms, 120_000);
        assert_eq!(r.noise.remind_every_ms, 1_800_000);
        let q = r.noise.quiet_hours.expect("quiet hours on");
        assert_eq!((q.start_minute, q.end_minute), (22 * 60 + 30, 7 * 60));
    }
}
