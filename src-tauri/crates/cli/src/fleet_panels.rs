//! Which panels a fleet command talks to: `--panel URL --key-env VAR`, else the accounts
//! configured with `aerie panel add`.

use std::sync::Arc;

use aerie_core::accounts::Accounts;
use aerie_core::fleet::PanelAccess;
use aerie_core::panel::{PanelClient, RateLimits, RemoteServer, Secret};
use aerie_core::secrets::{self, KeyringStore};
use aerie_core::settings::{Paths, SettingsFile};
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
            // The account's "watched servers" choice applies here as in the desktop app.
            Ok(PanelAccess::new(a.id, a.url, key).watching(&a.watch))
        })
        .collect()
}

/// Finds which panel serves `server`; returns a client for it and the server.
pub async fn locate(args: &PanelArgs, server: &str) -> anyhow::Result<(PanelClient, RemoteServer)> {
    for p in resolve(args)? {
        let client = PanelClient::new(&p.base_url, p.api_key, RateLimits::default())?;
        let servers = client.list_servers().await?;
        if let Some(s) = servers
            .into_iter()
            .find(|s| s.identifier == server || s.uuid == server)
        {
            return Ok((client, s));
        }
    }
    anyhow::bail!("no configured panel has a server {server:?}; list servers with `aerie watch`")
}

/// The access entry for the panel serving `server`.
pub async fn access_for(args: &PanelArgs, server: &str) -> anyhow::Result<PanelAccess> {
    for p in resolve(args)? {
        let client = PanelClient::new(&p.base_url, p.api_key.clone(), RateLimits::default())?;
        if client
            .list_servers()
            .await?
            .iter()
            .any(|s| s.identifier == server || s.uuid == server)
        {
            return Ok(p);
        }
    }
    anyhow::bail!("no configured panel has a server {server:?}")
}
