//! Console: backfill and sending commands.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;

/// Sends a console command.
#[tauri::command]
pub async fn send_command(key: ServerKey, command: String) -> Result<()> {
    let _ = (key, command);
    Err(Error::NotAvailable("console (aerie-core::fleet)"))
}

/// The lines Aerie holds for a server (ring + backfill).
#[tauri::command]
pub fn console_backfill(key: ServerKey) -> Result<Vec<String>> {
    let _ = key;
    Err(Error::NotAvailable("console (aerie-core::fleet)"))
}
