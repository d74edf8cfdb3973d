//! The fleet's one event stream.
//!
//! Everything the user sees (fleet view, console, charts, alerts, the CLI's JSON lines) is
//! derived from [`ServerEvent`]s. Timestamps are plain milliseconds since the Unix epoch so the
//! same values work with the wall clock and with virtual time in tests.
//!
//! The types derive `ts_rs::TS`; the desktop app exports them to TypeScript.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Milliseconds since the Unix epoch (UTC).
pub type TimestampMs = u64;

/// Identifies one watched server across every panel and account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct ServerKey {
    /// The account's id in Aerie's settings (stable, never the API key).
    pub panel: String,
    /// The panel's 8-character server identifier (`uuidShort`).
    pub server: String,
}

impl ServerKey {
    /// Builds a key from a panel id and a server identifier.
    pub fn new(panel: impl Into<String>, server: impl Into<String>) -> Self {
        Self {
            panel: panel.into(),
            server: server.into(),
        }
    }
}

impl std::fmt::Display for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.panel, self.server)
    }
}

/// A server's power state as Wings reports it in `status` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PowerState {
    /// Not running.
    Offline,
    /// Booting; becomes `Running` when the egg's "done" line appears.
    Starting,
    /// Up.
    Running,
    /// Going down on request (every Wings-initiated stop passes through here).
    Stopping,
}

impl PowerState {
    /// Parses the wire spelling (`offline`, `starting`, `running`, `stopping`).
    ///
    /// The panel's REST API also says `stopped` when Wings gave no state; that maps to offline.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "offline" | "stopped" => Some(Self::Offline),
            "starting" => Some(Self::Starting),
            "running" => Some(Self::Running),
            "stopping" => Some(Self::Stopping),
            _ => None,
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::Starting => "starting",
            Self::Running => "running",
            Self::Stopping => "stopping",
        }
    }
}

/// Resource limits from the panel (MiB and percent of one core; 0 means unlimited).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Limits {
    /// Memory limit in MiB.
    #[ts(type = "number")]
    pub memory_mib: u64,
    /// Disk limit in MiB.
    #[ts(type = "number")]
    pub disk_mib: u64,
    /// CPU limit in percent of one core (200 = two cores).
    #[ts(type = "number")]
    pub cpu_percent: u64,
}

/// What Aerie knows about a server from the panel's REST API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerInfo {
    /// Full 36-character uuid (the Wings socket path needs it).
    pub uuid: String,
    /// Display name.
    pub name: String,
    /// Node name as the panel reports it.
    pub node: String,
    /// Resource limits.
    pub limits: Limits,
    /// The user's permissions on this server (`*` for owners).
    pub permissions: Vec<String>,
    /// Panel-side status such as `installing` or `suspended`; `None` when normal.
    pub panel_status: Option<String>,
}

impl ServerInfo {
    /// Whether the user may do what `permission` names (e.g. `control.console`,
    /// `control.start`), by the daemon's rule: an exact entry, or `*`, which covers everything
    /// except `admin.*`. An empty list means "not known yet" and allows nothing.
    pub fn allows(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|p| p == permission || (p == "*" && !permission.starts_with("admin")))
    }
}

/// One stats sample, as decoded from a Wings `stats` event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Stats {
    /// Memory in use, bytes.
    #[ts(type = "number")]
    pub memory_bytes: u64,
    /// Docker memory limit including Wings' overhead, bytes (not the panel limit).
    #[ts(type = "number")]
    pub memory_limit_bytes: u64,
    /// CPU in percent of one core; may exceed 100.
    pub cpu_absolute: f64,
    /// Cumulative received bytes since the container started.
    #[ts(type = "number")]
    pub network_rx_bytes: u64,
    /// Cumulative sent bytes since the container started.
    #[ts(type = "number")]
    pub network_tx_bytes: u64,
    /// Milliseconds since the container started.
    #[ts(type = "number")]
    pub uptime_ms: u64,
    /// Disk usage, bytes (cached by Wings, refreshed every few minutes).
    #[ts(type = "number")]
    pub disk_bytes: u64,
    /// Cumulative disk I/O, when the daemon reports it (Pelican).
    pub disk_io: Option<DiskIo>,
}

/// Cumulative block I/O counters (Pelican's `disk_io`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct DiskIo {
    /// Bytes read since the container started.
    #[ts(type = "number")]
    pub read_bytes: u64,
    /// Bytes written since the container started.
    #[ts(type = "number")]
    pub write_bytes: u64,
}

/// Rates derived from consecutive cumulative counters, in bytes per second.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct Rates {
    /// Network receive rate.
    pub rx_bps: f64,
    /// Network send rate.
    pub tx_bps: f64,
    /// Disk read rate, when the daemon reports disk I/O.
    pub disk_read_bps: Option<f64>,
    /// Disk write rate, when the daemon reports disk I/O.
    pub disk_write_bps: Option<f64>,
}

/// Where a console line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsoleOrigin {
    /// The game server's own output, live.
    Container,
    /// Wings' own `[... Daemon]:` lines.
    Daemon,
    /// Replayed by `send logs` after (re)connecting.
    Backfill,
    /// Install script output (admins only).
    Install,
}

/// The health of the link to one server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnectionState {
    /// Opening the socket (or fetching a token first).
    Connecting,
    /// Socket open, `auth` sent, waiting for `auth success`.
    Authenticating,
    /// Authenticated and receiving events.
    Live,
    /// Lost; the next attempt is scheduled.
    Reconnecting {
        /// Attempt number, starting at 1.
        attempt: u32,
        /// Delay before that attempt, milliseconds.
        #[ts(type = "number")]
        delay_ms: u64,
    },
    /// The socket cannot be held; state comes from polling `/resources`.
    Polling,
    /// Given up until the user acts (revoked key, suspended server, permission lost).
    Failed {
        /// What happened and what to do, for a person.
        reason: String,
    },
    /// The node's TLS certificate is not trusted (self-signed, a private CA, or changed since
    /// the user trusted it): nothing is sent to the node until the user trusts this exact
    /// certificate.
    Untrusted {
        /// The node, `host:port` (what trust is stored under).
        node: String,
        /// SHA-256 of the certificate the node presents, `AB:CD:…`.
        fingerprint: String,
        /// For a person: "node certificate not trusted: SHA-256 …", or, for a changed
        /// certificate, both fingerprints.
        message: String,
    },
    /// Not watched any more.
    Stopped,
}

/// Facts worth an alert, recognised by the protocol layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "fact", rename_all = "snake_case")]
pub enum Fact {
    /// Running/starting went offline without passing through stopping, and Aerie did not ask
    /// for it. `confirmed` is true once the daemon's crash lines arrived.
    Crashed {
        /// Exit code from the daemon's crash lines, when seen.
        exit_code: Option<i32>,
        /// Out-of-memory flag from the daemon's crash lines, when seen.
        oom: Option<bool>,
        /// Whether the daemon's "crashed state" line confirmed it.
        confirmed: bool,
    },
    /// Wings declined to restart: "Aborting automatic restart ...".
    AutoRestartAborted {
        /// The daemon's reason, e.g. last crash less than 60 seconds ago.
        reason: String,
    },
    /// A stop, restart or kill that Aerie itself sent completed.
    RequestedStop,
    /// The API key was rejected (revoked, wrong type, IP not allowed).
    CredentialsRejected {
        /// A message for a person.
        message: String,
    },
    /// The user no longer has a permission Aerie needs (e.g. `websocket.connect`).
    PermissionLost {
        /// A message for a person.
        message: String,
    },
    /// The server is suspended (close code 4409 or a 409 from the panel).
    Suspended,
    /// An egg feature pattern matched a console line (Pelican `feature match`, e.g. EULA).
    FeatureMatch {
        /// Feature key, e.g. `eula`.
        key: String,
        /// The console line that matched.
        line: String,
    },
    /// Install, backup or transfer progress worth showing.
    Lifecycle {
        /// Wire event name, e.g. `install completed`, `backup completed`, `transfer status`.
        event: String,
        /// Its argument, if any.
        detail: String,
    },
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerEventKind {
    /// A server appeared in a panel's list (or its details changed).
    Server {
        /// Its details.
        // Boxed, like `Stats` below: every event moves this enum, and console lines (most of
        // the traffic) then move 64 bytes instead of 144.
        info: Box<ServerInfo>,
    },
    /// Power state changed.
    Status {
        /// New state.
        state: PowerState,
        /// State before, if known.
        previous: Option<PowerState>,
    },
    /// A stats sample with rates derived from the previous one.
    Stats {
        /// The sample.
        stats: Box<Stats>,
        /// Rates since the previous sample.
        rates: Rates,
    },
    /// One console line (may contain ANSI escapes and embedded line breaks).
    Console {
        /// The text, without a trailing newline.
        line: String,
        /// Where it came from.
        origin: ConsoleOrigin,
    },
    /// The link to the server changed state.
    Connection {
        /// New state.
        connection: ConnectionState,
    },
    /// Something alert-worthy was recognised.
    Alert {
        /// The fact.
        fact: Fact,
    },
}

/// One event of the fleet stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ServerEvent {
    /// Which server.
    pub key: ServerKey,
    /// When Aerie observed it, ms since the Unix epoch.
    #[ts(type = "number")]
    pub at: TimestampMs,
    /// What happened.
    pub kind: ServerEventKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_state_round_trips_wire_names_and_maps_stopped_to_offline() {
        for s in ["offline", "starting", "running", "stopping"] {
            assert_eq!(PowerState::parse(s).map(PowerState::as_str), Some(s));
        }
        assert_eq!(PowerState::parse("stopped"), Some(PowerState::Offline));
        assert_eq!(PowerState::parse("exploded"), None);
    }

    #[test]
    fn permissions_follow_the_daemons_wildcard_rule() {
        let info = |perms: &[&str]| ServerInfo {
            uuid: String::new(),
            name: String::new(),
            node: String::new(),
            limits: Limits::default(),
            permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
            panel_status: None,
        };
        let owner = info(&["*"]);
        assert!(owner.allows("control.console") && owner.allows("control.start"));
        assert!(
            !owner.allows("admin.websocket.errors"),
            "* never covers admin.*"
        );
        let sub = info(&["websocket.connect", "control.console"]);
        assert!(sub.allows("control.console"));
        assert!(!sub.allows("control.start"));
        assert!(
            !info(&[]).allows("control.console"),
            "unknown allows nothing"
        );
    }

    #[test]
    fn event_json_is_tagged_for_the_cli_and_ui() {
        let ev = ServerEvent {
            key: ServerKey::new("p1", "abcd1234"),
            at: 1,
            kind: ServerEventKind::Status {
                state: PowerState::Running,
                previous: Some(PowerState::Starting),
            },
        };
        let v = serde_json::to_value(&ev).expect("serializes");
        assert_eq!(v["kind"]["type"], "status");
        assert_eq!(v["kind"]["state"], "running");
    }
}
