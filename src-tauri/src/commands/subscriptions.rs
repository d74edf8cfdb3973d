//! Subscribing a view to the event stream (see [`crate::bridge`]).

use crate::bridge::{Frame, SubscriptionId, Topic};
use crate::error::{Error, Result};
use crate::state::Subscriptions;
use tauri::ipc::Channel;
use tauri::{State, WebviewWindow};

/// Starts sending `topic`'s events to `channel`; returns the id to unsubscribe with.
#[tauri::command]
pub async fn subscribe(
    window: WebviewWindow,
    subs: State<'_, Subscriptions>,
    topic: Topic,
    channel: Channel<Frame>,
) -> Result<SubscriptionId> {
    let _ = (window, subs, topic, channel);
    Err(Error::NotAvailable("the event bus (aerie-core::fleet)"))
}

/// Stops a subscription. Unknown ids are not an error (the view may already be gone).
#[tauri::command]
pub fn unsubscribe(subs: State<'_, Subscriptions>, id: SubscriptionId) -> Result<()> {
    if let Some(bridge) = subs.take(id) {
        bridge.unsubscribe(id);
    }
    Ok(())
}
