//! Hostile peers: arbitrary bytes and malformed frames after (and instead of) the handshake.
//! The socket must surface an error or close and reconnect; it must never panic or hang.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::time::Duration;

use aerie_core::socket::{
    Endpoint, ReconnectPolicy, SocketEvent, SocketHandle, SocketOptions, Strategy as Backoff,
};
use proptest::prelude::*;
use socket_support::next;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// Reads the upgrade request and accepts it by hand, so anything can follow.
async fn raw_handshake(tcp: &mut TcpStream) {
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).await.unwrap();
        assert!(n > 0, "client hung up during handshake");
        req.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&req);
    let key = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| v.trim().to_owned())
        })
        .unwrap();
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    tcp.write_all(resp.as_bytes()).await.unwrap();
}

/// One hostile connection, then checks the socket reports it and tries again.
fn survive(bytes: Vec<u8>, handshake: bool) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}/ws", listener.local_addr().unwrap());
        let mut opts = SocketOptions::new(Endpoint::new(url));
        opts.connect_timeout = Duration::from_secs(5);
        opts.reconnect = ReconnectPolicy {
            strategy: Backoff::Fixed,
            base: Duration::from_millis(1),
            // Garbage may spell a valid close frame with code 1000: retry on every close here.
            no_reconnect_codes: Vec::new(),
            ..ReconnectPolicy::default()
        };
        let (socket, mut events) = SocketHandle::connect(opts);
        let (mut tcp, _) = listener.accept().await.unwrap();
        if handshake {
            raw_handshake(&mut tcp).await;
        }
        // The client may already have hung up on earlier garbage: write errors are fine.
        let _ = tcp.write_all(&bytes).await;
        let _ = tcp.shutdown().await;
        drop(tcp);
        // A panic in the socket task would end the stream and fail `next`.
        loop {
            match next(&mut events).await {
                SocketEvent::ReconnectAttempt { .. } => break,
                SocketEvent::Closed(c) => assert!(c.will_reconnect, "{c:?}"),
                _ => {}
            }
        }
        drop(socket);
        while events.recv().await.is_some() {}
    });
}

/// Bytes shaped like WebSocket frames with random flags, opcodes and lying lengths.
fn frames() -> impl Strategy<Value = Vec<u8>> {
    let frame = (
        any::<u8>(),
        prop_oneof![0u8..=125, Just(126u8), Just(127u8)],
        any::<bool>(),
        any::<u64>(),
        prop::collection::vec(any::<u8>(), 0..300),
    )
        .prop_map(|(head, len7, masked, ext, payload)| {
            let mut f = vec![head, len7 | if masked { 0x80 } else { 0 }];
            match len7 {
                126 => f.extend_from_slice(&(ext as u16).to_be_bytes()),
                127 => f.extend_from_slice(&ext.to_be_bytes()),
                _ => {}
            }
            if masked {
                f.extend_from_slice(&[1, 2, 3, 4]);
            }
            f.extend_from_slice(&payload);
            f
        });
    prop::collection::vec(frame, 1..6).prop_map(|fs| fs.concat())
}

fn garbage() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..4096), frames()]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn garbage_after_the_handshake_never_breaks_the_socket(bytes in garbage()) {
        survive(bytes, true);
    }

    #[test]
    fn garbage_instead_of_the_handshake_never_breaks_the_socket(bytes in garbage()) {
        survive(bytes, false);
    }
}
