//! Managed state: what commands and the tray reach through `tauri::State`.

use crate::bridge::{SubscriptionId, WindowBridge};
use crate::launch::Profile;
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use tauri::ipc::Channel;
use ts_rs::TS;

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

/// The `close_to_tray` setting: closing the window hides it (`true`, the default) or quits.
#[derive(Debug)]
pub struct CloseToTray(AtomicBool);

impl Default for CloseToTray {
    fn default() -> Self {
        Self(AtomicBool::new(true))
    }
}

impl CloseToTray {
    /// Changes the setting.
    pub fn set(&self, on: bool) {
        self.0.store(on, Ordering::SeqCst);
    }

    /// Whether closing hides to the tray.
    pub fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Files this run exported (charts, console logs): the only paths "Show in folder" reveals, so
/// the webview cannot make the shell open arbitrary locations.
#[derive(Debug, Default)]
pub struct Exports(Mutex<std::collections::HashSet<PathBuf>>);

impl Exports {
    /// Remembers an exported file.
    pub fn record(&self, path: &std::path::Path) {
        lock(&self.0).insert(path.to_path_buf());
    }

    /// Whether this run exported `path`.
    pub fn contains(&self, path: &std::path::Path) -> bool {
        lock(&self.0).contains(path)
    }
}

/// This run's profile and the directory its data lives in.
#[derive(Debug)]
pub struct Runtime {
    /// The profile chosen by the launch flags.
    pub profile: Profile,
    /// Resolved data directory.
    pub data_dir: PathBuf,
    /// The demo's throw-away directory (`data_dir`), removed at exit; `None` otherwise.
    pub throwaway: std::sync::Mutex<Option<tempfile::TempDir>>,
}

/// A top-level view of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AppView {
    /// Fleet list.
    Fleet,
    /// Alerts.
    Alerts,
    /// Accounts.
    Accounts,
    /// Connections.
    Connections,
    /// Settings.
    Settings,
}

/// What the shell asks the UI to do (from the tray or a notification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppEvent {
    /// Show this server (`id` is the fleet row id, `panel/server`).
    OpenServer {
        /// Fleet row id.
        id: String,
    },
    /// Show this view.
    OpenView {
        /// Which view.
        view: AppView,
    },
}

/// Subscriptions: event-bus bridges per window and shell-event listeners; ids are unique for
/// the process.
#[derive(Default)]
pub struct Subscriptions {
    next: AtomicU32,
    bridges: Mutex<HashMap<String, WindowBridge>>,
    hidden: Mutex<std::collections::HashSet<String>>,
    owners: Mutex<HashMap<SubscriptionId, String>>,
    app_listeners: Mutex<HashMap<SubscriptionId, Channel<AppEvent>>>,
    tasks: Mutex<HashMap<SubscriptionId, tokio::task::AbortHandle>>,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriptions")
            .field("bridges", &lock(&self.bridges).len())
            .field("app_listeners", &lock(&self.app_listeners).len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Subscriptions {
    /// A fresh subscription id.
    pub fn next_id(&self) -> SubscriptionId {
        self.next.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The bridge of `window`, started on first use (paused if the window is hidden).
    pub fn bridge(&self, window: &str, start: impl FnOnce() -> WindowBridge) -> WindowBridge {
        lock(&self.bridges)
            .entry(window.to_string())
            .or_insert_with(|| {
                let bridge = start();
                if lock(&self.hidden).contains(window) {
                    bridge.set_paused(true);
                }
                bridge
            })
            .clone()
    }

    /// Tells `window`'s bridge whether anyone can see it: a hidden window gets no frames.
    pub fn set_visible(&self, window: &str, visible: bool) {
        if visible {
            lock(&self.hidden).remove(window);
        } else {
            lock(&self.hidden).insert(window.to_string());
        }
        if let Some(bridge) = lock(&self.bridges).get(window) {
            bridge.set_paused(!visible);
        }
    }

    /// Remembers that bridge subscription `id` belongs to `window`.
    pub fn record(&self, id: SubscriptionId, window: &str) {
        lock(&self.owners).insert(id, window.to_string());
    }

    /// Adds a shell-event listener.
    pub fn add_app_listener(&self, channel: Channel<AppEvent>) -> SubscriptionId {
        let id = self.next_id();
        lock(&self.app_listeners).insert(id, channel);
        id
    }

    /// Sends a shell event to every listener; drops listeners whose channel is gone.
    pub fn send_app_event(&self, event: &AppEvent) {
        lock(&self.app_listeners).retain(|id, ch| {
            let ok = ch.send(event.clone()).is_ok();
            if !ok {
                tracing::debug!(id, "app-event listener gone");
            }
            ok
        });
    }

    /// Remembers the task that feeds subscription `id` (aborted on unsubscribe).
    pub fn add_task(&self, id: SubscriptionId, task: tokio::task::AbortHandle) {
        lock(&self.tasks).insert(id, task);
    }

    /// Ends subscription `id`, whichever kind it is.
    pub fn remove(&self, id: SubscriptionId) {
        if lock(&self.app_listeners).remove(&id).is_some() {
            return;
        }
        if let Some(task) = lock(&self.tasks).remove(&id) {
            task.abort();
            return;
        }
        let Some(window) = lock(&self.owners).remove(&id) else {
            return;
        };
        if let Some(bridge) = lock(&self.bridges).get(&window) {
            bridge.unsubscribe(id);
        }
    }
}
