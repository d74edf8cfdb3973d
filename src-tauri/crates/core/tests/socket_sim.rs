//! The socket against the simulator's Wings nodes: auth by request/response, a stalled node,
//! a node restart with a queued message, closes the socket must not retry (4409, 1001, 1000),
//! fallback order, queue bound and policy, request timeout, interceptors and metrics, each
//! observed at a real (simulated) Wings node.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::time::Duration;

use aerie_core::socket::{
    Endpoint, HeartbeatOptions, ReconnectPolicy, SocketErrorKind, SocketEvent, SocketHandle,
    SocketOptions, SocketState, Strategy,
};
use aerie_sim::{Sim, SimConfig, SimServer, TokenSpec};
use serde_json::{Value, json};
use socket_support::{opened, reconnected, until};

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
    let attempts = reconnected(&mut events).await;
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

// ---- The socket's own behaviours, observed at real Wings nodes of the simulator. ----

fn msg(v: Value) -> aerie_core::socket::Message {
    aerie_core::socket::Message::json(&v).unwrap()
}

fn first_arg(m: &aerie_core::socket::Message) -> Option<String> {
    let v: Value = m.parse_json().ok()?;
    v["args"][0].as_str().map(str::to_owned)
}

fn say(text: &str) -> Value {
    json!({"event": "send command", "args": [format!("say {text}")]})
}

fn kind_of(e: &aerie_core::Error) -> Option<SocketErrorKind> {
    match e {
        aerie_core::Error::Socket { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// Waits until the server runs, so console commands get an answer.
async fn running(w: &World, events: &mut aerie_core::socket::SocketEvents) {
    if w.sim.server_state(&w.server.uuid) == Some(aerie_sim::PowerState::Running) {
        return;
    }
    until(events, |e| match e {
        SocketEvent::Message(m)
            if event_name(m).as_deref() == Some("status")
                && first_arg(m).as_deref() == Some("running") =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
}

/// The `[Server] …` console lines seen in the event stream, in order, up to and including the
/// one for `last`.
async fn said_until(events: &mut aerie_core::socket::SocketEvents, last: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let want = format!("[Server] {last}");
    until(events, |e| {
        let SocketEvent::Message(m) = e else {
            return None;
        };
        if event_name(m).as_deref() != Some("console output") {
            return None;
        }
        let line = first_arg(m)?;
        let said = line.strip_prefix("[Server] ")?.to_owned();
        seen.push(said);
        (line == want).then_some(())
    })
    .await;
    seen
}

/// Stamps the current token (minted after the node restarted, so not denylisted) on every
/// outgoing `auth`, as an app would for a queued auth replayed on a new connection.
fn stamp_token(cell: std::sync::Arc<std::sync::Mutex<String>>) -> aerie_core::socket::Interceptor {
    std::sync::Arc::new(move |m: aerie_core::socket::Message| {
        if event_name(&m).as_deref() != Some("auth") {
            return Some(m);
        }
        let token = cell.lock().unwrap().clone();
        Some(msg(json!({"event": "auth", "args": [token]})))
    })
}

/// Takes the server's node down and waits until the socket has seen it refuse a connection.
async fn down(w: &World, events: &mut aerie_core::socket::SocketEvents) {
    w.sim.node_down(&w.server.node).await.unwrap();
    until(events, |e| match e {
        SocketEvent::Error {
            kind: SocketErrorKind::Connect | SocketErrorKind::ConnectTimeout,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
}

/// Brings the node back and gives the stamping interceptor a token the restarted node accepts.
async fn up(w: &World, cell: &std::sync::Mutex<String>) {
    w.sim.node_up(&w.server.node).await.unwrap();
    // No await between the restart and the new token: on this single-threaded runtime the
    // socket cannot reconnect (and replay the queued auth) in between.
    *cell.lock().unwrap() = w
        .sim
        .mint_token(&w.server.uuid, TokenSpec::default())
        .unwrap();
}

/// A live, authenticated socket to the running server whose queue holds `capacity` messages
/// under `when_full`, and whose queued `auth` frames carry the token in the returned cell (see
/// [`stamp_token`] and [`up`]).
async fn queued_socket(
    w: &World,
    capacity: usize,
    when_full: aerie_core::socket::FullPolicy,
) -> (
    SocketHandle,
    aerie_core::socket::SocketEvents,
    std::sync::Arc<std::sync::Mutex<String>>,
) {
    let token = w.sim.mint_token(&w.server.uuid, TokenSpec::default());
    let cell = std::sync::Arc::new(std::sync::Mutex::new(token.unwrap()));
    let mut o = options(w);
    o.queue = aerie_core::socket::QueueOptions {
        capacity,
        when_full,
    };
    o.outgoing.push(stamp_token(cell.clone()));
    let (socket, mut events) = SocketHandle::connect(o);
    opened(&mut events).await;
    auth(w, &socket).await;
    running(w, &mut events).await;
    (socket, events, cell)
}

#[tokio::test]
async fn fallback_urls_are_tried_in_the_configured_order_and_the_live_node_is_kept() {
    let w = world().await;
    let dead = format!(
        "{}?token=eyJdeadsecret",
        socket_support::refused_url().await
    );
    let live = format!("{}?token=eyJlivesecret", w.url);
    let mut o = options(&w);
    o.endpoint.url = dead.clone();
    o.endpoint.fallback_urls = vec![live.clone()];
    let (socket, mut events) = SocketHandle::connect(o);
    let dead_shown = aerie_core::socket::redact_url(&dead);
    let live_shown = aerie_core::socket::redact_url(&live);

    // Each attempt, first and after a drop, goes dead node → live node.
    for round in 0..2 {
        let mut seen = Vec::new();
        until(&mut events, |e| match e {
            SocketEvent::Connecting { url } => {
                seen.push(format!("connecting {url}"));
                None
            }
            SocketEvent::Error { kind, detail } => {
                let url = detail.split(": ").next().unwrap_or_default();
                seen.push(format!("{kind:?} {url}"));
                None
            }
            SocketEvent::Open { url, .. } => {
                seen.push(format!("open {url}"));
                Some(())
            }
            _ => None,
        })
        .await;
        assert_eq!(
            seen,
            vec![
                format!("connecting {dead_shown}"),
                format!("Connect {dead_shown}"),
                format!("connecting {live_shown}"),
                format!("open {live_shown}"),
            ],
            "round {round}"
        );
        let m = socket.metrics();
        assert_eq!(m.current_url, live_shown);
        assert!(!m.current_url.contains("eyJlivesecret"));
        let last_error = m.last_error.unwrap();
        assert!(last_error.contains(&dead_shown), "{last_error}");
        assert!(!last_error.contains("eyJdeadsecret"), "{last_error}");
        auth(&w, &socket).await;
        if round == 0 {
            w.sim.drop_node_sockets(&w.server.node).unwrap();
            until(&mut events, |e| {
                matches!(e, SocketEvent::Closed(_)).then_some(())
            })
            .await;
        }
    }
    assert_eq!(socket.metrics().reconnects, 1);
}

#[tokio::test]
async fn drop_oldest_keeps_the_newest_while_the_node_is_down_and_replays_them_in_order() {
    let w = world().await;
    let (socket, mut events, cell) =
        queued_socket(&w, 4, aerie_core::socket::FullPolicy::DropOldest).await;

    down(&w, &mut events).await;
    // Six messages into a queue of four: the two oldest give way.
    for m in [
        say("old-1"),
        say("old-2"),
        json!({"event": "auth", "args": []}),
        say("new-1"),
        say("new-2"),
        say("new-3"),
    ] {
        socket.send_json(&m).unwrap();
    }
    let m = socket.metrics();
    assert_eq!(m.queue_depth, 4);
    assert_eq!(m.queue_dropped, 2);

    up(&w, &cell).await;
    opened(&mut events).await;
    assert_eq!(
        said_until(&mut events, "new-3").await,
        ["new-1", "new-2", "new-3"]
    );
    let console = w.sim.console_lines(&w.server.uuid).unwrap();
    assert!(!console.iter().any(|l| l.contains("old-")), "{console:?}");
    assert_eq!(socket.metrics().queue_depth, 0);
}

#[tokio::test]
async fn reject_refuses_overflow_and_send_now_while_down_and_only_the_accepted_are_replayed() {
    let w = world().await;
    let (socket, mut events, cell) =
        queued_socket(&w, 3, aerie_core::socket::FullPolicy::Reject).await;

    down(&w, &mut events).await;
    socket
        .send_json(&json!({"event": "auth", "args": []}))
        .unwrap();
    socket.send_json(&say("kept-1")).unwrap();
    socket.send_json(&say("kept-2")).unwrap();
    let refused = socket.send_json(&say("refused")).unwrap_err();
    assert_eq!(kind_of(&refused), Some(SocketErrorKind::QueueFull));
    // A message that must not be replayed later is refused outright while down.
    let now = socket.send_now(msg(say("now"))).await.unwrap_err();
    assert_eq!(kind_of(&now), Some(SocketErrorKind::NotConnected));
    let m = socket.metrics();
    assert_eq!(m.queue_depth, 3);
    assert_eq!(m.queue_dropped, 0);

    up(&w, &cell).await;
    opened(&mut events).await;
    assert_eq!(
        said_until(&mut events, "kept-2").await,
        ["kept-1", "kept-2"]
    );
    // Connected again: send_now goes through, and anything replayed would have come before it.
    socket.send_now(msg(say("after"))).await.unwrap();
    assert_eq!(said_until(&mut events, "after").await, ["after"]);
    let console = w.sim.console_lines(&w.server.uuid).unwrap();
    assert!(
        !console
            .iter()
            .any(|l| l.contains("refused") || l.contains("] now")),
        "{console:?}"
    );
}

#[tokio::test]
async fn a_cleared_queue_is_not_replayed_when_the_node_returns() {
    let w = world().await;
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    auth(&w, &socket).await;
    running(&w, &mut events).await;

    down(&w, &mut events).await;
    socket.send_json(&say("cleared-1")).unwrap();
    socket.send_json(&say("cleared-2")).unwrap();
    assert_eq!(socket.clear_queue(), 2);
    assert_eq!(socket.metrics().queue_depth, 0);
    let written_before = socket.metrics().messages_out;

    w.sim.node_up(&w.server.node).await.unwrap();
    opened(&mut events).await;
    auth(&w, &socket).await;
    socket.send_json(&say("fresh")).unwrap();
    assert_eq!(said_until(&mut events, "fresh").await, ["fresh"]);
    // Only the new auth and the fresh command went out.
    assert_eq!(socket.metrics().messages_out, written_before + 2);
    let console = w.sim.console_lines(&w.server.uuid).unwrap();
    assert!(
        !console.iter().any(|l| l.contains("cleared-")),
        "{console:?}"
    );
}

#[tokio::test]
async fn a_request_resolves_with_the_nodes_answer_and_an_unanswered_one_times_out() {
    let w = world().await;
    let mut o = options(&w);
    // No heartbeat: once time is paused below, a ping in flight on the real socket would
    // look unanswered as the clock jumps ahead.
    o.heartbeat.interval = None;
    let (socket, mut events) = SocketHandle::connect(o);
    opened(&mut events).await;
    auth(&w, &socket).await;
    let stats = socket
        .request(
            msg(json!({"event": "send stats", "args": []})),
            |m| event_name(m).as_deref() == Some("stats"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&first_arg(&stats).unwrap()).unwrap();
    assert!(body.get("memory_bytes").is_some(), "{body}");

    // Wings ignores unknown events: nothing ever answers, so the request times out, on
    // virtual time (a 30 s timeout costs nothing).
    tokio::time::pause();
    let started = tokio::time::Instant::now();
    let e = socket
        .request(
            msg(json!({"event": "no such event", "args": []})),
            |m| event_name(m).as_deref() == Some("no such answer"),
            Duration::from_secs(30),
        )
        .await
        .unwrap_err();
    assert_eq!(kind_of(&e), Some(SocketErrorKind::RequestTimeout));
    assert!(started.elapsed() >= Duration::from_secs(30));
    assert_eq!(socket.state(), SocketState::Open);
}

#[tokio::test]
async fn interceptors_rewrite_what_the_node_receives_and_filter_what_it_sends() {
    let w = world().await;
    let mut o = options(&w);
    // Outgoing: the app speaks `console`, the node only knows `send command`.
    o.outgoing
        .push(std::sync::Arc::new(|m: aerie_core::socket::Message| {
            if event_name(&m).as_deref() != Some("console") {
                return Some(m);
            }
            let line = first_arg(&m).unwrap_or_default();
            Some(msg(json!({"event": "send command", "args": [line]})))
        }));
    // Incoming: stats are dropped, console lines are tagged.
    o.incoming.push(std::sync::Arc::new(
        |m: aerie_core::socket::Message| match event_name(&m).as_deref() {
            Some("stats") => None,
            Some("console output") => {
                let line = first_arg(&m).unwrap_or_default();
                Some(msg(
                    json!({"event": "console output", "args": [format!("{line} #tagged")]}),
                ))
            }
            _ => Some(m),
        },
    ));
    let (socket, mut events) = SocketHandle::connect(o);
    opened(&mut events).await;
    auth(&w, &socket).await;
    running(&w, &mut events).await;

    // The node answers `send stats` at once, before it reads the command after it.
    socket
        .send_json(&json!({"event": "send stats", "args": []}))
        .unwrap();
    socket
        .send_json(&json!({"event": "console", "args": ["say rewritten"]}))
        .unwrap();
    let mut stats_seen = 0;
    until(&mut events, |e| {
        let SocketEvent::Message(m) = e else {
            return None;
        };
        match event_name(m).as_deref() {
            Some("stats") => stats_seen += 1,
            Some("console output") => {
                return (first_arg(m).as_deref() == Some("[Server] rewritten #tagged"))
                    .then_some(());
            }
            _ => {}
        }
        None
    })
    .await;
    assert_eq!(stats_seen, 0);
    let console = w.sim.console_lines(&w.server.uuid).unwrap();
    assert!(
        console.iter().any(|l| l == "[Server] rewritten"),
        "{console:?}"
    );
}

#[tokio::test]
async fn metrics_add_up_after_a_known_exchange_and_a_node_restart() {
    let w = world().await;
    let mut o = options(&w);
    o.heartbeat.interval = None;
    o.endpoint.url = format!("{}?token=eyJmetricsecret", w.url);
    let shown = aerie_core::socket::redact_url(&o.endpoint.url);
    let (socket, mut events) = SocketHandle::connect(o);
    opened(&mut events).await;

    // Unauthenticated, the node answers exactly one `jwt error` and says nothing else.
    let out = msg(json!({"event": "send stats", "args": []}));
    let answer = socket
        .request(
            out.clone(),
            |m| event_name(m).as_deref() == Some("jwt error"),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
    let m = socket.metrics();
    assert_eq!((m.messages_out, m.bytes_out), (1, out.len() as u64));
    assert_eq!((m.messages_in, m.bytes_in), (1, answer.len() as u64));
    assert_eq!(m.current_url, shown);
    assert!(!m.current_url.contains("eyJmetricsecret"));
    assert_eq!((m.reconnects, m.queue_depth, m.last_error), (0, 0, None));
    assert!(m.uptime.is_some());

    down(&w, &mut events).await;
    socket.send_json(&say("queued")).unwrap();
    let m = socket.metrics();
    assert_eq!(m.queue_depth, 1);
    assert_eq!(m.uptime, None);
    let last_error = m.last_error.unwrap();
    assert!(last_error.contains(&shown), "{last_error}");
    assert!(!last_error.contains("eyJmetricsecret"), "{last_error}");

    w.sim.node_up(&w.server.node).await.unwrap();
    opened(&mut events).await;
    // The replayed command is refused (no auth yet on this connection): one more each way.
    until(&mut events, |e| match e {
        SocketEvent::Message(m) => (event_name(m).as_deref() == Some("jwt error")).then_some(()),
        _ => None,
    })
    .await;
    let m = socket.metrics();
    assert_eq!(m.reconnects, 1);
    assert_eq!((m.messages_out, m.messages_in, m.queue_depth), (2, 2, 0));
    assert_eq!(m.current_url, shown);
}

#[tokio::test]
async fn a_deleted_server_closes_1001_on_wings_1_11_and_is_not_retried() {
    let sim = Sim::start(SimConfig {
        profile: aerie_sim::Profile::Ptero111,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let panel = sim.panels()[0].clone();
    let server = panel.servers[0].clone();
    let node = panel.nodes.iter().find(|n| n.name == server.node).unwrap();
    let url = format!(
        "{}/api/servers/{}/ws",
        node.url.replacen("http://", "ws://", 1),
        server.uuid
    );
    let w = World {
        sim,
        server,
        origin: panel.url,
        url,
    };
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    auth(&w, &socket).await;
    w.sim.delete_server(&w.server.uuid).unwrap();
    let close = until(&mut events, |e| match e {
        SocketEvent::Closed(c) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!(close.code, 1001);
    assert!(!close.will_reconnect);
    until(&mut events, |e| {
        (*e == SocketEvent::State(SocketState::Closed)).then_some(())
    })
    .await;
    assert_eq!(socket.state(), SocketState::Closed);
    assert_eq!(socket.metrics().reconnects, 0);
}

#[tokio::test]
async fn a_normal_close_1000_from_the_node_is_not_retried() {
    let w = world().await;
    let (socket, mut events) = SocketHandle::connect(options(&w));
    opened(&mut events).await;
    auth(&w, &socket).await;
    w.sim.close_node_sockets(&w.server.node, 1000).unwrap();
    let close = until(&mut events, |e| match e {
        SocketEvent::Closed(c) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!(close.code, 1000);
    assert!(!close.will_reconnect);
    until(&mut events, |e| {
        (*e == SocketEvent::State(SocketState::Closed)).then_some(())
    })
    .await;
    assert_eq!(socket.state(), SocketState::Closed);
    assert_eq!(socket.metrics().reconnects, 0);
    // The node is still up and would accept a new connection: nothing was attempted.
    assert_eq!(w.sim.ws_connections(&w.server.node), 0);
}
