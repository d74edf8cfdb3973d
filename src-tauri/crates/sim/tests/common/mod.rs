//! Shared harness: a plain websocket client (tokio-tungstenite) and a plain REST client
//! (reqwest), deliberately not Aerie's engine.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use aerie_sim::{Profile, Sim, SimConfig, SimServer, Timings};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Generous bound for "the event we expect"; tests finish far sooner.
pub const WAIT: Duration = Duration::from_secs(10);

pub async fn sim(profile: Profile, timings: Timings) -> Sim {
    Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 2,
        profile,
        seed: 7,
        timings,
        ..Default::default()
    })
    .await
    .unwrap()
}

pub fn first_server(sim: &Sim) -> SimServer {
    sim.panels()[0].servers[0].clone()
}

pub fn ws_url(sim: &Sim, server: &SimServer) -> String {
    let panel = &sim.panels()[0];
    let node = panel.nodes.iter().find(|n| n.name == server.node).unwrap();
    format!(
        "{}/api/servers/{}/ws",
        node.url.replacen("http://", "ws://", 1),
        server.uuid
    )
}

pub struct Ws {
    pub inner: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// An event as received: name and string args.
#[derive(Debug, Clone, PartialEq)]
pub struct Ev {
    pub event: String,
    pub args: Vec<String>,
}

impl Ev {
    pub fn arg(&self) -> &str {
        self.args.first().map(String::as_str).unwrap_or("")
    }
}

impl Ws {
    pub async fn connect(url: &str, origin: &str) -> Self {
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("Origin", origin.parse().unwrap());
        let (inner, _) = tokio_tungstenite::connect_async(req).await.unwrap();
        Self { inner }
    }

    /// Connects to a server with the right Origin and authenticates with a fresh owner token.
    pub async fn authed(sim: &Sim, server: &SimServer) -> Self {
        let mut ws = Self::connect(&ws_url(sim, server), &sim.panels()[0].url).await;
        let token = sim.mint_token(&server.uuid, Default::default()).unwrap();
        ws.send("auth", &[&token]).await;
        ws.expect("auth success").await;
        ws
    }

    pub async fn send(&mut self, event: &str, args: &[&str]) {
        let frame = json!({"event": event, "args": args}).to_string();
        self.inner.send(Message::text(frame)).await.unwrap();
    }

    pub async fn send_raw(&mut self, text: String) {
        self.inner.send(Message::text(text)).await.unwrap();
    }

    /// Next text frame as an event; `None` when the socket closed.
    pub async fn next(&mut self) -> Option<Ev> {
        loop {
            let msg = tokio::time::timeout(WAIT, self.inner.next())
                .await
                .expect("no frame within the wait bound")?;
            match msg {
                Ok(Message::Text(t)) => {
                    assert!(t.ends_with('\n'), "Wings frames end with a newline: {t:?}");
                    let v: Value = serde_json::from_str(&t).unwrap();
                    let args = v["args"]
                        .as_array()
                        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                        .unwrap_or_default();
                    return Some(Ev {
                        event: v["event"].as_str().unwrap().to_string(),
                        args,
                    });
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Skips frames until `event` arrives; returns it.
    pub async fn expect(&mut self, event: &str) -> Ev {
        loop {
            let ev = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {event}"));
            if ev.event == event {
                return ev;
            }
        }
    }

    /// Skips frames until one matches.
    pub async fn expect_where(&mut self, what: &str, f: impl Fn(&Ev) -> bool) -> Ev {
        loop {
            let ev = self
                .next()
                .await
                .unwrap_or_else(|| panic!("closed while waiting for {what}"));
            if f(&ev) {
                return ev;
            }
        }
    }

    /// Waits for the status to become `state`, collecting every status seen on the way.
    pub async fn statuses_until(&mut self, state: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let ev = self.expect("status").await;
            seen.push(ev.arg().to_string());
            if ev.arg() == state {
                return seen;
            }
        }
    }

    /// Close code once the server ends the connection (None for an abrupt drop).
    pub async fn close_code(&mut self) -> Option<u16> {
        loop {
            match tokio::time::timeout(WAIT, self.inner.next())
                .await
                .expect("socket not closed within the wait bound")
            {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return None,
            }
        }
    }
}

pub fn daemon_line(profile: Profile, msg: &str) -> String {
    let app = if profile == Profile::Pelican {
        "pelican"
    } else {
        "Pterodactyl"
    };
    format!("\u{1b}[33m\u{1b}[1m[{app} Daemon]:\u{1b}[39m {msg}\u{1b}[0m")
}
