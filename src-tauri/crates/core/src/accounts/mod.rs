//! Panels and accounts: add, validate, rename, re-key, remove, import/export without secrets.
//!
//! [`Accounts`] keeps the account list in the settings file and each key in a
//! [`crate::secrets::SecretStore`] under the account's id. A key is checked against its panel
//! (`GET /api/client/account`) before it is saved; application keys and malformed strings are
//! refused before any request. Panel addresses are normalised to `scheme://host[:port]`.

mod book;
mod config;
mod transfer;
mod validate;

pub use book::{AccountStatus, Accounts};
pub(crate) use config::validate_configs;
pub use config::{
    AccountConfig, KeyKind, PanelFlavor, Watch, key_kind, normalise_url, require_tls,
};
pub use transfer::{ImportSummary, export, import, parse_export};
pub use validate::PanelIdentity;
