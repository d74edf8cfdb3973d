//! `beacon`: a made-up source kind, for tests only, proving the seam: everything it takes to
//! watch a new kind of socket is in this file, and the fleet, the alert engine and the CLI's
//! JSON lines show its servers with no change of their own.
//!
//! The protocol: one WebSocket per server at `<base>/<server>`; the client sends
//! `{"auth":"<key>"}`, the service answers `{"ok":true}` and then pushes JSON objects:
//! `{"state":"running"}`, `{"cpu":12.5,"memory":1048576}`, `{"line":"..."}`, and
//! `{"state":"offline","crashed":true}` when the server dies. Servers come from the kind's
//! configuration (no REST listing); power is recorded, not sent anywhere.
#![allow(dead_code, clippy::unwrap_used, clippy::result_large_err)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use aerie_core::event::{
    ConnectionState, ConsoleOrigin, Fact, Limits, PowerState, Rates, ServerEventKind, Stats,
};
use aerie_core::secret::Secret;
use aerie_core::source::{
    Access, Input, Output, PowerSignal, RemoteServer, Resources, Session, SocketCredentials,
    Source, SourceKind, WsToken,
};
use aerie_core::{Error, Result};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

/// The kind: which servers an account of it watches, and the power signals it was asked for.
#[derive(Debug, Default)]
pub struct BeaconKind {
    pub servers: Vec<String>,
    pub powered: Arc<Mutex<Vec<(String, PowerSignal)>>>,
}

impl SourceKind for BeaconKind {
    fn id(&self) -> &'static str {
        "beacon"
    }

    fn name(&self) -> &'static str {
        "Beacon"
    }

    fn open(&self, access: Access) -> Result<Arc<dyn Source>> {
        Ok(Arc::new(BeaconSource {
            base: access.base_url.trim_end_matches('/').to_owned(),
            key: access.api_key,
            servers: self.servers.clone(),
            powered: self.powered.clone(),
        }))
    }
}

#[derive(Debug)]
struct BeaconSource {
    base: String,
    key: Secret,
    servers: Vec<String>,
    powered: Arc<Mutex<Vec<(String, PowerSignal)>>>,
}

#[async_trait::async_trait]
impl Source for BeaconSource {
    async fn list_servers(&self) -> Result<Vec<RemoteServer>> {
        Ok(self
            .servers
            .iter()
            .map(|s| RemoteServer {
                identifier: s.clone(),
                uuid: format!("beacon-{s}"),
                name: format!("Beacon {s}"),
                node: "beacon".into(),
                limits: Limits::default(),
                status: None,
                permissions: vec!["*".into()],
            })
            .collect())
    }

    async fn socket_credentials(&self, server: &RemoteServer) -> Result<SocketCredentials> {
        Ok(SocketCredentials {
            token: WsToken::new(
                self.key.clone(),
                format!("{}/{}", self.base, server.identifier),
            ),
            origin: self.base.replace("ws://", "http://"),
        })
    }

    async fn resources(&self, _: &RemoteServer) -> Result<Resources> {
        Err(Error::NotSupported {
            kind: "Beacon",
            what: "be polled",
        })
    }

    async fn power(&self, server: &RemoteServer, signal: PowerSignal) -> Result<()> {
        self.powered
            .lock()
            .unwrap()
            .push((server.identifier.clone(), signal));
        Ok(())
    }

    async fn send_command(&self, _: &RemoteServer, _: &str) -> Result<()> {
        Err(Error::NotSupported {
            kind: "Beacon",
            what: "take console commands",
        })
    }

    fn session(&self, _: &RemoteServer) -> Box<dyn Session> {
        Box::new(BeaconSession::default())
    }
}

/// The protocol, as a pure state machine.
#[derive(Debug, Default)]
struct BeaconSession {
    token: Option<WsToken>,
    live: bool,
    stopped: bool,
    state: Option<PowerState>,
}

fn event(out: &mut VecDeque<Output>, kind: ServerEventKind) {
    out.push_back(Output::Event(kind));
}

fn connection(out: &mut VecDeque<Output>, connection: ConnectionState) {
    event(out, ServerEventKind::Connection { connection });
}

impl Session for BeaconSession {
    fn start(&mut self, _now_secs: u64, out: &mut VecDeque<Output>) {
        connection(out, ConnectionState::Connecting);
        out.push_back(Output::MintToken);
    }

    fn handle_into(&mut self, input: Input<'_>, _now_ms: u64, out: &mut VecDeque<Output>) {
        match input {
            Input::Token(t) => {
                out.push_back(Output::Connect {
                    url: t.socket.clone(),
                });
                self.token = Some(t);
            }
            Input::TokenFailed(e) => {
                self.stopped = true;
                connection(
                    out,
                    ConnectionState::Failed {
                        reason: e.to_string(),
                    },
                );
                out.push_back(Output::Stop);
            }
            Input::Opened => {
                connection(out, ConnectionState::Authenticating);
                if let Some(t) = &self.token {
                    let auth = serde_json::json!({ "auth": t.token.expose() });
                    out.push_back(Output::Authenticate(Secret::new(auth.to_string())));
                }
            }
            Input::Closed { .. } => self.live = false,
            Input::Frame(text) => self.frame(text, out),
            Input::Retry | Input::PowerSent(_) | Input::Polled(_) | Input::Tick => {}
        }
    }

    fn is_live(&self) -> bool {
        self.live
    }

    fn is_stopped(&self) -> bool {
        self.stopped
    }

    fn deadline(&self) -> Option<u64> {
        None
    }

    fn command_frame(&self, _: &str, _: u64) -> Option<String> {
        None
    }
}

impl BeaconSession {
    fn frame(&mut self, text: &str, out: &mut VecDeque<Output>) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        if v["ok"] == true && !self.live {
            self.live = true;
            connection(out, ConnectionState::Live);
        }
        if let Some(state) = v["state"].as_str().and_then(PowerState::parse) {
            let previous = self.state.replace(state);
            event(out, ServerEventKind::Status { state, previous });
            if v["crashed"] == true {
                event(
                    out,
                    ServerEventKind::Alert {
                        fact: Fact::Crashed {
                            exit_code: Some(1),
                            oom: Some(false),
                            confirmed: true,
                        },
                    },
                );
            }
        }
        if let Some(cpu) = v["cpu"].as_f64() {
            let stats = Stats {
                cpu_absolute: cpu,
                memory_bytes: v["memory"].as_u64().unwrap_or(0),
                ..Stats::default()
            };
            event(
                out,
                ServerEventKind::Stats {
                    stats: Box::new(stats),
                    rates: Rates::default(),
                },
            );
        }
        if let Some(line) = v["line"].as_str() {
            event(
                out,
                ServerEventKind::Console {
                    line: line.to_owned(),
                    origin: ConsoleOrigin::Container,
                },
            );
        }
    }
}

/// A beacon service on loopback: every server it is asked for runs, reports once, and crashes
/// when told to.
pub struct BeaconService {
    pub url: String,
    crash: broadcast::Sender<String>,
}

impl BeaconService {
    /// Starts the service; sockets must authenticate with `key`.
    pub async fn start(key: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let (crash, _) = broadcast::channel(16);
        let key = key.to_owned();
        let crashes = crash.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(tcp, key.clone(), crashes.subscribe()));
            }
        });
        Self { url, crash }
    }

    /// The server named `server` crashes now.
    pub fn crash(&self, server: &str) {
        let _ = self.crash.send(server.to_owned());
    }
}

async fn serve(tcp: tokio::net::TcpStream, key: String, mut crashes: broadcast::Receiver<String>) {
    let path = Arc::new(Mutex::new(String::new()));
    let seen = path.clone();
    let callback = move |req: &tokio_tungstenite::tungstenite::handshake::server::Request, resp| {
        *seen.lock().unwrap() = req.uri().path().trim_start_matches('/').to_owned();
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
        return;
    };
    let server = path.lock().unwrap().clone();
    // The first text frame must be the auth frame.
    let authed = loop {
        match ws.next().await {
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap_or_default();
                break v["auth"] == key.as_str();
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    if !authed {
        let _ = ws.close(None).await;
        return;
    }
    for frame in [
        r#"{"ok":true}"#.to_owned(),
        r#"{"state":"running"}"#.to_owned(),
        r#"{"cpu":12.5,"memory":1048576}"#.to_owned(),
        format!(r#"{{"line":"beacon {server} ready"}}"#),
    ] {
        if ws.send(Message::text(frame)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            msg = ws.next() => match msg {
                // Reading answers the client's pings.
                Some(Ok(_)) => {}
                _ => return,
            },
            crashed = crashes.recv() => match crashed {
                Ok(s) if s == server => {
                    let _ = ws
                        .send(Message::text(r#"{"state":"offline","crashed":true}"#))
                        .await;
                }
                Ok(_) => {}
                Err(_) => return,
            },
        }
    }
}
