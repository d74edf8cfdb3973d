//! The socket against the simulator's Wings nodes: auth by request/response, a stalled node,
//! a node restart with a queued message, and a suspended server's 4409.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::time::Duration;

use aerie_core::socket::{
    Endpoint, HeartbeatOptions, ReconnectPolicy, SocketErrorKind, SocketEvent, SocketHandle,
    SocketOptions, SocketState, Strategy,
};
use aerie_sim::{Sim, SimConfig, SimServer, TokenSpec};
use serde_json::{Value, json};
use socket_support::{opened, until};

struct World {
    sim: Sim,
    server: SimServer,
    origin: String,
    url: String,
}

async fn world() -> World {
    let sim = Sim::start(SimConfig::default()).await.unwrap();
    let panel = sim.panels()[0].clone();
    let server = panel.servers[0].clone();
    let node = panel.nodes.iter().find(|n| n.name == server.node).unwrap();
    let url = format!(
        "{}/api/servers/{}/ws",
        node.url.replacen("http://", "ws://", 1),
        server.uuid
    );
    World {
        sim,
        server,
        origin: panel.url,
        url,
    }
}

fn options(w: &World) -> SocketOptions {
    let mut o = SocketOptions::new(Endpoint::new(w.url.clone()).header("Origin", w.origin.clone()));
    o.connect_timeout = Duration::from_secs(1);
    o.heartbeat = HeartbeatOptions {
        interval: Some(Duration::from_millis(100)),
        pong_timeout: Duration::from_millis(500),
        ..HeartbeatOptions::default()
    };
    o.reconnect = ReconnectPolicy {
        strategy: Strategy::Fixed,
        base: Duration::from_millis(50),
        ..ReconnectPolicy::default()
    };
    o
}

fn event_name(m: &aerie_core::socket::Message) -> Option<String> {
    let v: Value = m.parse_json().ok()?;
    v["event"].as_str().map(str::to_owned)
}

async fn auth(w: &World, socket: &SocketHandle) {
    let token = w
        .sim
        .mint_token(&w.server.uuid, TokenSpec::default())
        .unwrap();
    let auth =
        aerie_core::socket::Message::json(&json!({"event": "auth", "args": [token]})).unwrap();
    let answer = socket
        .request(
            auth,
            |m| event_name(m).as_deref() == Some("auth success"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    assert_eq!(event_name(&answer).as_deref(), Some("auth success"));
}

#[tokio::test]
async fn a_stalled_node_is_left_and_rejoined_when_it_recovers() {
    let w = world().await;
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    auth(&w, &socket).await;
    until(&mut events, |e| {
        matches!(e, SocketEvent::Pong { .. }).then_some(())
    })
    .await;

    w.sim.stall_node(&w.server.node, true).unwrap();
    let kind = until(&mut events, |e| match e {
        SocketEvent::Error { kind, .. } => Some(*kind),
        _ => None,
    })
    .await;
    assert_eq!(kind, SocketErrorKind::DeadLink);
    w.sim.stall_node(&w.server.node, false).unwrap();
    opened(&mut events).await;
    auth(&w, &socket).await;
    assert!(socket.metrics().reconnects >= 1);
}

#[tokio::test]
async fn a_node_restart_replays_the_queue_after_reconnect() {
    let w = world().await;
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    auth(&w, &socket).await;

    w.sim.node_down(&w.server.node).await.unwrap();
    until(&mut events, |e| {
        matches!(e, SocketEvent::Closed(_)).then_some(())
    })
    .await;
    // Refused while down; the message waits in the queue.
    until(&mut events, |e| match e {
        SocketEvent::Error {
            kind: SocketErrorKind::Connect | SocketErrorKind::ConnectTimeout,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    socket
        .send_json(&json!({"event": "send stats", "args": []}))
        .unwrap();
    assert_eq!(socket.metrics().queue_depth, 1);
    let written_before = socket.metrics().messages_out;

    w.sim.node_up(&w.server.node).await.unwrap();
    // `Reconnected` comes just before the `Open` of the new connection.
    let attempts = until(&mut events, |e| match e {
        SocketEvent::Reconnected { attempts } => Some(*attempts),
        _ => None,
    })
    .await;
    assert!(attempts >= 1);
    opened(&mut events).await;
    // The restarted node saw the replayed request: it answers it, refusing it for want of
    // an `auth` on this new connection.
    until(&mut events, |e| match e {
        SocketEvent::Message(m) => (event_name(m).as_deref() == Some("jwt error")).then_some(()),
        _ => None,
    })
    .await;
    let m = socket.metrics();
    assert_eq!(m.queue_depth, 0);
    assert_eq!(m.messages_out, written_before + 1);
    assert_eq!(m.reconnects, 1);
    auth(&w, &socket).await;
}

#[tokio::test]
async fn a_suspended_server_closes_4409_and_is_not_retried() {
    let w = world().await;
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    w.sim.suspend_server(&w.server.uuid, true).unwrap();
    w.sim.drop_node_sockets(&w.server.node).unwrap();
    let close = until(&mut events, |e| match e {
        SocketEvent::Closed(c) if c.code == 4409 => Some(c.clone()),
        _ => None,
    })
    .await;
    assert!(!close.will_reconnect);
    until(&mut events, |e| {
        (*e == SocketEvent::State(SocketState::Closed)).then_some(())
    })
    .await;
    assert_eq!(socket.state(), SocketState::Closed);
}
