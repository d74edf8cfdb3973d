//! The one error type of `aerie-core`.
//!
//! Every variant carries a message a user can act on. No variant ever holds a secret: API keys
//! and tokens are redacted before they reach an error.

/// Everything that can go wrong inside the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A local I/O failure (files, sockets before a protocol is involved).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias used throughout `aerie-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
