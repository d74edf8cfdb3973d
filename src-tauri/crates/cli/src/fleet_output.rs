//! How `watch` and `demo` print: JSON lines or a live table.

use std::collections::HashMap;
use std::io::Write;

use aerie_core::event::{ConnectionState, Fact, ServerEvent, ServerEventKind, ServerKey};
use aerie_core::fleet::ServerSnapshot;

/// One JSON object per event: `type`, `panel`, `server`, `ts` (RFC 3339) and the payload.
pub fn json_line(ev: &ServerEvent) -> serde_json::Value {
    let mut v = serde_json::to_value(&ev.kind).unwrap_or_else(|_| serde_json::json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.insert("panel".into(), ev.key.panel.clone().into());
        obj.insert("server".into(), ev.key.server.clone().into());
        let ts = i64::try_from(ev.at)
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default();
        obj.insert("ts".into(), ts.into());
    }
    v
}

/// Prints one event as a JSON line; a closed stdout (e.g. `| head`) ends quietly.
pub fn print_json_line(ev: &ServerEvent) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &json_line(ev))?;
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
    }
}
