//! What world to build: how many panels, nodes and servers, which Wings/Panel flavour, which
//! timings and which behaviour each server follows.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The Wings + Panel flavour to imitate (see `docs/protocols/wings.md` §0 and §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Profile {
    /// Wings 1.11 + Panel 1.11: no inbound limits, no `scope` claim, md5 `jti`, `ptlc_` keys.
    #[serde(rename = "ptero-1.11")]
    Ptero111,
    /// Newer Pterodactyl: rate limiter, 4 KiB frames, `scope`, 30 s auth deadline, sha256 `jti`.
    #[serde(rename = "ptero-new")]
    PteroNew,
    /// Pelican Wings + Panel: limits and `scope` like `ptero-new`, no auth deadline, `disk_io`,
    /// `feature match`, `pacc_`/`papp_` keys, `[pelican Daemon]` prefix.
    #[default]
    #[serde(rename = "pelican")]
    Pelican,
}

impl Profile {
    /// The command-line spelling (`ptero-1.11`, `ptero-new`, `pelican`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ptero111 => "ptero-1.11",
            Self::PteroNew => "ptero-new",
            Self::Pelican => "pelican",
        }
    }

    /// Parses the command-line spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ptero-1.11" | "ptero111" | "ptero" => Some(Self::Ptero111),
            "ptero-new" => Some(Self::PteroNew),
            "pelican" => Some(Self::Pelican),
            _ => None,
        }
    }

    /// Whether Wings has the inbound rate limiter, the 4 KiB read limit, the connection cap and
    /// the `4409` close for suspended servers.
    pub fn has_limits(self) -> bool {
        !matches!(self, Self::Ptero111)
    }

    /// Whether tokens carry (and Wings requires) `scope: "websocket"`.
    pub fn has_scope(self) -> bool {
        !matches!(self, Self::Ptero111)
    }

    /// Whether an unauthenticated socket is dropped after the auth deadline (ptero-new only).
    pub fn has_auth_deadline(self) -> bool {
        matches!(self, Self::PteroNew)
    }

    /// Whether the panel limits websocket token minting per server.
    pub fn limits_token_minting(self) -> bool {
        !matches!(self, Self::Ptero111)
    }

    /// Whether this is the Pelican flavour.
    pub fn is_pelican(self) -> bool {
        matches!(self, Self::Pelican)
    }

    /// Wings' `app_name`, used in the daemon console prefix.
    pub fn app_name(self) -> &'static str {
        if self.is_pelican() {
            "pelican"
        } else {
            "Pterodactyl"
        }
    }

    /// Client (account) API key prefix.
    pub fn client_key_prefix(self) -> &'static str {
        if self.is_pelican() { "pacc_" } else { "ptlc_" }
    }

    /// Application API key prefix.
    pub fn application_key_prefix(self) -> &'static str {
        if self.is_pelican() { "papp_" } else { "ptla_" }
    }

    /// Client API requests per minute per user.
    pub fn client_rate_limit(self) -> u32 {
        if self.is_pelican() { 256 } else { 720 }
    }
}

/// Every duration the simulator uses. Defaults are the real values; [`Timings::fast`] shrinks
/// the ones that make tests slow.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Lifetime of a websocket JWT minted by the panel (real: 600 s).
    pub token_lifetime: Duration,
    /// Period of the per-connection expiry check (real: 30 s).
    pub expiry_tick: Duration,
    /// `token expiring` is sent when at most this much lifetime remains (real: 60 s).
    pub expiring_window: Duration,
    /// Period of `stats` while a container runs (real: ~1 s).
    pub stats_period: Duration,
    /// How long the panel caches `/resources` per server (real: 20 s).
    pub resources_cache: Duration,
    /// A crash within this long of the previous one aborts the automatic restart (real: 60 s).
    pub crash_abort_window: Duration,
    /// Time from `starting` to the egg's "done" line.
    pub boot_time: Duration,
    /// Time from `stopping` to `offline`.
    pub stop_time: Duration,
    /// ptero-new drops sockets that have not authenticated within this long (real: 30 s).
    pub auth_deadline: Duration,
    /// Resolution of each node's ticker, which drives every server on the node.
    pub tick: Duration,
    /// Window of the panel's rate limits (real: 60 s).
    pub rate_limit_window: Duration,
}

impl Default for Timings {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(600),
            expiry_tick: Duration::from_secs(30),
            expiring_window: Duration::from_secs(60),
            stats_period: Duration::from_secs(1),
            resources_cache: Duration::from_secs(20),
            crash_abort_window: Duration::from_secs(60),
            boot_time: Duration::from_secs(4),
            stop_time: Duration::from_millis(1500),
            auth_deadline: Duration::from_secs(30),
            tick: Duration::from_millis(100),
            rate_limit_window: Duration::from_secs(60),
        }
    }
}

impl Timings {
    /// Short timings for tests: everything happens within a fraction of a second, except the
    /// token lifetime, expiry tick and rate-limit window, which stay real so a client under test
    /// is not pushed into constant token refreshes (shorten them explicitly, or use paused time).
    pub fn fast() -> Self {
        Self {
            stats_period: Duration::from_millis(100),
            resources_cache: Duration::from_millis(500),
            crash_abort_window: Duration::from_secs(2),
            boot_time: Duration::from_millis(150),
            stop_time: Duration::from_millis(100),
            auth_deadline: Duration::from_secs(5),
            tick: Duration::from_millis(20),
            ..Self::default()
        }
    }
}

/// What a server does on its own.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Behaviour {
    /// Runs quietly: boot lines, then an occasional line.
    Idle,
    /// Stays offline until someone starts it.
    Offline,
    /// Runs and writes about `lines_per_sec` console lines per second.
    Chatty {
        /// Average console lines per second.
        lines_per_sec: u32,
    },
    /// Crashes once, `after_ms` after reaching `running`, then behaves like `Idle`.
    CrashOnce {
        /// Milliseconds of `running` before the crash.
        after_ms: u64,
    },
    /// Crashes `after_ms` after every start (Wings stops restarting it after two quick crashes).
    CrashLoop {
        /// Milliseconds of `running` before each crash.
        after_ms: u64,
    },
    /// Boots but never prints the "done" line, so it stays `starting`.
    StuckStarting,
    /// Ignores its stop command: stays `stopping` until killed (what Kill is for).
    StuckStopping,
    /// Memory grows by `bytes_per_sec` until it hits the limit; then the container is OOM-killed.
    MemoryLeak {
        /// Growth in bytes per second.
        bytes_per_sec: u64,
    },
    /// A Minecraft server that stops at the EULA prompt and exits (Pelican: `feature match`).
    EulaPrompt,
}

/// How behaviours are assigned to generated servers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BehaviourPlan {
    /// Every generated server gets this behaviour.
    All(Behaviour),
    /// A seeded, realistic mix: mostly idle or chatty, some offline, a few troubled ones.
    Mixed,
}

impl Default for BehaviourPlan {
    fn default() -> Self {
        Self::All(Behaviour::Idle)
    }
}

/// The whole simulated world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// Number of panels.
    pub panels: usize,
    /// Wings nodes per panel.
    pub nodes_per_panel: usize,
    /// Servers per node.
    pub servers_per_node: usize,
    /// Flavour of every panel and node.
    pub profile: Profile,
    /// Seed for names, ids, secrets and behaviour randomness.
    pub seed: u64,
    /// Durations.
    pub timings: Timings,
    /// Behaviour assignment for generated servers.
    pub behaviours: BehaviourPlan,
    /// Port for the HTTP control endpoint (0 = any free port).
    pub control_port: u16,
    /// Nodes serve `wss://` with a self-signed certificate each (at `localhost`), like many
    /// self-hosted Wings nodes; their fingerprints are in [`crate::NodeInfo`].
    pub tls_nodes: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            panels: 1,
            nodes_per_panel: 1,
            servers_per_node: 3,
            profile: Profile::default(),
            seed: 1,
            timings: Timings::default(),
            behaviours: BehaviourPlan::default(),
            control_port: 0,
            tls_nodes: false,
        }
    }
}
