//! Alerts to webhooks: Discord, ntfy, Slack-compatible and a generic JSON document.
//!
//! [`Webhooks`] keeps the list (settings file) and the URLs (OS keyring) and starts a
//! [`WebhookSink`] per webhook for the alert service. Each sink filters by severity, queues
//! with a bound (dropping the oldest), and delivers through an [`Endpoint`]: a timeout per
//! attempt, retries on 5xx, timeouts, refused connections and 429, none on other 4xx. A
//! webhook URL carries its token, so it is shown only as scheme and host.

mod book;
mod endpoint;
mod payload;
mod sink;

pub use book::{SinkStatus, TestOutcome, Webhooks};
pub use endpoint::{Endpoint, WebhookOptions, WebhookUrl};
pub use payload::{Body, Message, MessageEvent, body};
pub use sink::WebhookSink;
