//! The one place an API key is checked against its panel before it is saved.

use crate::Result;
use crate::panel::{PanelClient, RateLimits, Secret};

/// Who a key belongs to, as the panel says (`GET /api/client/account`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelIdentity {
    /// Panel user name.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Whether the user is a panel admin.
    pub admin: bool,
}

/// Asks the panel at `url` whose `key` this is. Every failure is the panel client's typed
/// error (bad address, not a panel, wrong key type, revoked, 2FA, IP not allowed, ...).
pub(crate) async fn check_key(url: &str, key: &Secret) -> Result<PanelIdentity> {
    let client = PanelClient::new(url, key.clone(), RateLimits::default())?;
    let account = client.account().await?;
    Ok(PanelIdentity {
        username: account.username,
        email: account.email,
        admin: account.admin,
    })
}
