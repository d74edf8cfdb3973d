//! Window lifecycle in one place: closing hides to the tray, a second launch or the tray's
//! "Show" brings the window back, quitting only happens from the tray (or the OS).

use crate::state::{Quitting, Subscriptions};
use tauri::{AppHandle, Manager, RunEvent, Runtime, Window, WindowEvent};

/// The main window's label.
pub const MAIN: &str = "main";

/// Shows, unminimizes and focuses the main window.
pub fn show_main<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN) else {
        tracing::warn!("show: no main window");
        return;
    };
    let result = window
        .show()
        .and_then(|()| window.unminimize())
        .and_then(|()| window.set_focus());
    app.state::<Subscriptions>().set_visible(MAIN, true);
    if let Err(e) = result {
        tracing::warn!(error = %e, "show: could not bring the window back");
    }
}

/// Window events: a close request hides the window instead (unless quitting, or the
/// `close_to_tray` setting is off: then closing quits).
pub fn on_window_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if let WindowEvent::CloseRequested { api, .. } = event
        && window.label() == MAIN
        && !window.app_handle().state::<Quitting>().get()
    {
        if !window
            .app_handle()
            .state::<crate::state::CloseToTray>()
            .get()
        {
            tracing::info!("window closed with close-to-tray off: quitting");
            window.app_handle().state::<Quitting>().set();
            window.app_handle().exit(0);
            return;
        }
        api.prevent_close();
        hide(window);
    }
}

/// Hides `window` to the tray and stops its frames (nobody sees them).
pub fn hide<R: Runtime>(window: &Window<R>) {
    if let Err(e) = window.hide() {
        tracing::warn!(error = %e, "close: could not hide");
        return;
    }
    window
        .app_handle()
        .state::<Subscriptions>()
        .set_visible(window.label(), false);
    tracing::info!("window hidden to the tray");
}

/// App run events: keep running when the last window is hidden; let an explicit exit through.
pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: RunEvent) {
    match event {
        // `code` is None when the last window closed by itself; Aerie lives in the tray.
        RunEvent::ExitRequested {
            code: None, api, ..
        } if !app.state::<Quitting>().get() => {
            api.prevent_exit();
        }
        RunEvent::Exit => {
            tracing::info!("exiting");
            if let Some(runtime) = app.try_state::<crate::state::Runtime>() {
                let dir = runtime
                    .throwaway
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                if let Some(dir) = dir {
                    crate::demo::cleanup(app);
                    if let Err(e) = dir.close() {
                        tracing::warn!(error = %e, "demo: could not remove the throw-away data directory");
                    }
                }
            }
        }
        _ => {}
    }
}

/// SIGTERM and SIGINT (logout, shutdown, `kill`, Ctrl-C) quit cleanly, like the tray's "Quit":
/// plugins save their state and the engine is dropped in order.
pub fn quit_on_signal<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    tauri::async_runtime::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("could not install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: quitting"),
            _ = int.recv() => tracing::info!("SIGINT: quitting"),
        }
        app.state::<Quitting>().set();
        app.exit(0);
    });
    #[cfg(not(unix))]
    let _ = app;
}
