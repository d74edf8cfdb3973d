//! Everything a socket can be told: where to connect, how to retry, keep alive and queue.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

use super::backoff::ReconnectPolicy;
use super::event::CloseInfo;
use super::gate::ConnectGate;
use super::message::Message;
use super::metrics::redact_url;
use super::tls::TlsOptions;

/// Where and how to open the connection. Can be replaced while the socket runs
/// ([`super::SocketHandle::update_endpoint`]); the change applies on the next attempt.
#[derive(Clone, Default, PartialEq)]
pub struct Endpoint {
    /// The primary `ws://` or `wss://` URL.
    pub url: String,
    /// Tried in order after the primary fails, within the same attempt.
    pub fallback_urls: Vec<String>,
    /// Extra handshake headers (`Origin`, `Authorization`, `Cookie`, ...). Values are secret:
    /// they are never logged.
    pub headers: Vec<(String, String)>,
    /// Offered subprotocols (`Sec-WebSocket-Protocol`).
    pub subprotocols: Vec<String>,
    /// Trust settings for `wss://`.
    pub tls: TlsOptions,
}

impl Endpoint {
    /// An endpoint with just a URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Adds a handshake header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a fallback URL.
    pub fn fallback(mut self, url: impl Into<String>) -> Self {
        self.fallback_urls.push(url.into());
        self
    }

    /// All URLs in the order they are tried.
    pub(crate) fn urls(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.url.as_str()).chain(self.fallback_urls.iter().map(String::as_str))
    }
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Endpoint")
            .field("url", &redact_url(&self.url))
            .field(
                "fallback_urls",
                &self
                    .fallback_urls
                    .iter()
                    .map(|u| redact_url(u))
                    .collect::<Vec<_>>(),
            )
            .field("header_names", &names)
            .field("subprotocols", &self.subprotocols)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Keep-alive and dead-link detection.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatOptions {
    /// Send a WebSocket ping frame this often; `None` = no heartbeat at all.
    pub interval: Option<Duration>,
    /// A ping unanswered this long means the link is dead and the socket reconnects.
    pub pong_timeout: Duration,
    /// Send WebSocket ping frames (Wings answers these; it ignores text pings).
    pub ws_ping: bool,
    /// An application-level ping sent on every heartbeat too, for protocols that have one.
    /// With `ws_ping` off, any incoming message counts as the answer.
    pub app_ping: Option<Message>,
    /// No incoming frame at all for this long means the link is dead; `None` = off.
    pub idle_timeout: Option<Duration>,
}

impl Default for HeartbeatOptions {
    fn default() -> Self {
        Self {
            interval: Some(Duration::from_secs(30)),
            pong_timeout: Duration::from_secs(10),
            ws_ping: true,
            app_ping: None,
            idle_timeout: None,
        }
    }
}

/// What [`super::SocketHandle::send`] does when the outgoing queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FullPolicy {
    /// Drop the oldest queued message to make room (counted in metrics).
    #[default]
    DropOldest,
    /// Refuse the new message with [`super::SocketErrorKind::QueueFull`].
    Reject,
}

/// The bounded outgoing queue, which holds messages while disconnected and replays them in
/// order on reconnect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueOptions {
    /// Most messages held.
    pub capacity: usize,
    /// What happens when it is full.
    pub when_full: FullPolicy,
}

impl Default for QueueOptions {
    fn default() -> Self {
        Self {
            capacity: 256,
            when_full: FullPolicy::DropOldest,
        }
    }
}

/// Frame and buffer limits, passed to tungstenite. Small by default: a watcher holds a
/// thousand idle sockets, and tungstenite's 128 KiB defaults would cost 128 MiB of buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameLimits {
    /// Read buffer, allocated per connection.
    pub read_buffer: usize,
    /// Write buffer target before flushing.
    pub write_buffer: usize,
    /// Most bytes buffered for writing before sends fail (backpressure).
    pub max_write_buffer: usize,
    /// Largest incoming message.
    pub max_message: usize,
    /// Largest incoming frame.
    pub max_frame: usize,
}

impl Default for FrameLimits {
    fn default() -> Self {
        Self {
            read_buffer: 4 * 1024,
            write_buffer: 4 * 1024,
            max_write_buffer: 1024 * 1024,
            max_message: 1024 * 1024,
            max_frame: 1024 * 1024,
        }
    }
}

impl FrameLimits {
    pub(crate) fn to_config(self) -> WebSocketConfig {
        WebSocketConfig::default()
            .read_buffer_size(self.read_buffer)
            .write_buffer_size(self.write_buffer)
            .max_write_buffer_size(self.max_write_buffer.max(self.write_buffer + 1))
            .max_message_size(Some(self.max_message))
            .max_frame_size(Some(self.max_frame))
    }
}

/// Transforms or drops a message (return `None` to drop). Interceptors run in order.
pub type Interceptor = Arc<dyn Fn(Message) -> Option<Message> + Send + Sync>;

/// What the reconnect hook is told.
#[derive(Debug, Clone)]
pub struct ReconnectContext {
    /// Attempt number since the last stable connection (1 = first retry).
    pub attempt: u32,
    /// The delay the policy chose.
    pub delay: Duration,
    /// How the last connection ended, when it was open.
    pub last_close: Option<CloseInfo>,
    /// The endpoint the next attempt would use.
    pub endpoint: Endpoint,
}

/// What the reconnect hook decides.
#[derive(Debug, Clone)]
pub enum ReconnectDecision {
    /// Go ahead after the policy's delay.
    Proceed,
    /// Go ahead after the policy's delay with this endpoint (fresh token, other URL, headers).
    ProceedWith(Box<Endpoint>),
    /// Wait this long instead of the policy's delay.
    Delay(Duration),
    /// Do not reconnect; the socket stays closed until a manual reconnect.
    Stop,
}

/// The future a reconnect hook returns.
pub type HookFuture = Pin<Box<dyn Future<Output = ReconnectDecision> + Send>>;

/// Called before every reconnect. Must not hold a [`super::SocketHandle`] of its own socket
/// (that would keep the socket alive forever); it gets the endpoint in the context instead.
pub type ReconnectHook = Arc<dyn Fn(ReconnectContext) -> HookFuture + Send + Sync>;

/// All settings of one socket.
#[derive(Clone)]
pub struct SocketOptions {
    /// Where to connect.
    pub endpoint: Endpoint,
    /// TCP + TLS + upgrade must finish within this, per URL tried.
    pub connect_timeout: Duration,
    /// Retry behaviour.
    pub reconnect: ReconnectPolicy,
    /// Keep-alive.
    pub heartbeat: HeartbeatOptions,
    /// Outgoing queue.
    pub queue: QueueOptions,
    /// Frame and buffer limits.
    pub limits: FrameLimits,
    /// Most events waiting in the event stream (they travel in batches of up to 64). A full
    /// stream makes the socket wait (it stops reading), so keep reading events.
    pub events_capacity: usize,
    /// Most requests awaiting an answer at once.
    pub max_pending_requests: usize,
    /// Shared connect-rate limit, e.g. one per node or panel.
    pub gate: Option<ConnectGate>,
    /// Applied to each outgoing message just before it is written.
    pub outgoing: Vec<Interceptor>,
    /// Applied to each incoming message before anything else sees it.
    pub incoming: Vec<Interceptor>,
    /// Consulted before every reconnect.
    pub before_reconnect: Option<ReconnectHook>,
}

impl SocketOptions {
    /// Defaults for this endpoint.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            connect_timeout: Duration::from_secs(10),
            reconnect: ReconnectPolicy::default(),
            heartbeat: HeartbeatOptions::default(),
            queue: QueueOptions::default(),
            limits: FrameLimits::default(),
            events_capacity: 256,
            max_pending_requests: 64,
            gate: None,
            outgoing: Vec::new(),
            incoming: Vec::new(),
            before_reconnect: None,
        }
    }
}

impl fmt::Debug for SocketOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketOptions")
            .field("endpoint", &self.endpoint)
            .field("connect_timeout", &self.connect_timeout)
            .field("reconnect", &self.reconnect)
            .field("heartbeat", &self.heartbeat)
            .field("queue", &self.queue)
            .field("limits", &self.limits)
            .field("outgoing", &self.outgoing.len())
            .field("incoming", &self.incoming.len())
            .field("before_reconnect", &self.before_reconnect.is_some())
            .finish_non_exhaustive()
    }
}
