//! The one error type every command returns.
//!
//! It crosses into the webview as `{ kind, message }`: `kind` is a stable snake_case code the UI
//! switches on, `message` is for a person. Messages never carry a secret: engine errors are
//! already redacted, and this layer adds none.

use serde::Serialize;
use ts_rs::TS;

/// What went wrong, as the UI sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input from the UI was malformed or out of range.
    #[error("{0}")]
    InvalidInput(String),
    /// The thing asked for does not exist (unknown server, subscription, account).
    #[error("{0}")]
    NotFound(String),
    /// An engine piece this command needs has not landed in this build yet.
    #[error("{0} is not available in this build yet")]
    NotAvailable(&'static str),
    /// The engine refused or failed; the message comes from `aerie-core` and is redacted.
    #[error(transparent)]
    Engine(#[from] aerie_core::Error),
    /// The desktop layer itself failed (window, tray, plugin).
    #[error("{0}")]
    Desktop(String),
}

impl Error {
    /// The stable code the UI switches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidInput(_) => ErrorKind::InvalidInput,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::NotAvailable(_) => ErrorKind::NotAvailable,
            Self::Engine(_) => ErrorKind::Engine,
            Self::Desktop(_) => ErrorKind::Desktop,
        }
    }
}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Self {
        Self::Desktop(e.to_string())
    }
}

/// Stable error codes, mirrored in TypeScript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// See [`Error::InvalidInput`].
    InvalidInput,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::NotAvailable`].
    NotAvailable,
    /// See [`Error::Engine`].
    Engine,
    /// See [`Error::Desktop`].
    Desktop,
}

/// The serialized form of [`Error`]: what a rejected `invoke` gives the UI.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CommandError {
    /// Stable code.
    pub kind: ErrorKind,
    /// For a person.
    pub message: String,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CommandError {
            kind: self.kind(),
            message: self.to_string(),
        }
        .serialize(s)
    }
}

/// Result alias for commands.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_kind_and_message_never_a_bare_string() {
        let v = serde_json::to_value(Error::NotAvailable("the fleet")).expect("serializes");
        assert_eq!(v["kind"], "not_available");
        assert_eq!(v["message"], "the fleet is not available in this build yet");
    }
}
