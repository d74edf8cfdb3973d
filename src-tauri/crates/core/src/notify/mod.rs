//! Desktop notifications for alerts: what they say ([`compose`]) and showing them
//! ([`DesktopNotifier`]), with a chart image and a click that opens the server.

mod compose;
mod desktop;

pub use compose::{DesktopNotification, Urgency, compose};
pub use desktop::DesktopNotifier;
