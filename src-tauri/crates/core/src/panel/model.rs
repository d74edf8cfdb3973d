//! What the Client API returns, decoded leniently: unknown fields are ignored and missing
//! optional fields default, because Pterodactyl 1.11, newer Pterodactyl and Pelican differ.

use serde::Deserialize;

use super::secret::Secret;
use crate::event::{Limits, PowerState, ServerInfo, Stats};

/// A power action for `POST /servers/{id}/power` or the `set state` socket event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerSignal {
    /// Start the server.
    Start,
    /// Stop it with the egg's stop command.
    Stop,
    /// Stop, then start.
    Restart,
    /// Kill the process.
    Kill,
}

impl PowerSignal {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
            Self::Kill => "kill",
        }
    }

    /// The panel permission this signal needs (`kill` is covered by `control.stop`).
    pub fn permission(self) -> &'static str {
        match self {
            Self::Start => "control.start",
            Self::Stop | Self::Kill => "control.stop",
            Self::Restart => "control.restart",
        }
    }

    /// Whether this signal takes a running server down (so the next offline is not a crash).
    pub fn stops(self) -> bool {
        !matches!(self, Self::Start)
    }
}

impl std::str::FromStr for PowerSignal {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "start" => Ok(Self::Start),
            "stop" => Ok(Self::Stop),
            "restart" => Ok(Self::Restart),
            "kill" => Ok(Self::Kill),
            _ => Err(crate::Error::UnknownPowerSignal(
                s.chars().take(32).collect(),
            )),
        }
    }
}

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

/// A server as listed by the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteServer {
    /// 8-character identifier (`uuidShort`).
    pub identifier: String,
    /// Full uuid (the Wings socket path needs it).
    pub uuid: String,
    /// Display name.
    pub name: String,
    /// Node name.
    pub node: String,
    /// Limits.
    pub limits: Limits,
    /// Panel-side status (`installing`, `suspended`, ...), `None` when normal.
    pub status: Option<String>,
    /// The user's permissions, when the endpoint returned them (`GET /servers/{id}`).
    pub permissions: Vec<String>,
}

impl RemoteServer {
    /// Converts to the event-level description.
    pub fn info(&self) -> ServerInfo {
        ServerInfo {
            uuid: self.uuid.clone(),
            name: self.name.clone(),
            node: self.node.clone(),
            limits: self.limits,
            permissions: self.permissions.clone(),
            panel_status: self.status.clone(),
        }
    }

    /// Whether the panel says the server is suspended.
    pub fn is_suspended(&self) -> bool {
        self.status.as_deref() == Some("suspended")
    }
}

/// `GET /servers/{id}/resources`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resources {
    /// Power state (`stopped` maps to offline).
    pub state: PowerState,
    /// Whether the server is suspended.
    pub suspended: bool,
    /// Usage (no memory limit on this endpoint).
    pub stats: Stats,
}

/// A websocket credential from `GET /servers/{id}/websocket`.
#[derive(Clone)]
pub struct WsToken {
    /// The JWT (10 minutes on real panels).
    pub token: Secret,
    /// Socket URL (`wss://node:8080/api/servers/<uuid>/ws`).
    pub socket: String,
    /// The JWT's `exp` claim, Unix seconds, when it could be read.
    pub exp_secs: Option<u64>,
}

impl std::fmt::Debug for WsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsToken")
            .field("token", &self.token)
            .field("socket", &self.socket)
            .field("exp_secs", &self.exp_secs)
            .finish()
    }
}

impl WsToken {
    /// Builds a credential, reading `exp` from the JWT payload (without verifying it: only the
    /// daemon can, and we only need to know when to mint again).
    pub fn new(token: Secret, socket: String) -> Self {
        let exp_secs = jwt_exp(token.expose());
        Self {
            token,
            socket,
            exp_secs,
        }
    }

    /// Whether the token is still good for at least `margin_secs` at Unix time `now_secs`.
    /// A token whose `exp` cannot be read is treated as expired, so it is minted again.
    pub fn valid_for(&self, now_secs: u64, margin_secs: u64) -> bool {
        self.exp_secs
            .is_some_and(|exp| exp > now_secs.saturating_add(margin_secs))
    }
}

/// Reads the `exp` claim of a JWT without verifying it.
fn jwt_exp(jwt: &str) -> Option<u64> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    if payload.len() > 8192 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_u64()
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
    use base64::Engine;

    fn jwt_with(payload: &str) -> String {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", b.encode("{}"), b.encode(payload))
    }

    #[test]
    fn token_expiry_is_read_from_the_jwt_and_garbage_counts_as_expired() {
        let t = WsToken::new(
            Secret::new(jwt_with(r#"{"exp":1000,"iat":400}"#)),
            "ws://x".into(),
        );
        assert_eq!(t.exp_secs, Some(1000));
        assert!(t.valid_for(900, 60));
        assert!(!t.valid_for(950, 60));
        let bad = WsToken::new(Secret::new("not.a-jwt!"), "ws://x".into());
        assert!(!bad.valid_for(0, 0));
        assert!(!format!("{t:?}").contains(&jwt_with(r#"{"exp":1000,"iat":400}"#)));
    }

    #[test]
    fn power_signals_parse_case_insensitively_and_reject_others_with_help() {
        assert_eq!("Stop".parse::<PowerSignal>().ok(), Some(PowerSignal::Stop));
        let err = "explode"
            .parse::<PowerSignal>()
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("start, stop, restart or kill")));
    }

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
