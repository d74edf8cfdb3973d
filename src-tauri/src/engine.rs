//! The engine pieces this window talks to, opened for this run's profile.
//!
//! The user's own profile shares `aerie-core`'s OS directories (and so its accounts) with the
//! headless `aerie` CLI; a named instance or the demo keeps everything under its data directory
//! and its own keyring namespace.

use aerie_core::accounts::{AccountConfig, Accounts};
use aerie_core::event::ServerKey;
use aerie_core::fleet::{Fleet, FleetConfig};
use aerie_core::notify::webhook::{WebhookOptions, Webhooks};
use aerie_core::secrets::{KeyringStore, SecretStore};
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
    /// One live socket per watched server.
    pub fleet: Fleet,
    /// Webhook sinks: the list in the settings file, URLs in the OS keyring.
    pub webhooks: Webhooks,
    /// Alerts, notifications and the history store on the fleet's events.
    pub alerting: Arc<crate::alerting::Alerting>,
    /// Notification clicks ("open this server"), taken once by the shell.
    pub clicks: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<ServerKey>>>,
}

impl Engine {
    /// Opens settings and the keyring and starts an empty fleet (inside a tokio runtime).
    /// `data_dir` is `None` for the user's own profile.
    pub fn open(data_dir: Option<&Path>, keyring_service: &str) -> aerie_core::Result<Self> {
        let paths = match data_dir {
            Some(dir) => Paths::under(dir),
            None => Paths::from_env("aerie")?,
        };
        // Refuses the keyring crate's in-memory mock and reports a locked keyring as such.
        let secrets: Arc<dyn SecretStore> = Arc::new(KeyringStore::open(keyring_service)?);
        let accounts = Accounts::new(SettingsFile::at(&paths), Arc::clone(&secrets));
        let webhooks = Webhooks::new(SettingsFile::at(&paths), secrets);
        tracing::info!(config = %paths.config_dir.display(), keyring = keyring_service, "engine opened");
        let fleet = Fleet::start(FleetConfig::default());
        let settings = accounts.settings().load()?;
        fleet.set_trust(settings.node_trust());
        let ui = crate::commands::settings::to_dto(&settings);
        let mut rules = crate::alerting::core_rules(&ui.alerts, &ui.quiet_hours);
        for key in crate::commands::settings::muted_servers(&settings) {
            rules.set_muted(&key, true);
        }
        // Sinks added while the app runs (from the CLI) start with the next launch.
        let sinks = webhooks
            .sinks(&WebhookOptions::default())
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "webhook sinks not started");
                Vec::new()
            })
            .into_iter()
            .map(|s| s as Arc<dyn aerie_core::alerts::Sink>)
            .collect();
        let (alerting, clicks) = crate::alerting::Alerting::start(
            &fleet,
            &settings,
            rules,
            &paths.database_file(),
            sinks,
        );
        let alerting = Arc::new(alerting);
        alerting.follow_outputs();
        Ok(Self {
            accounts,
            paths,
            fleet,
            webhooks,
            alerting,
            clicks: std::sync::Mutex::new(clicks),
        })
    }

    /// Starts watching an account's servers; returns how many.
    pub async fn watch(&self, config: &AccountConfig) -> aerie_core::Result<usize> {
        let key = self.accounts.key(&config.id)?;
        let n = self.fleet.add_panel(config.fleet_access(key)).await?;
        tracing::info!(account = %config.id, servers = n, "watching");
        Ok(n)
    }

    /// Starts watching every configured account; one failing account does not stop the rest.
    pub async fn watch_all(&self) {
        let accounts = match self.accounts.list() {
            Ok(list) => list,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the accounts");
                return;
            }
        };
        for config in accounts {
            if let Err(e) = self.watch(&config).await {
                tracing::warn!(account = %config.id, error = %e, "cannot watch this account");
            }
        }
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
