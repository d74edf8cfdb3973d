//! [`Accounts`]: the account list in the settings file plus the keys in a [`SecretStore`].

use std::sync::Arc;

use super::config::{AccountConfig, KeyKind, Watch, key_kind, new_account_id, normalise_url};
use super::validate::{PanelIdentity, check_key};
use crate::panel::{PanelClient, RateLimits, Secret};
use crate::secrets::SecretStore;
use crate::settings::SettingsFile;
use crate::{Error, Result};

/// Longest display name.
const MAX_NAME: usize = 64;

/// An account with whether its key is in the keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStatus {
    /// The account as stored in the settings file.
    pub config: AccountConfig,
    /// Whether the keyring holds its key (imported accounts have none until re-keyed).
    pub has_key: bool,
}

/// Panel accounts: what the settings file says plus the keys in the keyring. Every change is
/// saved at once (atomically); a key is saved only after the panel accepted it.
pub struct Accounts {
    settings: SettingsFile,
    secrets: Arc<dyn SecretStore>,
}

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn clean_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::AccountNameInvalid("the name is empty".into()));
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(Error::AccountNameInvalid(format!(
            "use at most {MAX_NAME} characters and no line breaks"
        )));
    }
    Ok(name.to_owned())
}

/// Refuses application keys and garbage before any network traffic.
fn check_format(key: &Secret) -> Result<()> {
    match key_kind(key.expose())? {
        KeyKind::Client(_) => Ok(()),
        KeyKind::Application(_) => Err(Error::WrongKeyType),
    }
}

fn find<'a>(accounts: &'a [AccountConfig], id_or_name: &str) -> Result<&'a AccountConfig> {
    accounts
        .iter()
        .find(|a| a.id == id_or_name)
        .or_else(|| accounts.iter().find(|a| a.name == id_or_name))
        .ok_or_else(|| Error::AccountNotFound(id_or_name.chars().take(80).collect()))
}

impl Accounts {
    /// Accounts stored in `settings`, keys in `secrets`.
    pub fn new(settings: SettingsFile, secrets: Arc<dyn SecretStore>) -> Self {
        Self { settings, secrets }
    }

    /// The settings file behind these accounts.
    pub fn settings(&self) -> &SettingsFile {
        &self.settings
    }

    /// Every account, in the order they were added.
    pub fn list(&self) -> Result<Vec<AccountConfig>> {
        Ok(self.settings.load()?.accounts)
    }

    /// Every account with whether its key is present.
    pub fn status(&self) -> Result<Vec<AccountStatus>> {
        self.list()?
            .into_iter()
            .map(|config| {
                let has_key = self.secrets.get(&config.id)?.is_some();
                Ok(AccountStatus { config, has_key })
            })
            .collect()
    }

    /// One account by id or name.
    pub fn get(&self, id_or_name: &str) -> Result<AccountConfig> {
        find(&self.list()?, id_or_name).cloned()
    }

    /// Adds an account after the panel accepted the key. `url` is normalised; the key must
    /// be a client key. The same key cannot be added twice; several accounts (different keys)
    /// on one panel are fine. A plain `http://` panel on another machine is refused
    /// ([`Error::InsecurePanel`]): see [`Self::add_insecure`].
    pub async fn add(&self, name: &str, url: &str, key: Secret) -> Result<AccountConfig> {
        super::config::require_tls(url)?;
        self.add_insecure(name, url, key).await
    }

    /// [`Self::add`] that also takes a plain `http://` panel on another machine. Only for a
    /// user who asked for it (the CLI's `--allow-insecure`): the key travels unencrypted.
    pub async fn add_insecure(&self, name: &str, url: &str, key: Secret) -> Result<AccountConfig> {
        let name = clean_name(name)?;
        let url = normalise_url(url)?;
        check_format(&key)?;
        let flavor = match key_kind(key.expose())? {
            KeyKind::Client(f) | KeyKind::Application(f) => f,
        };
        let existing = self.list()?;
        if existing.iter().any(|a| a.name == name) {
            return Err(Error::AccountNameTaken(name));
        }
        for a in existing.iter().filter(|a| a.url == url) {
            if self.secrets.get(&a.id)?.as_ref() == Some(&key) {
                return Err(Error::AccountDuplicate(a.name.clone()));
            }
        }
        let who = check_key(&url, &key).await?;
        let config = AccountConfig {
            id: new_account_id(),
            name,
            url,
            flavor,
            username: who.username,
            watch: Watch::All,
            added_at_ms: crate::clock::now_ms(),
        };
        self.secrets.set(&config.id, &key)?;
        let saved = self.settings.update(|s| {
            if s.accounts.iter().any(|a| a.name == config.name) {
                return Err(Error::AccountNameTaken(config.name.clone()));
            }
            s.accounts.push(config.clone());
            Ok(())
        });
        if let Err(e) = saved {
            // Do not leave an orphan key behind an account that was never saved.
            if let Err(cleanup) = self.secrets.delete(&config.id) {
                tracing::warn!(error = %cleanup, "could not delete the key of an account that failed to save");
            }
            return Err(e);
        }
        tracing::info!(account = %config.id, panel = %config.url, "account added");
        Ok(config)
    }

    /// Renames an account.
    pub fn rename(&self, id_or_name: &str, new_name: &str) -> Result<AccountConfig> {
        let new_name = clean_name(new_name)?;
        self.settings.update(|s| {
            let id = find(&s.accounts, id_or_name)?.id.clone();
            if s.accounts.iter().any(|a| a.name == new_name && a.id != id) {
                return Err(Error::AccountNameTaken(new_name.clone()));
            }
            let a = s
                .accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| Error::AccountNotFound(id.clone()))?;
            a.name = new_name.clone();
            Ok(a.clone())
        })
    }

    /// Replaces an account's key after the panel accepted the new one.
    pub async fn rekey(&self, id_or_name: &str, key: Secret) -> Result<AccountConfig> {
        check_format(&key)?;
        let account = self.get(id_or_name)?;
        let who = check_key(&account.url, &key).await?;
        self.secrets.set(&account.id, &key)?;
        let id = account.id.clone();
        self.settings.update(|s| {
            let a = s
                .accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| Error::AccountNotFound(id.clone()))?;
            a.username = who.username.clone();
            Ok(a.clone())
        })
    }

    /// Removes an account and deletes its key. The key goes first: if the keyring refuses,
    /// nothing changes and the user can retry.
    pub fn remove(&self, id_or_name: &str) -> Result<AccountConfig> {
        let account = self.get(id_or_name)?;
        self.secrets.delete(&account.id)?;
        self.settings.update(|s| {
            s.accounts.retain(|a| a.id != account.id);
            Ok(())
        })?;
        tracing::info!(account = %account.id, "account removed");
        Ok(account)
    }

    /// Sets which servers of an account to watch.
    pub fn set_watch(&self, id_or_name: &str, watch: Watch) -> Result<AccountConfig> {
        self.settings.update(|s| {
            let id = find(&s.accounts, id_or_name)?.id.clone();
            let a = s
                .accounts
                .iter_mut()
                .find(|a| a.id == id)
                .ok_or_else(|| Error::AccountNotFound(id.clone()))?;
            a.watch = watch;
            Ok(a.clone())
        })
    }

    /// An account's key, or [`Error::SecretMissing`].
    pub fn key(&self, id_or_name: &str) -> Result<Secret> {
        let account = self.get(id_or_name)?;
        self.secrets.get(&account.id)?.ok_or(Error::SecretMissing {
            account: account.name,
        })
    }

    /// A panel client for an account.
    pub fn client(&self, id_or_name: &str, limits: RateLimits) -> Result<PanelClient> {
        let account = self.get(id_or_name)?;
        let key = self.key(&account.id)?;
        PanelClient::new(&account.url, key, limits)
    }

    /// Checks that an account's key still works.
    pub async fn test(&self, id_or_name: &str) -> Result<PanelIdentity> {
        let account = self.get(id_or_name)?;
        let key = self.key(&account.id)?;
        check_key(&account.url, &key).await
    }
}
