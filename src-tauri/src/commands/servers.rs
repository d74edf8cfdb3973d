//! The fleet's servers and power actions. They need `aerie-core::fleet`, which has not landed
//! in this build: each command says so with `not_available` rather than showing made-up data.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;
use serde::Deserialize;
use tauri::ipc::Channel;
use ts_rs::TS;

/// A power signal, with the panel's safety model (kill only while stopping) enforced by the UI
/// and the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    /// Start.
    Start,
    /// Stop.
    Stop,
    /// Restart.
    Restart,
    /// Kill.
    Kill,
}

const FLEET: &str = "the fleet (aerie-core::fleet)";

/// Every watched server with its latest state.
#[tauri::command]
pub fn list_servers() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable(FLEET))
}

/// Fleet rows, coalesced by the bridge; resolves to a subscription id.
#[tauri::command]
pub fn subscribe_fleet(on_frame: Channel<serde_json::Value>) -> Result<u32> {
    let _ = on_frame;
    Err(Error::NotAvailable(FLEET))
}

/// Sends a power signal.
#[tauri::command]
pub async fn power(server: ServerKey, action: PowerAction) -> Result<()> {
    tracing::info!(%server, ?action, "power requested");
    Err(Error::NotAvailable(FLEET))
}

/// Every socket with its metrics.
#[tauri::command]
pub fn list_connections() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable(FLEET))
}
