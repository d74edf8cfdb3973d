//! Alerts: history, acknowledge, snooze.

use crate::error::{Error, Result};

/// The alert history, newest first.
#[tauri::command]
pub fn list_alerts() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable("alerts (aerie-core::alerts)"))
}

/// Acknowledges an alert until its server recovers.
#[tauri::command]
pub fn acknowledge_alert(id: String) -> Result<()> {
    let _ = id;
    Err(Error::NotAvailable("alerts (aerie-core::alerts)"))
}

/// Snoozes every alert for `minutes` (0 resumes).
#[tauri::command]
pub fn snooze_alerts(minutes: u32) -> Result<()> {
    let _ = minutes;
    Err(Error::NotAvailable("alerts (aerie-core::alerts)"))
}
