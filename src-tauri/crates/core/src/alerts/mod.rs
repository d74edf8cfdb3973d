//! Alerts: detectors over the fleet's event stream, noise control, and the service that
//! drives the sinks (injected [`Sink`]s such as desktop notifications and webhooks, the alert
//! log, tray health).
//!
//! The heart is [`AlertEngine`], a pure state machine: `on_event(&ServerEvent)` and
//! `tick(now_ms)` return [`AlertOutput`]s and never read a clock, so every rule is tested with
//! time passed in. [`AlertService`] runs it on the live event bus.

mod detectors;
mod engine;
mod log;
mod model;
mod noise;
mod rules;
mod service;
mod sink;
mod tails;

pub use engine::AlertEngine;
pub use log::AlertLog;
pub use model::{
    Alert, AlertId, AlertKind, AlertOutput, Delivery, Health, HeldSummary, HoldReason,
    ResolvedAlert, Severity, Subject, format_duration,
};
pub use rules::{
    AlertRules, CrashLoopRule, CrashRule, DurationRule, NodeRule, NoiseRules, QuietHours, RuleSet,
    ServerRules, ThresholdRule, ToggleRule,
};
pub use service::{AlertService, ServiceOptions};
pub use sink::{Outgoing, Reporter, Sink, SinkReport};
pub use tails::{ServerTails, StatsSample};

use std::collections::HashMap;

use crate::event::ServerKey;

/// The value kept for `key`, created on first use. Looked up before inserting: `entry` would
/// clone the key for every event, two allocations per event for a server that is nearly
/// always known already.
fn per_server<'a, V: Default>(map: &'a mut HashMap<ServerKey, V>, key: &ServerKey) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.clone(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

#[cfg(test)]
mod tests;
