//! Managed state: what commands and the tray reach through `tauri::State`.

use crate::bridge::{SubscriptionId, WindowBridge};
use crate::launch::Profile;
use aerie_core::event::ServerEvent;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tokio::sync::broadcast;

/// Set when the user asked to quit, so a close request is not turned into "hide".
#[derive(Debug, Default)]
pub struct Quitting(AtomicBool);

impl Quitting {
    /// Marks the app as quitting.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the app is quitting.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// This run's profile and the directory its data lives in.
#[derive(Debug)]
pub struct Runtime {
    /// The profile chosen by the launch flags.
    pub profile: Profile,
    /// Resolved data directory.
    pub data_dir: PathBuf,
    /// Whether `data_dir` is removed at exit (the demo's throw-away directory).
    pub throwaway: bool,
}

/// Subscriptions: one bridge per window, ids unique for the process.
#[derive(Debug, Default)]
pub struct Subscriptions {
    next: AtomicU32,
    bridges: Mutex<HashMap<String, WindowBridge>>,
    owners: Mutex<HashMap<SubscriptionId, String>>,
}

impl Subscriptions {
    /// A fresh subscription id.
    pub fn next_id(&self) -> SubscriptionId {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The bridge of `window`, started on first use from `bus`.
    pub fn bridge(
        &self,
        window: &str,
        bus: impl FnOnce() -> broadcast::Receiver<ServerEvent>,
    ) -> WindowBridge {
        let mut bridges = self.bridges.lock().unwrap_or_else(|e| e.into_inner());
        bridges
            .entry(window.to_string())
            .or_insert_with(|| WindowBridge::start(bus()))
            .clone()
    }

    /// Remembers which window owns `id`.
    pub fn record(&self, id: SubscriptionId, window: &str) {
        self.owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, window.to_string());
    }

    /// Forgets `id`, returning its window's bridge.
    pub fn take(&self, id: SubscriptionId) -> Option<WindowBridge> {
        let window = self
            .owners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)?;
        self.bridges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&window)
            .cloned()
    }
}
