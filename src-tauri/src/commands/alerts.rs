//! Alerts: active, history, acknowledge, mute, snooze, all through `aerie-core`'s alert
//! service (see [`crate::alerting`]).

use crate::alerting::{AlertRecord, AlertsFrame, SinkTestResult, history};
use crate::engine::EngineState;
use crate::error::{Error, Result};
use crate::state::Subscriptions;
use aerie_core::alerts::AlertId;
use aerie_core::event::ServerKey;
use tauri::State;
use tauri::ipc::Channel;

/// Most history rows read to answer one page (fact rows of the fleet share the log).
const HISTORY_SCAN: usize = 5_000;

/// Active alerts.
#[tauri::command]
pub fn list_alerts(engine: State<'_, EngineState>) -> Result<Vec<AlertRecord>> {
    Ok(engine.get()?.alerting.frame().active)
}

/// Alert history, newest first; `before` (ms since the epoch) pages back.
#[tauri::command]
pub async fn alert_history(
    engine: State<'_, EngineState>,
    limit: u32,
    before: Option<u64>,
) -> Result<Vec<AlertRecord>> {
    let limit = usize::try_from(limit.clamp(1, 1_000)).unwrap_or(100);
    let Some(store) = engine.get()?.alerting.store.clone() else {
        return Err(Error::Unavailable(
            "the history database could not be opened; see the log".into(),
        ));
    };
    let entries = tauri::async_runtime::spawn_blocking(move || store.alerts(None, 0, HISTORY_SCAN))
        .await
        .map_err(|e| Error::Desktop(e.to_string()))??;
    let entries: Vec<_> = entries
        .into_iter()
        .filter(|e| before.is_none_or(|b| e.at_ms < b))
        .collect();
    Ok(history(&entries, limit))
}

/// Alert state whenever it changes (the first frame is the current state); resolves to a
/// subscription id.
#[tauri::command]
pub fn subscribe_alerts(
    engine: State<'_, EngineState>,
    subs: State<'_, Subscriptions>,
    on_frame: Channel<AlertsFrame>,
) -> Result<u32> {
    let alerting = engine.get()?.alerting.clone();
    let (mut active, mut changed) = alerting.changes();
    on_frame
        .send(alerting.frame())
        .map_err(|e| Error::Desktop(e.to_string()))?;
    let id = subs.next_id();
    let task = tauri::async_runtime::spawn(async move {
        loop {
            tokio::select! {
                r = active.changed() => if r.is_err() { break },
                r = changed.changed() => if r.is_err() { break },
            }
            if on_frame.send(alerting.frame()).is_err() {
                tracing::debug!(id, "alerts: channel gone");
                break;
            }
        }
    });
    subs.add_task(id, task.inner().abort_handle());
    Ok(id)
}

/// Acknowledges an alert until it recovers.
#[tauri::command]
pub fn ack_alert(engine: State<'_, EngineState>, id: String) -> Result<()> {
    let parsed: AlertId = id.parse().map_err(|e: String| Error::invalid("id", e))?;
    engine.get()?.alerting.service.acknowledge(parsed);
    Ok(())
}

/// Mutes or unmutes one server's alerts (logged, never notified); kept in the settings file.
#[tauri::command]
pub fn mute_server(engine: State<'_, EngineState>, server: ServerKey, muted: bool) -> Result<()> {
    let engine = engine.get()?;
    crate::commands::settings::store_muted(engine.settings(), &server, muted)?;
    engine.alerting.set_muted(server, muted);
    Ok(())
}

/// Snoozes every notification for `minutes` (0 resumes); resolves to the snooze end.
#[tauri::command]
pub fn snooze_all(engine: State<'_, EngineState>, minutes: u32) -> Result<Option<u64>> {
    if minutes > 7 * 24 * 60 {
        return Err(Error::invalid("minutes", "snooze at most a week"));
    }
    Ok(engine.get()?.alerting.snooze(minutes))
}

/// Sends a test alert to every webhook sink, or only to `sink` (name or id), whatever their
/// severity filter; resolves to what each did.
#[tauri::command]
pub async fn send_test_alert(
    engine: State<'_, EngineState>,
    sink: Option<String>,
) -> Result<Vec<SinkTestResult>> {
    let options = aerie_core::notify::webhook::WebhookOptions::default();
    let outcomes = engine
        .get()?
        .webhooks
        .test(sink.as_deref(), &options)
        .await?;
    Ok(outcomes.into_iter().map(SinkTestResult::from).collect())
}
