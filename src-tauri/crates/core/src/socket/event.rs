//! What a socket reports, as one typed, bounded stream.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::mpsc;

use super::error::SocketErrorKind;
use super::message::Message;

/// Connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketState {
    /// Opening a connection (TCP, TLS, upgrade).
    Connecting,
    /// Connected: messages flow.
    Open,
    /// Waiting before the next attempt.
    Reconnecting,
    /// Not connected and not retrying (closed by us, by a no-reconnect close code, attempts
    /// exhausted, or vetoed). A manual reconnect leaves this state.
    Closed,
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// Close code; 1006 when the connection ended without a close frame.
    pub code: u16,
    /// Close reason from the frame (may be empty).
    pub reason: String,
    /// Whether the socket will try again.
    pub will_reconnect: bool,
}

/// One thing that happened on a socket.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SocketEvent {
    /// The state changed.
    State(SocketState),
    /// Trying a URL (redacted).
    Connecting {
        /// The URL, tokens redacted.
        url: String,
    },
    /// A connection is open.
    Open {
        /// The URL, tokens redacted.
        url: String,
        /// The subprotocol the server picked.
        protocol: Option<String>,
    },
    /// A data message arrived (after incoming interceptors).
    Message(Message),
    /// The connection ended.
    Closed(CloseInfo),
    /// Something failed; the socket carries on according to its policy.
    Error {
        /// What failed.
        kind: SocketErrorKind,
        /// Detail, secrets redacted.
        detail: String,
    },
    /// A reconnect attempt is scheduled after `delay`.
    ReconnectAttempt {
        /// Attempt number since the last stable connection.
        attempt: u32,
        /// Wait before it.
        delay: Duration,
    },
    /// A connection is open again after a drop.
    Reconnected {
        /// How many attempts it took.
        attempts: u32,
    },
    /// A heartbeat ping was sent. Dropped rather than waited for when the stream is full.
    Ping,
    /// A pong answered our ping. Dropped rather than waited for when the stream is full.
    Pong {
        /// Round trip.
        latency: Duration,
    },
}

/// The bounded stream of a socket's events. Ends when the socket task has stopped.
#[derive(Debug)]
pub struct SocketEvents {
    pub(crate) rx: mpsc::Receiver<SocketEvent>,
}

impl SocketEvents {
    /// The next event; `None` once the socket has stopped for good.
    pub async fn recv(&mut self) -> Option<SocketEvent> {
        self.rx.recv().await
    }
}

impl Stream for SocketEvents {
    type Item = SocketEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SocketEvent>> {
        self.rx.poll_recv(cx)
    }
}
