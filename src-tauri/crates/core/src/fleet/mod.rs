//! One task per watched server, the snapshot store and the bounded event bus.
//!
//! ```no_run
//! # async fn demo() -> aerie_core::Result<()> {
//! use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Received};
//! let fleet = Fleet::start(FleetConfig::default());
//! let mut events = fleet.subscribe();
//! fleet.add_panel(PanelAccess::new("home", "https://panel.example.com", "ptlc_...")).await?;
//! while let Some(Received::Event(ev)) = events.recv().await {
//!     println!("{} {:?}", ev.key, ev.kind);
//! }
//! # Ok(()) }
//! ```

mod hub;
mod link;
mod server_task;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, broadcast, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use hub::{ConsoleLine, ConsoleRing, Received, ServerSnapshot, SocketMetrics, Subscription};

use crate::clock::now_ms;
use crate::event::{ServerEvent, ServerEventKind, ServerKey};
use crate::panel::{
    PanelAdapter, PanelClient, PanelKind, PowerSignal, RateLimits, RemoteServer, Secret,
};
use crate::protocol::wings::SessionConfig;
use crate::{Error, Result};
use hub::Entry;
use server_task::{Command, PanelShared, ServerCtx};

/// Fleet-wide settings. Defaults suit a real deployment; tests shorten the timings.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// Events buffered for slow subscribers before they are told they missed some.
    pub bus_capacity: usize,
    /// Console lines kept per server.
    pub console_lines: usize,
    /// Console bytes kept per server (whichever bound is hit first).
    pub console_bytes: usize,
    /// Socket connects in flight at once per panel.
    pub connects_per_panel: usize,
    /// TCP + TLS + upgrade timeout.
    pub connect_timeout: Duration,
    /// First reconnect delay.
    pub reconnect_min: Duration,
    /// Longest reconnect delay (the reconnect budget after a node returns).
    pub reconnect_max: Duration,
    /// Failed connects in a row before polling `/resources` meanwhile.
    pub polling_after_failures: u32,
    /// Poll period while polling (the panel caches `/resources` for 20 s).
    pub poll_interval: Duration,
    /// WebSocket ping period (Wings never pings).
    pub ping_interval: Duration,
    /// A socket silent (no frame, no pong) this long is considered dead.
    pub dead_after: Duration,
    /// A ping left unanswered this long, with nothing else received meanwhile, means a dead
    /// link (half-open TCP, a laptop back from sleep): reconnect without waiting `dead_after`.
    pub pong_timeout: Duration,
    /// Session tunables.
    pub session: SessionConfig,
    /// Default REST budgets per panel.
    pub rate_limits: RateLimits,
}

impl Default for FleetConfig {
    fn default() -> Self {
        Self {
            bus_capacity: 16_384,
            console_lines: 1000,
            console_bytes: 128 * 1024,
            connects_per_panel: 32,
            connect_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(30),
            polling_after_failures: 5,
            poll_interval: Duration::from_secs(30),
            ping_interval: Duration::from_secs(30),
            dead_after: Duration::from_secs(75),
            pong_timeout: Duration::from_secs(10),
            session: SessionConfig::default(),
            rate_limits: RateLimits::default(),
        }
    }
}

/// How to reach one panel account.
#[derive(Debug, Clone)]
pub struct PanelAccess {
    /// Aerie's id for the account (goes into every [`ServerKey`]).
    pub id: String,
    /// Panel base URL.
    pub base_url: String,
    /// Client API key.
    pub api_key: Secret,
    /// Panel software.
    pub kind: PanelKind,
    /// REST budgets, if not the fleet's defaults.
    pub rate_limits: Option<RateLimits>,
    /// Watch only these servers (identifier or uuid); `None` watches all.
    pub only: Option<Vec<String>>,
}

impl PanelAccess {
    /// A Pterodactyl/Pelican account with default budgets.
    pub fn new(
        id: impl Into<String>,
        base_url: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Self {
        Self {
            id: id.into(),
            base_url: base_url.into(),
            api_key: api_key.into(),
            kind: PanelKind::Pterodactyl,
            rate_limits: None,
            only: None,
        }
    }
}

struct ServerHandle {
    entry: Arc<Entry>,
    remote: RemoteServer,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

struct PanelState {
    adapter: Arc<dyn PanelAdapter>,
    servers: Vec<ServerHandle>,
    shutdown: watch::Sender<bool>,
}

struct Inner {
    cfg: Arc<FleetConfig>,
    bus: broadcast::Sender<ServerEvent>,
    panels: Mutex<HashMap<String, PanelState>>,
}

/// The engine: watches every server of every added panel. Cheap to clone.
#[derive(Clone)]
pub struct Fleet {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet").finish_non_exhaustive()
    }
}

impl Fleet {
    /// An empty fleet. Must be called inside a tokio runtime.
    pub fn start(cfg: FleetConfig) -> Self {
        let (bus, _) = broadcast::channel(cfg.bus_capacity.max(16));
        Self {
            inner: Arc::new(Inner {
                cfg: Arc::new(cfg),
                bus,
                panels: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn panels(&self) -> std::sync::MutexGuard<'_, HashMap<String, PanelState>> {
        self.inner.panels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a Pterodactyl/Pelican account: lists its servers and starts watching each.
    /// Returns how many servers are watched. Errors (bad key, not a panel) come back here.
    pub async fn add_panel(&self, access: PanelAccess) -> Result<usize> {
        let limits = access.rate_limits.unwrap_or(self.inner.cfg.rate_limits);
        let client = match access.kind {
            PanelKind::Pterodactyl => PanelClient::new(&access.base_url, access.api_key, limits)?,
        };
        self.add_adapter_only(access.id, Arc::new(client), access.only.as_deref())
            .await
    }

    /// Adds a panel of any kind through its adapter (the seam for other panel software).
    pub async fn add_adapter(&self, id: String, adapter: Arc<dyn PanelAdapter>) -> Result<usize> {
        self.add_adapter_only(id, adapter, None).await
    }

    async fn add_adapter_only(
        &self,
        id: String,
        adapter: Arc<dyn PanelAdapter>,
        only: Option<&[String]>,
    ) -> Result<usize> {
        let mut servers = adapter.list_servers().await?;
        if let Some(only) = only {
            servers.retain(|s| only.iter().any(|o| *o == s.identifier || *o == s.uuid));
        }
        self.remove_panel(&id).await;
        let shared = Arc::new(PanelShared {
            failed: Mutex::new(None),
            connect: Semaphore::new(self.inner.cfg.connects_per_panel.max(1)),
        });
        let (shutdown, _) = watch::channel(false);
        let mut handles = Vec::with_capacity(servers.len());
        for remote in servers {
            let key = ServerKey::new(id.clone(), remote.identifier.clone());
            let entry = Arc::new(Entry::new(
                key,
                remote.info(),
                self.inner.cfg.console_lines,
                self.inner.cfg.console_bytes,
            ));
            let ev = entry.record(
                now_ms(),
                ServerEventKind::Server {
                    info: remote.info(),
                },
            );
            let _ = self.inner.bus.send(ev);
            let (tx, rx) = mpsc::channel(16);
            let ctx = ServerCtx {
                entry: entry.clone(),
                remote: remote.clone(),
                adapter: adapter.clone(),
                panel: shared.clone(),
                bus: self.inner.bus.clone(),
                cfg: self.inner.cfg.clone(),
                commands: rx,
                shutdown: shutdown.subscribe(),
            };
            let task = tokio::spawn(server_task::run(ctx));
            handles.push(ServerHandle {
                entry,
                remote,
                commands: tx,
                task,
            });
        }
        let n = handles.len();
        self.panels().insert(
            id,
            PanelState {
                adapter,
                servers: handles,
                shutdown,
            },
        );
        Ok(n)
    }

    /// Stops watching a panel's servers (each publishes `Connection: Stopped`).
    pub async fn remove_panel(&self, id: &str) {
        let state = self.panels().remove(id);
        if let Some(state) = state {
            let _ = state.shutdown.send(true);
            for s in state.servers {
                let _ = s.task.await;
            }
        }
    }

    /// The event stream. Slow subscribers get [`Received::Missed`] instead of blocking anyone.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.inner.bus.subscribe(),
        }
    }

    /// What is known about every watched server, sorted by key.
    pub fn snapshot(&self) -> Vec<ServerSnapshot> {
        let mut out: Vec<_> = self
            .panels()
            .values()
            .flat_map(|p| p.servers.iter().map(|s| s.entry.snapshot()))
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// Finds a watched server by identifier or uuid (any panel).
    pub fn find(&self, server: &str) -> Option<ServerKey> {
        self.panels().values().find_map(|p| {
            p.servers
                .iter()
                .find(|s| s.remote.identifier == server || s.remote.uuid == server)
                .map(|s| s.entry.key.clone())
        })
    }

    fn with_server<T>(
        &self,
        key: &ServerKey,
        f: impl FnOnce(&PanelState, &ServerHandle) -> T,
    ) -> Result<T> {
        let panels = self.panels();
        let p = panels
            .get(&key.panel)
            .ok_or_else(|| Error::NotWatched(key.to_string()))?;
        let s = p
            .servers
            .iter()
            .find(|s| s.entry.key == *key)
            .ok_or_else(|| Error::NotWatched(key.to_string()))?;
        Ok(f(p, s))
    }

    /// The server's recent console lines, oldest first.
    pub fn console(&self, key: &ServerKey) -> Result<Vec<ConsoleLine>> {
        self.with_server(key, |_, s| s.entry.console())
    }

    /// Number of console lines held for a server.
    pub fn console_len(&self, key: &ServerKey) -> Result<usize> {
        self.with_server(key, |_, s| s.entry.console_len())
    }

    /// Sends a power signal through the panel. The resulting stop is remembered, so it is
    /// reported as `RequestedStop`, never as a crash.
    pub async fn power(&self, key: &ServerKey, signal: PowerSignal) -> Result<()> {
        let (adapter, remote, commands) = self.with_server(key, |p, s| {
            (p.adapter.clone(), s.remote.clone(), s.commands.clone())
        })?;
        // Noted before sending, so even an instant status change is attributed to us.
        let _ = commands.send(Command::PowerSent(signal)).await;
        adapter.power(&remote, signal).await
    }

    /// Sends a console command: over the live socket when possible, else through the panel.
    pub async fn send_command(&self, key: &ServerKey, command: &str) -> Result<()> {
        let (adapter, remote, commands) = self.with_server(key, |p, s| {
            (p.adapter.clone(), s.remote.clone(), s.commands.clone())
        })?;
        let (reply, answer) = oneshot::channel();
        let asked = commands
            .send(Command::Console {
                command: command.to_owned(),
                reply,
            })
            .await
            .is_ok();
        if asked && answer.await.unwrap_or(false) {
            return Ok(());
        }
        adapter.send_command(&remote, command).await
    }

    /// Stops every server task and waits for them.
    pub async fn shutdown(&self) {
        let ids: Vec<String> = self.panels().keys().cloned().collect();
        for id in ids {
            self.remove_panel(&id).await;
        }
    }
}
