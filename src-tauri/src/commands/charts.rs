//! Charts drawn by the engine's one renderer.

use crate::error::{Error, Result};
use aerie_core::event::ServerKey;

/// A chart as SVG for the UI.
#[tauri::command]
pub fn chart_svg(key: ServerKey, metric: String) -> Result<String> {
    let _ = (key, metric);
    Err(Error::NotAvailable("charts (aerie-core::chart)"))
}

/// Exports a chart as PNG into the user's downloads directory; returns the path.
#[tauri::command]
pub fn export_chart_png(key: ServerKey, metric: String) -> Result<String> {
    let _ = (key, metric);
    Err(Error::NotAvailable("charts (aerie-core::chart)"))
}
