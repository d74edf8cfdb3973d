//! Panels and accounts: list, add (key goes to the OS keyring), remove (wipes the key).

use crate::error::{Error, Result};
use serde::Deserialize;

/// What the UI sends to add an account. The key goes straight to the keyring.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    /// Display name.
    pub name: String,
    /// Panel base URL.
    pub url: String,
    /// Client API key (`ptlc_…`). Never sent back to the UI.
    pub key: String,
}

/// Every configured account (never the key: only whether one is stored).
#[tauri::command]
pub fn list_accounts() -> Result<Vec<serde_json::Value>> {
    Err(Error::NotAvailable("accounts (aerie-core::accounts)"))
}

/// Validates and adds an account.
#[tauri::command]
pub async fn add_account(account: NewAccount) -> Result<serde_json::Value> {
    let _ = account;
    Err(Error::NotAvailable("accounts (aerie-core::accounts)"))
}

/// Removes an account and wipes its key from the keyring.
#[tauri::command]
pub async fn remove_account(id: String) -> Result<()> {
    let _ = id;
    Err(Error::NotAvailable("accounts (aerie-core::accounts)"))
}
