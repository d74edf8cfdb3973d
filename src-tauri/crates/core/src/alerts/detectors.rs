//! Detectors: what each fleet event means for each alert condition.
//!
//! Crash semantics follow `docs/protocols/wings.md` §8: the protocol layer reports
//! `Fact::Crashed` for running/starting → offline without stopping, and
//! `Fact::RequestedStop` for stops Aerie sent. A requested stop is never a crash, whatever arrives after it.

use std::collections::VecDeque;

use super::engine::AlertEngine;
use super::model::{Alert, AlertId, AlertKind, Severity, Subject, format_duration};
use crate::event::{
    ConnectionState, Fact, PowerState, ServerEvent, ServerEventKind, ServerInfo, ServerKey, Stats,
    TimestampMs,
};

const MIB: f64 = 1024.0 * 1024.0;

/// The state of the link to one server, as far as alerts care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Link {
    /// Never reported yet, or connecting for the first time.
    #[default]
    Unknown,
    Live,
    /// The socket dropped at this time and is being re-established.
    Lost(TimestampMs),
    /// Given up until the user acts (credentials, permission, suspension).
    Failed,
}

/// What the detectors remember about one server.
#[derive(Debug, Default)]
pub(super) struct ServerState {
    info: Option<ServerInfo>,
    power: Option<PowerState>,
    /// Aerie asked for a stop that has not been followed by a start yet.
    stop_requested: bool,
    /// A crash was reported and the server has not started again since (merges the
    /// unconfirmed and the confirmed report of one crash).
    crash_open: bool,
    crashes: VecDeque<TimestampMs>,
    link: Link,
    last_console: TimestampMs,
    /// Threshold and silence alerts raised for this server (pending or firing), as
    /// [`raised_bit`]s: a stats sample or a console line looks its alert up only when one may
    /// exist, instead of building an alert id for every event. A bit may outlive its track
    /// (resolved meanwhile); it never misses one.
    raised: u8,
}

impl ServerState {
    /// Whether Aerie can currently see this server.
    pub(super) fn reachable(&self) -> bool {
        matches!(self.link, Link::Unknown | Link::Live)
    }

    fn node(&self) -> Option<&str> {
        self.info.as_ref().map(|i| i.node.as_str())
    }
}

/// The [`ServerState::raised`] bit of the alert kinds raised on the per-event paths.
fn raised_bit(kind: AlertKind) -> u8 {
    match kind {
        AlertKind::HighCpu => 1,
        AlertKind::HighMemory => 2,
        AlertKind::HighDisk => 4,
        AlertKind::ConsoleSilent => 8,
        _ => 0,
    }
}

fn id(kind: AlertKind, key: &ServerKey) -> AlertId {
    AlertId {
        kind,
        subject: Subject::Server { key: key.clone() },
    }
}

impl AlertEngine {
    fn name_of(&self, key: &ServerKey) -> String {
        self.servers
            .get(key)
            .and_then(|s| s.info.as_ref())
            .map_or_else(|| key.server.clone(), |i| i.name.clone())
    }

    fn server_alert(
        &self,
        kind: AlertKind,
        key: &ServerKey,
        severity: Severity,
        since: TimestampMs,
        what: &str,
        detail: String,
    ) -> Alert {
        let name = self.name_of(key);
        Alert {
            id: id(kind, key),
            severity,
            title: format!("{name} {what}"),
            name,
            detail,
            since,
            fired_at: since,
            exit_code: None,
            oom: None,
            servers: vec![key.clone()],
            acknowledged: false,
        }
    }

    /// Updates server state and raises or clears conditions for one event.
    pub(super) fn observe(&mut self, ev: &ServerEvent) {
        let key = &ev.key;
        let at = ev.at;
        if let ServerEventKind::Connection {
            connection: ConnectionState::Stopped,
        } = &ev.kind
        {
            // No longer watched: forget it without resolving anything.
            self.servers.remove(key);
            self.tracks
                .forget(|id| id.subject.server().is_some_and(|k| k == key));
            return;
        }
        let state = super::per_server(&mut self.servers, key);
        match &ev.kind {
            ServerEventKind::Server { info } => state.info = Some((**info).clone()),
            ServerEventKind::Status { state: power, .. } => self.on_status(key, *power, at),
            ServerEventKind::Stats { stats, .. } => self.on_stats(key, stats, at),
            ServerEventKind::Console { .. } => {
                state.last_console = at;
                let silent = raised_bit(AlertKind::ConsoleSilent);
                if state.raised & silent != 0 {
                    state.raised &= !silent;
                    self.tracks.clear(&id(AlertKind::ConsoleSilent, key), at);
                }
            }
            ServerEventKind::Connection { connection } => self.on_connection(key, connection, at),
            ServerEventKind::Alert { fact } => self.on_fact(key, fact, at),
        }
    }

    fn on_status(&mut self, key: &ServerKey, power: PowerState, at: TimestampMs) {
        let rules = self.rules.for_server(key);
        let Some(state) = self.servers.get_mut(key) else {
            return;
        };
        let previous = state.power.replace(power);
        if previous == Some(power) {
            return;
        }
        let stuck = id(AlertKind::StuckStarting, key);
        let offline = id(AlertKind::UnexpectedOffline, key);
        match power {
            PowerState::Starting => {
                state.stop_requested = false;
                state.crash_open = false;
                self.tracks.clear(&offline, at);
                if rules.stuck_starting.enabled {
                    let after = rules.stuck_starting.after_ms;
                    let alert = self.server_alert(
                        AlertKind::StuckStarting,
                        key,
                        Severity::Warning,
                        at,
                        "is stuck starting",
                        format!("Still starting after {}", format_duration(after)),
                    );
                    self.tracks.raise(alert, after, 0);
                }
            }
            PowerState::Running => {
                state.stop_requested = false;
                state.crash_open = false;
                state.last_console = at;
                self.tracks.clear(&stuck, at);
                self.tracks.clear(&offline, at);
                self.tracks.clear(&id(AlertKind::Crash, key), at);
                self.tracks.clear(&id(AlertKind::CrashLoop, key), at);
            }
            PowerState::Stopping => self.tracks.clear(&stuck, at),
            PowerState::Offline => {
                self.tracks.clear(&stuck, at);
                state.raised &= !raised_bit(AlertKind::ConsoleSilent);
                self.tracks.clear(&id(AlertKind::ConsoleSilent, key), at);
                // A first report of offline (previous unknown) is how Aerie found it, not an event.
                let unexpected = previous.is_some() && !state.stop_requested && !state.crash_open;
                if unexpected && rules.unexpected_offline.enabled {
                    let after = rules.unexpected_offline.after_ms;
                    let alert = self.server_alert(
                        AlertKind::UnexpectedOffline,
                        key,
                        Severity::Critical,
                        at,
                        "went offline",
                        format!(
                            "Offline for {} and Aerie did not stop it",
                            format_duration(after)
                        ),
                    );
                    self.tracks.raise(alert, after, 0);
                }
            }
        }
    }

    fn on_stats(&mut self, key: &ServerKey, stats: &Stats, at: TimestampMs) {
        let rules = self.rules.for_server(key);
        let Some(limits) = self
            .servers
            .get(key)
            .and_then(|s| s.info.as_ref())
            .map(|i| i.limits)
        else {
            return;
        };
        let percent = |used: f64, limit: f64| (limit > 0.0).then(|| used / limit * 100.0);
        let checks = [
            (
                AlertKind::HighCpu,
                &rules.cpu,
                percent(stats.cpu_absolute, limits.cpu_percent as f64),
                "CPU",
            ),
            (
                AlertKind::HighMemory,
                &rules.memory,
                percent(stats.memory_bytes as f64, limits.memory_mib as f64 * MIB),
                "memory",
            ),
            (
                AlertKind::HighDisk,
                &rules.disk,
                percent(stats.disk_bytes as f64, limits.disk_mib as f64 * MIB),
                "disk",
            ),
        ];
        let mut raised = self.servers.get(key).map_or(0, |s| s.raised);
        for (kind, rule, used, what) in checks {
            let bit = raised_bit(kind);
            match used {
                Some(used) if rule.enabled && used >= rule.percent => {
                    let mut alert = self.server_alert(
                        kind,
                        key,
                        Severity::Warning,
                        at,
                        &format!("{what} above {:.0} %", rule.percent),
                        format!(
                            "{what} at {used:.0} % of its limit for {}",
                            format_duration(rule.for_ms)
                        ),
                    );
                    alert.title = format!("{}: {what} at {used:.0} %", alert.name);
                    self.tracks.raise(alert, rule.for_ms, rule.recover_ms);
                    raised |= bit;
                }
                _ if raised & bit != 0 => {
                    self.tracks.clear(&id(kind, key), at);
                    raised &= !bit;
                }
                _ => {}
            }
        }
        if let Some(state) = self.servers.get_mut(key) {
            state.raised = raised;
        }
    }

    fn on_connection(&mut self, key: &ServerKey, connection: &ConnectionState, at: TimestampMs) {
        let Some(state) = self.servers.get_mut(key) else {
            return;
        };
        match connection {
            ConnectionState::Live => {
                state.link = Link::Live;
                for kind in [AlertKind::PermissionLost, AlertKind::Suspended] {
                    self.tracks.clear(&id(kind, key), at);
                }
                self.tracks.clear(
                    &AlertId {
                        kind: AlertKind::CredentialsRejected,
                        subject: Subject::Account {
                            panel: key.panel.clone(),
                        },
                    },
                    at,
                );
                if let Some(node) = state.node() {
                    let node_id = node_alert_id(&key.panel, node);
                    self.tracks.clear(&node_id, at);
                }
            }
            ConnectionState::Reconnecting { .. } | ConnectionState::Polling => {
                if !matches!(state.link, Link::Lost(_)) {
                    state.link = Link::Lost(at);
                }
                if let Some(node) = state.node().map(str::to_owned) {
                    self.check_node(&key.panel, &node);
                }
            }
            ConnectionState::Failed { .. } | ConnectionState::Untrusted { .. } => {
                state.link = Link::Failed;
            }
            ConnectionState::Connecting
            | ConnectionState::Authenticating
            | ConnectionState::Stopped => {}
        }
    }

    /// Raises the node alert when every watched server of the node lost its socket within
    /// the window.
    fn check_node(&mut self, panel: &str, node: &str) {
        let rule = self.rules.node_unreachable.clone();
        if !rule.enabled {
            return;
        }
        let mut members: Vec<(&ServerKey, &ServerState)> = self
            .servers
            .iter()
            .filter(|(k, s)| k.panel == panel && s.node() == Some(node))
            .collect();
        if members.len() < rule.min_servers.max(1) {
            return;
        }
        let mut lost = Vec::with_capacity(members.len());
        for (_, s) in &members {
            match s.link {
                Link::Lost(since) => lost.push(since),
                _ => return,
            }
        }
        let (first, last) = (
            lost.iter().copied().min().unwrap_or_default(),
            lost.iter().copied().max().unwrap_or_default(),
        );
        if last - first > rule.window_ms {
            return;
        }
        members.sort_by_key(|(k, _)| *k);
        let names: Vec<String> = members
            .iter()
            .map(|(k, s)| s.info.as_ref().map_or(k.server.clone(), |i| i.name.clone()))
            .collect();
        let alert = Alert {
            id: node_alert_id(panel, node),
            severity: Severity::Critical,
            name: node.to_owned(),
            title: format!("Node {node} is unreachable"),
            detail: format!(
                "{} servers lost their connection together: {}",
                names.len(),
                names.join(", ")
            ),
            since: last,
            fired_at: last,
            exit_code: None,
            oom: None,
            servers: members.iter().map(|(k, _)| (*k).clone()).collect(),
            acknowledged: false,
        };
        self.tracks.raise(alert, rule.for_ms, 0);
    }

    /// Whether a node alert covers this server (pending or firing).
    fn node_down_for(&self, key: &ServerKey) -> bool {
        self.servers
            .get(key)
            .and_then(ServerState::node)
            .is_some_and(|node| self.tracks.contains(&node_alert_id(&key.panel, node)))
    }

    fn on_fact(&mut self, key: &ServerKey, fact: &Fact, at: TimestampMs) {
        let rules = self.rules.for_server(key);
        let node_window = self.rules.node_unreachable.window_ms;
        let node_down = self.node_down_for(key);
        let Some(state) = self.servers.get_mut(key) else {
            return;
        };
        match fact {
            Fact::Crashed {
                exit_code,
                oom,
                confirmed,
            } => {
                if state.stop_requested {
                    tracing::debug!(server = %key, "crash report after a requested stop ignored");
                    return;
                }
                let crash_id = id(AlertKind::Crash, key);
                let live = state.link == Link::Live || state.link == Link::Unknown;
                if state.crash_open {
                    // The confirmation of a crash already reported: add what it tells, and
                    // stop waiting for it.
                    if let Some(track) = self.tracks.get_mut(&crash_id) {
                        merge_crash_details(&mut track.alert, *exit_code, *oom);
                    }
                    if *confirmed && live {
                        self.tracks.expedite(&crash_id);
                    }
                    return;
                }
                state.crash_open = true;
                if rules.crash_loop.enabled {
                    state.crashes.push_back(at);
                    while state
                        .crashes
                        .front()
                        .is_some_and(|&t| at.saturating_sub(t) > rules.crash_loop.window_ms)
                    {
                        state.crashes.pop_front();
                    }
                }
                let crashes = state.crashes.len();
                self.tracks
                    .drop_pending(&id(AlertKind::UnexpectedOffline, key));
                if node_down {
                    return;
                }
                if rules.crash.enabled {
                    let mut alert = self.server_alert(
                        AlertKind::Crash,
                        key,
                        Severity::Critical,
                        at,
                        "crashed",
                        String::new(),
                    );
                    merge_crash_details(&mut alert, *exit_code, *oom);
                    // Without a live socket this crash may be a node outage seen through
                    // polling: wait for the node detector before paging per server.
                    let wait = match (live, confirmed) {
                        (false, _) => node_window,
                        (true, false) => rules.crash.confirm_wait_ms,
                        (true, true) => 0,
                    };
                    self.tracks.raise(alert, wait, rules.crash.recover_ms);
                }
                if rules.crash_loop.enabled
                    && crashes >= usize::try_from(rules.crash_loop.crashes).unwrap_or(usize::MAX)
                {
                    let detail = format!(
                        "{crashes} crashes within {}",
                        format_duration(rules.crash_loop.window_ms)
                    );
                    self.raise_crash_loop(key, at, detail, rules.crash_loop.recover_ms);
                }
            }
            Fact::AutoRestartAborted { reason } => {
                // "crash detection is disabled for this instance" is a setting, not a loop.
                if reason.contains("disabled") || !rules.crash_loop.enabled || node_down {
                    return;
                }
                let detail = format!("Wings stopped restarting it: {reason}");
                self.raise_crash_loop(key, at, detail, rules.crash_loop.recover_ms);
            }
            Fact::RequestedStop => {
                state.stop_requested = true;
                state.crash_open = false;
                for kind in [AlertKind::Crash, AlertKind::UnexpectedOffline] {
                    self.tracks.drop_pending(&id(kind, key));
                }
            }
            Fact::CredentialsRejected { message } if rules.access.enabled => {
                let panel = key.panel.clone();
                let alert = Alert {
                    id: AlertId {
                        kind: AlertKind::CredentialsRejected,
                        subject: Subject::Account {
                            panel: panel.clone(),
                        },
                    },
                    severity: Severity::Critical,
                    title: format!("API key rejected by {panel}"),
                    name: panel,
                    detail: message.clone(),
                    since: at,
                    fired_at: at,
                    exit_code: None,
                    oom: None,
                    servers: vec![key.clone()],
                    acknowledged: false,
                };
                self.tracks.raise(alert, 0, 0);
            }
            Fact::PermissionLost { message } if rules.access.enabled => {
                let alert = self.server_alert(
                    AlertKind::PermissionLost,
                    key,
                    Severity::Critical,
                    at,
                    "can no longer be watched",
                    message.clone(),
                );
                self.tracks.raise(alert, 0, 0);
            }
            Fact::Suspended if rules.access.enabled => {
                let alert = self.server_alert(
                    AlertKind::Suspended,
                    key,
                    Severity::Warning,
                    at,
                    "is suspended",
                    "The panel suspended this server".to_owned(),
                );
                self.tracks.raise(alert, 0, 0);
            }
            _ => {}
        }
    }

    fn raise_crash_loop(&mut self, key: &ServerKey, at: TimestampMs, detail: String, recover: u64) {
        let alert = self.server_alert(
            AlertKind::CrashLoop,
            key,
            Severity::Critical,
            at,
            "is crash-looping",
            detail,
        );
        self.tracks.raise(alert, 0, recover);
    }

    /// Console silence is a matter of time passing, so it is checked on ticks.
    pub(super) fn check_silence(&mut self) {
        let now = self.now;
        let mut silent = Vec::new();
        for (key, state) in &self.servers {
            if state.power != Some(PowerState::Running) {
                continue;
            }
            let rule = self.rules.for_server(key).console_silent;
            let bit = raised_bit(AlertKind::ConsoleSilent);
            if rule.enabled
                && now.saturating_sub(state.last_console) >= rule.after_ms
                && (state.raised & bit == 0
                    || !self.tracks.contains(&id(AlertKind::ConsoleSilent, key)))
            {
                silent.push((key.clone(), state.last_console, rule.after_ms));
            }
        }
        for (key, since, after) in silent {
            let alert = self.server_alert(
                AlertKind::ConsoleSilent,
                &key,
                Severity::Warning,
                since,
                "has a silent console",
                format!(
                    "No console output for {} while running",
                    format_duration(after)
                ),
            );
            self.tracks.raise(alert, after, 0);
            if let Some(state) = self.servers.get_mut(&key) {
                state.raised |= raised_bit(AlertKind::ConsoleSilent);
            }
        }
    }

    /// A node alert fired: the per-server crash and offline alerts it explains are dropped.
    pub(super) fn on_fired(&mut self, alert: &Alert) {
        if alert.id.kind != AlertKind::NodeUnreachable {
            return;
        }
        for key in &alert.servers {
            for kind in [AlertKind::Crash, AlertKind::UnexpectedOffline] {
                self.tracks.drop_pending(&id(kind, key));
            }
        }
    }
}

fn node_alert_id(panel: &str, node: &str) -> AlertId {
    AlertId {
        kind: AlertKind::NodeUnreachable,
        subject: Subject::Node {
            panel: panel.to_owned(),
            node: node.to_owned(),
        },
    }
}

fn merge_crash_details(alert: &mut Alert, exit_code: Option<i32>, oom: Option<bool>) {
    alert.exit_code = exit_code.or(alert.exit_code);
    alert.oom = oom.or(alert.oom);
    alert.detail = match (alert.exit_code, alert.oom) {
        (Some(code), Some(true)) => format!("Exit code {code}, out of memory"),
        (Some(code), _) => format!("Exit code {code}"),
        (None, Some(true)) => "Out of memory".to_owned(),
        (None, _) => "The server stopped without a stop request".to_owned(),
    };
}
