//! `--demo`: the embedded simulator with a few panels and dozens of servers, some crashing.

use tauri::{AppHandle, Runtime};

/// Starts the simulator and points the engine at it.
pub fn start<R: Runtime>(app: &AppHandle<R>, seed: u64) -> anyhow::Result<()> {
    let _ = (app, seed);
    tracing::warn!("demo: the simulator (aerie-sim) is not available in this build yet");
    Ok(())
}
