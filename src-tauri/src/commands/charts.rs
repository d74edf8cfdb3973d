//! Charts drawn by the engine's one renderer (`aerie-core::chart`) from the history store.
//! The chart renderer has not landed in this build.

use crate::error::{Error, Result};

const CHARTS: &str = "charts (aerie-core::chart)";

/// Draws a chart as SVG with its data points.
#[tauri::command]
pub fn render_chart(request: serde_json::Value) -> Result<serde_json::Value> {
    let _ = request;
    Err(Error::NotAvailable(CHARTS))
}

/// Exports a chart as PNG or SVG; resolves to the path.
#[tauri::command]
pub fn export_chart(request: serde_json::Value, format: String) -> Result<Option<String>> {
    let _ = (request, format);
    Err(Error::NotAvailable(CHARTS))
}
