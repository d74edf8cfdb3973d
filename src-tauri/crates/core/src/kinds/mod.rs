//! The source kinds Aerie ships, each behind the seam in [`crate::source`].
//!
//! Adding a kind: a module here implementing [`crate::source::SourceKind`] and
//! [`crate::source::Source`], a protocol session in `protocol/` implementing
//! [`crate::source::Session`], and one line in [`builtin`]. Nothing in `fleet`, `alerts`,
//! `store` or the front ends changes (`docs/ARCHITECTURE.md`, "Adding a source kind").

mod pterodactyl;

use std::sync::Arc;

pub use pterodactyl::{PELICAN, PTERODACTYL, WingsPanel};

use crate::source::Registry;

/// Every kind this build of Aerie can watch.
pub fn builtin() -> Registry {
    let mut r = Registry::new();
    r.register(Arc::new(WingsPanel::pterodactyl()));
    r.register(Arc::new(WingsPanel::pelican()));
    r
}
