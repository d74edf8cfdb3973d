//! A tiny scripted WebSocket node on loopback: the test drives each accepted connection.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::result_large_err
)]

use std::net::SocketAddr;
use std::time::Duration;

use aerie_core::socket::{Message, SocketEvent, SocketEvents};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderMap;

/// One accepted connection, with what the client sent in its upgrade request.
pub struct Conn {
    pub ws: WebSocketStream<TcpStream>,
    pub uri: String,
    pub headers: HeaderMap,
}

/// A node accepting WebSocket connections and handing each to the test.
pub struct Node {
    pub addr: SocketAddr,
    conns: mpsc::Receiver<Conn>,
    task: JoinHandle<()>,
}

impl Node {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::on(listener)
    }

    pub fn on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().unwrap();
        let (tx, conns) = mpsc::channel(64);
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut seen = None;
                    let cb = |req: &Request, mut resp: Response| {
                        seen = Some((req.uri().to_string(), req.headers().clone()));
                        if let Some(p) = req.headers().get("sec-websocket-protocol") {
                            let first = p.to_str().unwrap().split(',').next().unwrap().trim();
                            resp.headers_mut()
                                .insert("sec-websocket-protocol", first.parse().unwrap());
                        }
                        Ok(resp)
                    };
                    if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, cb).await {
                        let (uri, headers) = seen.unwrap();
                        let _ = tx.send(Conn { ws, uri, headers }).await;
                    }
                });
            }
        });
        Self { addr, conns, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{path}", self.addr)
    }

    pub async fn accept(&mut self) -> Conn {
        tokio::time::timeout(Duration::from_secs(30), self.conns.recv())
            .await
            .expect("no connection within 30 s")
            .expect("listener stopped")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A loopback address nothing listens on (connections are refused).
pub async fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("ws://{addr}/ws")
}

/// Next event, failing the test after a generous guard.
pub async fn next(events: &mut SocketEvents) -> SocketEvent {
    tokio::time::timeout(Duration::from_secs(60), events.recv())
        .await
        .expect("no socket event within 60 s")
        .expect("event stream ended")
}

/// Skips events until `pick` returns something, failing the test after a generous guard.
/// The guard covers the whole wait: a socket keeps emitting pings, so a per-event guard alone
/// would let a wait for an event that never comes hang forever.
pub async fn until<T>(
    events: &mut SocketEvents,
    mut pick: impl FnMut(&SocketEvent) -> Option<T>,
) -> T {
    let mut skipped = Vec::new();
    let wait = async {
        loop {
            let ev = next(events).await;
            if let Some(t) = pick(&ev) {
                return t;
            }
            // The last few skipped events, to explain a failure.
            if skipped.len() == 16 {
                skipped.remove(0);
            }
            skipped.push(ev);
        }
    };
    let result = tokio::time::timeout(Duration::from_secs(60), wait).await;
    match result {
        Ok(t) => t,
        Err(_) => panic!("awaited socket event not seen within 60 s; last events: {skipped:?}"),
    }
}

/// Waits for the next `Open` event.
pub async fn opened(events: &mut SocketEvents) -> String {
    until(events, |e| match e {
        SocketEvent::Open { url, .. } => Some(url.clone()),
        _ => None,
    })
    .await
}

/// Picks a data message, for [`until`].
pub fn message(e: &SocketEvent) -> Option<Message> {
    match e {
        SocketEvent::Message(m) => Some(m.clone()),
        _ => None,
    }
}

/// Waits for the next `Reconnected` event; how many attempts it took.
pub async fn reconnected(events: &mut SocketEvents) -> u32 {
    until(events, |e| match e {
        SocketEvent::Reconnected { attempts } => Some(*attempts),
        _ => None,
    })
    .await
}
