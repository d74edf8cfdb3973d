//! Console: live lines with backfill, sending commands, exporting the rolling log. They need
//! `aerie-core::fleet`, which has not landed in this build.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;
use tauri::ipc::Channel;

const CONSOLE: &str = "the console (aerie-core::fleet)";

/// Console lines of one server (the first frame is the backfill); resolves to a subscription id.
#[tauri::command]
pub fn subscribe_console(server: ServerKey, on_frame: Channel<serde_json::Value>) -> Result<u32> {
    let _ = (server, on_frame);
    Err(Error::NotAvailable(CONSOLE))
}

/// Sends a console command.
#[tauri::command]
pub async fn send_command(server: ServerKey, command: String) -> Result<()> {
    tracing::info!(%server, len = command.len(), "console command requested");
    Err(Error::NotAvailable(CONSOLE))
}

/// Exports the server's rolling console log; resolves to the path.
#[tauri::command]
pub async fn export_console(server: ServerKey) -> Result<Option<String>> {
    let _ = server;
    Err(Error::NotAvailable(CONSOLE))
}
