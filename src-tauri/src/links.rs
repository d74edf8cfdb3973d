//! Web pages Aerie opens in the user's browser: links the user confirmed, and a server's page
//! on its panel.
//!
//! With `AERIE_RECORD_OPENED_URLS=<file>` set, each URL is appended to that file as one line
//! instead of starting a browser; the end-to-end tests use it to see what a click opened.

use crate::engine::Engine;
use crate::error::{Error, Result};
use aerie_core::event::ServerKey;
use tauri::{AppHandle, Runtime};
use tauri_plugin_opener::OpenerExt as _;

/// The environment variable that turns opening into recording (tests only).
pub const RECORD_ENV: &str = "AERIE_RECORD_OPENED_URLS";

/// Opens `url` in the default browser (or records it, see the module docs).
pub fn open<R: Runtime>(app: &AppHandle<R>, url: &str) -> Result<()> {
    if let Some(file) = std::env::var_os(RECORD_ENV).filter(|f| !f.is_empty()) {
        use std::io::Write as _;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&file)
            .and_then(|mut f| writeln!(f, "{url}"))
            .map_err(|e| Error::Desktop(format!("could not record the link: {e}")))?;
        tracing::info!(url, "link recorded instead of opened ({RECORD_ENV})");
        return Ok(());
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| Error::Desktop(format!("could not open the link: {e}")))
}

/// `<panel url>/server/<identifier>`: the server's page in the panel's web UI (the same path
/// on Pterodactyl and Pelican). The identifier is checked so it cannot leave that path.
pub fn panel_page(panel_url: &str, identifier: &str) -> Result<String> {
    let ok = !identifier.is_empty()
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        return Err(Error::invalid("server", "not a server identifier"));
    }
    Ok(format!(
        "{}/server/{identifier}",
        panel_url.trim().trim_end_matches('/')
    ))
}

/// The page of `server` on the panel of the account it belongs to.
pub fn panel_page_of(engine: &Engine, server: &ServerKey) -> Result<String> {
    let account = engine.accounts.get(&server.panel)?;
    panel_page(&account.url, &server.server)
}

#[cfg(test)]
mod tests {
    use super::panel_page;

    #[test]
    fn a_servers_page_is_under_its_panels_address() {
        assert_eq!(
            panel_page("https://panel.example.com/", "1a2b3c4d").unwrap(),
            "https://panel.example.com/server/1a2b3c4d"
        );
        assert_eq!(
            panel_page("http://127.0.0.1:8080/panel", "abcd").unwrap(),
            "http://127.0.0.1:8080/panel/server/abcd"
        );
    }

    #[test]
    fn an_identifier_cannot_leave_the_server_path() {
        assert!(panel_page("https://p.example", "../admin").is_err());
        assert!(panel_page("https://p.example", "a?b").is_err());
        assert!(panel_page("https://p.example", "").is_err());
    }
}
