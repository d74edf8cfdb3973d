//! What the settings file says about an account, and the checks on what a user types.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::source::is_loopback;
use crate::{Error, Result};

/// Which panel software issued a key (from its prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelFlavor {
    /// Pterodactyl (`ptlc_` / `ptla_`, or an unprefixed key from before 1.x prefixes).
    Pterodactyl,
    /// Pelican (`pacc_` / `papp_`).
    Pelican,
}

impl PanelFlavor {
    /// The source kind that watches accounts of this panel software.
    pub fn kind_id(self) -> &'static str {
        match self {
            Self::Pterodactyl => crate::kinds::PTERODACTYL,
            Self::Pelican => crate::kinds::PELICAN,
        }
    }
}

/// Which API a key opens and for which panel, read from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// An account (client) key: what Aerie needs.
    Client(PanelFlavor),
    /// An application (admin) key: refused by `/api/client`.
    Application(PanelFlavor),
}

/// Reads a key's kind from its prefix, after checking it looks like a key at all. Error
/// messages never contain the key.
pub fn key_kind(key: &str) -> Result<KeyKind> {
    let bad = |reason: &str| Error::ApiKeyFormat {
        reason: reason.to_owned(),
    };
    if key.is_empty() {
        return Err(bad("it is empty"));
    }
    if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains spaces or line breaks"));
    }
    if !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(bad("it contains characters panel keys never have"));
    }
    if !(32..=256).contains(&key.len()) {
        return Err(bad(&format!(
            "it is {} characters long; panel keys are 48",
            key.len()
        )));
    }
    Ok(match key.get(..5) {
        Some("ptlc_") => KeyKind::Client(PanelFlavor::Pterodactyl),
        Some("ptla_") => KeyKind::Application(PanelFlavor::Pterodactyl),
        Some("pacc_") => KeyKind::Client(PanelFlavor::Pelican),
        Some("papp_") => KeyKind::Application(PanelFlavor::Pelican),
        // Keys made before prefixes existed are 48 plain characters.
        _ if key.len() == 48 && key.chars().all(|c| c.is_ascii_alphanumeric()) => {
            KeyKind::Client(PanelFlavor::Pterodactyl)
        }
        _ => return Err(bad("it does not start with ptlc_ or pacc_")),
    })
}

/// A fresh random account id (12 hex digits). Keys live in the keyring under this id, so an
/// id is only ever made here, never taken from a file a user was handed.
pub(crate) fn new_account_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..12].to_owned()
}

/// Refuses a plain `http://` panel address unless it is a loopback one: over http the API key
/// travels in clear text. Callers that have the user's explicit consent (the CLI's
/// `--allow-insecure`) skip this check.
pub fn require_tls(url: &str) -> Result<()> {
    let url = normalise_url(url)?;
    let parsed = url::Url::parse(&url).map_err(|e| Error::PanelUrl {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    if parsed.scheme() == "http" && !parsed.host_str().is_some_and(is_loopback) {
        return Err(Error::InsecurePanel { url });
    }
    Ok(())
}

/// Normalises a panel address to `scheme://host[:port]`: http(s) only, no path, query or
/// trailing slash. The result is also the `Origin` Wings expects.
pub fn normalise_url(input: &str) -> Result<String> {
    let trimmed = input.trim();
    // Never echo credentials typed into the address.
    let shown: String = if trimmed.contains('@') {
        "(address with credentials)".to_owned()
    } else {
        trimmed.chars().take(200).collect()
    };
    let bad = |reason: &str| Error::PanelUrl {
        url: shown.clone(),
        reason: reason.to_owned(),
    };
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        // People paste `panel.example.com`; https is the only sensible guess.
        format!("https://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("it must start with https:// (or http://)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("it must not contain a user name or password"));
    }
    let host = url.host_str().ok_or_else(|| bad("it has no host name"))?;
    Ok(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// Which of an account's servers to watch.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Watch {
    /// Every server the account can see, including new ones.
    #[default]
    All,
    /// Only the listed servers; new ones join when `include_new` is set.
    Selected {
        /// Server identifiers to watch.
        servers: BTreeSet<String>,
        /// Watch servers that appear after the selection was made.
        include_new: bool,
        /// Every server seen so far, so "new" can be told apart from "deselected".
        #[serde(default)]
        known: BTreeSet<String>,
    },
}

impl Watch {
    /// A selection of `servers` out of the `listed` ones the panel returned now.
    pub fn selected(servers: &[String], listed: &[String], include_new: bool) -> Self {
        Self::Selected {
            servers: servers.iter().cloned().collect(),
            include_new,
            known: listed.iter().chain(servers).cloned().collect(),
        }
    }

    /// Applies the policy to the panel's current list: returns the servers to watch, and
    /// whether the policy itself changed (new servers seen) so the caller saves it.
    pub fn resolve(&mut self, listed: &[String]) -> (Vec<String>, bool) {
        match self {
            Self::All => (listed.to_vec(), false),
            Self::Selected {
                servers,
                include_new,
                known,
            } => {
                let mut changed = false;
                for id in listed {
                    if known.insert(id.clone()) {
                        changed = true;
                        if *include_new {
                            servers.insert(id.clone());
                        }
                    }
                }
                let watch = listed
                    .iter()
                    .filter(|id| servers.contains(*id))
                    .cloned()
                    .collect();
                (watch, changed)
            }
        }
    }
}

/// One panel account as the settings file stores it. It never holds the key: that lives in
/// the OS keyring under [`AccountConfig::id`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountConfig {
    /// Stable id (also the keyring entry's user and the fleet's `ServerKey::panel`).
    pub id: String,
    /// Display name chosen by the user; unique.
    pub name: String,
    /// Normalised panel address (see [`normalise_url`]).
    pub url: String,
    /// Panel software, from the key prefix.
    pub flavor: PanelFlavor,
    /// The panel user name the key belongs to, as the panel reported it.
    #[serde(default)]
    pub username: String,
    /// All servers, or a selection that may or may not take in servers created later.
    #[serde(default)]
    pub watch: Watch,
    /// When the account was added, ms since the Unix epoch.
    #[serde(default)]
    pub added_at_ms: u64,
}

impl AccountConfig {
    /// How the fleet reaches this account with `key`: its kind, address and watch choice
    /// (including "also watch servers added later").
    pub fn fleet_access(&self, key: crate::secret::Secret) -> crate::fleet::PanelAccess {
        crate::fleet::PanelAccess::new(self.id.clone(), self.url.clone(), key)
            .of_kind(self.flavor.kind_id())
            .watching(&self.watch)
    }
}

/// Checks a loaded account list; on failure returns the offending id and a message.
pub(crate) fn validate_configs(
    accounts: &[AccountConfig],
) -> std::result::Result<(), (String, String)> {
    let mut ids = BTreeSet::new();
    let mut names = BTreeSet::new();
    for a in accounts {
        if a.id.trim().is_empty() {
            return Err((
                a.name.clone(),
                format!("account {:?} has an empty id", a.name),
            ));
        }
        if !ids.insert(a.id.as_str()) {
            return Err((
                a.id.clone(),
                format!("two accounts share the id {:?}", a.id),
            ));
        }
        if !names.insert(a.name.as_str()) {
            return Err((
                a.id.clone(),
                format!("two accounts share the name {:?}", a.name),
            ));
        }
        if let Err(e) = normalise_url(&a.url) {
            return Err((a.id.clone(), format!("account {:?}: {e}", a.name)));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::require_tls;
    use crate::source::{NodeTransport, node_transport};

    #[test]
    fn plain_http_is_refused_unless_it_stays_on_this_machine() {
        for ok in [
            "https://panel.example.com",
            "http://127.0.0.1:8080",
            "http://127.8.0.1",
            "http://localhost:3000/path",
            "http://[::1]:8080",
        ] {
            assert!(require_tls(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://panel.example.com",
            "http://10.0.0.5:8080",
            "http://[fd00::1]",
        ] {
            let err = require_tls(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(
                err.contains("unencrypted") && err.contains("--allow-insecure"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_ws_node_behind_an_https_panel_is_a_downgrade() {
        let https = "https://panel.example.com";
        let cases = [
            (
                https,
                "wss://node.example.com:8080/api/servers/x/ws",
                NodeTransport::Encrypted,
            ),
            (
                https,
                "ws://node.example.com:8080/api/servers/x/ws",
                NodeTransport::Downgraded,
            ),
            (
                https,
                "ws://127.0.0.1:8080/ws",
                NodeTransport::PlainAsAccepted,
            ),
            (
                "http://10.0.0.5",
                "ws://10.0.0.6:8080/ws",
                NodeTransport::PlainAsAccepted,
            ),
            (https, "not a url", NodeTransport::Downgraded),
        ];
        for (panel, node, want) in cases {
            assert_eq!(node_transport(panel, node), want, "{panel} -> {node}");
        }
    }

    use super::*;

    const K: &str = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";

    #[test]
    fn key_prefixes_tell_panel_and_kind_apart() {
        assert_eq!(
            key_kind(&format!("ptlc_{}", &K[..43])).ok(),
            Some(KeyKind::Client(PanelFlavor::Pterodactyl))
        );
        assert_eq!(
            key_kind(&format!("ptla_{}", &K[..43])).ok(),
            Some(KeyKind::Application(PanelFlavor::Pterodactyl))
        );
        assert_eq!(
            key_kind(&format!("pacc_{}", &K[..43])).ok(),
            Some(KeyKind::Client(PanelFlavor::Pelican))
        );
        assert_eq!(
            key_kind(&format!("papp_{}", &K[..43])).ok(),
            Some(KeyKind::Application(PanelFlavor::Pelican))
        );
        assert_eq!(
            key_kind(&format!("{K}xy")).ok(),
            Some(KeyKind::Client(PanelFlavor::Pterodactyl))
        );
    }

    #[test]
    fn malformed_keys_are_refused_without_echoing_them() {
        let pasted = format!("ptlc_{} \n", &K[..43]);
        let err = key_kind(&pasted)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("spaces or line breaks"), "{err}");
        assert!(!err.contains(&K[..20]), "the key must not appear: {err}");
        let err = key_kind("ptlc_short")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("characters long"), "{err}");
        assert!(key_kind(&format!("xyz_{}", &K[..44])).is_err());
    }

    #[test]
    fn urls_keep_only_scheme_host_and_port() {
        let n = |s: &str| normalise_url(s).ok();
        assert_eq!(
            n("https://Panel.Example.com/"),
            Some("https://panel.example.com".into())
        );
        assert_eq!(
            n(" https://panel.example.com/server/abc?x=1#y "),
            Some("https://panel.example.com".into())
        );
        assert_eq!(
            n("http://10.0.0.5:8080/"),
            Some("http://10.0.0.5:8080".into())
        );
        assert_eq!(
            n("https://panel.example.com:443"),
            Some("https://panel.example.com".into())
        );
        assert_eq!(
            n("panel.example.com"),
            Some("https://panel.example.com".into())
        );
        assert_eq!(n("ftp://panel.example.com"), None);
        let err = normalise_url("https://bob:hunter2@panel.example.com")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn a_selection_adds_new_servers_only_when_asked() {
        let listed = vec!["aaaa1111".to_string(), "bbbb2222".to_string()];
        let mut w = Watch::selected(&listed[..1], &listed, true);
        let now = vec![
            "aaaa1111".to_string(),
            "bbbb2222".to_string(),
            "cccc3333".to_string(),
        ];
        let (ids, changed) = w.resolve(&now);
        assert!(changed);
        assert_eq!(
            ids,
            vec!["aaaa1111".to_string(), "cccc3333".to_string()],
            "bbbb was deselected, cccc is new"
        );
        let mut strict = Watch::selected(&listed[..1], &listed, false);
        assert_eq!(strict.resolve(&now).0, vec!["aaaa1111".to_string()]);
        assert_eq!(Watch::All.resolve(&now).0.len(), 3);
    }
}
