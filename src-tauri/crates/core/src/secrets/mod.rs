//! Where API keys live: the OS keyring (and an in-memory store for unit tests of other code).
//!
//! [`KeyringStore`] uses the keyring crate's native store of each OS: Keychain on macOS,
//! Credential Manager on Windows, the Secret Service (gnome-keyring, KWallet) on Linux. It
//! refuses to start on the crate's silent in-memory mock and reports a locked or missing
//! keyring as such, so the caller can offer "unlock and retry". There is no file fallback.
//!
//! Entries are `(service, account id)`. The service is [`SERVICE`] normally and
//! [`DEMO_SERVICE`] for the demo, so the demo never reads or writes a real account's key.

mod keyring_store;
mod memory;

pub use keyring_store::KeyringStore;
pub use memory::MemoryStore;

use crate::Result;
pub use crate::secret::Secret;

/// Keyring service of the real app.
pub const SERVICE: &str = "aerie";
/// Keyring service of the demo.
pub const DEMO_SERVICE: &str = "aerie-demo";
/// Environment variable overriding the service (tests use a unique one per run).
pub const SERVICE_ENV: &str = "AERIE_KEYRING_SERVICE";

/// The service name to use: `$AERIE_KEYRING_SERVICE` when set, else `default`.
pub fn service_from_env(default: &str) -> String {
    std::env::var(SERVICE_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// A place to keep one secret per account id.
pub trait SecretStore: Send + Sync {
    /// Stores (or replaces) the secret of `account`.
    fn set(&self, account: &str, secret: &Secret) -> Result<()>;
    /// The secret of `account`, or `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<Secret>>;
    /// Deletes the secret of `account`; deleting a missing one is not an error.
    fn delete(&self, account: &str) -> Result<()>;
}
