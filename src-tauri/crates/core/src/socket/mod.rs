//! The resilient WebSocket every protocol adapter rides on: reconnect policy, fallback URLs,
//! heartbeat, bounded queue, interceptors, request/response, metrics.
//!
//! Every connection, here and in the fleet's server tasks, is a [`link::Link`]: one dial (TCP,
//! TLS by [`TlsOptions`], the upgrade with the caller's headers) and one frame reader driven
//! on the socket's readiness.
//!
//! One task per socket owns its link and `select!`s over reads, the outgoing queue, the
//! heartbeat timers and commands; a cheap cloneable [`SocketHandle`] sends, requests, closes
//! and reads metrics, and [`SocketEvents`] is the bounded stream of what happened. Everything
//! is timed with `tokio::time`, so tests run on virtual time. Dropping the last handle stops
//! the task (closing with 1001).
//!
//! ```no_run
//! # async fn demo() -> aerie_core::Result<()> {
//! use aerie_core::socket::{Endpoint, SocketEvent, SocketHandle, SocketOptions};
//! let endpoint = Endpoint::new("wss://node.example.com:8080/api/servers/abc/ws")
//!     .header("Origin", "https://panel.example.com");
//! let (socket, mut events) = SocketHandle::connect(SocketOptions::new(endpoint));
//! while let Some(ev) = events.recv().await {
//!     if let SocketEvent::Open { .. } = ev {
//!         socket.send_json(&serde_json::json!({"event": "auth", "args": ["<token>"]}))?;
//!     }
//! }
//! # Ok(()) }
//! ```

mod backoff;
mod driver;
mod error;
mod event;
mod gate;
mod handle;
mod heartbeat;
pub(crate) mod link;
mod message;
mod metrics;
mod options;
mod outbox;
mod tls;

pub(crate) use backoff::Backoff;
pub use backoff::{ReconnectPolicy, Strategy};
pub use error::SocketErrorKind;
pub use event::{CloseInfo, SocketEvent, SocketEvents, SocketState};
pub use gate::ConnectGate;
pub use handle::SocketHandle;
pub(crate) use heartbeat::Heartbeat;
pub use message::{Message, Utf8Bytes};
pub use metrics::{Metrics, redact_url};
pub use options::{
    Endpoint, FrameLimits, FullPolicy, HeartbeatOptions, HookFuture, Interceptor, QueueOptions,
    ReconnectContext, ReconnectDecision, ReconnectHook, SocketOptions,
};
pub use tls::{TlsOptions, fingerprint, fingerprint_text, untrusted_message};
