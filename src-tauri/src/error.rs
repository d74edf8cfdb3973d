//! The one error type every command returns.
//!
//! It crosses into the webview as [`IpcError`] `{ kind, message, field? }`: `kind` is a stable
//! snake_case code the UI switches on, `message` is for a person, `field` names the form field
//! at fault. Messages never carry a secret: engine errors are redacted at the source, and this
//! layer adds none.

use serde::Serialize;
use ts_rs::TS;

/// What went wrong, as the UI sees it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input from the UI was malformed or out of range.
    #[error("{message}")]
    InvalidInput {
        /// For a person.
        message: String,
        /// The form field at fault, if any.
        field: Option<&'static str>,
    },
    /// The thing asked for does not exist (unknown server, subscription, account).
    #[error("{0}")]
    NotFound(String),
    /// An engine piece this command needs has not landed in this build yet.
    #[error("{0} is not available in this build yet")]
    NotAvailable(&'static str),
    /// The engine could not start (e.g. the OS keyring is locked); the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    /// The engine refused or failed; the message comes from `aerie-core` and is redacted.
    #[error(transparent)]
    Engine(#[from] aerie_core::Error),
    /// The desktop layer itself failed (window, tray, plugin).
    #[error("{0}")]
    Desktop(String),
}

impl Error {
    /// A malformed input in form field `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
            field: Some(field),
        }
    }

    /// The stable code the UI switches on, and the form field at fault.
    pub fn code(&self) -> (&'static str, Option<&'static str>) {
        use aerie_core::Error as E;
        match self {
            Self::InvalidInput { field, .. } => ("invalid_input", *field),
            Self::NotFound(_) => ("not_found", None),
            Self::NotAvailable(_) => ("not_available", None),
            Self::Unavailable(_) => ("unavailable", None),
            Self::Desktop(_) => ("desktop", None),
            Self::Engine(e) => match e {
                E::PanelUrl { .. } => ("invalid_url", Some("url")),
                E::InsecurePanel { .. } => ("insecure_url", Some("url")),
                E::NotAPanel { .. } => ("not_a_panel", Some("url")),
                E::ApiKeyFormat { .. } => ("invalid_key", Some("key")),
                E::WrongKeyType => ("wrong_key_type", Some("key")),
                E::KeyRejected => ("unauthorized", Some("key")),
                E::AccountDuplicate(_) => ("duplicate_key", Some("key")),
                E::AccountNameInvalid(_) | E::AccountNameTaken(_) => ("invalid_name", Some("name")),
                E::AccountNotFound(_) | E::ServerNotFound { .. } => ("not_found", None),
                E::KeyringLocked
                | E::KeyringUnavailable { .. }
                | E::KeyringMock
                | E::Keyring { .. }
                | E::SecretMissing { .. } => ("keyring", None),
                E::PermissionDenied { .. } => ("permission_denied", None),
                E::RateLimited { .. } | E::ActionRateLimited { .. } => ("rate_limited", None),
                _ => ("engine", None),
            },
        }
    }
}

impl From<tauri::Error> for Error {
    fn from(e: tauri::Error) -> Self {
        Self::Desktop(e.to_string())
    }
}

/// The serialized form of [`Error`]: what a rejected `invoke` gives the UI.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    /// Stable code, e.g. `invalid_url`, `unauthorized`, `keyring`, `not_available`.
    pub kind: String,
    /// For a person.
    pub message: String,
    /// The form field at fault (`name`, `url`, `key`), when there is one.
    #[ts(optional = nullable)]
    pub field: Option<String>,
}

impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (kind, field) = self.code();
        IpcError {
            kind: kind.to_string(),
            message: self.to_string(),
            field: field.map(str::to_string),
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

    #[test]
    fn engine_errors_name_the_form_field() {
        let v = serde_json::to_value(Error::Engine(aerie_core::Error::KeyRejected))
            .expect("serializes");
        assert_eq!(v["kind"], "unauthorized");
        assert_eq!(v["field"], "key");
    }
}
