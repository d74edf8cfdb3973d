//! Build script: makes sure a frontend exists to embed, then runs `tauri-build`.
//!
//! `tauri.conf.json` points `frontendDist` at `../ui/dist`. Until the UI has been built there
//! is nothing there and `generate_context!` would fail, so a one-page placeholder is written.
//! `ui/dist` is git-ignored, so the placeholder is never committed.

use std::path::Path;

fn main() {
    ensure_frontend_dist();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri-build failed");
}

/// Every command the webview may call. Each one gets an `allow-<name>` permission, and
/// `capabilities/main.json` grants exactly these to the main window.
const COMMANDS: &[&str] = &[
    "app_info",
    "open_external",
    "open_in_panel",
    "start_demo",
    "close_window",
    "show_in_folder",
    "list_accounts",
    "add_account",
    "update_account",
    "remove_account",
    "test_account",
    "list_account_servers",
    "list_servers",
    "subscribe_fleet",
    "power",
    "list_connections",
    "trust_certificate",
    "subscribe_console",
    "send_command",
    "export_console",
    "list_alerts",
    "alert_history",
    "subscribe_alerts",
    "ack_alert",
    "mute_server",
    "snooze_all",
    "send_test_alert",
    "get_settings",
    "set_settings",
    "render_chart",
    "export_chart",
    "subscribe_app_events",
    "unsubscribe",
];

fn ensure_frontend_dist() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dist = Path::new(&manifest).join("../ui/dist");
    let index = dist.join("index.html");
    println!("cargo:rerun-if-changed={}", index.display());
    if index.exists() {
        return;
    }
    std::fs::create_dir_all(&dist).expect("create ui/dist");
    std::fs::write(&index, PLACEHOLDER).expect("write ui/dist/index.html");
}

const PLACEHOLDER: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Aerie</title></head>
<body style="font-family: sans-serif; background: #1d2733; color: #e6edf3; padding: 3rem">
<h1 data-testid="placeholder">Aerie</h1>
<p>The UI has not been built yet. Run <code>npm ci &amp;&amp; npm run build</code> in
<code>ui/</code>, then rebuild the app.</p>
</body>
</html>
"#;
