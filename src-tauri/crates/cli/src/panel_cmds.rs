//! `aerie panel ...`, `aerie export`, `aerie import`: accounts and settings.
//!
//! Files live in the OS directories, or under `$AERIE_HOME` when set; keys live in the OS
//! keyring under the service `aerie` (or `$AERIE_KEYRING_SERVICE`). A key is never taken from
//! a command-line argument (shell history, `ps`): it comes from `--key-env VAR` or stdin.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use aerie_core::accounts::{self, AccountStatus, Accounts, Watch};
use aerie_core::secrets::{self, KeyringStore, Secret};
use aerie_core::settings::{Paths, SettingsFile};
use anyhow::Context;
use clap::{Args, Subcommand};

/// `aerie panel` subcommands.
#[derive(Debug, Subcommand)]
pub enum PanelCommand {
    /// Add a panel account (the key is read from an environment variable or stdin).
    Add(AddArgs),
    /// List configured accounts.
    List(ListArgs),
    /// Check that an account's key still works.
    Test(AccountArg),
    /// Remove an account and delete its key from the OS keyring.
    Remove(AccountArg),
    /// Rename an account.
    Rename(RenameArgs),
    /// Replace an account's API key (read from an environment variable or stdin).
    Rekey(RekeyArgs),
    /// Choose which servers of an account to watch.
    Watch(WatchArgs),
}

/// Options of `aerie panel add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for this account, e.g. "My Pelican" or "Host XYZ".
    #[arg(long)]
    pub name: String,
    /// The panel's address, e.g. https://panel.example.com.
    #[arg(long)]
    pub url: String,
    /// Read the client API key from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
    /// Accept a plain http:// panel on another machine: the API key then crosses the network
    /// unencrypted. Not needed for http://localhost or 127.0.0.1.
    #[arg(long)]
    pub allow_insecure: bool,
}

/// Options of `aerie panel list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// An account, by name or id.
#[derive(Debug, Args)]
pub struct AccountArg {
    /// Account name or id (see `aerie panel list`).
    pub account: String,
}

/// Options of `aerie panel rename`.
#[derive(Debug, Args)]
pub struct RenameArgs {
    /// Account name or id.
    pub account: String,
    /// The new name.
    pub new_name: String,
}

/// Options of `aerie panel rekey`.
#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// Account name or id.
    pub account: String,
    /// Read the new key from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pub key_env: Option<String>,
}

/// Options of `aerie panel watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Account name or id.
    pub account: String,
    /// Watch every server, including new ones (the default).
    #[arg(long, conflicts_with = "servers")]
    pub all: bool,
    /// Watch only these server identifiers (comma separated).
    #[arg(long, value_delimiter = ',')]
    pub servers: Vec<String>,
    /// With --servers: also watch servers that appear later.
    #[arg(long, requires = "servers")]
    pub include_new: bool,
}

/// Options of `aerie export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the export.
    pub file: PathBuf,
}

/// Options of `aerie import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file to read.
    pub file: PathBuf,
}

pub(crate) fn paths() -> anyhow::Result<Paths> {
    Ok(Paths::from_env("aerie")?)
}

/// Opens the OS keyring; when it is locked and a person is at the terminal, offers to retry.
pub(crate) fn keyring() -> anyhow::Result<KeyringStore> {
    let service = secrets::service_from_env(secrets::SERVICE);
    loop {
        match KeyringStore::open(&service) {
            Ok(k) => return Ok(k),
            Err(
                e @ (aerie_core::Error::KeyringLocked
                | aerie_core::Error::KeyringUnavailable { .. }),
            ) if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
                eprintln!("{e}");
                eprint!("Press Enter to retry, or Ctrl+C to give up: ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                if std::io::stdin().lock().read_line(&mut line)? == 0 {
                    return Err(e.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn accounts() -> anyhow::Result<Accounts> {
    let settings = SettingsFile::at(&paths()?);
    Ok(Accounts::new(settings, Arc::new(keyring()?)))
}

/// Reads a key from `$var`, or one line of stdin.
fn read_key(var: Option<&str>) -> anyhow::Result<Secret> {
    read_secret(
        var,
        "Paste the client API key (ptlc_… or pacc_…), then press Enter: ",
        "no API key given: pipe it on stdin or use --key-env VAR",
    )
}

/// Reads a secret from `$var`, or one line of stdin (after `prompt` when a person is at the
/// terminal); `missing` is the error for an empty one. Never from an argument: shell history
/// and `ps` would keep it.
pub(crate) fn read_secret(
    var: Option<&str>,
    prompt: &str,
    missing: &str,
) -> anyhow::Result<Secret> {
    let raw = match var {
        Some(var) => std::env::var(var)
            .with_context(|| format!("environment variable {var} is not set (or not UTF-8)"))?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("{prompt}");
                let _ = std::io::stderr().flush();
            }
            let mut line = String::new();
            stdin.lock().read_line(&mut line).context("reading stdin")?;
            line
        }
    };
    // Trailing newlines and spaces come from pasting and `echo`; secrets have none.
    let secret = raw.trim();
    anyhow::ensure!(!secret.is_empty(), "{missing}");
    Ok(Secret::new(secret))
}

fn watch_text(w: &Watch) -> String {
    match w {
        Watch::All => "all".into(),
        Watch::Selected {
            servers,
            include_new,
            ..
        } => format!(
            "{} selected{}",
            servers.len(),
            if *include_new { " + new" } else { "" }
        ),
    }
}

fn print_list(list: &[AccountStatus], json: bool) -> anyhow::Result<()> {
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.config.id,
                    "name": s.config.name,
                    "url": s.config.url,
                    "flavor": s.config.flavor,
                    "username": s.config.username,
                    "has_key": s.has_key,
                    "watch": s.config.watch,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("No accounts yet. Add one with: aerie panel add --name NAME --url URL");
        return Ok(());
    }
    println!(
        "{:<12}  {:<20}  {:<32}  {:<16}  {:<8}  WATCH",
        "ID", "NAME", "PANEL", "USER", "KEY"
    );
    for s in list {
        println!(
            "{:<12}  {:<20}  {:<32}  {:<16}  {:<8}  {}",
            s.config.id,
            s.config.name,
            s.config.url,
            s.config.username,
            if s.has_key { "ok" } else { "MISSING" },
            watch_text(&s.config.watch)
        );
    }
    Ok(())
}

/// Runs `aerie panel ...`.
pub async fn panel(cmd: PanelCommand) -> anyhow::Result<()> {
    match cmd {
        PanelCommand::Add(a) => {
            let key = read_key(a.key_env.as_deref())?;
            let accounts = accounts()?;
            let added = if a.allow_insecure {
                accounts.add_insecure(&a.name, &a.url, key).await?
            } else {
                accounts.add(&a.name, &a.url, key).await?
            };
            println!(
                "Added {} ({}) on {} as {}",
                added.name, added.id, added.url, added.username
            );
        }
        PanelCommand::List(a) => print_list(&accounts()?.status()?, a.json)?,
        PanelCommand::Test(a) => {
            let who = accounts()?.test(&a.account).await?;
            println!(
                "OK: the key works; it belongs to {} <{}>{}",
                who.username,
                who.email,
                if who.admin { " (admin)" } else { "" }
            );
        }
        PanelCommand::Remove(a) => {
            let gone = accounts()?.remove(&a.account)?;
            println!(
                "Removed {} ({}) and deleted its key from the OS keyring",
                gone.name, gone.id
            );
        }
        PanelCommand::Rename(a) => {
            let renamed = accounts()?.rename(&a.account, &a.new_name)?;
            println!("Renamed {} to {}", renamed.id, renamed.name);
        }
        PanelCommand::Rekey(a) => {
            let key = read_key(a.key_env.as_deref())?;
            let updated = accounts()?.rekey(&a.account, key).await?;
            println!("Replaced the key of {} ({})", updated.name, updated.id);
        }
        PanelCommand::Watch(a) => {
            let accounts = accounts()?;
            let watch = if a.servers.is_empty() {
                Watch::All
            } else {
                let account = accounts.get(&a.account)?;
                // The current list tells "new" servers apart later; without it every server
                // the panel lists next time counts as new.
                let listed = match accounts.client(&account.id, Default::default()) {
                    Ok(client) => client
                        .list_servers()
                        .await
                        .map(|l| l.into_iter().map(|s| s.identifier).collect::<Vec<_>>()),
                    Err(e) => Err(e),
                };
                let listed = listed.unwrap_or_else(|e| {
                    eprintln!("warning: could not list the panel's servers ({e}); saving the selection anyway");
                    Vec::new()
                });
                Watch::selected(&a.servers, &listed, a.include_new)
            };
            let updated = accounts.set_watch(&a.account, watch)?;
            println!(
                "{} now watches {}",
                updated.name,
                watch_text(&updated.watch)
            );
        }
    }
    Ok(())
}

/// Runs `aerie export FILE`.
pub async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let settings = SettingsFile::at(&paths()?);
    let n = accounts::export(&settings, &args.file)?;
    println!(
        "Exported {n} account(s) and the settings to {} (no API keys: re-enter them after importing)",
        args.file.display()
    );
    Ok(())
}

/// Runs `aerie import FILE`.
pub async fn import(args: ImportArgs) -> anyhow::Result<()> {
    let settings = SettingsFile::at(&paths()?);
    let summary = accounts::import(&settings, &args.file)?;
    println!(
        "Imported {} account(s), {} already present; settings replaced",
        summary.added.len(),
        summary.skipped.len()
    );
    for name in &summary.added {
        println!("  {name}: needs its API key: aerie panel rekey \"{name}\"");
    }
    Ok(())
}
