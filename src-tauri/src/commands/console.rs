//! Console: backfill then live lines, sending commands, exporting the rolling log.

use crate::bridge::{Frame, Topic, WindowBridge};
use crate::engine::EngineState;
use crate::error::{Error, Result};
use crate::state::Subscriptions;
use aerie_core::event::{ConsoleOrigin, ServerEventKind, ServerKey};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::ipc::Channel;
use tauri::{State, WebviewWindow};
use ts_rs::TS;

/// One console line.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(rename = "ConsoleLine")]
pub struct ConsoleLineDto {
    /// 0, 1, 2, … per subscription.
    #[ts(type = "number")]
    pub seq: u64,
    /// When Aerie saw it, ms since the epoch.
    #[ts(type = "number")]
    pub at: u64,
    /// The text (may hold ANSI escapes).
    pub line: String,
    /// Where it came from.
    pub origin: ConsoleOrigin,
}

/// Lines for the console view; the first frames are the backfill.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConsoleFrame {
    /// Lines in order.
    pub lines: Vec<ConsoleLineDto>,
    /// Whether these lines are the backfill (what Aerie held when the view opened).
    pub backfill: bool,
}

fn send_lines(channel: &Channel<ConsoleFrame>, lines: Vec<ConsoleLineDto>, backfill: bool) -> bool {
    let mut batch = Vec::new();
    let mut size = 0;
    for l in lines {
        let len = l.line.len() + 64;
        if !batch.is_empty() && size + len > crate::bridge::FRAME_BUDGET {
            let lines = std::mem::take(&mut batch);
            if channel.send(ConsoleFrame { lines, backfill }).is_err() {
                return false;
            }
            size = 0;
        }
        size += len;
        batch.push(l);
    }
    batch.is_empty() && !backfill
        || channel
            .send(ConsoleFrame {
                lines: batch,
                backfill,
            })
            .is_ok()
}

/// Console lines of one server: the backfill first, then live lines at most 20 frames a
/// second. Resolves to the subscription id.
#[tauri::command]
pub async fn subscribe_console(
    window: WebviewWindow,
    subs: State<'_, Subscriptions>,
    engine: State<'_, EngineState>,
    server: ServerKey,
    on_frame: Channel<ConsoleFrame>,
) -> Result<u32> {
    let engine = engine.get()?;
    let seq = AtomicU64::new(0);
    let next = move || seq.fetch_add(1, Ordering::Relaxed);
    let backfill = engine
        .fleet
        .console(&server)?
        .into_iter()
        .map(|l| ConsoleLineDto {
            seq: next(),
            at: l.at,
            line: l.line,
            origin: l.origin,
        })
        .collect();
    send_lines(&on_frame, backfill, true);
    let id = subs.next_id();
    let bridge = subs.bridge(window.label(), || {
        WindowBridge::start(engine.fleet.subscribe())
    });
    let sink = move |frame: Frame| {
        let lines = frame
            .events
            .into_iter()
            .filter_map(|e| match e.kind {
                ServerEventKind::Console { line, origin } => Some(ConsoleLineDto {
                    seq: next(),
                    at: e.at,
                    line,
                    origin,
                }),
                _ => None,
            })
            .collect();
        send_lines(&on_frame, lines, false)
    };
    bridge.subscribe(id, Topic::Server { key: server }, Box::new(sink));
    subs.record(id, window.label());
    Ok(id)
}

/// Sends a console command.
#[tauri::command]
pub async fn send_command(
    engine: State<'_, EngineState>,
    server: ServerKey,
    command: String,
) -> Result<()> {
    if command.trim().is_empty() {
        return Err(Error::invalid("command", "type a command first"));
    }
    tracing::info!(%server, len = command.len(), "console command");
    engine.get()?.fleet.send_command(&server, &command).await?;
    Ok(())
}

/// Most archived lines exported.
const EXPORT_LINES: usize = 100_000;

use aerie_core::text::strip_ansi;

/// One exported line: local time, origin when not the server itself, the text without ANSI.
fn export_line(at_ms: u64, origin: ConsoleOrigin, line: &str) -> String {
    let at = i64::try_from(at_ms)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default();
    let tag = match origin {
        ConsoleOrigin::Container => String::new(),
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.as_str().map(|s| format!("[{s}] ")))
            .unwrap_or_default(),
    };
    format!("[{at}] {tag}{}\n", strip_ansi(line))
}

/// Exports the server's console as text into the Downloads folder (no save dialog): the
/// store's archive (flushed first) or, without a store, the fleet's in-memory ring. Resolves to
/// the path.
#[tauri::command]
pub async fn export_console(
    app: tauri::AppHandle,
    engine: State<'_, EngineState>,
    server: ServerKey,
) -> Result<Option<String>> {
    let engine = engine.get()?;
    let name = engine
        .fleet
        .snapshot()
        .into_iter()
        .find(|s| s.key == server)
        .map(|s| s.info.name)
        .ok_or_else(|| Error::NotFound(format!("no watched server {server}")))?;
    let mut text = String::new();
    if let (Some(store), Some(writer)) = (
        engine.alerting.store.clone(),
        engine.alerting.history_writer(),
    ) {
        if let Err(e) = writer.flush().await {
            tracing::warn!(error = %e, "console export: archive not flushed");
        }
        let key = server.clone();
        let lines =
            tauri::async_runtime::spawn_blocking(move || store.console_tail(&key, EXPORT_LINES))
                .await
                .map_err(|e| Error::Desktop(e.to_string()))??;
        for l in lines {
            text.push_str(&export_line(l.at_ms, l.origin, &l.line));
        }
    }
    if text.is_empty() {
        for l in engine.fleet.console(&server)? {
            text.push_str(&export_line(l.at, l.origin, &l.line));
        }
    }
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    let stem = format!(
        "aerie-{}-console-{stamp}",
        crate::commands::charts::file_stem(&name)
    );
    let dir = crate::commands::charts::export_dir(&app)?;
    let path = crate::commands::charts::write_new(&dir, &stem, "log", text.as_bytes())?;
    tauri::Manager::state::<crate::state::Exports>(&app).record(&path);
    tracing::info!(path = %path.display(), "console exported");
    Ok(Some(path.to_string_lossy().into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_lines_lose_ansi_and_keep_origin() {
        assert_eq!(strip_ansi("\u{1b}[33mWARN\u{1b}[0m done"), "WARN done");
        let l = export_line(0, ConsoleOrigin::Container, "\u{1b}[1mhi");
        assert!(l.ends_with("] hi\n"), "{l}");
        // OSC 8 hyperlinks and window titles, not only CSI colours.
        let l = export_line(
            0,
            ConsoleOrigin::Container,
            "\u{1b}]0;title\u{7}see \u{1b}]8;;https://evil.example/\u{1b}\\docs\u{1b}]8;;\u{1b}\\",
        );
        assert!(l.ends_with("] see docs\n"), "{l:?}");
    }
}
