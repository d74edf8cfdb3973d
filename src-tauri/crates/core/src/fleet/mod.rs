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
mod server_task;
mod trust;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinHandle;

pub use hub::{ConsoleLine, ConsoleRing, Received, ServerSnapshot, SocketMetrics, Subscription};
pub use trust::{NodeTrust, node_of};

use crate::accounts::Watch;
use crate::clock::now_ms;
use crate::event::{ServerEventKind, ServerKey};
use crate::secret::Secret;
use crate::source::{Access, PowerSignal, RateLimits, Registry, RemoteServer, Source};
use crate::{Error, Result};
use hub::{Bus, Entry};
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
    /// WebSocket ping period (daemons such as Wings never ping on their own).
    pub ping_interval: Duration,
    /// A socket silent (no frame, no pong) this long is considered dead.
    pub dead_after: Duration,
    /// A ping left unanswered this long, with nothing else received meanwhile, means a dead
    /// link (half-open TCP, a laptop back from sleep): reconnect without waiting `dead_after`.
    pub pong_timeout: Duration,
    /// Default REST budgets per panel.
    pub rate_limits: RateLimits,
    /// How often each panel's server list is read again, so servers created later appear
    /// and deleted ones go away ([`Fleet::refresh_panel`] does it on demand).
    pub relist_interval: Duration,
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
            rate_limits: RateLimits::default(),
            relist_interval: Duration::from_secs(300),
        }
    }
}

impl FleetConfig {
    /// The socket layer's reconnect policy for the fleet's servers: exponential from
    /// `reconnect_min` to `reconnect_max`, spread 0–20 % per server, never giving up (polling
    /// `/resources` takes over after `polling_after_failures`), whatever the close code (the
    /// kind's session decides about 4409 and the like).
    pub fn reconnect_policy(&self) -> crate::socket::ReconnectPolicy {
        crate::socket::ReconnectPolicy {
            enabled: true,
            strategy: crate::socket::Strategy::ExponentialSpread,
            base: self.reconnect_min,
            cap: self.reconnect_max,
            max_attempts: None,
            reset_after: Duration::ZERO,
            no_reconnect_codes: Vec::new(),
            jitter_seed: None,
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
    /// Source kind id (`pterodactyl`, `pelican`, ...), looked up in the fleet's [`Registry`].
    pub kind: String,
    /// REST budgets, if not the fleet's defaults.
    pub rate_limits: Option<RateLimits>,
    /// Watch only these servers (identifier or uuid); `None` watches all.
    pub only: Option<Vec<String>>,
    /// Never watch these servers (identifier or uuid), e.g. ones the user deselected while
    /// servers created later are still wanted.
    pub except: Option<Vec<String>>,
}

impl PanelAccess {
    /// A Pterodactyl account with default budgets ([`PanelAccess::of_kind`] for others).
    pub fn new(
        id: impl Into<String>,
        base_url: impl Into<String>,
        api_key: impl Into<Secret>,
    ) -> Self {
        Self {
            id: id.into(),
            base_url: base_url.into(),
            api_key: api_key.into(),
            kind: crate::kinds::PTERODACTYL.to_owned(),
            rate_limits: None,
            only: None,
            except: None,
        }
    }

    /// Opens the account through its kind in `kinds`, with its own REST budget or `default`.
    pub fn open(&self, kinds: &Registry, default: RateLimits) -> Result<Arc<dyn Source>> {
        kinds.open(
            &self.kind,
            Access {
                base_url: self.base_url.clone(),
                api_key: self.api_key.clone(),
                rate_limits: self.rate_limits.unwrap_or(default),
            },
        )
    }

    /// The same account as another source kind.
    pub fn of_kind(mut self, kind: impl Into<String>) -> Self {
        self.kind = kind.into();
        self
    }

    /// Applies an account's "watched servers" choice: a selection watches only the selected
    /// servers, plus (when `include_new`) servers the account had not seen when choosing.
    pub fn watching(mut self, watch: &Watch) -> Self {
        match watch {
            Watch::All => {
                self.only = None;
                self.except = None;
            }
            Watch::Selected {
                servers,
                include_new: false,
                ..
            } => {
                self.only = Some(servers.iter().cloned().collect());
                self.except = None;
            }
            Watch::Selected {
                servers,
                include_new: true,
                known,
            } => {
                self.only = None;
                self.except = Some(known.difference(servers).cloned().collect());
            }
        }
        self
    }
}

/// Which listed servers a panel's fleet entry watches.
#[derive(Debug, Clone, Default)]
struct Filter {
    only: Option<Vec<String>>,
    except: Option<Vec<String>>,
}

impl Filter {
    fn keeps(&self, s: &RemoteServer) -> bool {
        let named = |list: &[String]| list.iter().any(|o| *o == s.identifier || *o == s.uuid);
        self.only.as_deref().is_none_or(named) && !self.except.as_deref().is_some_and(named)
    }
}

/// What a re-read of a panel's server list changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Relisted {
    /// Servers now watched that were not before.
    pub added: usize,
    /// Servers no longer listed (deleted, or access removed); they published `Stopped`.
    pub removed: usize,
}

struct ServerHandle {
    entry: Arc<Entry>,
    remote: RemoteServer,
    commands: mpsc::Sender<Command>,
    task: JoinHandle<()>,
}

struct PanelState {
    source: Arc<dyn Source>,
    servers: Vec<ServerHandle>,
    /// Ends the panel's relisting job.
    shutdown: watch::Sender<bool>,
    shared: Arc<PanelShared>,
    filter: Filter,
}

struct Inner {
    cfg: Arc<FleetConfig>,
    bus: Bus,
    /// Reconnect delays of every server (from [`FleetConfig::reconnect_policy`]).
    reconnect: Arc<crate::socket::ReconnectPolicy>,
    /// Node certificates trusted beyond the platform's roots; read by each connect.
    trust: Arc<std::sync::RwLock<NodeTrust>>,
    /// The source kinds accounts may name.
    kinds: Registry,
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
    /// An empty fleet that can watch every kind this build ships. Must be called inside a
    /// tokio runtime.
    pub fn start(cfg: FleetConfig) -> Self {
        Self::with_kinds(cfg, crate::kinds::builtin())
    }

    /// An empty fleet that can watch the kinds in `kinds`.
    pub fn with_kinds(cfg: FleetConfig, kinds: Registry) -> Self {
        let bus = Bus::new(cfg.bus_capacity.max(16));
        Self {
            inner: Arc::new(Inner {
                reconnect: Arc::new(cfg.reconnect_policy()),
                cfg: Arc::new(cfg),
                bus,
                trust: Arc::default(),
                kinds,
                panels: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The source kinds this fleet can watch.
    pub fn kinds(&self) -> &Registry {
        &self.inner.kinds
    }

    fn panels(&self) -> std::sync::MutexGuard<'_, HashMap<String, PanelState>> {
        self.inner.panels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds an account of any registered kind: lists its servers and starts watching each.
    /// Returns how many servers are watched. Errors (bad key, not a panel, unknown kind) come
    /// back here. The list is read again every [`FleetConfig::relist_interval`].
    pub async fn add_panel(&self, access: PanelAccess) -> Result<usize> {
        let source = access.open(&self.inner.kinds, self.inner.cfg.rate_limits)?;
        let filter = Filter {
            only: access.only,
            except: access.except,
        };
        self.add_filtered(access.id, source, filter).await
    }

    async fn add_filtered(
        &self,
        id: String,
        source: Arc<dyn Source>,
        filter: Filter,
    ) -> Result<usize> {
        let mut servers = source.list_servers().await?;
        servers.retain(|s| filter.keeps(s));
        self.remove_panel(&id).await;
        let shared = Arc::new(PanelShared {
            failed: Mutex::new(None),
            connect: Semaphore::new(self.inner.cfg.connects_per_panel.max(1)),
        });
        let (shutdown, _) = watch::channel(false);
        let mut state = PanelState {
            source,
            servers: Vec::with_capacity(servers.len()),
            shutdown,
            shared,
            filter,
        };
        for remote in servers {
            let handle = self.spawn_server(&id, &state, remote);
            state.servers.push(handle);
        }
        let n = state.servers.len();
        self.spawn_relister(id.clone(), state.shutdown.subscribe());
        self.panels().insert(id, state);
        Ok(n)
    }

    /// Starts watching one server of a panel; publishes its `Server` event ("discovered").
    fn spawn_server(&self, id: &str, panel: &PanelState, remote: RemoteServer) -> ServerHandle {
        let key = ServerKey::new(id, remote.identifier.clone());
        let entry = Arc::new(Entry::new(
            key,
            remote.info(),
            self.inner.cfg.console_lines,
            self.inner.cfg.console_bytes,
        ));
        let ev = entry.record(
            now_ms(),
            ServerEventKind::Server {
                info: Box::new(remote.info()),
            },
        );
        self.inner.bus.send(ev);
        let (tx, rx) = mpsc::channel(16);
        let ctx = ServerCtx {
            entry: entry.clone(),
            remote: remote.clone(),
            source: panel.source.clone(),
            panel: panel.shared.clone(),
            bus: self.inner.bus.clone(),
            cfg: self.inner.cfg.clone(),
            reconnect: self.inner.reconnect.clone(),
            trust: self.inner.trust.clone(),
            commands: rx,
            inbox: tx.downgrade(),
        };
        let task = tokio::spawn(server_task::run(ctx));
        ServerHandle {
            entry,
            remote,
            commands: tx,
            task,
        }
    }

    /// Replaces which node certificates are trusted beyond the platform's roots. Servers
    /// waiting on a certificate the user had not trusted try again at once; sockets already
    /// open keep the certificate they were opened with.
    pub fn set_trust(&self, trust: NodeTrust) {
        *self.inner.trust.write().unwrap_or_else(|p| p.into_inner()) = trust;
        for panel in self.panels().values() {
            for s in &panel.servers {
                // A full queue means the task is busy and will connect with the new trust.
                let _ = s.commands.try_send(Command::TrustChanged);
            }
        }
    }

    /// The node certificates trusted now.
    pub fn trust(&self) -> NodeTrust {
        self.inner
            .trust
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Re-reads a panel's list every `relist_interval` until the panel is removed.
    fn spawn_relister(&self, id: String, mut stop: watch::Receiver<bool>) {
        let weak = Arc::downgrade(&self.inner);
        let every = self.inner.cfg.relist_interval.max(Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(every) => {}
                    changed = stop.changed() => {
                        if changed.is_err() || *stop.borrow() {
                            return;
                        }
                    }
                }
                // The fleet itself may be gone; then so is this job.
                let Some(inner) = weak.upgrade() else { return };
                let fleet = Fleet { inner };
                match fleet.refresh_panel(&id).await {
                    Ok(r) if r != Relisted::default() => {
                        tracing::info!(panel = %id, added = r.added, removed = r.removed, "server list changed");
                    }
                    Ok(_) => {}
                    Err(Error::NotWatched(_)) => return,
                    Err(e) => {
                        tracing::debug!(panel = %id, error = %e, "re-reading the server list failed")
                    }
                }
            }
        });
    }

    /// Reads a panel's server list again now: new servers are watched (each publishes a
    /// `Server` event), servers gone from the list stop (each publishes `Connection:
    /// Stopped`) and leave the snapshot, changed details are published.
    pub async fn refresh_panel(&self, id: &str) -> Result<Relisted> {
        let (source, filter) = {
            let panels = self.panels();
            let p = panels
                .get(id)
                .ok_or_else(|| Error::NotWatched(id.to_owned()))?;
            let refused = p
                .shared
                .failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if let Some(reason) = refused {
                // The panel refused the key: asking again would only hammer it.
                tracing::debug!(panel = %id, %reason, "not re-reading the list of a refused key");
                return Ok(Relisted::default());
            }
            (p.source.clone(), p.filter.clone())
        };
        let mut listed = source.list_servers().await?;
        listed.retain(|s| filter.keeps(s));
        let mut outcome = Relisted::default();
        let gone = {
            let mut panels = self.panels();
            let p = panels
                .get_mut(id)
                .ok_or_else(|| Error::NotWatched(id.to_owned()))?;
            let (kept, gone): (Vec<_>, Vec<_>) = std::mem::take(&mut p.servers)
                .into_iter()
                .partition(|h| listed.iter().any(|r| r.uuid == h.remote.uuid));
            p.servers = kept;
            for remote in listed {
                match p.servers.iter_mut().find(|h| h.remote.uuid == remote.uuid) {
                    Some(h) => {
                        // A listing carries no subuser permissions: compare the rest.
                        let updated = RemoteServer {
                            permissions: h.remote.permissions.clone(),
                            ..remote.clone()
                        };
                        if h.remote != updated {
                            // Full: the task is busy; the next re-read tries again.
                            let _ = h.commands.try_send(Command::Update(remote));
                            h.remote = updated;
                        }
                    }
                    None => {
                        let handle = self.spawn_server(id, p, remote);
                        p.servers.push(handle);
                        outcome.added += 1;
                    }
                }
            }
            gone
        };
        outcome.removed = gone.len();
        for h in gone {
            let _ = h.commands.send(Command::Stop).await;
            let _ = h.task.await;
        }
        Ok(outcome)
    }

    /// Stops watching a panel's servers (each publishes `Connection: Stopped`).
    pub async fn remove_panel(&self, id: &str) {
        let state = self.panels().remove(id);
        if let Some(state) = state {
            let _ = state.shutdown.send(true);
            // Through each server's own command queue: a shared shutdown signal would be
            // polled (and its waiter list locked) on every frame of every server.
            for s in &state.servers {
                let _ = s.commands.send(Command::Stop).await;
            }
            for s in state.servers {
                let _ = s.task.await;
            }
        }
    }

    /// The event stream. Slow subscribers get [`Received::Missed`] instead of blocking anyone.
    pub fn subscribe(&self) -> Subscription {
        self.inner.bus.subscribe()
    }

    /// What is known about every watched server, sorted by key.
    pub fn snapshot(&self) -> Vec<ServerSnapshot> {
        let mut out = Vec::new();
        self.for_each_snapshot(|s| out.push(s.clone()));
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out
    }

    /// Visits what is known about every watched server, in no particular order, without
    /// copying it: for readers that look at every server often (the tray, once a second) and
    /// keep little. `each` runs while that server's record is locked, so keep it short.
    pub fn for_each_snapshot(&self, mut each: impl FnMut(&ServerSnapshot)) {
        for p in self.panels().values() {
            for s in &p.servers {
                s.entry.visit(&mut each);
            }
        }
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

    /// Refuses an action the account's known permissions do not allow. Unknown permissions
    /// (details not fetched yet) leave the decision to the panel.
    fn check_allowed(&self, key: &ServerKey, permission: &str) -> Result<()> {
        let info = self.with_server(key, |_, s| s.entry.snapshot().info)?;
        if info.permissions.is_empty() || info.allows(permission) {
            return Ok(());
        }
        Err(Error::PermissionDenied {
            detail: format!("this account lacks {permission} on server {}", key.server),
        })
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
    ///
    /// Refused at once, with the permission named, when the account's permissions on the
    /// server are known and do not allow it.
    pub async fn power(&self, key: &ServerKey, signal: PowerSignal) -> Result<()> {
        let (source, remote, commands) = self.with_server(key, |p, s| {
            (p.source.clone(), s.remote.clone(), s.commands.clone())
        })?;
        self.check_allowed(key, signal.permission())?;
        // Noted before sending, so even an instant status change is attributed to us.
        let _ = commands.send(Command::PowerSent(signal)).await;
        source.power(&remote, signal).await
    }

    /// Sends a console command: over the live socket when possible, else through the panel.
    pub async fn send_command(&self, key: &ServerKey, command: &str) -> Result<()> {
        let (source, remote, commands) = self.with_server(key, |p, s| {
            (p.source.clone(), s.remote.clone(), s.commands.clone())
        })?;
        self.check_allowed(key, "control.console")?;
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
        source.send_command(&remote, command).await
    }

    /// Stops every server task and waits for them.
    pub async fn shutdown(&self) {
        let ids: Vec<String> = self.panels().keys().cloned().collect();
        for id in ids {
            self.remove_panel(&id).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Limits;

    fn remote(identifier: &str) -> RemoteServer {
        RemoteServer {
            identifier: identifier.to_owned(),
            uuid: format!("{identifier}-uuid"),
            name: String::new(),
            node: String::new(),
            limits: Limits::default(),
            status: None,
            permissions: vec!["*".to_owned()],
        }
    }

    fn kept(access: &PanelAccess, ids: &[&str]) -> Vec<String> {
        let filter = Filter {
            only: access.only.clone(),
            except: access.except.clone(),
        };
        ids.iter()
            .map(|i| remote(i))
            .filter(|r| filter.keeps(r))
            .map(|r| r.identifier)
            .collect()
    }

    #[test]
    fn an_accounts_selection_decides_which_servers_are_watched() {
        let base = PanelAccess::new("p", "https://panel.test", "ptlc_x");
        let listed = ["aaaa0001", "aaaa0002", "aaaa0003", "new00001"];
        assert_eq!(kept(&base.clone().watching(&Watch::All), &listed), listed);
        let known = ["aaaa0001", "aaaa0002", "aaaa0003"].map(String::from);
        let pick = |include_new| Watch::selected(&["aaaa0002".to_owned()], &known, include_new);
        assert_eq!(
            kept(&base.clone().watching(&pick(false)), &listed),
            ["aaaa0002"],
            "only the selection"
        );
        assert_eq!(
            kept(&base.watching(&pick(true)), &listed),
            ["aaaa0002", "new00001"],
            "the selection plus servers created after it, never the deselected ones"
        );
    }
}
