//! How `watch` and `demo` print: JSON lines or a live table.

use std::collections::HashMap;
use std::io::Write;

use aerie_core::alerts::AlertOutput;
use aerie_core::event::{
    ConnectionState, Fact, ServerEvent, ServerEventKind, ServerKey, TimestampMs,
};
use aerie_core::fleet::ServerSnapshot;

/// RFC 3339 (UTC, milliseconds) for the `ts` field.
fn rfc3339(at: TimestampMs) -> String {
    i64::try_from(at)
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// One JSON object per event: `type`, `panel`, `server`, `ts` (RFC 3339) and the payload.
pub fn json_line(ev: &ServerEvent) -> serde_json::Value {
    let mut v = serde_json::to_value(&ev.kind).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.insert("panel".into(), ev.key.panel.clone().into());
        obj.insert("server".into(), ev.key.server.clone().into());
        obj.insert("ts".into(), rfc3339(ev.at).into());
        // Protocol facts and the alert engine's decisions share `type: "alert"`; `event`
        // tells them apart.
        if matches!(ev.kind, ServerEventKind::Alert { .. }) {
            obj.insert("event".into(), "fact".into());
        }
    }
    v
}

/// One JSON line for an alert engine output: `type: "alert"`, `event` (`fire`, `resolved`,
/// `reminder`, `summary`, `snooze_ended`, `health`), `panel` and `server` of the first affected
/// server (`null` for fleet-wide outputs), `ts`, and the output's own fields.
pub fn alert_json_line(out: &AlertOutput, at: TimestampMs) -> serde_json::Value {
    let mut v = serde_json::to_value(out).unwrap_or_else(|_| serde_json::json!({}));
    let first = match out {
        AlertOutput::Fire { alert, .. }
        | AlertOutput::Resolved { alert, .. }
        | AlertOutput::Reminder { alert } => alert.servers.first().cloned(),
        _ => None,
    };
    if let Some(obj) = v.as_object_mut() {
        let event = obj.remove("type").unwrap_or_default();
        obj.insert("type".into(), "alert".into());
        obj.insert("event".into(), event);
        obj.insert(
            "panel".into(),
            first.as_ref().map(|k| k.panel.clone()).into(),
        );
        obj.insert("server".into(), first.map(|k| k.server).into());
        obj.insert("ts".into(), rfc3339(at).into());
    }
    v
}

/// Writes one JSON value as a line and flushes it; a closed stdout (e.g. `| head`) is an error
/// the caller ends on.
pub fn print_value_line(out: &mut dyn Write, v: &serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// The live table: snapshot rows plus the last alert per server.
#[derive(Debug, Default)]
pub struct Table {
    last_alert: HashMap<ServerKey, String>,
}

fn fact_text(f: &Fact) -> String {
    match f {
        Fact::Crashed {
            exit_code,
            oom,
            confirmed,
        } => format!(
            "CRASHED{}{}{}",
            exit_code.map(|c| format!(" exit {c}")).unwrap_or_default(),
            if *oom == Some(true) { " OOM" } else { "" },
            if *confirmed { "" } else { " (unconfirmed)" }
        ),
        Fact::AutoRestartAborted { .. } => "auto-restart aborted".into(),
        Fact::RequestedStop => "stopped by you".into(),
        Fact::CredentialsRejected { .. } => "key rejected".into(),
        Fact::PermissionLost { .. } => "permission lost".into(),
        Fact::Suspended => "suspended".into(),
        Fact::FeatureMatch { key, .. } => format!("needs attention: {key}"),
        Fact::Lifecycle { event, detail } => format!("{event} {detail}"),
    }
}

fn conn_text(c: &ConnectionState) -> String {
    match c {
        ConnectionState::Connecting => "connecting".into(),
        ConnectionState::Authenticating => "auth".into(),
        ConnectionState::Live => "live".into(),
        ConnectionState::Reconnecting { attempt, .. } => format!("retry #{attempt}"),
        ConnectionState::Polling => "polling".into(),
        ConnectionState::Failed { reason } => format!("FAILED: {reason}"),
        ConnectionState::Untrusted { message, .. } => format!("UNTRUSTED: {message}"),
        ConnectionState::Stopped => "stopped".into(),
    }
}

fn mib(b: u64) -> String {
    format!("{:.0} MiB", b as f64 / 1_048_576.0)
}

impl Table {
    /// Remembers alerts for the "last alert" column.
    pub fn note(&mut self, ev: &ServerEvent) {
        if let ServerEventKind::Alert { fact } = &ev.kind {
            self.last_alert.insert(ev.key.clone(), fact_text(fact));
        }
    }

    /// Remembers what the alert engine decided, which reads better than the raw fact.
    pub fn note_alert(&mut self, out: &AlertOutput) {
        match out {
            AlertOutput::Fire { alert, .. } | AlertOutput::Reminder { alert } => {
                for key in &alert.servers {
                    self.last_alert
                        .insert(key.clone(), format!("{}: {}", alert.title, alert.detail));
                }
            }
            AlertOutput::Resolved {
                alert, downtime_ms, ..
            } => {
                for key in &alert.servers {
                    self.last_alert.insert(
                        key.clone(),
                        format!("resolved after {}s: {}", downtime_ms / 1000, alert.title),
                    );
                }
            }
            _ => {}
        }
    }

    /// Redraws the whole table.
    pub fn draw(&self, snap: &[ServerSnapshot]) -> anyhow::Result<()> {
        let mut out = std::io::stdout().lock();
        write!(out, "\x1b[2J\x1b[H")?;
        let header = format!(
            "{:<10} {:<9} {:<22} {:<9} {:>7} {:>10} {:>10} {:<12} LAST ALERT",
            "PANEL", "SERVER", "NAME", "STATE", "CPU", "MEMORY", "NET IN/s", "LINK"
        );
        writeln!(out, "{header}")?;
        for s in snap {
            let st = s.stats.unwrap_or_default();
            writeln!(
                out,
                "{:<10} {:<9} {:<22} {:<9} {:>6.1}% {:>10} {:>8.0} B {:<12} {}",
                s.key.panel.chars().take(10).collect::<String>(),
                s.key.server,
                s.info.name.chars().take(22).collect::<String>(),
                s.state.map_or("?", |p| p.as_str()),
                st.cpu_absolute,
                mib(st.memory_bytes),
                s.rates.rx_bps,
                conn_text(&s.connection)
                    .chars()
                    .take(40)
                    .collect::<String>(),
                self.last_alert.get(&s.key).map_or("", String::as_str),
            )?;
        }
        out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerie_core::event::PowerState;

    #[test]
    fn json_lines_carry_type_panel_server_ts_and_payload() {
        let ev = ServerEvent {
            key: ServerKey::new("p1", "abcd1234"),
            at: 1_700_000_000_123,
            kind: ServerEventKind::Status {
                state: PowerState::Running,
                previous: None,
            },
        };
        let v = json_line(&ev);
        assert_eq!(v["type"], "status");
        assert_eq!(v["panel"], "p1");
        assert_eq!(v["server"], "abcd1234");
        assert_eq!(v["state"], "running");
        assert_eq!(v["ts"], "2023-11-14T22:13:20.123Z");
        let alert = ServerEvent {
            kind: ServerEventKind::Alert {
                fact: Fact::RequestedStop,
            },
            ..ev
        };
        assert_eq!(json_line(&alert)["type"], "alert");
        assert_eq!(json_line(&alert)["event"], "fact");
    }

    #[test]
    fn alert_engine_outputs_are_alert_lines_with_their_event() {
        let health = AlertOutput::Health {
            health: aerie_core::alerts::Health::Critical,
        };
        let v = alert_json_line(&health, 1_700_000_000_123);
        assert_eq!(v["type"], "alert");
        assert_eq!(v["event"], "health");
        assert_eq!(v["health"], "critical");
        assert!(
            v["server"].is_null(),
            "fleet-wide outputs name no server: {v}"
        );
        assert_eq!(v["ts"], "2023-11-14T22:13:20.123Z");
    }
}
