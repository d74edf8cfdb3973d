//! The seam between the engine and a kind of source (Pterodactyl, Pelican, and the kinds to
//! come): the contract every kind implements, and the value types that cross it.
//!
//! A kind is one [`SourceKind`]: it opens an account as a [`Source`] (REST side: list what to
//! watch, mint socket credentials, poll, power, commands), and each watched server gets a
//! [`Session`] (socket side: a pure protocol state machine). The fleet drives sockets and
//! timers and knows nothing else of a kind. See `docs/ARCHITECTURE.md`, "Adding a source kind".
//!
//! This module imports only the ground floor (`event`, `error`, `secret`); `panel`,
//! `protocol` and `kinds` import it, never the reverse.

mod kind;
mod limiter;
mod power;
mod server;
mod session;
mod token;
mod transport;

pub use kind::{Access, Registry, Source, SourceKind};
pub use limiter::{RateLimiter, RateLimits};
pub use power::PowerSignal;
pub use server::{RemoteServer, Resources};
pub use session::{Input, Output, Session};
pub use token::{SocketCredentials, WsToken};
pub use transport::{NodeTransport, downgrade_notice, is_loopback, node_transport};
