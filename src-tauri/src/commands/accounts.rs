//! Panels and accounts: list, test, add (the key goes to the OS keyring), update, remove (wipes
//! the key). The UI only ever learns whether a key is configured, never the key.

use crate::engine::EngineState;
use crate::error::{Error, Result};
use aerie_core::accounts::{AccountConfig, AccountStatus, PanelFlavor, Watch};
use aerie_core::panel::{PanelClient, RateLimits, Secret};
use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

/// What the account form sends. Its `Debug` shows whether a key was given, never the key.
#[derive(Clone, Deserialize, TS)]
pub struct AccountInput {
    /// Display name.
    pub name: String,
    /// Panel base URL.
    pub url: String,
    /// Client API key; `null` on edit keeps the stored one. Goes straight to the keyring.
    pub api_key: Option<String>,
    /// Server identifiers to watch; `null` watches all, including new ones.
    pub watched: Option<Vec<String>>,
}

impl std::fmt::Debug for AccountInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.api_key.as_ref().map(|_| "<redacted>");
        f.debug_struct("AccountInput")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("api_key", &key)
            .field("watched", &self.watched)
            .finish()
    }
}

/// The kind of panel behind an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    /// Pterodactyl.
    Pterodactyl,
    /// Pelican.
    Pelican,
}

impl From<PanelFlavor> for PanelKind {
    fn from(f: PanelFlavor) -> Self {
        match f {
            PanelFlavor::Pterodactyl => Self::Pterodactyl,
            PanelFlavor::Pelican => Self::Pelican,
        }
    }
}

/// An account as the UI lists it: no key, only whether one is stored.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountSummary {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Normalised panel URL.
    pub url: String,
    /// Panel software.
    pub kind: Option<PanelKind>,
    /// Whether the OS keyring holds this account's key.
    pub key_configured: bool,
    /// Panel user name.
    pub user: Option<String>,
    /// Watched server identifiers; `null` means all.
    pub watched: Option<Vec<String>>,
    /// Servers watched (when a selection is set; 0 with "all" until the fleet reports).
    pub server_count: u32,
    /// Last problem with this account, for a person.
    pub error: Option<String>,
}

/// A server the panel lists for an account.
#[derive(Debug, Clone, Serialize, TS)]
pub struct PanelServer {
    /// 8-character identifier.
    pub identifier: String,
    /// Display name.
    pub name: String,
    /// Node name.
    pub node: String,
}

/// The panel accepted the key: who it belongs to and what it can see.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AccountTest {
    /// Panel software.
    pub kind: PanelKind,
    /// Panel user name.
    pub user: String,
    /// Servers the key can see.
    pub servers: Vec<PanelServer>,
}

fn summary(config: AccountConfig, has_key: bool) -> AccountSummary {
    let watched = match &config.watch {
        Watch::All => None,
        Watch::Selected { servers, .. } => Some(servers.iter().cloned().collect::<Vec<_>>()),
    };
    AccountSummary {
        server_count: watched.as_ref().map_or(0, |w| w.len() as u32),
        id: config.id,
        name: config.name,
        url: config.url,
        kind: Some(config.flavor.into()),
        key_configured: has_key,
        user: (!config.username.is_empty()).then_some(config.username),
        watched,
        error: (!has_key).then(|| "no API key in the OS keyring: enter it again".to_string()),
    }
}

fn from_status(s: AccountStatus) -> AccountSummary {
    summary(s.config, s.has_key)
}

fn watch_for(watched: Option<Vec<String>>) -> Watch {
    match watched {
        None => Watch::All,
        Some(ids) => Watch::selected(&ids, &ids, false),
    }
}

fn key_of(input: &AccountInput) -> Result<Secret> {
    match input.api_key.as_deref().map(str::trim) {
        Some(k) if !k.is_empty() => Ok(Secret::new(k)),
        _ => Err(Error::invalid("key", "enter the panel's client API key")),
    }
}

async fn servers_of(client: &PanelClient) -> Result<Vec<PanelServer>> {
    Ok(client
        .list_servers()
        .await?
        .into_iter()
        .map(|s| PanelServer {
            identifier: s.identifier,
            name: s.name,
            node: s.node,
        })
        .collect())
}

/// Every account (never with keys).
#[tauri::command]
pub fn list_accounts(engine: State<'_, EngineState>) -> Result<Vec<AccountSummary>> {
    let accounts = &engine.get()?.accounts;
    Ok(accounts.status()?.into_iter().map(from_status).collect())
}

/// Validates the key against the panel and saves the account; the key goes to the keyring.
#[tauri::command]
pub async fn add_account(
    engine: State<'_, EngineState>,
    input: AccountInput,
) -> Result<AccountSummary> {
    let accounts = &engine.get()?.accounts;
    let key = key_of(&input)?;
    let mut config = accounts.add(&input.name, &input.url, key).await?;
    if input.watched.is_some() {
        config = accounts.set_watch(&config.id, watch_for(input.watched))?;
    }
    tracing::info!(account = %config.id, "account added from the UI");
    let watching = engine.get()?.watch(&config).await;
    let mut out = summary(config, true);
    match watching {
        Ok(n) => out.server_count = n as u32,
        Err(e) => out.error = Some(e.to_string()),
    }
    Ok(out)
}

/// Edits an account: name, key (when given), watched servers.
#[tauri::command]
pub async fn update_account(
    engine: State<'_, EngineState>,
    id: String,
    input: AccountInput,
) -> Result<AccountSummary> {
    let accounts = &engine.get()?.accounts;
    let current = accounts.get(&id)?;
    if input.url.trim() != current.url && !input.url.trim().is_empty() {
        let same = aerie_core::accounts::normalise_url(&input.url)? == current.url;
        if !same {
            return Err(Error::invalid(
                "url",
                "the panel address of an account cannot change; add a new account instead",
            ));
        }
    }
    if input.name.trim() != current.name {
        accounts.rename(&id, &input.name)?;
    }
    if input
        .api_key
        .as_deref()
        .is_some_and(|k| !k.trim().is_empty())
    {
        accounts.rekey(&id, key_of(&input)?).await?;
    }
    let config = accounts.set_watch(&id, watch_for(input.watched))?;
    Ok(summary(config, true))
}

/// Removes an account, stops its sockets and wipes its key from the keyring.
#[tauri::command]
pub async fn remove_account(engine: State<'_, EngineState>, id: String) -> Result<()> {
    let engine = engine.get()?;
    let removed = engine.accounts.remove(&id)?;
    engine.fleet.remove_panel(&removed.id).await;
    tracing::info!(account = %removed.id, "account removed from the UI");
    Ok(())
}

/// Checks URL + key against the panel without saving and lists what the key can see. With
/// `id` and no `input` (or no key in it), re-checks the saved account with its stored key:
/// the Accounts view's Test button sends only the id.
#[tauri::command]
pub async fn test_account(
    engine: State<'_, EngineState>,
    input: Option<AccountInput>,
    id: Option<String>,
) -> Result<AccountTest> {
    let accounts = &engine.get()?.accounts;
    let new_key = input
        .as_ref()
        .and_then(|i| i.api_key.as_deref())
        .map(str::trim)
        .filter(|k| !k.is_empty());
    let (client, kind) = match (&id, new_key, &input) {
        (Some(id), None, _) => (
            accounts.client(id, RateLimits::default())?,
            accounts.get(id)?.flavor.into(),
        ),
        (_, Some(key), Some(input)) => {
            let kind = match aerie_core::accounts::key_kind(key)? {
                aerie_core::accounts::KeyKind::Client(f) => f.into(),
                aerie_core::accounts::KeyKind::Application(_) => {
                    return Err(aerie_core::Error::WrongKeyType.into());
                }
            };
            let url = aerie_core::accounts::normalise_url(&input.url)?;
            // Testing sends the key too: the same refusal as adding.
            aerie_core::accounts::require_tls(&url)?;
            (
                PanelClient::new(&url, key_of(input)?, RateLimits::default())?,
                kind,
            )
        }
        _ => return Err(Error::invalid("key", "enter the panel's client API key")),
    };
    let who = client.account().await?;
    Ok(AccountTest {
        kind,
        user: who.username,
        servers: servers_of(&client).await?,
    })
}

/// Servers the panel lists for a saved account (to choose what to watch).
#[tauri::command]
pub async fn list_account_servers(
    engine: State<'_, EngineState>,
    id: String,
) -> Result<Vec<PanelServer>> {
    let client = engine.get()?.accounts.client(&id, RateLimits::default())?;
    servers_of(&client).await
}

#[cfg(test)]
mod tests {
    use super::AccountInput;

    #[test]
    fn debug_output_never_shows_the_key() {
        let key = "ptlc_0000000000S3cr3tPart000000000000000000000";
        let input = AccountInput {
            name: "Home".into(),
            url: "https://panel.example.com".into(),
            api_key: Some(key.into()),
            watched: None,
        };
        let shown = format!("{input:?} {input:#?}");
        assert!(!shown.contains(key), "{shown}");
        assert!(!shown.contains("S3cr3t"), "{shown}");
        assert!(
            shown.contains("Home") && shown.contains("<redacted>"),
            "{shown}"
        );
    }
}
