//! A socket driven by its own event stream (`SocketHandle::connect_inline`): no task of its
//! own, the same behaviour as long as someone reads it, and gone when the stream is dropped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::time::Duration;

use aerie_core::Error;
use aerie_core::socket::{
    Endpoint, Message, ReconnectPolicy, SocketErrorKind, SocketEvents, SocketHandle, SocketOptions,
    SocketState, Strategy,
};
use futures_util::{SinkExt, StreamExt};
use socket_support::{Conn, Node, message, opened, reconnected, until};
use tokio_tungstenite::tungstenite::Message as Ws;

fn options(url: String) -> SocketOptions {
    let mut o = SocketOptions::new(Endpoint::new(url));
    o.reconnect = ReconnectPolicy {
        strategy: Strategy::Fixed,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(10),
        ..ReconnectPolicy::default()
    };
    o
}

/// A node and an inline socket to it, open, with the node's end of the connection.
async fn open_inline() -> (Node, SocketHandle, SocketEvents, Conn) {
    let mut node = Node::start().await;
    let (socket, mut events) = SocketHandle::connect_inline(options(node.url("/ws")));
    opened(&mut events).await;
    let conn = node.accept().await;
    (node, socket, events, conn)
}

#[tokio::test]
async fn reading_the_stream_connects_sends_and_receives_a_burst_in_order() {
    const N: usize = 2_000;
    let mut node = Node::start().await;
    let mut opts = options(node.url("/ws"));
    opts.events_capacity = 8;
    let (socket, mut events) = SocketHandle::connect_inline(opts);
    // Queued before the connection exists: written once the stream has driven it open.
    socket.send("hello").unwrap();
    opened(&mut events).await;
    let mut conn = node.accept().await;
    match conn.ws.next().await {
        Some(Ok(Ws::Text(t))) => assert_eq!(t.as_str(), "hello"),
        other => panic!("expected the queued message, got {other:?}"),
    }
    for i in 0..N {
        conn.ws.feed(Ws::text(format!("m{i}"))).await.unwrap();
    }
    conn.ws.flush().await.unwrap();
    for i in 0..N {
        let m = until(&mut events, message).await;
        assert_eq!(m.as_text(), Some(format!("m{i}").as_str()));
    }
    assert_eq!(socket.metrics().messages_in, N as u64);
    assert_eq!(socket.state(), SocketState::Open);
}

#[tokio::test]
async fn a_request_is_answered_while_the_stream_is_read() {
    let (_node, socket, mut events, mut conn) = open_inline().await;
    tokio::spawn(async move {
        while let Some(Ok(Ws::Text(t))) = conn.ws.next().await {
            conn.ws.send(Ws::text(t.to_uppercase())).await.unwrap();
        }
    });
    // The request waits on the socket, the socket moves only while its stream is read: both
    // at once, as an owner of an inline socket does in its one task.
    let ask = socket.request(
        "ping",
        |m| m.as_text() == Some("PING"),
        Duration::from_secs(10),
    );
    let read = until(&mut events, message);
    let (answer, seen) = tokio::join!(ask, read);
    assert_eq!(answer.unwrap(), Message::from("PING"));
    assert_eq!(
        seen,
        Message::from("PING"),
        "the answer is in the stream too"
    );
}

#[tokio::test]
async fn a_dropped_connection_is_reopened_while_the_stream_is_read() {
    let (mut node, socket, mut events, conn) = open_inline().await;
    drop(conn);
    let attempts = reconnected(&mut events).await;
    assert!(attempts >= 1);
    opened(&mut events).await;
    let _again = node.accept().await;
    assert_eq!(socket.metrics().reconnects, 1);
}

#[tokio::test]
async fn dropping_the_stream_drops_the_connection_and_fails_later_sends() {
    let (_node, socket, events, mut conn) = open_inline().await;
    drop(events);
    // The peer sees the connection end (no close handshake: nothing drives the socket now).
    while let Some(Ok(_)) = conn.ws.next().await {}
    let e = socket.send("late").unwrap_err();
    assert!(
        matches!(
            e,
            Error::Socket {
                kind: SocketErrorKind::Closed,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(socket.state(), SocketState::Closed);
    // Closing a socket whose stream is gone returns at once.
    socket.close(1000, "bye").await;
}

#[tokio::test]
async fn close_completes_at_the_next_read_and_ends_the_stream() {
    let (_node, socket, mut events, mut conn) = open_inline().await;
    let peer = tokio::spawn(async move {
        loop {
            match conn.ws.next().await {
                Some(Ok(Ws::Close(f))) => return f.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    });
    let drain = async { while events.recv().await.is_some() {} };
    tokio::join!(socket.close(1000, "bye"), drain);
    assert_eq!(peer.await.unwrap(), Some(1000));
    assert_eq!(socket.state(), SocketState::Closed);
}

#[tokio::test]
async fn recv_many_takes_bursts_in_order_within_its_limit_on_either_kind_of_socket() {
    for inline in [true, false] {
        const N: usize = 1_000;
        let mut node = Node::start().await;
        let opts = options(node.url("/ws"));
        let (socket, mut events) = if inline {
            SocketHandle::connect_inline(opts)
        } else {
            SocketHandle::connect(opts)
        };
        opened(&mut events).await;
        let mut conn = node.accept().await;
        for i in 0..N {
            conn.ws.feed(Ws::text(format!("m{i}"))).await.unwrap();
        }
        conn.ws.flush().await.unwrap();
        let mut got = Vec::new();
        let mut batch = Vec::new();
        while got.len() < N {
            let n = events.recv_many(&mut batch, 100).await;
            assert!(n > 0 && n <= 100, "{n} events in one call (limit 100)");
            assert_eq!(n, batch.len());
            got.extend(batch.drain(..).filter_map(|e| message(&e)));
        }
        let texts: Vec<_> = got
            .iter()
            .map(|m| m.as_text().unwrap().to_owned())
            .collect();
        let want: Vec<_> = (0..N).map(|i| format!("m{i}")).collect();
        assert_eq!(texts, want, "inline: {inline}");
        assert_eq!(socket.metrics().messages_in, N as u64);
    }
}
