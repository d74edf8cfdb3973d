//! What a webhook receives: one [`Message`] per alert output, written as each receiver kind
//! expects it. Pure, so every shape is unit-tested; the HTTP tests check the same shapes on
//! the wire. Nothing here ever sees the webhook's URL, so no payload can carry it.

use std::collections::HashMap;

use base64::Engine;
use serde::Serialize;

use crate::alerts::{AlertKind, AlertOutput, Severity, format_duration};
use crate::event::TimestampMs;
use crate::settings::SinkKind;

/// Discord refuses an embed title over 256 characters and a description over 4,096.
const DISCORD_TITLE_MAX: usize = 256;
const DISCORD_DESCRIPTION_MAX: usize = 4_000;
/// Slack shows a `text` of up to 40,000 characters; alerts never need more than a screen.
const TEXT_MAX: usize = 3_000;

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageEvent {
    /// An alert became active.
    Fire,
    /// An active alert recovered.
    Resolved,
    /// An alert is still active and nobody acknowledged it.
    Reminder,
    /// Snooze or quiet hours ended; what happened meanwhile.
    Summary,
    /// `aerie alerts test` or the app's "Send test".
    Test,
}

/// One alert as every webhook kind receives it: who, how bad, what, when. Carries no key,
/// token or URL: the alert engine never has them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// Why it is sent.
    pub event: MessageEvent,
    /// How bad; a summary takes its worst alert's.
    pub severity: Severity,
    /// The rule that fired, when one did.
    pub alert: Option<AlertKind>,
    /// The server's (or node's, or account's) display name; `None` for a summary.
    pub server: Option<String>,
    /// The panel account's name (its id when the name is unknown).
    pub panel: Option<String>,
    /// One line, e.g. "Survival crashed".
    pub title: String,
    /// A few lines, e.g. "Exit code 137, out of memory".
    pub message: String,
    /// When Aerie published it, ms since the Unix epoch.
    pub time_ms: TimestampMs,
}

impl Message {
    /// The message for a notifying output, or `None` for outputs no person is told about
    /// (health changes, the end of a snooze). `panels` maps panel account ids to names.
    pub fn from_output(
        output: &AlertOutput,
        at: TimestampMs,
        panels: &HashMap<String, String>,
    ) -> Option<Self> {
        let of = |event, alert: &crate::alerts::Alert, title: String, message: String| {
            let panel = match &alert.id.subject {
                crate::alerts::Subject::Server { key } => &key.panel,
                crate::alerts::Subject::Node { panel, .. }
                | crate::alerts::Subject::Account { panel } => panel,
            };
            Self {
                event,
                severity: alert.severity,
                alert: Some(alert.id.kind),
                server: Some(alert.name.clone()),
                panel: Some(panels.get(panel).cloned().unwrap_or_else(|| panel.clone())),
                title,
                message,
                time_ms: at,
            }
        };
        Some(match output {
            AlertOutput::Fire { alert, .. } => of(
                MessageEvent::Fire,
                alert,
                alert.title.clone(),
                alert.detail.clone(),
            ),
            AlertOutput::Reminder { alert } => of(
                MessageEvent::Reminder,
                alert,
                format!("Still: {}", alert.title),
                alert.detail.clone(),
            ),
            AlertOutput::Resolved {
                alert, downtime_ms, ..
            } => of(
                MessageEvent::Resolved,
                alert,
                format!("{} recovered", alert.name),
                format!("{} — down {}", alert.title, format_duration(*downtime_ms)),
            ),
            AlertOutput::Summary { summary, .. } => Self {
                event: MessageEvent::Summary,
                severity: summary
                    .fired
                    .iter()
                    .chain(&summary.still_active)
                    .map(|a| a.severity)
                    .max()
                    .unwrap_or(Severity::Warning),
                alert: None,
                server: None,
                panel: None,
                title: summary.title(),
                message: summary.body(),
                time_ms: at,
            },
            AlertOutput::SnoozeEnded | AlertOutput::Health { .. } => return None,
        })
    }

    /// The test message `aerie alerts test` and "Send test" send.
    pub fn test(at: TimestampMs) -> Self {
        Self {
            event: MessageEvent::Test,
            severity: Severity::Warning,
            alert: None,
            server: Some("Aerie".into()),
            panel: None,
            title: "Aerie test alert".into(),
            message: "If you can read this, Aerie's alerts reach this channel.".into(),
            time_ms: at,
        }
    }

    /// RFC 3339 UTC, e.g. `2026-12-07T23:41:05Z`.
    pub fn time(&self) -> String {
        i64::try_from(self.time_ms)
            .ok()
            .and_then(chrono::DateTime::from_timestamp_millis)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn severity_text(&self) -> &'static str {
        match (self.event, self.severity) {
            (MessageEvent::Resolved, _) => "resolved",
            (_, Severity::Critical) => "critical",
            (_, Severity::Warning) => "warning",
        }
    }

    /// "Server Survival · Panel Home · 2026-12-07T23:41:05Z"
    fn context_line(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.server {
            parts.push(format!("Server {s}"));
        }
        if let Some(p) = &self.panel {
            parts.push(format!("Panel {p}"));
        }
        parts.push(self.time());
        parts.join(" · ")
    }
}

/// One HTTP request body with its content type and the extra headers it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// `application/json` or `text/plain; charset=utf-8`.
    pub content_type: &'static str,
    /// Headers besides the content type (ntfy's title, priority and tags).
    pub headers: Vec<(&'static str, String)>,
    /// The bytes sent.
    pub bytes: Vec<u8>,
}

impl Body {
    fn json(value: &serde_json::Value) -> Self {
        Self {
            content_type: "application/json",
            headers: Vec::new(),
            bytes: serde_json::to_vec(value).unwrap_or_default(),
        }
    }
}

/// The request body `kind` expects for `m`.
pub fn body(kind: SinkKind, m: &Message) -> Body {
    match kind {
        SinkKind::Discord => Body::json(&discord(m)),
        SinkKind::Slack => Body::json(&slack(m)),
        SinkKind::Json => Body::json(&json(m)),
        SinkKind::Ntfy => ntfy(m),
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Discord: one embed, coloured by severity, with the server, panel and severity as fields.
/// Mentions are switched off: a server named `@everyone` must not ping a channel.
fn discord(m: &Message) -> serde_json::Value {
    let colour = match m.severity_text() {
        "resolved" => 0x2E_CC_71,
        "critical" => 0xE7_4C_3C,
        _ => 0xF1_C4_0F,
    };
    let mut fields = Vec::new();
    if let Some(s) = &m.server {
        fields.push(serde_json::json!({"name": "Server", "value": cut(s, 1024), "inline": true}));
    }
    if let Some(p) = &m.panel {
        fields.push(serde_json::json!({"name": "Panel", "value": cut(p, 1024), "inline": true}));
    }
    fields
        .push(serde_json::json!({"name": "Severity", "value": m.severity_text(), "inline": true}));
    serde_json::json!({
        "username": "Aerie",
        "allowed_mentions": {"parse": []},
        "embeds": [{
            "title": cut(&m.title, DISCORD_TITLE_MAX),
            "description": cut(&m.message, DISCORD_DESCRIPTION_MAX),
            "color": colour,
            "timestamp": m.time(),
            "fields": fields,
        }],
    })
}

/// Slack and compatibles: `text` (mrkdwn) is all every one of them reads.
fn slack(m: &Message) -> serde_json::Value {
    let text = format!(
        "*[{}] {}*\n{}\n_{}_",
        m.severity_text().to_uppercase(),
        m.title,
        m.message,
        m.context_line()
    );
    serde_json::json!({ "text": cut(&text, TEXT_MAX) })
}

/// Aerie's own document: every field of [`Message`], the time in both forms.
fn json(m: &Message) -> serde_json::Value {
    serde_json::json!({
        "source": "aerie",
        "event": m.event,
        "severity": m.severity_text(),
        "alert": m.alert,
        "server": m.server,
        "panel": m.panel,
        "title": m.title,
        "message": m.message,
        "time": m.time(),
        "time_ms": m.time_ms,
    })
}

/// ntfy: the message as the body, title, priority and tags as headers (its publish-by-header
/// form: the topic stays in the secret URL instead of going into a JSON body).
fn ntfy(m: &Message) -> Body {
    let (priority, tag) = match m.severity_text() {
        "resolved" => ("3", "white_check_mark"),
        "critical" => ("5", "rotating_light"),
        _ => ("4", "warning"),
    };
    Body {
        content_type: "text/plain; charset=utf-8",
        headers: vec![
            ("Title", header_text(&cut(&m.title, 250))),
            ("Priority", priority.into()),
            ("Tags", tag.into()),
        ],
        bytes: cut(&format!("{}\n{}", m.message, m.context_line()), TEXT_MAX).into_bytes(),
    }
}

/// A header value: plain when it is printable ASCII, else RFC 2047 (`=?UTF-8?B?…?=`), which
/// ntfy decodes. Line breaks never reach a header.
fn header_text(s: &str) -> String {
    let flat = s.replace(['\r', '\n'], " ");
    if flat.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return flat;
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(flat.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{Alert, AlertId, Delivery, Subject};
    use crate::event::ServerKey;

    fn crash() -> AlertOutput {
        let key = ServerKey::new("a1b2c3", "srv1");
        AlertOutput::Fire {
            alert: Alert {
                id: AlertId {
                    kind: AlertKind::Crash,
                    subject: Subject::Server { key: key.clone() },
                },
                severity: Severity::Critical,
                name: "Survival — EU".into(),
                title: "Survival — EU crashed".into(),
                detail: "Exit code 137, out of memory".into(),
                since: 0,
                fired_at: 0,
                exit_code: Some(137),
                oom: Some(true),
                servers: vec![key],
                acknowledged: false,
            },
            delivery: Delivery::Notify,
        }
    }

    fn message() -> Message {
        let panels = HashMap::from([("a1b2c3".to_owned(), "Home".to_owned())]);
        Message::from_output(&crash(), 1_796_600_000_000, &panels).expect("notifies")
    }

    #[test]
    fn a_crash_names_server_panel_severity_and_time() {
        let m = message();
        assert_eq!(m.server.as_deref(), Some("Survival — EU"));
        assert_eq!(
            m.panel.as_deref(),
            Some("Home"),
            "the account's name, not its id"
        );
        assert_eq!(m.severity, Severity::Critical);
        assert_eq!(m.time(), "2026-12-06T23:33:20Z");
        let v: serde_json::Value =
            serde_json::from_slice(&body(SinkKind::Json, &m).bytes).expect("json");
        assert_eq!(v["event"], "fire");
        assert_eq!(v["alert"], "crash");
        assert_eq!(v["severity"], "critical");
        assert_eq!(v["title"], "Survival — EU crashed");
    }

    #[test]
    fn ntfy_headers_are_ascii_and_carry_no_line_break() {
        let b = body(SinkKind::Ntfy, &message());
        let title = &b.headers[0].1;
        assert!(title.starts_with("=?UTF-8?B?"), "{title}");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(
                title
                    .trim_start_matches("=?UTF-8?B?")
                    .trim_end_matches("?="),
            )
            .expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf-8"),
            "Survival — EU crashed"
        );
        assert_eq!(header_text("a\r\nb"), "a  b");
        assert_eq!(b.headers[1], ("Priority", "5".into()));
    }

    #[test]
    fn discord_never_pings_and_long_text_is_cut_to_its_limits() {
        let mut m = message();
        m.title = "@everyone ".repeat(100);
        let v = discord(&m);
        assert_eq!(v["allowed_mentions"]["parse"], serde_json::json!([]));
        let title = v["embeds"][0]["title"].as_str().expect("title");
        assert_eq!(title.chars().count(), DISCORD_TITLE_MAX);
        assert!(title.ends_with('…'));
    }

    #[test]
    fn health_changes_and_snooze_ends_are_not_messages() {
        let none = HashMap::new();
        assert_eq!(
            Message::from_output(&AlertOutput::SnoozeEnded, 0, &none),
            None
        );
    }
}
