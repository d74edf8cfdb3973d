//! The engine pieces this window talks to, opened for this run's profile.
//!
//! The user's own profile shares `aerie-core`'s OS directories (and so its accounts) with the
//! headless `aerie` CLI; a named instance or the demo keeps everything under its data directory
//! and its own keyring namespace.

use aerie_core::accounts::Accounts;
use aerie_core::secrets::KeyringStore;
use aerie_core::settings::{Paths, SettingsFile};
use std::path::Path;
use std::sync::Arc;

/// What commands reach through `State<Engine>`.
#[derive(Debug)]
pub struct Engine {
    /// Accounts: the list in the settings file, keys in the OS keyring.
    pub accounts: Accounts,
    /// Where the files are.
    pub paths: Paths,
}

impl Engine {
    /// Opens settings and the keyring. `data_dir` is `None` for the user's own profile.
    pub fn open(data_dir: Option<&Path>, keyring_service: &str) -> aerie_core::Result<Self> {
        let paths = match data_dir {
            Some(dir) => Paths::under(dir),
            None => Paths::from_env("aerie")?,
        };
        // Refuses the keyring crate's in-memory mock and reports a locked keyring as such.
        let secrets = Arc::new(KeyringStore::open(keyring_service)?);
        let accounts = Accounts::new(SettingsFile::at(&paths), secrets);
        tracing::info!(config = %paths.config_dir.display(), keyring = keyring_service, "engine opened");
        Ok(Self { accounts, paths })
    }

    /// The settings file.
    pub fn settings(&self) -> &SettingsFile {
        self.accounts.settings()
    }
}

/// The engine, or why it could not open (e.g. a locked keyring): the window still opens and
/// every command that needs the engine says why.
#[derive(Debug)]
pub struct EngineState(pub Result<Engine, String>);

impl EngineState {
    /// The engine, or an error the UI can show.
    pub fn get(&self) -> crate::error::Result<&Engine> {
        self.0
            .as_ref()
            .map_err(|e| crate::error::Error::Unavailable(e.clone()))
    }
}
