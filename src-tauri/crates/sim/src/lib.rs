//! `aerie-sim`: simulated Pterodactyl and Pelican panels with their Wings nodes, on loopback.
//!
//! The demo, every test and every benchmark of Aerie run against this world. It follows the real
//! Wings and Panel behaviour documented in `docs/protocols/wings.md`: the Client API
//! with its envelopes, errors and limits, and the Wings websocket with its token lifecycle,
//! permission gating, power state machine, crash handling and rate limits, in three profiles.
//!
//! ```no_run
//! # async fn demo() -> aerie_sim::Result<()> {
//! use aerie_sim::{Sim, SimConfig, Profile, Timings};
//! let sim = Sim::start(SimConfig { profile: Profile::Pelican, timings: Timings::fast(), ..Default::default() }).await?;
//! let panel = &sim.panels()[0];
//! println!("{} {}", panel.url, panel.client_key);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

pub mod clock;
pub mod config;
mod control;
mod eggs;
pub mod error;
pub mod jwt;
mod net;
mod panel;
mod server;
mod tls;
mod wings;
pub mod wire;
mod world;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

pub use config::{Behaviour, BehaviourPlan, Profile, SimConfig, Timings};
pub use error::{Result, SimError};
pub use panel::{PanelFault, RequestRecord};
pub use server::{PowerAction, PowerState, StatsSnapshot};
pub use wire::Injected;
pub use world::ServerSpec;

use world::World;

/// A panel as a client sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelInfo {
    /// Base URL (`http://127.0.0.1:<port>`), also the `Origin` Wings accepts.
    pub url: String,
    /// The owner's client key (`ptlc_…` / `pacc_…`).
    pub client_key: String,
    /// The owner's application key (`ptla_…` / `papp_…`), refused by the Client API.
    pub application_key: String,
    /// Its nodes.
    pub nodes: Vec<NodeInfo>,
    /// Its servers.
    pub servers: Vec<SimServer>,
}

/// A Wings node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeInfo {
    /// Unique name, used by the fault API.
    pub name: String,
    /// `http://127.0.0.1:<port>`; sockets are `ws://…/api/servers/<uuid>/ws`. A TLS node is
    /// at `https://localhost:<port>` with `wss://` sockets.
    pub url: String,
    /// SHA-256 of a TLS node's certificate (`AB:CD:…`), what a user would check before
    /// trusting it.
    pub certificate_sha256: Option<String>,
}

/// A server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimServer {
    /// Full uuid (the Wings socket path needs it).
    pub uuid: String,
    /// 8-character identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Node name.
    pub node: String,
}

/// Options for [`Sim::mint_token`], for tests that talk to Wings directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// Permissions (default `["*"]`).
    pub permissions: Vec<String>,
    /// Lifetime from now (default: the configured token lifetime).
    pub lifetime: Option<Duration>,
    /// Put a different `server_uuid` in the claims.
    pub server_uuid: Option<String>,
    /// Sign with this secret instead of the node's (a bad signature).
    pub wrong_secret: bool,
    /// Omit the `scope` claim even on profiles that have it.
    pub no_scope: bool,
}

impl Default for TokenSpec {
    fn default() -> Self {
        Self {
            permissions: vec!["*".into()],
            lifetime: None,
            server_uuid: None,
            wrong_secret: false,
            no_scope: false,
        }
    }
}

/// The running simulation. Dropping it stops everything; [`Sim::shutdown`] does so and waits.
#[derive(Debug)]
pub struct Sim {
    world: Arc<World>,
    control: net::Endpoint,
}

fn server_view(s: &server::Server) -> SimServer {
    SimServer {
        uuid: s.info.uuid.clone(),
        identifier: s.info.identifier.clone(),
        name: s.info.name.clone(),
        node: s.info.node_name.clone(),
    }
}

impl Sim {
    /// Builds the world and starts every listener on 127.0.0.1.
    pub async fn start(config: SimConfig) -> Result<Self> {
        let port = config.control_port;
        let world = Arc::new(World::build(config)?);
        let control = net::Endpoint::start(port, control::router(world.clone()))?;
        tracing::info!(
            panels = world.panels.len(),
            nodes = world.nodes.len(),
            servers = world.servers.read().map(|s| s.len()).unwrap_or(0),
            "simulator started"
        );
        Ok(Self { world, control })
    }

    /// Every panel with its keys, nodes and servers.
    pub fn panels(&self) -> Vec<PanelInfo> {
        panels_of(&self.world)
    }

    /// Base URL of the HTTP control endpoint (`POST <url>/control/...`).
    pub fn control_url(&self) -> String {
        self.control.url()
    }

    /// The configuration the world was built from.
    pub fn config(&self) -> &SimConfig {
        &self.world.config
    }

    /// Changes what a server does from now on. An offline server is started when the new
    /// behaviour runs; a running server is not stopped (use [`Sim::power`] for that).
    pub fn set_behaviour(&self, server: &str, behaviour: Behaviour) -> Result<()> {
        self.world.server(server)?.set_behaviour(behaviour);
        Ok(())
    }

    /// Makes the server's process die now (crash handling and auto-restart follow).
    pub fn crash_server(&self, server: &str) -> Result<()> {
        self.world.server(server)?.crash_now(1, false);
        Ok(())
    }

    /// Pushes frames verbatim at every viewer of a server (malformed JSON, binary, unknown
    /// events...), to check that clients survive them.
    pub fn inject_frames(&self, server: &str, frames: &[Injected]) -> Result<()> {
        self.world.server(server)?.inject(frames);
        Ok(())
    }

    /// Current power state of a server (`None` if it does not exist).
    pub fn server_state(&self, server: &str) -> Option<PowerState> {
        self.world.server(server).ok().map(|s| s.state())
    }

    /// Current stats of a server.
    pub fn server_stats(&self, server: &str) -> Result<StatsSnapshot> {
        Ok(self.world.server(server)?.stats())
    }

    /// The container log `send logs` would replay (empty when offline).
    pub fn console_lines(&self, server: &str) -> Result<Vec<String>> {
        Ok(self.world.server(server)?.logs())
    }

    /// Runs a power action as Wings would.
    pub fn power(&self, server: &str, action: PowerAction) -> Result<()> {
        let _ = self.world.server(server)?.power(action);
        Ok(())
    }

    /// Closes every websocket of a node abruptly.
    pub fn drop_node_sockets(&self, node: &str) -> Result<()> {
        self.world.node(node)?.drop_sockets();
        Ok(())
    }

    /// Closes every websocket of a node with a close frame carrying `code` (e.g. 1000, which
    /// a client must not retry), unlike [`Sim::drop_node_sockets`] which sends none.
    pub fn close_node_sockets(&self, node: &str, code: u16) -> Result<()> {
        self.world.node(node)?.close_sockets(code);
        Ok(())
    }

    /// Stalls a node (accepts TCP, never answers; open sockets go silent) or releases it.
    pub fn stall_node(&self, node: &str, stalled: bool) -> Result<()> {
        self.world.node(node)?.stall(stalled);
        Ok(())
    }

    /// Gives a TLS node a new self-signed certificate (re-issued, or an impostor) and drops
    /// its sockets, so clients meet the new certificate on their next connect. Returns its
    /// SHA-256 (`AB:CD:…`).
    pub fn rotate_node_certificate(&self, node: &str) -> Result<String> {
        let n = self.world.node(node)?;
        let tls = n
            .state
            .tls
            .as_ref()
            .ok_or_else(|| SimError::Config(format!("node {node} does not serve TLS")))?;
        tls.rotate()?;
        n.drop_sockets();
        Ok(tls.sha256())
    }

    /// Takes a node down: its port refuses connections and its sockets drop.
    pub async fn node_down(&self, node: &str) -> Result<()> {
        self.world.node(node)?.down().await;
        Ok(())
    }

    /// Brings a node back on the same port. Tokens minted before now are denylisted, as after
    /// a Wings restart.
    pub async fn node_up(&self, node: &str) -> Result<()> {
        self.world.node(node)?.up().await?;
        Ok(())
    }

    /// Open websocket connections on a node (0 for an unknown node).
    pub fn ws_connections(&self, node: &str) -> usize {
        self.world
            .node(node)
            .map(|n| n.state.sockets.load(Ordering::Relaxed))
            .unwrap_or(0)
    }

    /// Makes a panel fail every API request, for `duration` or until cleared.
    pub fn panel_fault(
        &self,
        panel: usize,
        fault: PanelFault,
        duration: Option<Duration>,
    ) -> Result<()> {
        self.world.panel(panel)?.state.set_fault(fault, duration);
        Ok(())
    }

    /// Clears a panel fault.
    pub fn clear_panel_fault(&self, panel: usize) -> Result<()> {
        self.world.panel(panel)?.state.clear_fault();
        Ok(())
    }

    /// Revokes the owner's client key of a panel (401 from then on).
    pub fn revoke_key(&self, panel: usize) -> Result<()> {
        self.world.panel(panel)?.state.revoke_owner_key();
        Ok(())
    }

    /// Suspends (killing it if running) or unsuspends a server.
    pub fn suspend_server(&self, server: &str, suspended: bool) -> Result<()> {
        self.world.server(server)?.suspend(suspended);
        Ok(())
    }

    /// Floods a server's console at `lines_per_sec` (0 stops it).
    pub fn flood_console(&self, server: &str, lines_per_sec: u32) -> Result<()> {
        self.world.server(server)?.flood(lines_per_sec);
        Ok(())
    }

    /// Adds a server to a node.
    pub fn add_server(&self, node: &str, spec: ServerSpec) -> Result<SimServer> {
        let server = self.world.add_server(node, spec)?;
        Ok(server_view(&server))
    }

    /// Deletes a server: the panel forgets it (404), viewers get `deleted`, then W-1.11 closes
    /// with 1001 and newer profiles drop the connection.
    pub fn delete_server(&self, server: &str) -> Result<()> {
        self.world.delete_server(server)
    }

    /// Replaces a panel's Client API limit (requests per rate-limit window per user).
    pub fn set_client_rate_limit(&self, panel: usize, limit: u32) -> Result<()> {
        self.world.panel(panel)?.state.set_client_rate_limit(limit);
        Ok(())
    }

    /// The Client API requests a panel received, oldest first.
    pub fn panel_requests(&self, panel: usize) -> Result<Vec<RequestRecord>> {
        Ok(self.world.panel(panel)?.state.requests())
    }

    /// Adds a subuser to a panel with explicit permissions per server (uuid or identifier);
    /// returns the subuser's client key.
    pub fn add_subuser(&self, panel: usize, grants: &[(&str, &[&str])]) -> Result<String> {
        let mut map = std::collections::HashMap::new();
        for (server, perms) in grants {
            let uuid = self.world.server(server)?.info.uuid.clone();
            map.insert(uuid, perms.iter().map(|p| p.to_string()).collect());
        }
        let state = &self.world.panel(panel)?.state;
        let key = self.world.new_client_key(panel)?;
        let id = state.users.read().map(|u| u.len() as u64 + 1).unwrap_or(2);
        Ok(state.add_user(panel::User {
            id,
            uuid: self.world.new_uuid(),
            username: format!("subuser{id}"),
            client_key: key,
            application_key: None,
            access: panel::Access::Subuser(map),
            revoked: false,
        }))
    }

    /// Mints a websocket token for a server directly (as the panel's owner), for tests that
    /// talk to Wings without the REST API.
    pub fn mint_token(&self, server: &str, spec: TokenSpec) -> Result<String> {
        let s = self.world.server(server)?;
        let panel = &self.world.panel(s.info.panel)?.state;
        let node = &self.world.nodes[s.info.node].state;
        let profile = panel.profile;
        let now = clock::now_secs();
        let lifetime = spec
            .lifetime
            .unwrap_or(panel.timings.token_lifetime)
            .as_secs();
        let owner_uuid = panel
            .users
            .read()
            .ok()
            .and_then(|u| u.first().map(|u| u.uuid.clone()))
            .unwrap_or_default();
        let claims = jwt::Claims {
            iss: panel.url.clone(),
            aud: vec![node.url.clone()],
            jti: jwt::jti(profile, 1, &s.info.uuid),
            iat: Some(now),
            nbf: Some(now.saturating_sub(300)),
            exp: Some(now + lifetime),
            server_uuid: spec.server_uuid.unwrap_or_else(|| s.info.uuid.clone()),
            permissions: spec.permissions,
            user_uuid: owner_uuid,
            user_id: (!profile.has_scope()).then_some(1),
            unique_id: "simsimsimsimsim1".into(),
            scope: (profile.has_scope() && !spec.no_scope).then(|| "websocket".into()),
        };
        let secret: &[u8] = if spec.wrong_secret {
            b"not-the-node-secret"
        } else {
            &node.secret
        };
        Ok(jwt::encode(&claims, secret))
    }

    /// Stops every listener, socket and ticker.
    pub async fn shutdown(self) {
        for node in &self.world.nodes {
            node.down().await;
        }
        for panel in &self.world.panels {
            panel.endpoint.down().await;
        }
        self.control.down().await;
    }
}

pub(crate) fn panels_of(world: &World) -> Vec<PanelInfo> {
    world
        .panels
        .iter()
        .map(|p| {
            let servers = p.state.servers.read().unwrap_or_else(|e| e.into_inner());
            PanelInfo {
                url: p.state.url.clone(),
                client_key: p.client_key.clone(),
                application_key: p.application_key.clone(),
                nodes: p
                    .state
                    .nodes
                    .iter()
                    .map(|n| NodeInfo {
                        name: n.name.clone(),
                        url: n.url.clone(),
                        certificate_sha256: n.tls.as_ref().map(|t| t.sha256()),
                    })
                    .collect(),
                servers: servers.iter().map(|s| server_view(s)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    fn shareable<T: Send + Sync + 'static>() {}

    #[test]
    fn sim_can_be_shared_across_tasks() {
        shareable::<super::Sim>();
        shareable::<super::PanelInfo>();
    }
}
