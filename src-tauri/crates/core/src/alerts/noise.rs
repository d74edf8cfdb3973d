//! Noise control: failure/success thresholds, reminders, mute, snooze, quiet hours,
//! acknowledgement.
//!
//! Detectors only say "this condition holds since T" (`raise`) or "it stopped holding at T"
//! (`clear`). A [`Tracks`] entry turns that into at most one `Fire` and one `Resolved` per
//! incident: a condition that clears before its failure threshold never fires, and one that
//! returns before its success threshold never resolves, so flapping is one alert.

use std::collections::BTreeMap;

use super::model::{Alert, AlertId, AlertOutput, Delivery, HeldSummary, HoldReason, ResolvedAlert};
use super::rules::AlertRules;
use crate::event::TimestampMs;

/// One tracked condition.
#[derive(Debug, Clone)]
pub(super) struct Track {
    pub(super) alert: Alert,
    /// Failure threshold: how long the condition must hold before the alert fires.
    for_ms: u64,
    /// Success threshold: how long it must stay clear before the alert resolves.
    recover_ms: u64,
    pub(super) phase: Phase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Holding, not long enough yet.
    Pending,
    /// Fired; `clear_since` is set while it looks recovered but the success threshold runs.
    Firing {
        clear_since: Option<TimestampMs>,
        last_notified: TimestampMs,
    },
}

/// A transition found by [`Tracks::settle`].
pub(super) enum Transition {
    Fired(Alert),
    Resolved(Alert, u64),
    Remind(Alert),
}

/// Every condition currently pending or firing.
#[derive(Debug, Default)]
pub(super) struct Tracks {
    map: BTreeMap<AlertId, Track>,
}

impl Tracks {
    /// The condition holds since `alert.since`. Starts tracking it, or cancels a pending
    /// recovery of the same alert.
    pub(super) fn raise(&mut self, alert: Alert, for_ms: u64, recover_ms: u64) {
        match self.map.get_mut(&alert.id) {
            Some(track) => {
                if let Phase::Firing { clear_since, .. } = &mut track.phase {
                    *clear_since = None;
                }
            }
            None => {
                self.map.insert(
                    alert.id.clone(),
                    Track {
                        alert,
                        for_ms,
                        recover_ms,
                        phase: Phase::Pending,
                    },
                );
            }
        }
    }

    /// The condition stopped holding at `at`.
    pub(super) fn clear(&mut self, id: &AlertId, at: TimestampMs) {
        let Some(track) = self.map.get_mut(id) else {
            return;
        };
        match &mut track.phase {
            Phase::Pending => {
                self.map.remove(id);
            }
            Phase::Firing { clear_since, .. } => {
                clear_since.get_or_insert(at);
            }
        }
    }

    /// Forgets a condition that has not fired yet (another alert covers it).
    pub(super) fn drop_pending(&mut self, id: &AlertId) {
        if self.is_pending(id) {
            self.map.remove(id);
        }
    }

    /// A pending condition needs no more waiting: it fires on the next settle.
    pub(super) fn expedite(&mut self, id: &AlertId) {
        if let Some(track) = self.map.get_mut(id)
            && track.phase == Phase::Pending
        {
            track.for_ms = 0;
        }
    }

    pub(super) fn is_pending(&self, id: &AlertId) -> bool {
        self.map.get(id).is_some_and(|t| t.phase == Phase::Pending)
    }

    pub(super) fn is_firing(&self, id: &AlertId) -> bool {
        self.map
            .get(id)
            .is_some_and(|t| matches!(t.phase, Phase::Firing { .. }))
    }

    pub(super) fn contains(&self, id: &AlertId) -> bool {
        self.map.contains_key(id)
    }

    pub(super) fn get_mut(&mut self, id: &AlertId) -> Option<&mut Track> {
        self.map.get_mut(id)
    }

    /// Removes every track matching `pred` without output (e.g. a server no longer watched).
    pub(super) fn forget(&mut self, pred: impl Fn(&AlertId) -> bool) {
        self.map.retain(|id, _| !pred(id));
    }

    pub(super) fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.map
            .values()
            .filter(|t| matches!(t.phase, Phase::Firing { .. }))
            .map(|t| &t.alert)
    }

    /// Applies thresholds and reminders at `now`. `remind` says whether a reminder may be
    /// sent for an alert now (not acknowledged, not muted, not held).
    pub(super) fn settle(
        &mut self,
        now: TimestampMs,
        remind_every_ms: u64,
        remind: impl Fn(&Alert) -> bool,
    ) -> Vec<Transition> {
        let mut out = Vec::new();
        let mut resolved = Vec::new();
        for (id, track) in &mut self.map {
            match &mut track.phase {
                Phase::Pending => {
                    if now >= track.alert.since.saturating_add(track.for_ms) {
                        track.alert.fired_at = now;
                        track.phase = Phase::Firing {
                            clear_since: None,
                            last_notified: now,
                        };
                        out.push(Transition::Fired(track.alert.clone()));
                    }
                }
                Phase::Firing {
                    clear_since: Some(cleared),
                    ..
                } if now >= cleared.saturating_add(track.recover_ms) => {
                    let downtime = cleared.saturating_sub(track.alert.since);
                    out.push(Transition::Resolved(track.alert.clone(), downtime));
                    resolved.push(id.clone());
                }
                Phase::Firing {
                    clear_since: None,
                    last_notified,
                } if remind_every_ms > 0
                    && now >= last_notified.saturating_add(remind_every_ms)
                    && remind(&track.alert) =>
                {
                    *last_notified = now;
                    out.push(Transition::Remind(track.alert.clone()));
                }
                Phase::Firing { .. } => {}
            }
        }
        for id in resolved {
            self.map.remove(&id);
        }
        out
    }
}

/// Runtime noise state that is not a setting: snooze-all and what was held meanwhile.
#[derive(Debug, Default)]
pub(super) struct Hold {
    pub(super) snooze_until: Option<TimestampMs>,
    reason: Option<HoldReason>,
    fired: Vec<Alert>,
    resolved: Vec<ResolvedAlert>,
}

impl Hold {
    /// Why notifications are held at `now`, if they are.
    pub(super) fn reason(&self, rules: &AlertRules, now: TimestampMs) -> Option<HoldReason> {
        if self.snooze_until.is_some_and(|until| now < until) {
            Some(HoldReason::Snooze)
        } else if rules.noise.quiet_hours.is_some_and(|q| q.contains(now)) {
            Some(HoldReason::QuietHours)
        } else {
            None
        }
    }

    /// How an output about `alert` is delivered at `now`; held ones are remembered.
    pub(super) fn delivery(
        &mut self,
        rules: &AlertRules,
        alert: &Alert,
        now: TimestampMs,
    ) -> Delivery {
        if alert.id.subject.server().is_some_and(|k| rules.is_muted(k)) {
            return Delivery::Muted;
        }
        match self.reason(rules, now) {
            None => Delivery::Notify,
            Some(reason) => {
                self.reason = Some(reason);
                match reason {
                    HoldReason::Snooze => Delivery::Snoozed,
                    HoldReason::QuietHours => Delivery::QuietHours,
                }
            }
        }
    }

    pub(super) fn held_fire(&mut self, alert: Alert) {
        self.fired.push(alert);
    }

    pub(super) fn held_resolve(&mut self, alert: Alert, downtime: u64) {
        self.resolved.push(ResolvedAlert {
            alert,
            downtime_ms: downtime,
        });
    }

    /// Once nothing holds notifications any more: the summary of what was held, if anything.
    pub(super) fn release<'a>(
        &mut self,
        rules: &AlertRules,
        now: TimestampMs,
        active: impl Iterator<Item = &'a Alert>,
    ) -> Vec<AlertOutput> {
        let mut out = Vec::new();
        if self.snooze_until.is_some_and(|until| now >= until) {
            self.snooze_until = None;
            out.push(AlertOutput::SnoozeEnded);
        }
        if self.reason(rules, now).is_some() {
            return out;
        }
        let Some(reason) = self.reason.take() else {
            return out;
        };
        if self.fired.is_empty() && self.resolved.is_empty() {
            return out;
        }
        let still_active = active
            .filter(|a| !a.id.subject.server().is_some_and(|k| rules.is_muted(k)))
            .cloned()
            .collect();
        out.push(AlertOutput::Summary {
            reason,
            summary: HeldSummary {
                fired: std::mem::take(&mut self.fired),
                resolved: std::mem::take(&mut self.resolved),
                still_active,
            },
        });
        out
    }
}
