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

/// Exports the server's rolling console log (needs a save dialog; not wired yet).
#[tauri::command]
pub async fn export_console(server: ServerKey) -> Result<Option<String>> {
    let _ = server;
    Err(Error::NotAvailable("console export"))
}
