//! What the Client API returns, decoded leniently: unknown fields are ignored and missing
//! optional fields default, because Pterodactyl 1.11, newer Pterodactyl and Pelican differ.

use serde::Deserialize;

use crate::event::{Limits, PowerState, Stats};
use crate::source::{RemoteServer, Resources};

/// The account behind a client API key (`GET /api/client/account`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Username.
    pub username: String,
    /// E-mail address.
    pub email: String,
    /// Whether the account is a (root) admin.
    pub admin: bool,
}

// ---- wire shapes ----

#[derive(Deserialize)]
pub(super) struct Item<T> {
    pub attributes: T,
    #[serde(default)]
    pub meta: Option<ItemMeta>,
}

#[derive(Deserialize, Default)]
pub(super) struct ItemMeta {
    #[serde(default)]
    pub user_permissions: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct List<T> {
    pub data: Vec<Item<T>>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

#[derive(Deserialize)]
pub(super) struct ListMeta {
    pub pagination: Option<Pagination>,
}

#[derive(Deserialize)]
pub(super) struct Pagination {
    #[serde(default)]
    pub current_page: u64,
    #[serde(default)]
    pub total_pages: u64,
}

#[derive(Deserialize)]
pub(super) struct ServerAttrs {
    #[serde(default)]
    pub server_owner: bool,
    pub identifier: String,
    pub uuid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub limits: LimitsAttrs,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub is_suspended: bool,
    #[serde(default)]
    pub is_installing: bool,
    #[serde(default)]
    pub is_transferring: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct LimitsAttrs {
    #[serde(default)]
    pub memory: Option<i64>,
    #[serde(default)]
    pub disk: Option<i64>,
    #[serde(default)]
    pub cpu: Option<i64>,
}

impl ServerAttrs {
    pub fn into_remote(self, mut permissions: Vec<String>) -> RemoteServer {
        // The list endpoint carries no permissions; an owner has all of them (`*`), which is
        // what the panel's `meta.user_permissions` would say. Subusers need `GET /servers/{id}`.
        if permissions.is_empty() && self.server_owner {
            permissions.push("*".to_owned());
        }
        let clamp = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok()).unwrap_or(0);
        let status = self.status.or_else(|| {
            if self.is_suspended {
                Some("suspended".into())
            } else if self.is_installing {
                Some("installing".into())
            } else if self.is_transferring {
                Some("transferring".into())
            } else {
                None
            }
        });
        RemoteServer {
            identifier: self.identifier,
            uuid: self.uuid,
            name: self.name,
            node: self.node,
            limits: Limits {
                memory_mib: clamp(self.limits.memory),
                disk_mib: clamp(self.limits.disk),
                cpu_percent: clamp(self.limits.cpu),
            },
            status,
            permissions,
        }
    }
}

#[derive(Deserialize)]
pub(super) struct AccountAttrs {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub root_admin: bool,
}

#[derive(Deserialize)]
pub(super) struct ResourcesAttrs {
    #[serde(default)]
    pub current_state: String,
    #[serde(default)]
    pub is_suspended: bool,
    #[serde(default)]
    pub resources: ResourceUsage,
}

#[derive(Deserialize, Default)]
pub(super) struct ResourceUsage {
    #[serde(default)]
    pub memory_bytes: f64,
    #[serde(default)]
    pub cpu_absolute: f64,
    #[serde(default)]
    pub disk_bytes: f64,
    #[serde(default)]
    pub network_rx_bytes: f64,
    #[serde(default)]
    pub network_tx_bytes: f64,
    #[serde(default)]
    pub uptime: f64,
}

impl ResourcesAttrs {
    pub fn into_resources(self) -> Resources {
        let u = |v: f64| {
            if v.is_finite() && v > 0.0 {
                v as u64
            } else {
                0
            }
        };
        let r = self.resources;
        Resources {
            state: PowerState::parse(&self.current_state).unwrap_or(PowerState::Offline),
            suspended: self.is_suspended,
            stats: Stats {
                memory_bytes: u(r.memory_bytes),
                memory_limit_bytes: 0,
                cpu_absolute: if r.cpu_absolute.is_finite() {
                    r.cpu_absolute.max(0.0)
                } else {
                    0.0
                },
                network_rx_bytes: u(r.network_rx_bytes),
                network_tx_bytes: u(r.network_tx_bytes),
                uptime_ms: u(r.uptime),
                disk_bytes: u(r.disk_bytes),
                disk_io: None,
            },
        }
    }
}

#[derive(Deserialize)]
pub(super) struct TokenEnvelope {
    pub data: TokenData,
}

#[derive(Deserialize)]
pub(super) struct TokenData {
    pub token: String,
    pub socket: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_flags_become_a_panel_status() {
        let a: ServerAttrs = serde_json::from_str(
            r#"{"server_owner":true,"identifier":"abcd1234","uuid":"u","is_suspended":true,"limits":{"memory":-1,"cpu":200}}"#,
        )
        .expect("parses");
        let r = a.into_remote(vec![]);
        assert!(r.is_suspended());
        assert_eq!(r.limits.cpu_percent, 200);
        assert_eq!(r.limits.memory_mib, 0);
        assert_eq!(r.permissions, ["*"], "owners get every permission");
    }
}
