//! `aerie-core` is the engine behind the Aerie desktop app and the headless `aerie` CLI.
//!
//! It holds one live socket per watched game server across many panels and accounts and turns
//! what arrives into a single typed stream of [`event::ServerEvent`]s. It has no GUI dependency,
//! so it builds and tests on a machine without a display.

pub mod accounts;
pub mod alerts;
pub mod chart;
pub mod clock;
pub mod error;
pub mod event;
pub mod fleet;
pub mod kinds;
pub mod logging;
pub mod notify;
pub mod panel;
pub mod protocol;
pub mod runtime;
pub mod secret;
pub mod secrets;
pub mod settings;
pub mod socket;
pub mod source;
pub mod store;
pub mod text;

pub use error::{Error, Result};
