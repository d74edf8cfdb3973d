//! About this run, opening links the user confirmed, and the demo.

use crate::engine::EngineState;
use crate::error::{Error, Result};
use crate::state::Runtime;
use aerie_core::event::ServerKey;
use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_opener::OpenerExt as _;
use ts_rs::TS;

/// What the UI may know about this run. No paths to secrets, no keys.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppInfo {
    /// App version.
    pub version: String,
    /// Running on the embedded simulator.
    pub demo: bool,
    /// The app identifier of this instance (differs for demo and test instances).
    pub identifier: String,
    /// Whether start at login is on.
    pub autostart: bool,
}

/// About this run.
#[tauri::command]
pub fn app_info(app: AppHandle, runtime: State<'_, Runtime>) -> Result<AppInfo> {
    Ok(AppInfo {
        version: app.package_info().version.to_string(),
        demo: runtime.profile.demo,
        identifier: runtime.profile.identifier.clone(),
        autostart: app.autolaunch().is_enabled().unwrap_or(false),
    })
}

/// Opens a web link in the user's browser. The UI calls this only after the user confirmed;
/// only `http` and `https` are accepted.
#[tauri::command]
pub fn open_external(app: AppHandle, url: String) -> Result<()> {
    crate::links::open(&app, checked_link(&url)?)
}

/// Opens a server's page on its panel (`<panel url>/server/<identifier>`) in the browser. The
/// address comes from the configured account, so the UI does not ask first.
#[tauri::command]
pub fn open_in_panel(
    app: AppHandle,
    engine: State<'_, EngineState>,
    server: ServerKey,
) -> Result<()> {
    let url = crate::links::panel_page_of(engine.get()?, &server)?;
    tracing::info!(%server, "opening the server's panel page");
    crate::links::open(&app, checked_link(&url)?)
}

fn checked_link(url: &str) -> Result<&str> {
    let trimmed = url.trim();
    let lower = trimmed.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && !trimmed.chars().any(char::is_control);
    if ok {
        Ok(trimmed)
    } else {
        Err(Error::invalid(
            "url",
            "only http and https links can be opened",
        ))
    }
}

/// Opens the demo: a separate Aerie instance on the embedded simulator, with its own
/// throw-away data and keyring namespace, so it never touches this profile's accounts. In the
/// demo instance itself this does nothing.
#[tauri::command]
pub fn start_demo(runtime: State<'_, Runtime>) -> Result<()> {
    if runtime.profile.demo {
        return Ok(());
    }
    let exe = std::env::current_exe()
        .map_err(|e| Error::Desktop(format!("cannot find Aerie's executable: {e}")))?;
    std::process::Command::new(exe)
        .arg("--demo")
        .spawn()
        .map_err(|e| Error::Desktop(format!("could not start the demo: {e}")))?;
    tracing::info!("demo instance started");
    Ok(())
}

/// Closes the calling window like its title bar's close button (Ctrl+W): it hides to the tray
/// when `close_to_tray` is on, else the app quits (see [`crate::window::on_window_event`]).
#[tauri::command]
pub fn close_window(window: tauri::WebviewWindow) -> Result<()> {
    window
        .close()
        .map_err(|e| Error::Desktop(format!("could not close the window: {e}")))
}

/// Shows an exported file in the system's file manager. Only files this run exported are
/// revealed (see [`crate::state::Exports`]).
#[tauri::command]
pub fn show_in_folder(
    app: AppHandle,
    exports: State<'_, crate::state::Exports>,
    path: String,
) -> Result<()> {
    let path = std::path::PathBuf::from(path);
    if !exports.contains(&path) {
        return Err(Error::invalid(
            "path",
            "only files Aerie exported can be shown",
        ));
    }
    app.opener()
        .reveal_item_in_dir(&path)
        .map_err(|e| Error::Desktop(format!("could not open the folder: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_links_open() {
        assert!(checked_link("https://panel.example.com/server/abcd").is_ok());
        assert!(checked_link("file:///etc/passwd").is_err());
        assert!(checked_link("javascript:alert(1)").is_err());
        assert!(checked_link("https://x\n.example").is_err());
    }
}
