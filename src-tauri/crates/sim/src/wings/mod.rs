//! A simulated Wings node: the websocket endpoint for every server it hosts, the node secret
//! that signs their tokens, and one ticker task that drives all its servers.

mod limiter;
mod session;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use crate::clock;
use crate::config::{Profile, Timings};
use crate::net::Endpoint;
use crate::server::Server;

/// Wings' connection cap per server (W-new, Pelican).
const MAX_SOCKETS_PER_SERVER: usize = 30;

/// Everything a node's sockets share.
#[derive(Debug)]
pub struct NodeState {
    /// Node name (unique in the world).
    pub name: String,
    /// Panel index.
    pub panel: usize,
    /// The `Origin` Wings accepts (the panel URL).
    pub panel_url: String,
    /// HS256 secret (the node's daemon token).
    pub secret: Vec<u8>,
    /// Flavour.
    pub profile: Profile,
    /// Durations.
    pub timings: Timings,
    /// Wings boot time (Unix s): tokens issued before it are denylisted.
    pub boot_secs: AtomicU64,
    /// Servers by full uuid.
    pub servers: RwLock<HashMap<String, Arc<Server>>>,
    /// Bumped whenever `servers` changes, so the ticker picks up the new set.
    pub servers_gen: AtomicU64,
    /// Bumped to drop every open socket.
    pub drop_gen: watch::Sender<u64>,
    /// Close code sent to sockets dropped by the last `drop_gen` bump; 0 = no close frame.
    pub drop_code: AtomicU16,
    /// Open websocket connections.
    pub sockets: AtomicUsize,
    /// Stall switch: open sockets neither read nor write while it is `true`.
    pub stalled: Arc<watch::Sender<bool>>,
    /// `http://127.0.0.1:<port>`, or `https://localhost:<port>` for a TLS node.
    pub url: String,
    /// The node's self-signed certificate, for a TLS node.
    pub tls: Option<Arc<crate::tls::NodeTls>>,
    /// Whether the node listens (the panel answers 504 for proxied calls when it does not).
    pub up: AtomicBool,
}

impl NodeState {
    /// Looks up a server by full uuid.
    pub fn server(&self, uuid: &str) -> Option<Arc<Server>> {
        self.servers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(uuid)
            .cloned()
    }

    fn all_servers(&self) -> Vec<Arc<Server>> {
        self.servers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

/// A running node: its state, its listener and its ticker.
#[derive(Debug)]
pub struct Node {
    /// Shared state.
    pub state: Arc<NodeState>,
    endpoint: Endpoint,
    ticker: JoinHandle<()>,
}

impl Node {
    /// Serves the node on its bound listener and starts its ticker.
    pub fn start(listener: tokio::net::TcpListener, state: NodeState) -> std::io::Result<Self> {
        let state = Arc::new(state);
        let router = Router::new()
            .route("/api/servers/{uuid}/ws", get(upgrade))
            .fallback(not_found)
            .with_state(state.clone());
        let endpoint =
            Endpoint::serve_tls_on(listener, router, state.stalled.clone(), state.tls.clone())?;
        let ticker = tokio::spawn(drive(state.clone()));
        Ok(Self {
            state,
            endpoint,
            ticker,
        })
    }

    /// Closes every open socket abruptly (clients see 1006).
    pub fn drop_sockets(&self) {
        self.close_sockets(0);
    }

    /// Closes every open socket with a close frame carrying `code` (0: abruptly, no frame).
    pub fn close_sockets(&self, code: u16) {
        self.state.drop_code.store(code, Ordering::Relaxed);
        self.state.drop_gen.send_modify(|g| *g += 1);
    }

    /// Stalls: new TCP connections are accepted and never answered; open sockets go silent.
    pub fn stall(&self, on: bool) {
        self.endpoint.stall(on);
    }

    /// Stops listening and drops every socket. Containers keep running.
    pub async fn down(&self) {
        self.state.up.store(false, Ordering::Relaxed);
        self.drop_sockets();
        self.endpoint.down().await;
    }

    /// Listens again on the same port. Like a Wings restart, tokens minted before now are
    /// denylisted.
    pub async fn up(&self) -> std::io::Result<()> {
        if !self.endpoint.is_up() {
            self.state
                .boot_secs
                .store(clock::now_secs(), Ordering::Relaxed);
        }
        self.endpoint.up().await?;
        self.state.up.store(true, Ordering::Relaxed);
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.ticker.abort();
        self.drop_sockets();
    }
}

/// One task per node drives every server it hosts; idle servers cost one lock per tick.
async fn drive(state: Arc<NodeState>) {
    let mut tick = tokio::time::interval(state.timings.tick);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut servers = state.all_servers();
    let mut known = state.servers_gen.load(Ordering::Relaxed);
    loop {
        let now = tick.tick().await;
        let current = state.servers_gen.load(Ordering::Relaxed);
        if current != known {
            servers = state.all_servers();
            known = current;
        }
        for server in &servers {
            server.tick(now);
        }
    }
}

async fn not_found() -> Response {
    json_error(
        StatusCode::NOT_FOUND,
        "The requested resource could not be found.",
    )
}

fn json_error(status: StatusCode, msg: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        serde_json::json!({ "error": msg }).to_string(),
    )
        .into_response()
}

async fn upgrade(
    State(node): State<Arc<NodeState>>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    // Wings' ServerExists middleware runs before the upgrade handler's origin check.
    let Some(server) = node.server(&uuid) else {
        return json_error(
            StatusCode::NOT_FOUND,
            "The requested resource does not exist on this instance.",
        );
    };
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    if origin != node.panel_url {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Forbidden\n",
        )
            .into_response();
    }
    let ws = match ws {
        Ok(ws) => ws,
        Err(rejection) => return rejection.into_response(),
    };
    if node.profile.has_limits() && server.sockets.load(Ordering::Relaxed) >= MAX_SOCKETS_PER_SERVER
    {
        return json_error(
            StatusCode::BAD_REQUEST,
            "Too many open websocket connections.",
        );
    }
    // The read limit is enforced by the session so it can answer with close 1009; this cap
    // only protects the simulator from absurd frames. Small buffers keep 1,000 idle sockets
    // cheap (tungstenite's default read chunk is 128 KiB per socket).
    ws.read_buffer_size(8 * 1024)
        .write_buffer_size(0)
        .max_message_size(1 << 20)
        .max_frame_size(1 << 20)
        .on_upgrade(move |socket| session::run(socket, node, server))
}
