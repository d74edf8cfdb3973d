//! Socket failure kinds, carried by [`crate::Error::Socket`].

use std::fmt;

/// What went wrong with a socket operation. Callers match on this, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketErrorKind {
    /// The URL is not a usable `ws://` / `wss://` URL.
    InvalidUrl,
    /// A header name or value cannot be sent (not valid HTTP).
    InvalidHeader,
    /// TCP, TLS or the HTTP upgrade failed.
    Connect,
    /// TLS configuration is unusable (bad CA, bad pin).
    Tls,
    /// Connecting took longer than the configured timeout.
    ConnectTimeout,
    /// The message needs a live connection and there is none right now.
    NotConnected,
    /// The outgoing queue is full and its policy is to reject.
    QueueFull,
    /// No answer matched before the deadline.
    RequestTimeout,
    /// Too many requests are waiting for answers at once.
    TooManyPending,
    /// The socket was closed (by `close()` or because every handle was dropped).
    Closed,
    /// The peer broke the WebSocket protocol or the connection failed mid-session.
    Protocol,
    /// No pong (or no traffic) within the heartbeat timeout: the link is dead.
    DeadLink,
    /// Reconnecting stopped: attempts exhausted or the reconnect hook vetoed.
    GaveUp,
    /// A message could not be encoded to or decoded from JSON.
    Json,
}

impl fmt::Display for SocketErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::InvalidUrl => "invalid URL",
            Self::InvalidHeader => "invalid header",
            Self::Connect => "connection failed",
            Self::Tls => "TLS configuration error",
            Self::ConnectTimeout => "connection timed out",
            Self::NotConnected => "not connected",
            Self::QueueFull => "outgoing queue full",
            Self::RequestTimeout => "no response in time",
            Self::TooManyPending => "too many pending requests",
            Self::Closed => "socket closed",
            Self::Protocol => "protocol error",
            Self::DeadLink => "dead link",
            Self::GaveUp => "gave up reconnecting",
            Self::Json => "JSON error",
        };
        f.write_str(s)
    }
}

/// Builds a [`crate::Error::Socket`].
pub(crate) fn err(kind: SocketErrorKind, detail: impl Into<String>) -> crate::Error {
    crate::Error::Socket {
        kind,
        detail: detail.into(),
    }
}
