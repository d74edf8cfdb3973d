//! Builds the world from a [`SimConfig`]: panels, nodes, servers and users with seeded names,
//! ids, secrets and behaviours.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use rand::distributions::Alphanumeric;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::watch;

use crate::clock;
use crate::config::{Behaviour, BehaviourPlan, SimConfig};
use crate::eggs::{EGGS, Egg, NAME_PREFIXES, NAME_SUFFIXES, REGIONS};
use crate::error::{Result, SimError};
use crate::net::{self, Endpoint};
use crate::panel::{self, Access, PanelState, User};
use crate::server::{Limits, Server, ServerInfo};
use crate::wings::{Node, NodeState};

/// A running panel.
#[derive(Debug)]
pub struct PanelRt {
    /// Shared state.
    pub state: Arc<PanelState>,
    /// The listener.
    pub endpoint: Endpoint,
    /// The owner's client key.
    pub client_key: String,
    /// The owner's application key.
    pub application_key: String,
}

/// Everything that exists in the simulation.
#[derive(Debug)]
pub struct World {
    /// Configuration it was built from.
    pub config: SimConfig,
    /// Panels.
    pub panels: Vec<PanelRt>,
    /// Nodes of every panel.
    pub nodes: Vec<Node>,
    /// Servers by uuid.
    pub servers: RwLock<HashMap<String, Arc<Server>>>,
    rng: std::sync::Mutex<StdRng>,
    next_internal_id: AtomicU64,
}

pub(crate) fn random_string(rng: &mut StdRng, len: usize) -> String {
    rng.sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

fn seeded_uuid(rng: &mut StdRng) -> String {
    uuid::Builder::from_random_bytes(rng.r#gen())
        .into_uuid()
        .to_string()
}

fn api_key(rng: &mut StdRng, prefix: &str) -> String {
    // Identifier is 16 chars (prefix + random), the secret 32: 48 in all.
    let ident_rest = 16 - prefix.len();
    format!(
        "{prefix}{}{}",
        random_string(rng, ident_rest),
        random_string(rng, 32)
    )
}

fn pick_behaviour(plan: BehaviourPlan, rng: &mut StdRng, egg: &Egg) -> Behaviour {
    let BehaviourPlan::Mixed = plan else {
        let BehaviourPlan::All(b) = plan else {
            return Behaviour::Idle;
        };
        return b;
    };
    match rng.gen_range(0..100) {
        0..50 => Behaviour::Idle,
        50..68 => Behaviour::Chatty {
            lines_per_sec: rng.gen_range(1..8),
        },
        68..84 => Behaviour::Offline,
        84..89 => Behaviour::MemoryLeak {
            bytes_per_sec: egg.memory_mib * 1024 * 1024 / rng.gen_range(300..900),
        },
        89..93 => Behaviour::CrashOnce {
            after_ms: rng.gen_range(20_000..120_000),
        },
        93..95 => Behaviour::CrashLoop { after_ms: 20_000 },
        95..97 => Behaviour::StuckStarting,
        _ if egg.name == "Paper" => Behaviour::EulaPrompt,
        _ => Behaviour::Idle,
    }
}

/// What to create with [`crate::Sim::add_server`].
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSpec {
    /// Display name.
    pub name: String,
    /// Behaviour.
    pub behaviour: Behaviour,
    /// Index into the egg catalogue (0 = Paper, 1 = Rust, 2 = Valheim, 3 = Terraria).
    pub egg: usize,
}

impl Default for ServerSpec {
    fn default() -> Self {
        Self {
            name: "Custom Server".into(),
            behaviour: Behaviour::Idle,
            egg: 0,
        }
    }
}

impl World {
    /// Binds every listener and builds the world.
    pub fn build(config: SimConfig) -> Result<Self> {
        if config.panels == 0 || config.nodes_per_panel == 0 {
            return Err(SimError::Config(
                "need at least one panel and one node per panel".into(),
            ));
        }
        let mut rng = StdRng::seed_from_u64(config.seed);
        let profile = config.profile;
        let timings = config.timings;
        let mut panels = Vec::new();
        let mut nodes = Vec::new();
        let mut servers = HashMap::new();
        let mut internal_id = 1u64;
        for p in 0..config.panels {
            let panel_listener = net::bind(0)?;
            let panel_url = format!("http://127.0.0.1:{}", panel_listener.local_addr()?.port());
            let client_key = api_key(&mut rng, profile.client_key_prefix());
            let application_key = api_key(&mut rng, profile.application_key_prefix());
            let owner = User {
                id: 1,
                uuid: seeded_uuid(&mut rng),
                username: format!("operator{}", p + 1),
                client_key: client_key.clone(),
                application_key: Some(application_key.clone()),
                access: Access::Owner,
                revoked: false,
            };
            let mut panel_nodes = Vec::new();
            let mut panel_servers = Vec::new();
            for n in 0..config.nodes_per_panel {
                let global = nodes.len();
                let listener = net::bind(0)?;
                let port = listener.local_addr()?.port();
                let (url, tls) = if config.tls_nodes {
                    let tls = Arc::new(crate::tls::NodeTls::generate()?);
                    (format!("https://localhost:{port}"), Some(tls))
                } else {
                    (format!("http://127.0.0.1:{port}"), None)
                };
                let name = format!("{}-{}", REGIONS[global % REGIONS.len()], global + 1);
                let state = NodeState {
                    name: name.clone(),
                    panel: p,
                    panel_url: panel_url.clone(),
                    secret: random_string(&mut rng, 64).into_bytes(),
                    profile,
                    timings,
                    boot_secs: AtomicU64::new(clock::now_secs()),
                    servers: RwLock::new(HashMap::new()),
                    servers_gen: AtomicU64::new(0),
                    drop_gen: watch::channel(0).0,
                    drop_code: AtomicU16::new(0),
                    sockets: AtomicUsize::new(0),
                    stalled: Arc::new(watch::channel(false).0),
                    url,
                    tls,
                    up: AtomicBool::new(true),
                };
                for k in 0..config.servers_per_node {
                    let egg = &EGGS[rng.gen_range(0..EGGS.len())];
                    let behaviour = pick_behaviour(config.behaviours, &mut rng, egg);
                    let name = format!(
                        "{} {} #{}",
                        NAME_PREFIXES[rng.gen_range(0..NAME_PREFIXES.len())],
                        NAME_SUFFIXES[rng.gen_range(0..NAME_SUFFIXES.len())],
                        k + 1
                    );
                    let server = make_server(
                        &mut rng,
                        &config,
                        p,
                        global,
                        &state.name,
                        internal_id,
                        name,
                        egg,
                        behaviour,
                        n,
                        k,
                    );
                    internal_id += 1;
                    state
                        .servers
                        .write()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(server.info.uuid.clone(), server.clone());
                    servers.insert(server.info.uuid.clone(), server.clone());
                    panel_servers.push(server);
                }
                let node = Node::start(listener, state)?;
                panel_nodes.push(node.state.clone());
                nodes.push(node);
            }
            let state = Arc::new(PanelState::new(
                panel_url,
                profile,
                timings,
                panel_nodes,
                panel_servers,
                vec![owner],
            ));
            let endpoint = Endpoint::serve_on(
                panel_listener,
                panel::router(state.clone()),
                Arc::new(watch::channel(false).0),
            )?;
            panels.push(PanelRt {
                state,
                endpoint,
                client_key,
                application_key,
            });
        }
        Ok(Self {
            config,
            panels,
            nodes,
            servers: RwLock::new(servers),
            rng: std::sync::Mutex::new(rng),
            next_internal_id: AtomicU64::new(internal_id),
        })
    }

    /// A server by uuid or 8-char identifier.
    pub fn server(&self, id: &str) -> Result<Arc<Server>> {
        let servers = self.servers.read().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = servers.get(id) {
            return Ok(s.clone());
        }
        servers
            .values()
            .find(|s| s.info.identifier == id)
            .cloned()
            .ok_or_else(|| SimError::UnknownServer(id.to_string()))
    }

    /// A node by name.
    pub fn node(&self, name: &str) -> Result<&Node> {
        self.nodes
            .iter()
            .find(|n| n.state.name == name)
            .ok_or_else(|| SimError::UnknownNode(name.to_string()))
    }

    /// A panel by index.
    pub fn panel(&self, idx: usize) -> Result<&PanelRt> {
        self.panels.get(idx).ok_or(SimError::UnknownPanel(idx))
    }

    /// Adds a server to a node (and its panel's listing).
    pub fn add_server(&self, node: &str, spec: ServerSpec) -> Result<Arc<Server>> {
        let (global, node_ref) = self
            .nodes
            .iter()
            .enumerate()
            .find(|(_, n)| n.state.name == node)
            .ok_or_else(|| SimError::UnknownNode(node.to_string()))?;
        let panel = self.panel(node_ref.state.panel)?;
        let egg = EGGS
            .get(spec.egg)
            .ok_or_else(|| SimError::Config(format!("no egg {}", spec.egg)))?;
        let id = self.next_internal_id.fetch_add(1, Ordering::Relaxed);
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        let server = make_server(
            &mut rng,
            &self.config,
            node_ref.state.panel,
            global,
            node,
            id,
            spec.name,
            egg,
            spec.behaviour,
            0,
            id as usize,
        );
        drop(rng);
        node_ref
            .state
            .servers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(server.info.uuid.clone(), server.clone());
        node_ref.state.servers_gen.fetch_add(1, Ordering::Relaxed);
        self.servers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(server.info.uuid.clone(), server.clone());
        panel.state.add_server(server.clone());
        Ok(server)
    }

    /// Removes a server from its node, its panel and the world.
    pub fn delete_server(&self, id: &str) -> Result<()> {
        let server = self.server(id)?;
        let uuid = &server.info.uuid;
        self.servers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(uuid);
        if let Some(node) = self.nodes.get(server.info.node) {
            node.state
                .servers
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(uuid);
            node.state.servers_gen.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(panel) = self.panel(server.info.panel) {
            panel
                .state
                .servers
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|s| &s.info.uuid != uuid);
        }
        server.delete();
        Ok(())
    }

    /// A fresh client key in the panel's prefix.
    pub fn new_client_key(&self, panel: usize) -> Result<String> {
        let prefix = self.panel(panel)?.state.profile.client_key_prefix();
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        Ok(api_key(&mut rng, prefix))
    }

    /// A fresh seeded uuid.
    pub fn new_uuid(&self) -> String {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        seeded_uuid(&mut rng)
    }
}

#[allow(clippy::too_many_arguments)]
fn make_server(
    rng: &mut StdRng,
    config: &SimConfig,
    panel: usize,
    node: usize,
    node_name: &str,
    internal_id: u64,
    name: String,
    egg: &'static Egg,
    behaviour: Behaviour,
    node_in_panel: usize,
    k: usize,
) -> Arc<Server> {
    let uuid = seeded_uuid(rng);
    let identifier = uuid[..8].to_string();
    let info = ServerInfo {
        identifier,
        uuid,
        internal_id,
        description: format!("{} server managed by the simulator", egg.name),
        name,
        panel,
        node,
        node_name: node_name.to_string(),
        egg,
        limits: Limits {
            memory: egg.memory_mib,
            swap: 0,
            disk: 20_480,
            io: 500,
            cpu: [100, 200, 300, 400][rng.gen_range(0..4)],
        },
        allocation: (
            format!("10.{}.{}.{}", panel, node_in_panel, 10 + (k % 200)),
            egg.port + (k / 200) as u16,
        ),
        allocation_id: internal_id,
    };
    let server = Arc::new(Server::new(
        info,
        behaviour,
        config.profile,
        config.timings,
        rng.r#gen(),
    ));
    server.boot();
    server
}
