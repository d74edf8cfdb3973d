//! Subscriptions the UI opens with a channel and must close by id (Rust is not told when a JS
//! channel goes away), and the shell's own events (tray → "open this server").

use crate::error::Result;
use crate::state::{AppEvent, Subscriptions};
use tauri::State;
use tauri::ipc::Channel;

/// Shell events (the tray asks to open a server or a view); resolves to a subscription id.
#[tauri::command]
pub fn subscribe_app_events(
    subs: State<'_, Subscriptions>,
    on_frame: Channel<AppEvent>,
) -> Result<u32> {
    Ok(subs.add_app_listener(on_frame))
}

/// Stops any subscription. Unknown ids are not an error (the view may already be gone).
#[tauri::command]
pub fn unsubscribe(subs: State<'_, Subscriptions>, id: u32) -> Result<()> {
    subs.remove(id);
    Ok(())
}
