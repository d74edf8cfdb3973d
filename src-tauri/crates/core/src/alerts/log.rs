//! The persistent alert history's seam.
//!
//! The alert service hands every output (notified or not) to an [`AlertLog`]; the SQLite
//! store implements it, so this module never touches a database.

use super::model::AlertOutput;
use crate::event::TimestampMs;

/// Where the alert service records what it decided.
pub trait AlertLog: Send + 'static {
    /// Records one output decided at `at` (ms since the Unix epoch). Errors are logged by the
    /// service and never stop alerting.
    fn record(&mut self, at: TimestampMs, output: &AlertOutput) -> crate::Result<()>;
}

/// Forwarding into a channel lets the store run on its own task.
impl AlertLog for tokio::sync::mpsc::UnboundedSender<(TimestampMs, AlertOutput)> {
    fn record(&mut self, at: TimestampMs, output: &AlertOutput) -> crate::Result<()> {
        self.send((at, output.clone()))
            .map_err(|_| crate::Error::AlertLogClosed)
    }
}
