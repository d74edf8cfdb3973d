//! Which panels a fleet command talks to: `--panel URL --key-env VAR`, else the accounts
//! configured with `aerie panel add`.

use std::sync::Arc;

use aerie_core::accounts::Accounts;
use aerie_core::fleet::PanelAccess;
use aerie_core::secret::Secret;
use aerie_core::secrets::{self, KeyringStore};
use aerie_core::settings::{Paths, SettingsFile};
use aerie_core::source::{RateLimits, RemoteServer, Source};
use clap::Args;

/// Panel selection shared by the fleet commands.
#[derive(Debug, Args)]
pub struct PanelArgs {
    /// Panel base URL (instead of the configured accounts).
    #[arg(long, requires = "key_env")]
    pub panel: Option<String>,
    /// Name of the environment variable holding the client API key (never pass keys as
    /// arguments: they end up in shell history and process lists).
    #[arg(long, requires = "panel")]
    pub key_env: Option<String>,
    /// With --panel: accept a plain http:// panel on another machine (the key then crosses
    /// the network unencrypted). Not needed for http://localhost or 127.0.0.1.
    #[arg(long, requires = "panel")]
    pub allow_insecure: bool,
}

/// The panels to use, with their keys.
pub fn resolve(args: &PanelArgs) -> anyhow::Result<Vec<PanelAccess>> {
    if let (Some(url), Some(var)) = (&args.panel, &args.key_env) {
        if !args.allow_insecure {
            aerie_core::accounts::require_tls(url)?;
        }
        let key = std::env::var(var).map_err(|_| {
            anyhow::anyhow!(
                "environment variable {var} is not set; export the client API key in it"
            )
        })?;
        return Ok(vec![PanelAccess::new(
            "cli",
            url.clone(),
            Secret::new(key.trim()),
        )]);
    }
    let settings = SettingsFile::at(&Paths::from_env("aerie")?);
    let keyring = KeyringStore::open(&secrets::service_from_env(secrets::SERVICE))?;
    let accounts = Accounts::new(settings, Arc::new(keyring));
    let list = accounts.list()?;
    if list.is_empty() {
        anyhow::bail!(
            "no panel configured. Add one with `aerie panel add`, or pass --panel URL --key-env VAR (try `aerie demo` to see Aerie on a simulator)"
        );
    }
    list.into_iter()
        .map(|a| {
            let key = accounts.key(&a.id)?;
            // The account's kind and "watched servers" choice apply here as in the desktop app.
            Ok(a.fleet_access(key))
        })
        .collect()
}

/// A panel found to serve a server: how to watch it, its source, and the server.
pub struct Located {
    /// The account, for watching through a fleet.
    pub access: PanelAccess,
    /// The account opened through its source kind, for power and commands.
    pub source: Arc<dyn Source>,
    /// The server as the account lists it.
    pub server: RemoteServer,
}

/// Finds which panel serves `server` (identifier or uuid), asking each account's source kind.
pub async fn locate(args: &PanelArgs, server: &str) -> anyhow::Result<Located> {
    let kinds = aerie_core::kinds::builtin();
    for access in resolve(args)? {
        let source = access.open(&kinds, RateLimits::default())?;
        let found = source
            .list_servers()
            .await?
            .into_iter()
            .find(|s| s.identifier == server || s.uuid == server);
        if let Some(server) = found {
            return Ok(Located {
                access,
                source,
                server,
            });
        }
    }
    anyhow::bail!("no configured panel has a server {server:?}; list servers with `aerie watch`")
}
