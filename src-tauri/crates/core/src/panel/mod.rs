//! The Pterodactyl/Pelican Client API (`/api/client`): [`PanelClient`], its response models and
//! error mapping. The fleet never uses it directly: `kinds::pterodactyl` puts it behind the
//! source seam ([`crate::source::Source`]).

mod client;
mod errors;
#[doc(hidden)]
pub mod fuzz;
mod model;

pub use client::PanelClient;
pub use model::Account;
// The seam's value types, re-exported where callers of the Client API look for them.
pub use crate::secret::Secret;
pub use crate::source::{PowerSignal, RateLimiter, RateLimits, RemoteServer, Resources, WsToken};
