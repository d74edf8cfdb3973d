//! Showing notifications on the desktop with notify-rust.
//!
//! On Linux this is a D-Bus `Notify` call (zbus on tokio); the chart goes along as an
//! `image-path` hint to a PNG in a private temp directory, and the default action ("click")
//! is reported back as the server to open.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::compose::{DesktopNotification, Urgency, compose};
use crate::alerts::{Outgoing, Sink, SinkReport};
use crate::error::{Error, Result};
use crate::event::ServerKey;

/// Chart images kept on disk; older ones are deleted (the desktop has shown them by then).
const IMAGES_KEPT: u64 = 16;

/// Shows desktop notifications and reports clicks.
#[derive(Debug)]
pub struct DesktopNotifier {
    app_name: String,
    images: tempfile::TempDir,
    shown: AtomicU64,
    opened: mpsc::UnboundedSender<ServerKey>,
}

impl DesktopNotifier {
    /// A notifier whose clicks ("open this server") arrive on the returned receiver.
    pub fn new(app_name: &str) -> Result<(Self, mpsc::UnboundedReceiver<ServerKey>)> {
        let (opened, rx) = mpsc::unbounded_channel();
        let images = tempfile::Builder::new().prefix("aerie-alerts-").tempdir()?;
        Ok((
            Self {
                app_name: app_name.to_owned(),
                images,
                shown: AtomicU64::new(0),
                opened,
            },
            rx,
        ))
    }

    /// Shows one notification; returns once the desktop accepted it (the D-Bus call returned),
    /// with the desktop's id for it.
    pub async fn show(&self, n: &DesktopNotification) -> Result<u32> {
        let serial = self.shown.fetch_add(1, Ordering::Relaxed);
        let mut note = notify_rust::Notification::new();
        note.appname(&self.app_name)
            .summary(&n.summary)
            .body(&escape_markup(&n.body));
        if let Some(png) = &n.image_png {
            match self.write_image(serial, png) {
                Ok(path) => {
                    note.image_path(&path.to_string_lossy());
                }
                Err(e) => tracing::warn!(error = %e, "notification image not written"),
            }
        }
        if n.server.is_some() {
            note.action("default", "Open server");
        }
        platform::show(note, n.urgency, n.server.clone(), self.opened.clone()).await
    }

    fn write_image(&self, serial: u64, png: &[u8]) -> Result<PathBuf> {
        if let Some(old) = serial.checked_sub(IMAGES_KEPT) {
            // Best effort: a missing old file is fine.
            let _ = std::fs::remove_file(self.image_path(old));
        }
        let path = self.image_path(serial);
        std::fs::write(&path, png)?;
        Ok(path)
    }

    fn image_path(&self, serial: u64) -> PathBuf {
        self.images.path().join(format!("alert-{serial}.png"))
    }
}

/// Desktop notifications as an alert [`Sink`], behind the user's on/off switch.
#[derive(Debug)]
pub struct DesktopSink {
    notifier: Arc<DesktopNotifier>,
    /// Read for each output rather than fixed at start: a switch the user flips takes effect
    /// for the very next alert, even one already queued on the bus.
    enabled: AtomicBool,
}

impl DesktopSink {
    /// The sink's name in reports.
    pub const NAME: &'static str = "desktop";

    /// Shows alerts through `notifier` while `enabled`.
    pub fn new(notifier: DesktopNotifier, enabled: bool) -> Self {
        Self {
            notifier: Arc::new(notifier),
            enabled: AtomicBool::new(enabled),
        }
    }

    /// Turns desktop notifications on or off from now on (alerts are still detected, logged,
    /// sent to the other sinks and shown in the app).
    pub fn set_enabled(&self, on: bool) {
        self.enabled.store(on, Ordering::SeqCst);
    }

    /// Whether desktop notifications are on.
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::SeqCst)
    }
}

impl Sink for DesktopSink {
    fn name(&self) -> &str {
        Self::NAME
    }

    fn offer(&self, outgoing: &Outgoing<'_>) {
        if !self.enabled() {
            return;
        }
        let Some(note) = compose(outgoing.output, outgoing.tails) else {
            return;
        };
        let notifier = Arc::clone(&self.notifier);
        let reporter = outgoing.reporter.clone();
        // The D-Bus round trip must not hold up the next event.
        tokio::spawn(async move {
            let report = match notifier.show(&note).await {
                Ok(id) => SinkReport::Delivered {
                    sink: Self::NAME.into(),
                    summary: note.summary,
                    id: Some(id),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "desktop notification failed");
                    SinkReport::Failed {
                        sink: Self::NAME.into(),
                        summary: note.summary,
                        error: e.to_string(),
                    }
                }
            };
            reporter.report(report);
        });
    }
}

/// The notification spec's body markup is a small HTML subset: console text must not be
/// taken for tags.
fn escape_markup(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn notify_error(e: impl std::fmt::Display) -> Error {
    Error::Notification {
        detail: e.to_string(),
    }
}

#[cfg(all(unix, not(target_os = "macos")))]
mod platform {
    use super::*;

    pub(super) async fn show(
        mut note: notify_rust::Notification,
        urgency: Urgency,
        server: Option<ServerKey>,
        opened: mpsc::UnboundedSender<ServerKey>,
    ) -> Result<u32> {
        note.urgency(match urgency {
            Urgency::Normal => notify_rust::Urgency::Normal,
            Urgency::Critical => notify_rust::Urgency::Critical,
        });
        let handle = note.show_async().await.map_err(notify_error)?;
        let id = handle.id();
        if let Some(server) = server {
            // The handle keeps its D-Bus connection; the task ends when the notification
            // is clicked or closed.
            tokio::spawn(async move {
                handle
                    .wait_for_action_async(|response| {
                        if matches!(response, notify_rust::ActionResponse::Custom("default")) {
                            let _ = opened.send(server);
                        }
                    })
                    .await;
            });
        }
        Ok(id)
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
mod platform {
    use super::*;

    pub(super) async fn show(
        note: notify_rust::Notification,
        _urgency: Urgency,
        _server: Option<ServerKey>,
        _opened: mpsc::UnboundedSender<ServerKey>,
    ) -> Result<u32> {
        // macOS and Windows show synchronously; clicks reach the app through its own
        // activation path there.
        tokio::task::spawn_blocking(move || note.show().map(|_| 0).map_err(notify_error))
            .await
            .map_err(notify_error)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_text_cannot_inject_markup() {
        assert_eq!(
            escape_markup("<b>x</b> & y"),
            "&lt;b&gt;x&lt;/b&gt; &amp; y"
        );
    }
}
