//! Delivering alerts: desktop notifications (what they say, [`compose`]; showing them,
//! [`DesktopNotifier`], with a chart image and a click that opens the server; as an alert sink,
//! [`DesktopSink`]) and webhooks ([`webhook`]).

mod compose;
mod desktop;
pub mod webhook;

pub use compose::{DesktopNotification, Urgency, compose};
pub use desktop::{DesktopNotifier, DesktopSink};
