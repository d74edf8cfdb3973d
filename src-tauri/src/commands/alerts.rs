//! Alerts: active, history, acknowledge, mute, snooze. They need the alert service of
//! `aerie-core::alerts`, which has not landed in this build.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;
use tauri::ipc::Channel;

const ALERTS: &str = "alerts (aerie-core::alerts)";

/// Active alerts.
#[tauri::command]
pub fn list_alerts() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable(ALERTS))
}

/// Alert history, newest first.
#[tauri::command]
pub fn alert_history(limit: u32, before: Option<u64>) -> Result<Vec<serde_json::Value>> {
    let _ = (limit, before);
    Err(Error::NotAvailable(ALERTS))
}

/// Alert state whenever it changes; resolves to a subscription id.
#[tauri::command]
pub fn subscribe_alerts(on_frame: Channel<serde_json::Value>) -> Result<u32> {
    let _ = on_frame;
    Err(Error::NotAvailable(ALERTS))
}

/// Acknowledges an alert until its server recovers.
#[tauri::command]
pub fn ack_alert(id: String) -> Result<()> {
    let _ = id;
    Err(Error::NotAvailable(ALERTS))
}

/// Mutes or unmutes one server's alerts.
#[tauri::command]
pub fn mute_server(server: ServerKey, muted: bool) -> Result<()> {
    let _ = (server, muted);
    Err(Error::NotAvailable(ALERTS))
}

/// Snoozes every notification for `minutes` (0 resumes); resolves to the snooze end.
#[tauri::command]
pub fn snooze_all(minutes: u32) -> Result<Option<u64>> {
    let _ = minutes;
    Err(Error::NotAvailable(ALERTS))
}
