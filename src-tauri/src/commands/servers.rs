//! The fleet's servers and power actions.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;

/// Every watched server with its latest state (the fleet snapshot).
#[tauri::command]
pub fn list_servers() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable("the fleet (aerie-core::fleet)"))
}

/// Sends a power signal: `start`, `stop`, `restart` or `kill`.
#[tauri::command]
pub async fn power(key: ServerKey, signal: String) -> Result<()> {
    let _ = (key, signal);
    Err(Error::NotAvailable("power (aerie-core::fleet)"))
}
