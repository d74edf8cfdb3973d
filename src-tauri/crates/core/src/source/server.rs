//! What a source lists: the servers (or namespaces, or channels) an account can watch, and a
//! polled reading of one.

use crate::event::{Limits, PowerState, ServerInfo, Stats};

/// A server as a source lists it. For kinds that watch something other than a game server
/// (a jPulse namespace, a channel) it is the watched item; `identifier` goes into [`crate::event::ServerKey`].
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteServer {
    /// 8-character identifier (`uuidShort`).
    pub identifier: String,
    /// Full uuid (the Wings socket path needs it).
    pub uuid: String,
    /// Display name.
    pub name: String,
    /// Node name.
    pub node: String,
    /// Limits.
    pub limits: Limits,
    /// Panel-side status (`installing`, `suspended`, ...), `None` when normal.
    pub status: Option<String>,
    /// The user's permissions, when the endpoint returned them (`GET /servers/{id}`).
    pub permissions: Vec<String>,
}

impl RemoteServer {
    /// Converts to the event-level description.
    pub fn info(&self) -> ServerInfo {
        ServerInfo {
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            node: self.node.clone(),
            limits: self.limits,
            permissions: self.permissions.clone(),
            panel_status: self.status.clone(),
        }
    }

    /// Whether the panel says the server is suspended.
    pub fn is_suspended(&self) -> bool {
        self.status.as_deref() == Some("suspended")
    }
}

/// `GET /servers/{id}/resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    /// Power state (`stopped` maps to offline).
    pub state: PowerState,
    /// Whether the server is suspended.
    pub suspended: bool,
    /// Usage (no memory limit on this endpoint).
    pub stats: Stats,
}
