//! Where alerts go. The alert service knows only [`Sink`]: the desktop notifier and the
//! webhooks (both in `notify`) are injected, so `alerts` imports nothing above its floor.

use tokio::sync::broadcast;

use super::model::AlertOutput;
use super::tails::ServerTails;
use crate::event::TimestampMs;

/// One output as the service hands it to every sink: only outputs that should reach a person
/// now (not muted, snoozed or held for quiet hours; no health changes).
pub struct Outgoing<'a> {
    /// What the engine decided.
    pub output: &'a AlertOutput,
    /// Recent stats and console lines per server, for sinks that quote or chart them.
    pub tails: &'a ServerTails,
    /// When the service published it, ms since the Unix epoch.
    pub at: TimestampMs,
    /// Where the sink says what became of it, now or later from its own task.
    pub reporter: &'a Reporter,
}

/// A destination for alerts.
pub trait Sink: Send + Sync {
    /// The sink's name in reports and logs ("desktop", or the name the user gave a webhook).
    /// Never a URL.
    fn name(&self) -> &str;

    /// Takes one output. Returns at once: the alert engine runs on the caller's task, so a
    /// sink that waits on the desktop or the network queues the work and does it on its own
    /// task, reporting through [`Outgoing::reporter`].
    fn offer(&self, outgoing: &Outgoing<'_>);
}

/// What became of an output at one sink.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkReport {
    /// The receiver accepted it.
    Delivered {
        /// The sink's name.
        sink: String,
        /// The output's title, as sent.
        summary: String,
        /// The desktop's id for the notification (to close it); `None` for a webhook.
        id: Option<u32>,
    },
    /// It could not be delivered (after the sink's retries); the alert is still logged.
    Failed {
        /// The sink's name.
        sink: String,
        /// The title the output would have had.
        summary: String,
        /// Why, for a person; never a URL, key or token.
        error: String,
    },
}

/// Sends [`SinkReport`]s to whoever subscribed ([`super::AlertService::subscribe_reports`]).
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct Reporter(broadcast::Sender<SinkReport>);

impl Reporter {
    /// A reporter whose reports go to `tx`.
    pub fn new(tx: broadcast::Sender<SinkReport>) -> Self {
        Self(tx)
    }

    /// Publishes one report; nobody listening is fine.
    pub fn report(&self, report: SinkReport) {
        let _ = self.0.send(report);
    }

    /// Every report from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SinkReport> {
        self.0.subscribe()
    }
}
