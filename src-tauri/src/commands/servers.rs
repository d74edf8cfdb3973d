//! The fleet's servers: snapshot rows, the live fleet subscription, power, connections.

use crate::bridge::{Frame, Topic, WindowBridge};
use crate::engine::{Engine, EngineState};
use crate::error::Result;
use crate::state::Subscriptions;
use aerie_core::event::{ConnectionState, PowerState, ServerKey};
use aerie_core::fleet::ServerSnapshot;
use aerie_core::panel::PowerSignal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State, WebviewWindow};
use ts_rs::TS;

/// A power signal. The panel's safety model (kill only while stopping, confirm) is the UI's
/// and the engine's; the panel checks permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    /// Start.
    Start,
    /// Stop.
    Stop,
    /// Restart.
    Restart,
    /// Kill.
    Kill,
}

impl From<PowerAction> for PowerSignal {
    fn from(a: PowerAction) -> Self {
        match a {
            PowerAction::Start => Self::Start,
            PowerAction::Stop => Self::Stop,
            PowerAction::Restart => Self::Restart,
            PowerAction::Kill => Self::Kill,
        }
    }
}

/// A row's colour in the fleet list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "Health")]
pub enum RowHealth {
    /// Running and connected.
    Green,
    /// In transition, or the link is being re-established.
    Yellow,
    /// Offline, or the link failed.
    Red,
}

/// One server as the fleet list shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ServerRow {
    /// `panel/server`.
    pub id: String,
    /// Key.
    pub key: ServerKey,
    /// Display name.
    pub name: String,
    /// Account name.
    pub panel_name: String,
    /// Node name.
    pub node: String,
    /// Power state, when known.
    pub state: Option<PowerState>,
    /// Panel-side status (`installing`, `suspended`, …).
    pub panel_status: Option<String>,
    /// CPU, percent of one core.
    pub cpu_percent: f64,
    /// CPU limit, percent of one core (0 = unlimited).
    #[ts(type = "number")]
    pub cpu_limit_percent: u64,
    /// Memory in use.
    #[ts(type = "number")]
    pub memory_bytes: u64,
    /// Memory limit (0 = unlimited).
    #[ts(type = "number")]
    pub memory_limit_bytes: u64,
    /// Disk in use.
    #[ts(type = "number")]
    pub disk_bytes: u64,
    /// Disk limit (0 = unlimited).
    #[ts(type = "number")]
    pub disk_limit_bytes: u64,
    /// Network receive rate.
    pub rx_bps: f64,
    /// Network send rate.
    pub tx_bps: f64,
    /// Uptime.
    #[ts(type = "number")]
    pub uptime_ms: u64,
    /// Link state.
    pub connection: ConnectionState,
    /// Row colour.
    pub health: RowHealth,
    /// The user's permissions on this server.
    pub permissions: Vec<String>,
    /// Active alerts (0 until the alert service is wired).
    pub active_alerts: u32,
    /// Alerts muted for this server.
    pub muted: bool,
    /// Last event, ms since the epoch.
    #[ts(type = "number")]
    pub updated_at: u64,
}

/// Rows that changed (upsert by id) and ids that went away.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct FleetFrame {
    /// Changed rows.
    pub rows: Vec<ServerRow>,
    /// Removed row ids.
    pub removed: Vec<String>,
}

const MIB: u64 = 1024 * 1024;

fn health(s: &ServerSnapshot) -> RowHealth {
    match (&s.connection, s.state) {
        (ConnectionState::Failed { .. } | ConnectionState::Untrusted { .. }, _)
        | (_, Some(PowerState::Offline)) => RowHealth::Red,
        (ConnectionState::Live, Some(PowerState::Running)) => RowHealth::Green,
        _ => RowHealth::Yellow,
    }
}

fn row(s: ServerSnapshot, panel_names: &HashMap<String, String>) -> ServerRow {
    let stats = s.stats.unwrap_or_default();
    let limits = s.info.limits;
    ServerRow {
        id: s.key.to_string(),
        panel_name: panel_names
            .get(&s.key.panel)
            .cloned()
            .unwrap_or_else(|| s.key.panel.clone()),
        name: s.info.name.clone(),
        node: s.info.node.clone(),
        state: s.state,
        panel_status: s.info.panel_status.clone(),
        cpu_percent: stats.cpu_absolute,
        cpu_limit_percent: limits.cpu_percent,
        memory_bytes: stats.memory_bytes,
        memory_limit_bytes: limits.memory_mib * MIB,
        disk_bytes: stats.disk_bytes,
        disk_limit_bytes: limits.disk_mib * MIB,
        rx_bps: s.rates.rx_bps,
        tx_bps: s.rates.tx_bps,
        uptime_ms: s.uptime_ms,
        health: health(&s),
        connection: s.connection.clone(),
        permissions: s.info.permissions.clone(),
        active_alerts: 0,
        muted: false,
        updated_at: s.last_event_at,
        key: s.key,
    }
}

fn panel_names(engine: &Engine) -> HashMap<String, String> {
    engine
        .accounts
        .list()
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect()
}

/// Rows for `keys` (all when `None`).
fn rows(engine: &Engine, keys: Option<&BTreeSet<ServerKey>>) -> Vec<ServerRow> {
    let names = panel_names(engine);
    let alerts = engine.alerting.alert_counts();
    let muted = engine.alerting.muted();
    let snapshots = match keys {
        None => engine.fleet.snapshot(),
        // A flush names the few servers that changed: copy only those (5 times a second, a
        // copy of every server's snapshot would be most of a shown window's CPU).
        Some(keys) => {
            let mut some = Vec::with_capacity(keys.len());
            engine.fleet.for_each_snapshot(|s| {
                if keys.contains(&s.key) {
                    some.push(s.clone());
                }
            });
            some.sort_by(|a, b| a.key.cmp(&b.key));
            some
        }
    };
    snapshots
        .into_iter()
        .map(|s| {
            let mut r = row(s, &names);
            r.active_alerts = alerts.get(&r.key).copied().unwrap_or(0);
            r.muted = muted.contains(&r.key);
            r
        })
        .collect()
}

/// Sends rows in frames that stay under the IPC fast path's ~8 KB.
fn send_rows(channel: &Channel<FleetFrame>, rows: Vec<ServerRow>) -> bool {
    let mut batch = Vec::new();
    let mut size = 0;
    for r in rows {
        let len = serde_json::to_vec(&r).map_or(0, |v| v.len()) + 1;
        if !batch.is_empty() && size + len > crate::bridge::FRAME_BUDGET {
            let frame = FleetFrame {
                rows: std::mem::take(&mut batch),
                removed: Vec::new(),
            };
            if channel.send(frame).is_err() {
                return false;
            }
            size = 0;
        }
        size += len;
        batch.push(r);
    }
    channel
        .send(FleetFrame {
            rows: batch,
            removed: Vec::new(),
        })
        .is_ok()
}

/// Every watched server with its latest state.
#[tauri::command]
pub fn list_servers(engine: State<'_, EngineState>) -> Result<Vec<ServerRow>> {
    Ok(rows(engine.get()?, None))
}

/// Fleet rows: the first frames hold every row, then changed rows at most 5 times a second
/// (`bridge::FLEET_TICKS` flush ticks of 50 ms).
/// Resolves to the subscription id.
#[tauri::command]
pub async fn subscribe_fleet(
    app: AppHandle,
    window: WebviewWindow,
    subs: State<'_, Subscriptions>,
    engine: State<'_, EngineState>,
    on_frame: Channel<FleetFrame>,
) -> Result<u32> {
    let engine = engine.get()?;
    let id = subs.next_id();
    send_rows(&on_frame, rows(engine, None));
    let bridge = subs.bridge(window.label(), || {
        WindowBridge::start(engine.fleet.subscribe())
    });
    let sink = move |frame: Frame| {
        let Ok(engine) = app.state::<EngineState>().inner().get() else {
            return false;
        };
        // After a bus overflow the view may have missed anything: resend every row.
        let keys: Option<BTreeSet<ServerKey>> =
            (frame.dropped == 0).then(|| frame.events.iter().map(|e| e.key.clone()).collect());
        send_rows(&on_frame, rows(engine, keys.as_ref()))
    };
    bridge.subscribe(id, Topic::Fleet, Box::new(sink));
    subs.record(id, window.label());
    Ok(id)
}

/// Sends a power signal.
#[tauri::command]
pub async fn power(
    engine: State<'_, EngineState>,
    server: ServerKey,
    action: PowerAction,
) -> Result<()> {
    tracing::info!(%server, ?action, "power");
    engine.get()?.fleet.power(&server, action.into()).await?;
    Ok(())
}

/// Trusts exactly the certificate `fingerprint` for `node` (what an `untrusted` link named,
/// after the user compared it) and reconnects the servers waiting on it.
#[tauri::command]
pub async fn trust_certificate(
    engine: State<'_, EngineState>,
    node: String,
    fingerprint: String,
) -> Result<()> {
    tracing::info!(%node, %fingerprint, "trusting a node certificate");
    let engine = engine.get()?;
    let trust = engine
        .accounts
        .settings()
        .trust_certificate(&node, &fingerprint)?;
    engine.fleet.set_trust(trust);
    Ok(())
}

/// One socket, as the Connections view shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConnectionRow {
    /// `panel/server`.
    pub id: String,
    /// Key.
    pub key: ServerKey,
    /// Server name.
    pub server_name: String,
    /// Account name.
    pub panel_name: String,
    /// Node name.
    pub node: String,
    /// The socket URL in use, without query string or credentials (no token); empty until the
    /// first connect.
    pub endpoint: String,
    /// Link state.
    pub state: ConnectionState,
    /// The link's colour: red when failed or stopped; yellow while (re)connecting, polling, slow
    /// (round trip over [`SLOW_LATENCY_MS`]) or silent (nothing for [`SILENT_AFTER_MS`]);
    /// green otherwise.
    pub health: RowHealth,
    /// Round trip of the last WebSocket ping; `null` before the first pong.
    #[ts(type = "number | null")]
    pub latency_ms: Option<u64>,
    /// Sockets re-opened after the first one was lost.
    #[ts(type = "number")]
    pub reconnects: u64,
    /// Frames received per second since the previous `list_connections` call (0 on the first).
    pub messages_per_s: f64,
    /// Last frame received (pongs included), ms since the epoch.
    #[ts(type = "number | null")]
    pub last_activity: Option<u64>,
    /// When the socket's token expires (Aerie refreshes it before), ms since the epoch.
    #[ts(type = "number | null")]
    pub token_expires_at: Option<u64>,
    /// Live since; `null`: not in the fleet's snapshot yet.
    #[ts(type = "number | null")]
    pub connected_since: Option<u64>,
}

/// A round trip slower than this makes a live link yellow, ms.
pub const SLOW_LATENCY_MS: u32 = 500;
/// A live link that received nothing for this long is yellow, ms (Wings sends stats every
/// second while a server runs; an offline server's link only answers pings).
pub const SILENT_AFTER_MS: u64 = 60_000;

/// The link's colour (see [`ConnectionRow::health`]).
fn link_health(s: &ServerSnapshot, now_ms: u64) -> RowHealth {
    match &s.connection {
        ConnectionState::Failed { .. }
        | ConnectionState::Untrusted { .. }
        | ConnectionState::Stopped => RowHealth::Red,
        ConnectionState::Live => {
            let slow = s.socket.latency_ms.is_some_and(|l| l > SLOW_LATENCY_MS);
            let silent = s
                .socket
                .last_frame_at
                .is_some_and(|t| now_ms.saturating_sub(t) > SILENT_AFTER_MS);
            if slow || silent {
                RowHealth::Yellow
            } else {
                RowHealth::Green
            }
        }
        _ => RowHealth::Yellow,
    }
}

/// Frames-in counters seen by the previous call, for the message rate.
static FRAME_COUNTS: std::sync::LazyLock<std::sync::Mutex<HashMap<ServerKey, (u64, u64)>>> =
    std::sync::LazyLock::new(Default::default);

/// Frames per second between two readings of a counter.
#[allow(clippy::cast_precision_loss)]
fn rate(prev: Option<(u64, u64)>, frames: u64, now_ms: u64) -> f64 {
    match prev {
        Some((f0, t0)) if now_ms > t0 => {
            frames.saturating_sub(f0) as f64 * 1000.0 / (now_ms - t0) as f64
        }
        _ => 0.0,
    }
}

/// Every socket with its metrics, from the fleet's snapshot.
#[tauri::command]
pub fn list_connections(engine: State<'_, EngineState>) -> Result<Vec<ConnectionRow>> {
    let engine = engine.get()?;
    let names = panel_names(engine);
    let now = aerie_core::clock::now_ms();
    let mut counts = FRAME_COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let rows = engine
        .fleet
        .snapshot()
        .into_iter()
        .map(|s| {
            let frames = s.socket.frames_in;
            let messages_per_s = rate(counts.insert(s.key.clone(), (frames, now)), frames, now);
            ConnectionRow {
                id: s.key.to_string(),
                server_name: s.info.name.clone(),
                panel_name: names
                    .get(&s.key.panel)
                    .cloned()
                    .unwrap_or_else(|| s.key.panel.clone()),
                node: s.info.node.clone(),
                endpoint: s.endpoint.clone().unwrap_or_default(),
                health: link_health(&s, now),
                state: s.connection.clone(),
                latency_ms: s.socket.latency_ms.map(u64::from),
                reconnects: s.socket.reconnects,
                messages_per_s,
                last_activity: s
                    .socket
                    .last_frame_at
                    .or((s.last_event_at > 0).then_some(s.last_event_at)),
                token_expires_at: s.socket.token_expires_at,
                connected_since: None,
                key: s.key,
            }
        })
        .collect();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerie_core::event::{Rates, ServerInfo};
    use aerie_core::fleet::SocketMetrics;

    fn snapshot(
        connection: ConnectionState,
        latency: Option<u32>,
        last_frame: u64,
    ) -> ServerSnapshot {
        ServerSnapshot {
            key: ServerKey::new("p", "abcd1234"),
            info: ServerInfo {
                uuid: "abcd1234-0000".into(),
                name: "Survival".into(),
                node: "fra-1".into(),
                limits: Default::default(),
                permissions: vec!["*".into()],
                panel_status: None,
            },
            state: Some(PowerState::Running),
            stats: None,
            rates: Rates::default(),
            uptime_ms: 0,
            connection,
            socket: SocketMetrics {
                latency_ms: latency,
                last_frame_at: Some(last_frame),
                ..SocketMetrics::default()
            },
            last_event_at: last_frame,
            endpoint: None,
        }
    }

    #[test]
    fn a_link_is_green_live_yellow_slow_silent_or_reconnecting_and_red_failed() {
        let now = 1_000_000;
        let live =
            |latency, ago| link_health(&snapshot(ConnectionState::Live, latency, now - ago), now);
        assert_eq!(live(Some(40), 1_000), RowHealth::Green);
        assert_eq!(
            live(None, 1_000),
            RowHealth::Green,
            "not measured yet is not slow"
        );
        assert_eq!(live(Some(SLOW_LATENCY_MS + 1), 1_000), RowHealth::Yellow);
        assert_eq!(live(Some(40), SILENT_AFTER_MS + 1), RowHealth::Yellow);
        let reconnecting = ConnectionState::Reconnecting {
            attempt: 2,
            delay_ms: 1000,
        };
        assert_eq!(
            link_health(&snapshot(reconnecting, None, now), now),
            RowHealth::Yellow
        );
        let failed = ConnectionState::Failed {
            reason: "key revoked".into(),
        };
        assert_eq!(
            link_health(&snapshot(failed, None, now), now),
            RowHealth::Red
        );
    }
}
