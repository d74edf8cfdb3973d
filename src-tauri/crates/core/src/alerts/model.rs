//! What the alert engine tells the rest of Aerie: alerts, their outputs and fleet health.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::event::{ServerKey, TimestampMs};

/// Which detector an alert comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Running/starting went offline without a stop (`docs/protocols/wings.md` §8).
    Crash,
    /// Several crashes in a short window, or Wings gave up restarting.
    CrashLoop,
    /// Starting for longer than the rule allows.
    StuckStarting,
    /// Offline for a while without Aerie having asked for it (and not already a crash).
    UnexpectedOffline,
    /// Every watched server of one node lost its socket at about the same time.
    NodeUnreachable,
    /// The panel rejected the account's API key.
    CredentialsRejected,
    /// The account lost a permission Aerie needs on this server.
    PermissionLost,
    /// The host suspended the server: the panel answers 409 and Wings closes with 4409.
    Suspended,
    /// CPU above the threshold (relative to the panel limit) for a while.
    HighCpu,
    /// Memory above the threshold (relative to the panel limit) for a while.
    HighMemory,
    /// Disk above the threshold (relative to the panel limit) for a while.
    HighDisk,
    /// No console output for a while although the server is running.
    ConsoleSilent,
}

/// What an alert is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Subject {
    /// One server: crashes, thresholds, permissions, suspension.
    Server {
        /// Panel account id and server identifier.
        key: ServerKey,
    },
    /// One node of one panel account.
    Node {
        /// Aerie's id of the panel account (the first half of a `ServerKey`).
        panel: String,
        /// The node's name as the panel lists it (unique within the account).
        node: String,
    },
    /// One panel account (credentials).
    Account {
        /// Aerie's id of the panel account (the first half of a `ServerKey`).
        panel: String,
    },
}

impl Subject {
    /// The server key, when the subject is one server.
    pub fn server(&self) -> Option<&ServerKey> {
        match self {
            Self::Server { key } => Some(key),
            _ => None,
        }
    }
}

/// Identifies one alert: at most one is active per kind and subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct AlertId {
    /// The detector that raised it.
    pub kind: AlertKind,
    /// What it is about.
    pub subject: Subject,
}

/// The stable text form, e.g. `crash:server:home/a1b2c3d4`, `node_unreachable:node:home/de-1`,
/// `credentials_rejected:account:home`, for UIs and commands that pass ids as strings.
impl std::fmt::Display for AlertId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = serde_json::to_value(self.kind).map_err(|_| std::fmt::Error)?;
        let kind = kind.as_str().ok_or(std::fmt::Error)?;
        match &self.subject {
            Subject::Server { key } => write!(f, "{kind}:server:{}/{}", key.panel, key.server),
            Subject::Node { panel, node } => write!(f, "{kind}:node:{panel}/{node}"),
            Subject::Account { panel } => write!(f, "{kind}:account:{panel}"),
        }
    }
}

impl std::str::FromStr for AlertId {
    type Err = String;

    /// Parses the [`Display`](std::fmt::Display) form. Account ids never contain `/`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("not an alert id: {s:?}");
        let mut parts = s.splitn(3, ':');
        let (Some(kind), Some(subject), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let kind: AlertKind = serde_json::from_value(serde_json::Value::String(kind.to_owned()))
            .map_err(|_| bad())?;
        let subject = match subject {
            "server" => {
                let (panel, server) = rest.split_once('/').ok_or_else(bad)?;
                Subject::Server {
                    key: ServerKey::new(panel, server),
                }
            }
            "node" => {
                let (panel, node) = rest.split_once('/').ok_or_else(bad)?;
                Subject::Node {
                    panel: panel.to_owned(),
                    node: node.to_owned(),
                }
            }
            "account" => Subject::Account {
                panel: rest.to_owned(),
            },
            _ => return Err(bad()),
        };
        Ok(Self { kind, subject })
    }
}

/// How bad an alert is; the tray colour follows the worst one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Needs a look soon.
    Warning,
    /// Something is down.
    Critical,
}

/// One alert as shown to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Alert {
    /// Kind and subject; at most one alert per id is active at a time.
    pub id: AlertId,
    /// Sets the tray colour: an unacknowledged critical alert makes the fleet critical.
    pub severity: Severity,
    /// The server's (or node's, or account's) display name.
    pub name: String,
    /// One line, e.g. "Survival crashed".
    pub title: String,
    /// More words, e.g. "Exit code 137, out of memory".
    pub detail: String,
    /// When the condition began, ms since the Unix epoch.
    #[ts(type = "number")]
    pub since: TimestampMs,
    /// When the alert fired.
    #[ts(type = "number")]
    pub fired_at: TimestampMs,
    /// Exit code of the crash, when the daemon reported one.
    pub exit_code: Option<i32>,
    /// Whether the crash was out of memory, when the daemon reported it.
    pub oom: Option<bool>,
    /// Servers affected (one for server alerts, all of the node for node alerts).
    pub servers: Vec<ServerKey>,
    /// The user acknowledged it: no reminders until it recovers.
    pub acknowledged: bool,
}

/// Whether an output should reach the user now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Show a desktop notification.
    Notify,
    /// The server is muted: log only.
    Muted,
    /// Snooze-all is on: held for the summary when it ends.
    Snoozed,
    /// Quiet hours: held for the summary when they end.
    QuietHours,
}

impl Delivery {
    /// Whether a desktop notification should be shown.
    pub fn notifies(self) -> bool {
        self == Self::Notify
    }
}

/// Why notifications were held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    /// The user snoozed every notification for a while (tray or alerts view).
    Snooze,
    /// The clock was inside the configured quiet hours.
    QuietHours,
}

/// What happened while notifications were held, delivered as one notification afterwards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HeldSummary {
    /// Alerts that fired while held.
    pub fired: Vec<Alert>,
    /// Alerts that resolved while held, with their downtime.
    pub resolved: Vec<ResolvedAlert>,
    /// Alerts still active when the hold ended.
    pub still_active: Vec<Alert>,
}

impl HeldSummary {
    /// One line for a notification summary.
    pub fn title(&self) -> String {
        format!(
            "While you were away: {} alert{}, {} still active",
            self.fired.len(),
            if self.fired.len() == 1 { "" } else { "s" },
            self.still_active.len()
        )
    }

    /// A few lines for a notification body.
    pub fn body(&self) -> String {
        let mut lines: Vec<String> = self
            .still_active
            .iter()
            .map(|a| format!("Active: {}", a.title))
            .collect();
        lines.extend(self.resolved.iter().map(
            |ResolvedAlert {
                 alert: a,
                 downtime_ms: downtime,
             }| {
                format!(
                    "Recovered: {} (down {})",
                    a.title,
                    format_duration(*downtime)
                )
            },
        ));
        lines.join("\n")
    }
}

/// An alert that recovered, with how long it was down.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ResolvedAlert {
    /// The alert as it was when it resolved.
    pub alert: Alert,
    /// From the condition's start to its recovery, ms.
    #[ts(type = "number")]
    pub downtime_ms: u64,
}

/// Fleet health for the tray icon, worst first in the order critical, offline, warning, ok.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Nothing active.
    #[default]
    Ok,
    /// Only warnings (or acknowledged alerts) active.
    Warning,
    /// At least one unacknowledged critical alert.
    Critical,
    /// Aerie reaches none of the watched servers: nothing it shows is current.
    Offline,
}

/// What the engine decided; sinks turn these into notifications, log rows and tray colour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertOutput {
    /// An alert became active.
    Fire {
        /// The new alert, with its title and detail already written for people.
        alert: Alert,
        /// Whether to notify now.
        delivery: Delivery,
    },
    /// An active alert recovered.
    Resolved {
        /// The alert as it was when it resolved.
        alert: Alert,
        /// How long it was down (from the condition's start), ms.
        #[ts(type = "number")]
        downtime_ms: u64,
        /// Whether to notify now.
        delivery: Delivery,
    },
    /// An alert is still active and nobody acknowledged it.
    Reminder {
        /// The alert still active, unchanged since it fired.
        alert: Alert,
    },
    /// Snooze or quiet hours ended and something happened meanwhile.
    Summary {
        /// Why notifications were held.
        reason: HoldReason,
        /// The alerts that fired, resolved or stayed active while notifications were held.
        summary: HeldSummary,
    },
    /// Snooze-all ended by itself.
    SnoozeEnded,
    /// The fleet's health changed.
    Health {
        /// The health from now on (the previous one was sent before).
        health: Health,
    },
}

impl AlertOutput {
    /// Whether this output should become a desktop notification.
    pub fn notifies(&self) -> bool {
        match self {
            Self::Fire { delivery, .. } | Self::Resolved { delivery, .. } => delivery.notifies(),
            Self::Reminder { .. } | Self::Summary { .. } => true,
            Self::SnoozeEnded | Self::Health { .. } => false,
        }
    }
}

/// "3 min 20 s", "2 h 5 min", "45 s": short enough for a notification.
pub fn format_duration(ms: u64) -> String {
    let s = ms / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 if s.is_multiple_of(60) => format!("{} min", s / 60),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
