//! Settings.

use crate::error::{Error, Result};

/// The settings.
#[tauri::command]
pub fn get_settings() -> Result<serde_json::Value> {
    Err(Error::NotAvailable("settings (aerie-core::settings)"))
}

/// Replaces the settings.
#[tauri::command]
pub fn update_settings(settings: serde_json::Value) -> Result<()> {
    let _ = settings;
    Err(Error::NotAvailable("settings (aerie-core::settings)"))
}
