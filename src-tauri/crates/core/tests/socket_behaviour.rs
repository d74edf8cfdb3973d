//! The resilient socket against real loopback peers: messages, queue, close codes,
//! interceptors, request/response, metrics, teardown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::sync::Arc;
use std::time::Duration;

use aerie_core::Error;
use aerie_core::socket::{
    Endpoint, FullPolicy, Message, QueueOptions, ReconnectDecision, ReconnectPolicy,
    SocketErrorKind, SocketEvent, SocketHandle, SocketOptions, SocketState, Strategy,
};
use futures_util::{SinkExt, StreamExt};
use socket_support::{Node, message, next, opened, until};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

fn fast_policy() -> ReconnectPolicy {
    ReconnectPolicy {
        strategy: Strategy::Fixed,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(10),
        ..ReconnectPolicy::default()
    }
}

fn options(url: String) -> SocketOptions {
    let mut o = SocketOptions::new(Endpoint::new(url));
    o.reconnect = fast_policy();
    o
}

fn kind(e: &Error) -> Option<SocketErrorKind> {
    match e {
        Error::Socket { kind, .. } => Some(*kind),
        _ => None,
    }
}

async fn recv_text(conn: &mut socket_support::Conn) -> String {
    loop {
        match conn
            .ws
            .next()
            .await
            .expect("peer stream ended")
            .expect("peer read")
        {
            Ws::Text(t) => return t.to_string(),
            _ => continue,
        }
    }
}

async fn close_with(conn: &mut socket_support::Conn, code: u16, reason: &str) {
    conn.ws
        .close(Some(CloseFrame {
            code: code.into(),
            reason: reason.into(),
        }))
        .await
        .unwrap();
}

#[tokio::test]
async fn handshake_carries_headers_and_subprotocol_and_metrics_count_traffic() {
    let mut node = Node::start().await;
    let mut endpoint = Endpoint::new(node.url("/api/servers/abc/ws?token=eyJsecret"))
        .header("Origin", "https://panel.example.com")
        .header("Authorization", "Bearer ptlc_secret")
        .header("Cookie", "session=abc");
    endpoint.subprotocols = vec!["wings.v1".into(), "other".into()];
    let mut opts = options(String::new());
    opts.endpoint = endpoint;
    let (socket, mut events) = SocketHandle::connect(opts);

    let mut conn = node.accept().await;
    assert_eq!(conn.headers["origin"], "https://panel.example.com");
    assert_eq!(conn.headers["authorization"], "Bearer ptlc_secret");
    assert_eq!(conn.headers["cookie"], "session=abc");
    assert!(conn.uri.contains("token=eyJsecret"));
    let (url, protocol) = until(&mut events, |e| match e {
        SocketEvent::Open { url, protocol } => Some((url.clone(), protocol.clone())),
        _ => None,
    })
    .await;
    assert_eq!(protocol.as_deref(), Some("wings.v1"));
    assert!(
        url.ends_with("/api/servers/abc/ws?token=[redacted]"),
        "{url}"
    );

    socket.send("hello").unwrap();
    socket
        .send_json(&serde_json::json!({"event": "send stats"}))
        .unwrap();
    assert_eq!(recv_text(&mut conn).await, "hello");
    assert_eq!(recv_text(&mut conn).await, r#"{"event":"send stats"}"#);
    conn.ws.send(Ws::text("0123456789")).await.unwrap();
    let got = until(&mut events, message).await;
    assert_eq!(got.as_text(), Some("0123456789"));

    let m = socket.metrics();
    assert_eq!((m.messages_in, m.bytes_in), (1, 10));
    assert_eq!((m.messages_out, m.bytes_out), (2, 5 + 22));
    assert_eq!(m.reconnects, 0);
    assert_eq!(m.queue_depth, 0);
    assert!(m.uptime.is_some());
    assert!(m.current_url.contains("token=[redacted]"));
    assert!(!format!("{m:?}{:?}", socket).contains("eyJsecret"));
}

#[tokio::test]
async fn queued_messages_flush_in_order_on_reconnect_drop_oldest() {
    let mut node = Node::start().await;
    let (go_tx, go_rx) = mpsc::channel::<()>(1);
    let go_rx = Arc::new(Mutex::new(go_rx));
    let mut opts = options(node.url("/ws"));
    opts.queue = QueueOptions {
        capacity: 3,
        when_full: FullPolicy::DropOldest,
    };
    // The hook holds the reconnect until the test has queued its messages.
    opts.before_reconnect = Some(Arc::new(move |_ctx| {
        let go = go_rx.clone();
        Box::pin(async move {
            go.lock().await.recv().await;
            ReconnectDecision::Proceed
        })
    }));
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    opened(&mut events).await;

    close_with(&mut conn, 1011, "restarting").await;
    let info = until(&mut events, |e| match e {
        SocketEvent::Closed(c) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!((info.code, info.will_reconnect), (1011, true));
    until(&mut events, |e| {
        matches!(e, SocketEvent::ReconnectAttempt { .. }).then_some(())
    })
    .await;

    for text in ["a", "b", "c", "d", "e"] {
        socket.send(text).unwrap();
    }
    let m = socket.metrics();
    assert_eq!((m.queue_depth, m.queue_dropped), (3, 2));

    go_tx.send(()).await.unwrap();
    let mut conn = node.accept().await;
    for want in ["c", "d", "e"] {
        assert_eq!(recv_text(&mut conn).await, want);
    }
    until(&mut events, |e| {
        matches!(e, SocketEvent::Reconnected { .. }).then_some(())
    })
    .await;
    assert_eq!(socket.metrics().reconnects, 1);
    assert_eq!(socket.metrics().queue_depth, 0);
}

#[tokio::test]
async fn reject_policy_refuses_when_full_and_clear_empties() {
    let node = Node::start().await;
    let url = node.url("/ws");
    drop(node); // nothing listens: every message stays queued
    let mut opts = options(url);
    opts.queue = QueueOptions {
        capacity: 2,
        when_full: FullPolicy::Reject,
    };
    let (socket, _events) = SocketHandle::connect(opts);
    socket.send("a").unwrap();
    socket.send("b").unwrap();
    let e = socket.send("c").unwrap_err();
    assert_eq!(kind(&e), Some(SocketErrorKind::QueueFull));
    assert_eq!(socket.metrics().queue_depth, 2);
    assert_eq!(socket.clear_queue(), 2);
    assert_eq!(socket.metrics().queue_depth, 0);
    socket.send("d").unwrap();
}

#[tokio::test]
async fn unreplayable_messages_need_a_live_connection() {
    let mut node = Node::start().await;
    let mut opts = options(node.url("/ws"));
    opts.reconnect.enabled = false;
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    opened(&mut events).await;

    socket.send_now("power kill").await.unwrap();
    assert_eq!(recv_text(&mut conn).await, "power kill");

    close_with(&mut conn, 1011, "").await;
    until(&mut events, |e| {
        (*e == SocketEvent::State(SocketState::Closed)).then_some(())
    })
    .await;
    let e = socket.send_now("power start").await.unwrap_err();
    assert_eq!(kind(&e), Some(SocketErrorKind::NotConnected));
    assert_eq!(socket.metrics().queue_depth, 0, "never queued for replay");
}

#[tokio::test]
async fn no_reconnect_after_1000_1001_4409_but_after_1011() {
    for (code, reconnects) in [(1000, false), (1001, false), (4409, false), (1011, true)] {
        let mut node = Node::start().await;
        let (socket, mut events) = SocketHandle::connect(options(node.url("/ws")));
        let mut conn = node.accept().await;
        opened(&mut events).await;
        close_with(&mut conn, code, "bye").await;
        let info = until(&mut events, |e| match e {
            SocketEvent::Closed(c) => Some(c.clone()),
            _ => None,
        })
        .await;
        assert_eq!(info.code, code);
        assert_eq!(info.reason, "bye");
        assert_eq!(info.will_reconnect, reconnects, "code {code}");
        if reconnects {
            node.accept().await;
            opened(&mut events).await;
        } else {
            assert_eq!(
                next(&mut events).await,
                SocketEvent::State(SocketState::Closed)
            );
            // An hour of virtual time (no I/O is expected, so the paused clock is exact):
            // nothing more happens on its own.
            tokio::time::pause();
            let quiet = tokio::time::timeout(Duration::from_secs(3600), events.recv()).await;
            tokio::time::resume();
            assert!(quiet.is_err(), "code {code}: unexpected {quiet:?}");
            // A manual reconnect revives it.
            socket.reconnect().await.unwrap();
            node.accept().await;
            opened(&mut events).await;
        }
    }
}

#[tokio::test]
async fn request_gets_the_matching_answer_or_times_out() {
    let mut node = Node::start().await;
    let (socket, mut events) = SocketHandle::connect(options(node.url("/ws")));
    let mut conn = node.accept().await;
    opened(&mut events).await;
    // The peer answers each request with noise first, then the echo in upper case.
    tokio::spawn(async move {
        while let Some(Ok(Ws::Text(t))) = conn.ws.next().await {
            conn.ws.send(Ws::text("noise")).await.unwrap();
            if t.as_str() != "unanswered" {
                conn.ws.send(Ws::text(t.to_uppercase())).await.unwrap();
            }
        }
    });
    let drain = tokio::spawn(async move { while events.recv().await.is_some() {} });

    let answer = socket
        .request(
            "ping-1",
            |m| m.as_text() == Some("PING-1"),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(answer, Message::from("PING-1"));

    let started = tokio::time::Instant::now();
    let e = socket
        .request(
            "unanswered",
            |m| m.as_text() == Some("X"),
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
    assert_eq!(kind(&e), Some(SocketErrorKind::RequestTimeout));
    assert!(started.elapsed() >= Duration::from_millis(200));
    drop(socket);
    drain.await.unwrap();
}

#[tokio::test]
async fn a_burst_far_larger_than_the_stream_arrives_whole_in_order_and_counted() {
    const N: usize = 2_000;
    const CAPACITY: usize = 8;
    let mut node = Node::start().await;
    let mut opts = options(node.url("/ws"));
    opts.events_capacity = CAPACITY;
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    opened(&mut events).await;
    // Small enough (about 14 KB) to sit in the loopback buffers while nobody reads.
    for i in 0..N {
        conn.ws.feed(Ws::text(format!("m{i}"))).await.unwrap();
    }
    conn.ws.flush().await.unwrap();

    // Not reading holds the socket back: it has taken off the wire no more than the stream
    // holds plus the one batch waiting for room.
    assert!(socket.metrics().messages_in <= 2 * CAPACITY as u64);
    let mut bytes = 0;
    for i in 0..N {
        let m = until(&mut events, message).await;
        assert_eq!(m.as_text(), Some(format!("m{i}").as_str()));
        bytes += m.len() as u64;
    }
    let m = socket.metrics();
    assert_eq!((m.messages_in, m.bytes_in), (N as u64, bytes));
}

#[tokio::test]
async fn interceptors_transform_and_drop_both_ways() {
    let mut node = Node::start().await;
    let mut opts = options(node.url("/ws"));
    opts.outgoing = vec![Arc::new(|m: Message| match m.as_text() {
        Some("secret") => None,
        Some(t) => Some(Message::text(format!("out:{t}"))),
        None => Some(m),
    })];
    opts.incoming = vec![Arc::new(|m: Message| match m.as_text() {
        Some("noise") => None,
        Some(t) => Some(Message::text(t.to_uppercase())),
        None => Some(m),
    })];
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    opened(&mut events).await;

    socket.send("secret").unwrap();
    socket.send("hi").unwrap();
    assert_eq!(recv_text(&mut conn).await, "out:hi", "secret was dropped");
    conn.ws.send(Ws::text("noise")).await.unwrap();
    conn.ws.send(Ws::text("data")).await.unwrap();
    let got = until(&mut events, message).await;
    assert_eq!(got.as_text(), Some("DATA"));
    let m = socket.metrics();
    assert_eq!(m.messages_in, 2, "both arrived on the wire");
    assert_eq!(m.messages_out, 1, "only one was written");
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_task_and_closes_1001() {
    let mut node = Node::start().await;
    let (socket, mut events) = SocketHandle::connect(options(node.url("/ws")));
    let mut conn = node.accept().await;
    opened(&mut events).await;
    let clone = socket.clone();
    drop(socket);
    clone.send("still alive").unwrap();
    assert_eq!(recv_text(&mut conn).await, "still alive");
    drop(clone);

    let close = loop {
        match conn.ws.next().await {
            Some(Ok(Ws::Close(f))) => break f,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.expect("close frame").code), 1001);
    drop(conn);
    // The stream ends only when the task has dropped its sender, i.e. the task is gone.
    while let Some(ev) = events.recv().await {
        assert!(
            !matches!(ev, SocketEvent::Connecting { .. }),
            "must not reconnect"
        );
    }
}

#[tokio::test]
async fn close_is_graceful_and_final() {
    let mut node = Node::start().await;
    let (socket, mut events) = SocketHandle::connect(options(node.url("/ws")));
    let mut conn = node.accept().await;
    opened(&mut events).await;
    let peer = tokio::spawn(async move {
        loop {
            match conn.ws.next().await {
                Some(Ok(Ws::Close(f))) => {
                    while conn.ws.next().await.is_some() {}
                    return f.map(|f| (u16::from(f.code), f.reason.to_string()));
                }
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    });
    socket.close(1000, "bye").await;
    assert_eq!(peer.await.unwrap(), Some((1000, "bye".to_owned())));
    assert_eq!(socket.state(), SocketState::Closed);
    let e = socket.send("late").unwrap_err();
    assert_eq!(kind(&e), Some(SocketErrorKind::Closed));
    while events.recv().await.is_some() {}
    socket.close(1000, "again").await; // closing twice is fine
}

#[tokio::test]
async fn reconnect_hook_can_swap_the_endpoint_or_stop() {
    let mut node = Node::start().await;
    let mut opts = options(node.url("/ws"));
    let calls = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let seen = calls.clone();
    opts.before_reconnect = Some(Arc::new(move |ctx| {
        let n = seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::pin(async move {
            if n == 0 {
                let fresh = ctx.endpoint.header("Authorization", "Bearer fresh");
                ReconnectDecision::ProceedWith(Box::new(fresh))
            } else {
                ReconnectDecision::Stop
            }
        })
    }));
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    assert!(conn.headers.get("authorization").is_none());
    opened(&mut events).await;
    close_with(&mut conn, 1011, "").await;

    let mut conn = node.accept().await;
    assert_eq!(conn.headers["authorization"], "Bearer fresh");
    opened(&mut events).await;
    close_with(&mut conn, 1011, "").await;
    let gave_up = until(&mut events, |e| match e {
        SocketEvent::Error { kind, .. } => Some(*kind),
        _ => None,
    })
    .await;
    assert_eq!(gave_up, SocketErrorKind::GaveUp);
    until(&mut events, |e| {
        (*e == SocketEvent::State(SocketState::Closed)).then_some(())
    })
    .await;
    assert_eq!(socket.state(), SocketState::Closed);
}
