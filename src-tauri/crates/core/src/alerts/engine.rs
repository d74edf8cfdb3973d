//! The alert engine: a pure state machine over fleet events and time.
//!
//! `on_event` and `tick` take the time from their input and never read a clock, so a test
//! can replay hours of fleet life in microseconds and get the same outputs every time.

use std::collections::HashMap;

use super::detectors::ServerState;
use super::model::{Alert, AlertId, AlertOutput, Delivery, Health, Severity};
use super::noise::{Hold, Tracks, Transition};
use super::rules::AlertRules;
use crate::event::{ServerEvent, ServerKey, TimestampMs};

/// Detectors plus noise control over the fleet's events.
#[derive(Debug, Default)]
pub struct AlertEngine {
    pub(super) rules: AlertRules,
    pub(super) servers: HashMap<ServerKey, ServerState>,
    pub(super) tracks: Tracks,
    hold: Hold,
    health: Health,
    pub(super) now: TimestampMs,
}

impl AlertEngine {
    /// An engine with these rules and no history.
    pub fn new(rules: AlertRules) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    /// The rules in force (e.g. to persist a mute made through [`Self::set_muted`]).
    pub fn rules(&self) -> &AlertRules {
        &self.rules
    }

    /// Replaces the rules; active alerts stay until their conditions clear.
    pub fn set_rules(&mut self, rules: AlertRules) {
        self.rules = rules;
    }

    /// Mutes or unmutes one server: its alerts are still logged but never notified.
    pub fn set_muted(&mut self, key: &ServerKey, muted: bool) {
        self.rules.set_muted(key, muted);
    }

    /// Feeds one fleet event; the event's own timestamp is "now".
    pub fn on_event(&mut self, event: &ServerEvent) -> Vec<AlertOutput> {
        self.now = self.now.max(event.at);
        self.observe(event);
        self.settle()
    }

    /// Lets time pass: fires what waited for a threshold, resolves, reminds, ends snoozes.
    pub fn tick(&mut self, now_ms: TimestampMs) -> Vec<AlertOutput> {
        self.now = self.now.max(now_ms);
        self.check_silence();
        self.settle()
    }

    /// Alerts currently firing, for the tray menu and the alerts view.
    pub fn active_alerts(&self) -> Vec<Alert> {
        self.tracks.firing().cloned().collect()
    }

    /// Fleet health for the tray icon.
    pub fn health(&self) -> Health {
        self.health
    }

    /// Acknowledges an active alert: no reminders until it recovers (then it is forgotten,
    /// and a new incident alerts again). Returns false when no such alert is active.
    pub fn acknowledge(&mut self, id: &AlertId) -> bool {
        if !self.tracks.is_firing(id) {
            return false;
        }
        if let Some(track) = self.tracks.get_mut(id) {
            track.alert.acknowledged = true;
        }
        true
    }

    /// Holds every notification until `until_ms`; afterwards one summary tells what happened.
    pub fn snooze_until(&mut self, until_ms: TimestampMs) {
        self.hold.snooze_until = Some(until_ms);
    }

    /// Ends snooze-all early (the summary follows on the next `tick`).
    pub fn resume(&mut self) {
        self.hold.snooze_until = Some(self.now);
    }

    /// When snooze-all ends, if it is on.
    pub fn snoozed_until(&self) -> Option<TimestampMs> {
        self.hold.snooze_until.filter(|&until| until > self.now)
    }

    /// Turns threshold transitions into outputs with their delivery, then health.
    fn settle(&mut self) -> Vec<AlertOutput> {
        let now = self.now;
        let reminders_allowed = self.hold.reason(&self.rules, now).is_none();
        let rules = &self.rules;
        let transitions = self
            .tracks
            .settle(now, rules.noise.remind_every_ms, |alert: &Alert| {
                reminders_allowed
                    && !alert.acknowledged
                    && !alert.id.subject.server().is_some_and(|k| rules.is_muted(k))
            });
        let mut out = Vec::new();
        for transition in transitions {
            match transition {
                Transition::Fired(alert) => {
                    self.on_fired(&alert);
                    let delivery = self.hold.delivery(&self.rules, &alert, now);
                    if matches!(delivery, Delivery::Snoozed | Delivery::QuietHours) {
                        self.hold.held_fire(alert.clone());
                    }
                    out.push(AlertOutput::Fire { alert, delivery });
                }
                Transition::Resolved(alert, downtime_ms) => {
                    let delivery = self.hold.delivery(&self.rules, &alert, now);
                    if matches!(delivery, Delivery::Snoozed | Delivery::QuietHours) {
                        self.hold.held_resolve(alert.clone(), downtime_ms);
                    }
                    out.push(AlertOutput::Resolved {
                        alert,
                        downtime_ms,
                        delivery,
                    });
                }
                Transition::Remind(alert) => out.push(AlertOutput::Reminder { alert }),
            }
        }
        out.extend(self.hold.release(&self.rules, now, self.tracks.firing()));
        let health = self.compute_health();
        if health != self.health {
            self.health = health;
            out.push(AlertOutput::Health { health });
        }
        out
    }

    fn compute_health(&self) -> Health {
        if !self.servers.is_empty() && self.servers.values().all(|s| !s.reachable()) {
            return Health::Offline;
        }
        let mut health = Health::Ok;
        for alert in self.tracks.firing() {
            if alert.severity == Severity::Critical && !alert.acknowledged {
                return Health::Critical;
            }
            health = Health::Warning;
        }
        health
    }
}
