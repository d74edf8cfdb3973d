//! REST clients per panel kind, the per-panel rate limiter and websocket token minting.
//!
//! [`PanelClient`] speaks the Pterodactyl/Pelican Client API (`/api/client`). The fleet talks to
//! panels only through the [`PanelAdapter`] trait, so StellarStack, jPulse or a generic JWT
//! service can be added as new adapters without touching the fleet.

mod adapter;
mod client;
mod errors;
#[doc(hidden)]
pub mod fuzz;
mod limiter;
mod model;
mod secret;

pub use adapter::{PanelAdapter, PanelKind, SocketCredentials};
pub use client::PanelClient;
pub use limiter::{RateLimiter, RateLimits};
pub use model::{Account, PowerSignal, RemoteServer, Resources, WsToken};
pub use secret::Secret;
