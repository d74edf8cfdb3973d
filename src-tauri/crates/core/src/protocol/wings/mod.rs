//! The Wings websocket protocol (`{"event","args"}` frames), as spoken by Pterodactyl Wings
//! 1.11, newer Wings and Pelican Wings. See `docs/protocols/wings.md`.
//!
//! * [`frame`]: decode inbound frames, build outbound ones.
//! * [`console`]: recognise the daemon's own lines and its crash report.
//! * [`session`]: the per-server state machine (auth, token refresh, backfill, crash vs stop).

pub mod console;
pub mod frame;
pub mod session;
mod tracker;

pub use console::{CrashLine, DaemonLine, daemon_line};
pub use frame::{Inbound, parse_frame};
pub use session::{Input, Output, Session, SessionConfig};
