//! The engine's behaviour, replayed with time passed in.

use super::*;
use crate::event::{
    ConnectionState, Fact, Limits, PowerState, Rates, ServerEvent, ServerEventKind, ServerInfo,
    ServerKey, Stats, TimestampMs,
};

const S: u64 = 1_000;
const MIN: u64 = 60 * S;
/// 2026-01-01 12:00 UTC: a fixed, readable epoch for every test.
const T0: TimestampMs = 1_767_268_800_000;

struct World {
    engine: AlertEngine,
    now: TimestampMs,
}

fn key(s: &str) -> ServerKey {
    ServerKey::new("panel", s)
}

impl World {
    fn new(rules: AlertRules) -> Self {
        Self {
            engine: AlertEngine::new(rules),
            now: T0,
        }
    }

    /// A server on `node`, live and running, with 1 GiB memory, 10 GiB disk, 100 % CPU.
    fn running(&mut self, name: &str, node: &str) {
        let info = ServerInfo {
            uuid: format!("{name}-uuid"),
            name: name.to_uppercase(),
            node: node.into(),
            limits: Limits {
                memory_mib: 1024,
                disk_mib: 10 * 1024,
                cpu_percent: 100,
            },
            permissions: vec!["*".into()],
            panel_status: None,
        };
        self.send(
            name,
            ServerEventKind::Server {
                info: Box::new(info),
            },
        );
        self.send(
            name,
            ServerEventKind::Connection {
                connection: ConnectionState::Live,
            },
        );
        self.status(name, PowerState::Running);
    }

    fn send(&mut self, name: &str, kind: ServerEventKind) -> Vec<AlertOutput> {
        self.engine.on_event(&ServerEvent {
            key: key(name),
            at: self.now,
            kind,
        })
    }

    fn status(&mut self, name: &str, state: PowerState) -> Vec<AlertOutput> {
        self.send(
            name,
            ServerEventKind::Status {
                state,
                previous: None,
            },
        )
    }

    fn fact(&mut self, name: &str, fact: Fact) -> Vec<AlertOutput> {
        self.send(name, ServerEventKind::Alert { fact })
    }

    fn crash(&mut self, name: &str) -> Vec<AlertOutput> {
        let mut out = self.status(name, PowerState::Offline);
        out.extend(self.fact(
            name,
            Fact::Crashed {
                exit_code: Some(137),
                oom: Some(true),
                confirmed: true,
            },
        ));
        out
    }

    fn lose_socket(&mut self, name: &str) -> Vec<AlertOutput> {
        self.send(
            name,
            ServerEventKind::Connection {
                connection: ConnectionState::Reconnecting {
                    attempt: 1,
                    delay_ms: 1000,
                },
            },
        )
    }

    fn stats(&mut self, name: &str, cpu: f64, memory_mib: u64) -> Vec<AlertOutput> {
        self.send(
            name,
            ServerEventKind::Stats {
                stats: Box::new(Stats {
                    cpu_absolute: cpu,
                    memory_bytes: memory_mib * 1024 * 1024,
                    ..Stats::default()
                }),
                rates: Rates::default(),
            },
        )
    }

    /// Advances virtual time in 1 s ticks, collecting every output.
    fn advance(&mut self, ms: u64) -> Vec<AlertOutput> {
        let end = self.now + ms;
        let mut out = Vec::new();
        while self.now < end {
            self.now = (self.now + S).min(end);
            out.extend(self.engine.tick(self.now));
        }
        out
    }
}

fn fired(out: &[AlertOutput]) -> Vec<(AlertKind, Delivery)> {
    out.iter()
        .filter_map(|o| match o {
            AlertOutput::Fire { alert, delivery } => Some((alert.id.kind, *delivery)),
            _ => None,
        })
        .collect()
}

fn resolved(out: &[AlertOutput]) -> Vec<(AlertKind, u64)> {
    out.iter()
        .filter_map(|o| match o {
            AlertOutput::Resolved {
                alert, downtime_ms, ..
            } => Some((alert.id.kind, *downtime_ms)),
            _ => None,
        })
        .collect()
}

fn reminders(out: &[AlertOutput]) -> usize {
    out.iter()
        .filter(|o| matches!(o, AlertOutput::Reminder { .. }))
        .count()
}

fn quiet_rules() -> AlertRules {
    let mut rules = AlertRules::default();
    rules.noise.remind_every_ms = 0;
    rules
}

#[test]
fn crash_notifies_at_once_with_name_and_exit_code_and_resolves_with_downtime() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    let out = w.crash("alpha");
    let alert = out
        .iter()
        .find_map(|o| match o {
            AlertOutput::Fire { alert, delivery } => Some((alert, *delivery)),
            _ => None,
        })
        .expect("a crash fires immediately, without waiting for a tick");
    assert_eq!(alert.1, Delivery::Notify);
    assert_eq!(alert.0.title, "ALPHA crashed");
    assert_eq!(alert.0.exit_code, Some(137));
    assert!(
        alert.0.detail.contains("out of memory"),
        "{}",
        alert.0.detail
    );
    assert!(out.contains(&AlertOutput::Health {
        health: Health::Critical
    }));

    // Wings restarts it 40 s later; running for the success threshold (1 min) resolves.
    w.advance(40 * S);
    w.status("alpha", PowerState::Starting);
    w.status("alpha", PowerState::Running);
    assert!(
        resolved(&w.advance(59 * S)).is_empty(),
        "success threshold not met yet"
    );
    let out = w.advance(2 * S);
    assert_eq!(resolved(&out), vec![(AlertKind::Crash, 40 * S)]);
    assert_eq!(w.engine.health(), Health::Ok);
}

#[test]
fn unconfirmed_then_confirmed_crash_report_is_one_alert_with_the_exit_code() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    w.status("alpha", PowerState::Offline);
    let first = w.fact(
        "alpha",
        Fact::Crashed {
            exit_code: None,
            oom: None,
            confirmed: false,
        },
    );
    let second = w.fact(
        "alpha",
        Fact::Crashed {
            exit_code: Some(1),
            oom: Some(false),
            confirmed: true,
        },
    );
    assert!(fired(&first).is_empty(), "waits briefly for the exit code");
    assert_eq!(fired(&second).len(), 1, "the confirmation fires at once");
    let active = w.engine.active_alerts();
    assert_eq!(active.len(), 1, "no unexpected-offline on top of the crash");
    assert_eq!(active[0].exit_code, Some(1));
    assert_eq!(active[0].detail, "Exit code 1");
}

#[test]
fn unconfirmed_crash_notifies_anyway_when_no_confirmation_follows() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    w.status("alpha", PowerState::Offline);
    w.fact(
        "alpha",
        Fact::Crashed {
            exit_code: None,
            oom: None,
            confirmed: false,
        },
    );
    let out = w.advance(2 * S);
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::Notify)]);
    assert_eq!(
        w.engine.active_alerts()[0].detail,
        "The server stopped without a stop request"
    );
}

#[test]
fn a_stop_aerie_requested_is_never_a_crash_nor_unexpected_offline() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    // The request, then Wings' own state changes; a stray crash report must not count.
    let mut out = w.fact("alpha", Fact::RequestedStop);
    out.extend(w.status("alpha", PowerState::Stopping));
    out.extend(w.status("alpha", PowerState::Offline));
    out.extend(w.fact(
        "alpha",
        Fact::Crashed {
            exit_code: Some(0),
            oom: Some(false),
            confirmed: false,
        },
    ));
    out.extend(w.advance(30 * MIN));
    assert!(fired(&out).is_empty(), "{out:?}");

    // Even when the completion is reported after the offline status.
    w.status("alpha", PowerState::Starting);
    w.status("alpha", PowerState::Running);
    let mut out = w.status("alpha", PowerState::Offline);
    out.extend(w.fact("alpha", Fact::RequestedStop));
    out.extend(w.advance(30 * MIN));
    assert!(fired(&out).is_empty(), "{out:?}");
}

#[test]
fn stopped_from_elsewhere_is_unexpected_offline_after_its_threshold() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    w.status("alpha", PowerState::Stopping);
    w.status("alpha", PowerState::Offline);
    assert!(fired(&w.advance(2 * MIN - S)).is_empty());
    assert_eq!(
        fired(&w.advance(2 * S)),
        vec![(AlertKind::UnexpectedOffline, Delivery::Notify)]
    );
    w.advance(MIN - S);
    let out = w.status("alpha", PowerState::Starting);
    assert_eq!(
        resolved(&out),
        vec![(AlertKind::UnexpectedOffline, 3 * MIN)]
    );
}

#[test]
fn first_report_of_an_offline_server_is_not_an_alert() {
    let mut w = World::new(quiet_rules());
    w.send(
        "beta",
        ServerEventKind::Connection {
            connection: ConnectionState::Live,
        },
    );
    w.status("beta", PowerState::Offline);
    assert!(fired(&w.advance(10 * MIN)).is_empty());
}

#[test]
fn flapping_crashes_are_one_crash_alert_then_a_crash_loop() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    let mut out = Vec::new();
    for _ in 0..3 {
        out.extend(w.crash("alpha"));
        out.extend(w.advance(10 * S));
        out.extend(w.status("alpha", PowerState::Starting));
        out.extend(w.status("alpha", PowerState::Running));
        out.extend(w.advance(30 * S)); // shorter than the 1 min success threshold
    }
    assert_eq!(
        fired(&out),
        vec![
            (AlertKind::Crash, Delivery::Notify),
            (AlertKind::CrashLoop, Delivery::Notify)
        ],
        "three crashes in two minutes: one crash alert, one loop alert"
    );
    assert!(
        resolved(&out).is_empty(),
        "never stable long enough to resolve"
    );
    // Stable for 5 minutes: both resolve.
    let out = w.advance(5 * MIN);
    let kinds: Vec<_> = resolved(&out).into_iter().map(|(k, _)| k).collect();
    assert!(kinds.contains(&AlertKind::Crash) && kinds.contains(&AlertKind::CrashLoop));
}

#[test]
fn crashes_spread_wider_than_the_window_are_no_loop() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    let mut out = Vec::new();
    for _ in 0..3 {
        out.extend(w.crash("alpha"));
        out.extend(w.status("alpha", PowerState::Starting));
        out.extend(w.status("alpha", PowerState::Running));
        out.extend(w.advance(6 * MIN));
    }
    assert!(!fired(&out).iter().any(|(k, _)| *k == AlertKind::CrashLoop));
    assert_eq!(
        fired(&out).len(),
        3,
        "each crash after recovery is a new alert"
    );
}

#[test]
fn wings_aborting_its_restart_is_a_crash_loop_but_disabled_detection_is_not() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    w.running("beta", "n1");
    w.crash("alpha");
    let out = w.fact(
        "alpha",
        Fact::AutoRestartAborted {
            reason: "last crash occurred less than 60 seconds ago".into(),
        },
    );
    assert_eq!(fired(&out), vec![(AlertKind::CrashLoop, Delivery::Notify)]);
    w.crash("beta");
    let out = w.fact(
        "beta",
        Fact::AutoRestartAborted {
            reason: "crash detection is disabled for this instance".into(),
        },
    );
    assert!(fired(&out).is_empty());
}

#[test]
fn stuck_in_starting_fires_after_its_threshold_and_clears_when_running() {
    let mut w = World::new(quiet_rules());
    w.running("alpha", "n1");
    w.fact("alpha", Fact::RequestedStop);
    w.status("alpha", PowerState::Offline);
    w.status("alpha", PowerState::Starting);
    assert!(fired(&w.advance(5 * MIN - S)).is_empty());
    assert_eq!(
        fired(&w.advance(S)),
        vec![(AlertKind::StuckStarting, Delivery::Notify)]
    );
    assert_eq!(w.engine.health(), Health::Warning);
    assert_eq!(
        resolved(&w.status("alpha", PowerState::Running)),
        vec![(AlertKind::StuckStarting, 5 * MIN)]
    );
}

#[test]
fn per_server_override_changes_the_threshold_for_that_server_only() {
    let mut rules = quiet_rules();
    rules.servers.insert(
        key("slow").to_string(),
        ServerRules {
            stuck_starting: Some(DurationRule {
                enabled: true,
                after_ms: 20 * MIN,
            }),
            ..ServerRules::default()
        },
    );
    let mut w = World::new(rules);
    for name in ["slow", "fast"] {
        w.running(name, "n1");
        w.fact(name, Fact::RequestedStop);
        w.status(name, PowerState::Offline);
        w.status(name, PowerState::Starting);
    }
    let out = w.advance(10 * MIN);
    let names: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            AlertOutput::Fire { alert, .. } => Some(alert.name.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["FAST"]);
}

#[test]
fn node_outage_is_one_node_alert_not_one_alert_per_server() {
    let mut w = World::new(quiet_rules());
    for name in ["a", "b", "c"] {
        w.running(name, "node-1");
    }
    w.running("other", "node-2");
    let mut out = Vec::new();
    for name in ["a", "b", "c"] {
        out.extend(w.lose_socket(name));
        out.extend(w.advance(2 * S));
        // Polling then reports them offline, which looks like a crash.
        out.extend(w.crash(name));
    }
    out.extend(w.advance(10 * MIN));
    assert_eq!(
        fired(&out),
        vec![(AlertKind::NodeUnreachable, Delivery::Notify)],
        "{out:?}"
    );
    let node = w.engine.active_alerts().remove(0);
    assert_eq!(node.title, "Node node-1 is unreachable");
    assert_eq!(node.servers.len(), 3);
    assert_eq!(w.engine.health(), Health::Critical);

    // One socket back: the node is reachable again.
    let out = w.send(
        "a",
        ServerEventKind::Connection {
            connection: ConnectionState::Live,
        },
    );
    assert_eq!(resolved(&out).len(), 1);
}

#[test]
fn one_server_losing_its_socket_is_not_a_node_outage_and_its_crash_still_alerts() {
    let mut w = World::new(quiet_rules());
    w.running("a", "node-1");
    w.running("b", "node-1");
    w.lose_socket("a");
    let mut out = w.crash("a");
    out.extend(w.advance(MIN));
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::Notify)]);
}

#[test]
fn every_socket_lost_shows_offline_health() {
    let mut w = World::new(quiet_rules());
    w.running("a", "node-1");
    w.running("b", "node-2");
    w.lose_socket("a");
    let out = w.lose_socket("b");
    assert!(out.contains(&AlertOutput::Health {
        health: Health::Offline
    }));
}

#[test]
fn revoked_credentials_are_one_account_alert_and_clear_when_live_again() {
    let mut w = World::new(quiet_rules());
    w.running("a", "n1");
    w.running("b", "n1");
    let mut out = Vec::new();
    for name in ["a", "b"] {
        out.extend(w.fact(
            name,
            Fact::CredentialsRejected {
                message: "API key revoked".into(),
            },
        ));
    }
    assert_eq!(
        fired(&out),
        vec![(AlertKind::CredentialsRejected, Delivery::Notify)]
    );
    let out = w.fact(
        "a",
        Fact::PermissionLost {
            message: "websocket.connect removed".into(),
        },
    );
    assert_eq!(
        fired(&out),
        vec![(AlertKind::PermissionLost, Delivery::Notify)]
    );
    let out = w.fact("b", Fact::Suspended);
    assert_eq!(fired(&out), vec![(AlertKind::Suspended, Delivery::Notify)]);
    let mut out = Vec::new();
    for name in ["a", "b"] {
        out.extend(w.send(
            name,
            ServerEventKind::Connection {
                connection: ConnectionState::Live,
            },
        ));
    }
    assert_eq!(resolved(&out).len(), 3);
}

#[test]
fn resource_thresholds_are_relative_to_limits_and_debounced() {
    let mut w = World::new(quiet_rules());
    w.running("a", "n1");
    // 97 % CPU of a 100 % limit, but only for 4 minutes, then a dip: no alert.
    let mut out = Vec::new();
    for _ in 0..240 {
        out.extend(w.stats("a", 97.0, 100));
        out.extend(w.advance(S));
    }
    out.extend(w.stats("a", 20.0, 100));
    out.extend(w.advance(S));
    // Then 5 minutes above: fires.
    for _ in 0..301 {
        out.extend(w.stats("a", 97.0, 100));
        out.extend(w.advance(S));
    }
    assert_eq!(fired(&out), vec![(AlertKind::HighCpu, Delivery::Notify)]);
    // Memory: 950 of 1024 MiB = 93 % > 90 %.
    let mut out = Vec::new();
    for _ in 0..301 {
        out.extend(w.stats("a", 20.0, 950));
        out.extend(w.advance(S));
    }
    let kinds: Vec<_> = fired(&out).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, vec![AlertKind::HighMemory]);
    // Brief dips below do not resolve (success threshold 1 min); a lasting one does.
    let mut out = Vec::new();
    for i in 0..200 {
        let mem = if i % 20 == 0 { 950 } else { 100 };
        out.extend(w.stats("a", 20.0, mem));
        out.extend(w.advance(S));
    }
    assert!(resolved(&out).is_empty(), "{:?}", resolved(&out));
    let mut out = w.stats("a", 20.0, 100);
    out.extend(w.advance(61 * S));
    assert_eq!(resolved(&out).len(), 1, "a full minute below resolves");
}

#[test]
fn unlimited_resources_never_alert() {
    let mut w = World::new(quiet_rules());
    w.running("a", "n1");
    let info = ServerInfo {
        uuid: "u".into(),
        name: "A".into(),
        node: "n1".into(),
        limits: Limits::default(),
        permissions: vec![],
        panel_status: None,
    };
    w.send(
        "a",
        ServerEventKind::Server {
            info: Box::new(info),
        },
    );
    let mut out = Vec::new();
    for _ in 0..600 {
        out.extend(w.stats("a", 900.0, 64 * 1024));
        out.extend(w.advance(S));
    }
    assert!(fired(&out).is_empty());
}

#[test]
fn silent_console_while_running_alerts_when_enabled() {
    let mut rules = quiet_rules();
    rules.defaults.console_silent = DurationRule {
        enabled: true,
        after_ms: 15 * MIN,
    };
    let mut w = World::new(rules);
    w.running("a", "n1");
    let console = |w: &mut World| {
        w.send(
            "a",
            ServerEventKind::Console {
                line: "player joined".into(),
                origin: crate::event::ConsoleOrigin::Container,
            },
        )
    };
    w.advance(10 * MIN);
    console(&mut w);
    assert!(fired(&w.advance(15 * MIN - S)).is_empty());
    assert_eq!(
        fired(&w.advance(2 * S)),
        vec![(AlertKind::ConsoleSilent, Delivery::Notify)]
    );
    let out = console(&mut w);
    assert_eq!(resolved(&out).len(), 1);
    // Silent again: a new incident.
    assert_eq!(
        fired(&w.advance(15 * MIN + S)),
        vec![(AlertKind::ConsoleSilent, Delivery::Notify)]
    );
}

#[test]
fn reminders_repeat_while_firing_and_stop_once_acknowledged_until_recovery() {
    let mut rules = AlertRules::default();
    rules.noise.remind_every_ms = 30 * MIN;
    let mut w = World::new(rules);
    w.running("a", "n1");
    w.crash("a");
    let out = w.advance(61 * MIN);
    assert_eq!(reminders(&out), 2);
    let id = w.engine.active_alerts()[0].id.clone();
    assert!(w.engine.acknowledge(&id));
    let out = w.advance(2 * 60 * MIN);
    assert_eq!(reminders(&out), 0, "acknowledged: quiet until it recovers");
    assert!(
        w.engine.health() != Health::Critical,
        "an acknowledged alert no longer paints the tray red"
    );
    // Recovery is still announced, and the next incident alerts afresh.
    w.status("a", PowerState::Starting);
    w.status("a", PowerState::Running);
    let out = w.advance(2 * MIN);
    assert_eq!(resolved(&out).len(), 1);
    let out = w.crash("a");
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::Notify)]);
    assert!(!w.engine.active_alerts()[0].acknowledged);
}

#[test]
fn muted_server_alerts_are_logged_but_never_notified() {
    let mut w = World::new(AlertRules::default());
    w.engine.set_muted(&key("a"), true);
    w.running("a", "n1");
    let mut out = w.crash("a");
    out.extend(w.advance(2 * 60 * MIN));
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::Muted)]);
    assert!(out.iter().all(|o| !o.notifies()), "{out:?}");
}

#[test]
fn snooze_all_holds_notifications_then_summarises_once_it_expires() {
    let mut w = World::new(AlertRules::default());
    w.running("a", "n1");
    w.running("b", "n2");
    w.engine.snooze_until(w.now + 60 * MIN);
    assert!(w.engine.snoozed_until().is_some());
    let mut out = w.crash("a");
    out.extend(w.crash("b"));
    out.extend(w.advance(5 * MIN));
    w.status("b", PowerState::Starting);
    w.status("b", PowerState::Running);
    out.extend(w.advance(50 * MIN));
    assert_eq!(
        fired(&out),
        vec![
            (AlertKind::Crash, Delivery::Snoozed),
            (AlertKind::Crash, Delivery::Snoozed)
        ]
    );
    assert!(
        out.iter().all(|o| !o.notifies()),
        "nothing notified while snoozed"
    );
    let out = w.advance(5 * MIN);
    let summaries: Vec<_> = out
        .iter()
        .filter_map(|o| match o {
            AlertOutput::Summary { reason, summary } => Some((*reason, summary.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(summaries.len(), 1, "{out:?}");
    let (reason, summary) = &summaries[0];
    assert_eq!(*reason, HoldReason::Snooze);
    assert_eq!(summary.fired.len(), 2);
    assert_eq!(summary.resolved.len(), 1);
    assert_eq!(summary.still_active.len(), 1);
    assert!(summary.body().contains("A crashed"), "{}", summary.body());
    assert!(out.contains(&AlertOutput::SnoozeEnded));
    assert_eq!(w.engine.snoozed_until(), None);
    // Back to normal: the next crash notifies at once.
    w.status("b", PowerState::Offline);
    let out = w.crash("b");
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::Notify)]);
}

#[test]
fn quiet_hours_hold_notifications_and_summarise_when_they_end() {
    let mut rules = AlertRules::default();
    // 12:00-13:00 local at UTC+1 = 11:00-12:00 UTC; T0 is 12:00 UTC, so start at 11:00 UTC.
    rules.noise.quiet_hours = Some(QuietHours {
        start_minute: 12 * 60,
        end_minute: 13 * 60,
        utc_offset_minutes: 60,
    });
    let mut w = World::new(rules);
    w.now = T0 - 60 * MIN;
    w.running("a", "n1");
    w.advance(10 * MIN);
    let mut out = w.crash("a");
    out.extend(w.advance(49 * MIN));
    assert_eq!(fired(&out), vec![(AlertKind::Crash, Delivery::QuietHours)]);
    assert_eq!(reminders(&out), 0, "no reminders during quiet hours");
    let out = w.advance(2 * MIN);
    let n = out
        .iter()
        .filter(|o| {
            matches!(
                o,
                AlertOutput::Summary {
                    reason: HoldReason::QuietHours,
                    ..
                }
            )
        })
        .count();
    assert_eq!(n, 1, "{out:?}");
}

#[test]
fn a_server_no_longer_watched_is_forgotten() {
    let mut w = World::new(quiet_rules());
    w.running("a", "n1");
    w.crash("a");
    w.send(
        "a",
        ServerEventKind::Connection {
            connection: ConnectionState::Stopped,
        },
    );
    w.advance(S);
    assert!(w.engine.active_alerts().is_empty());
    assert_eq!(w.engine.health(), Health::Ok);
}

#[test]
fn outputs_serialize_for_the_cli_json_lines() {
    let mut w = World::new(quiet_rules());
    w.running("a", "n1");
    let out = w.crash("a");
    let json = serde_json::to_value(&out[0]).expect("serializes");
    assert_eq!(json["type"], "fire");
    assert_eq!(json["alert"]["id"]["kind"], "crash");
}

#[test]
fn alert_ids_round_trip_through_their_text_form() {
    let ids = [
        AlertId {
            kind: AlertKind::Crash,
            subject: Subject::Server {
                key: key("a1b2c3d4"),
            },
        },
        AlertId {
            kind: AlertKind::NodeUnreachable,
            subject: Subject::Node {
                panel: "panel".into(),
                node: "de/fra-1".into(),
            },
        },
        AlertId {
            kind: AlertKind::CredentialsRejected,
            subject: Subject::Account {
                panel: "panel".into(),
            },
        },
    ];
    for id in ids {
        let text = id.to_string();
        assert_eq!(text.parse::<AlertId>(), Ok(id), "{text}");
    }
    assert_eq!(
        AlertId {
            kind: AlertKind::Crash,
            subject: Subject::Server {
                key: key("a1b2c3d4")
            },
        }
        .to_string(),
        "crash:server:panel/a1b2c3d4"
    );
    assert!("bogus:server:p/s".parse::<AlertId>().is_err());
}

#[test]
fn alert_types_export_to_typescript_with_plain_numbers() {
    use ts_rs::TS;
    let alert = Alert::decl();
    assert!(alert.contains("since: number"), "{alert}");
    assert!(alert.contains("fired_at: number"), "{alert}");
    let output = AlertOutput::decl();
    assert!(output.contains("\"fire\""), "{output}");
    assert!(output.contains("downtime_ms: number"), "{output}");
}
