//! Alerts: detectors over the fleet's event stream, noise control, and the service that
//! drives the sinks (desktop notifications, alert log, tray health).
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
pub use service::{AlertService, NotificationReport, ServiceOptions};
pub use tails::{ServerTails, StatsSample};

#[cfg(test)]
mod tests;
