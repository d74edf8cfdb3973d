//! What a desktop notification says for each alert output. Pure, so it is unit-tested
//! without a desktop.

use crate::alerts::{Alert, AlertKind, AlertOutput, ServerTails, format_duration};
use crate::chart::{ChartSpec, Metric, Series, Theme, render_png};
use crate::event::ServerKey;

/// How many console lines a crash notification quotes.
const CONSOLE_LINES: usize = 3;

/// How insistent a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    /// Resolved notices and summaries.
    Normal,
    /// Something is down: stays until dismissed where the desktop supports it.
    Critical,
}

/// A desktop notification ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct DesktopNotification {
    /// First line; names the server.
    pub summary: String,
    /// A few lines: what happened, exit code, the last console lines.
    pub body: String,
    /// A small PNG chart of the last minutes, when there is data.
    pub image_png: Option<Vec<u8>>,
    /// The server the default action ("click") opens.
    pub server: Option<ServerKey>,
    /// How insistent.
    pub urgency: Urgency,
}

/// The notification for an output, or `None` when the output is not to be notified (muted,
/// held, health changes).
pub fn compose(output: &AlertOutput, tails: &ServerTails) -> Option<DesktopNotification> {
    if !output.notifies() {
        return None;
    }
    match output {
        AlertOutput::Fire { alert, .. } => Some(DesktopNotification {
            summary: alert.title.clone(),
            body: body_with_console(alert, tails),
            image_png: chart_for(alert, tails),
            server: alert.id.subject.server().cloned(),
            urgency: urgency(alert),
        }),
        AlertOutput::Reminder { alert } => Some(DesktopNotification {
            summary: format!("Still: {}", alert.title),
            body: alert.detail.clone(),
            image_png: chart_for(alert, tails),
            server: alert.id.subject.server().cloned(),
            urgency: urgency(alert),
        }),
        AlertOutput::Resolved {
            alert, downtime_ms, ..
        } => Some(DesktopNotification {
            summary: format!("{} recovered", alert.name),
            body: format!("{} — down {}", alert.title, format_duration(*downtime_ms)),
            image_png: None,
            server: alert.id.subject.server().cloned(),
            urgency: Urgency::Normal,
        }),
        AlertOutput::Summary { summary, .. } => Some(DesktopNotification {
            summary: summary.title(),
            body: summary.body(),
            image_png: None,
            server: None,
            urgency: Urgency::Normal,
        }),
        AlertOutput::SnoozeEnded | AlertOutput::Health { .. } => None,
    }
}

fn urgency(alert: &Alert) -> Urgency {
    match alert.severity {
        crate::alerts::Severity::Critical => Urgency::Critical,
        crate::alerts::Severity::Warning => Urgency::Normal,
    }
}

fn body_with_console(alert: &Alert, tails: &ServerTails) -> String {
    let mut body = alert.detail.clone();
    if let Some(key) = alert.id.subject.server()
        && matches!(
            alert.id.kind,
            AlertKind::Crash | AlertKind::CrashLoop | AlertKind::StuckStarting
        )
    {
        let lines = tails.console(key);
        for line in lines.iter().skip(lines.len().saturating_sub(CONSOLE_LINES)) {
            body.push('\n');
            body.push_str(line);
        }
    }
    body
}

fn chart_for(alert: &Alert, tails: &ServerTails) -> Option<Vec<u8>> {
    let key = alert.id.subject.server()?;
    let samples = tails.stats(key);
    if samples.len() < 2 {
        return None;
    }
    let metric = match alert.id.kind {
        AlertKind::HighMemory => Metric::Memory,
        AlertKind::HighDisk => Metric::Disk,
        AlertKind::Crash | AlertKind::CrashLoop if alert.oom == Some(true) => Metric::Memory,
        _ => Metric::Cpu,
    };
    let spec = ChartSpec::new(metric)
        .size(320, 120)
        .theme(Theme::Dark)
        .title(format!("{} — {}", alert.name, metric.caption()));
    match render_png(&Series::from_samples(metric, &samples), &spec) {
        Ok(png) => Some(png),
        Err(e) => {
            tracing::warn!(error = %e, "notification chart not drawn");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::{AlertId, Delivery, HeldSummary, HoldReason, Severity, Subject};
    use crate::event::{ConsoleOrigin, Rates, ServerEvent, ServerEventKind, Stats};

    fn crash(key: &ServerKey) -> Alert {
        Alert {
            id: AlertId {
                kind: AlertKind::Crash,
                subject: Subject::Server { key: key.clone() },
            },
            severity: Severity::Critical,
            name: "Survival".into(),
            title: "Survival crashed".into(),
            detail: "Exit code 137, out of memory".into(),
            since: 0,
            fired_at: 0,
            exit_code: Some(137),
            oom: Some(true),
            servers: vec![key.clone()],
            acknowledged: false,
        }
    }

    fn tails_with_history(key: &ServerKey) -> ServerTails {
        let mut tails = ServerTails::default();
        for i in 0..20u64 {
            tails.observe(&ServerEvent {
                key: key.clone(),
                at: i * 5_000,
                kind: ServerEventKind::Stats {
                    stats: Box::new(Stats {
                        memory_bytes: i * 50 * 1024 * 1024,
                        ..Stats::default()
                    }),
                    rates: Rates::default(),
                },
            });
        }
        for line in [
            "Loading world",
            "java.lang.OutOfMemoryError: Java heap space",
        ] {
            tails.observe(&ServerEvent {
                key: key.clone(),
                at: 100_000,
                kind: ServerEventKind::Console {
                    line: line.into(),
                    origin: ConsoleOrigin::Container,
                },
            });
        }
        tails
    }

    #[test]
    fn crash_notification_names_the_server_quotes_the_console_and_carries_a_chart() {
        let key = ServerKey::new("p", "s1");
        let tails = tails_with_history(&key);
        let note = compose(
            &AlertOutput::Fire {
                alert: crash(&key),
                delivery: Delivery::Notify,
            },
            &tails,
        )
        .expect("notified");
        assert_eq!(note.summary, "Survival crashed");
        assert!(note.body.starts_with("Exit code 137, out of memory"));
        assert!(
            note.body
                .ends_with("java.lang.OutOfMemoryError: Java heap space")
        );
        assert_eq!(note.server, Some(key));
        assert_eq!(note.urgency, Urgency::Critical);
        let png = note.image_png.expect("memory chart for an OOM crash");
        assert_eq!(&png[1..4], b"PNG");
    }

    #[test]
    fn muted_or_held_outputs_are_not_notified_but_summaries_and_recoveries_are() {
        let key = ServerKey::new("p", "s1");
        let tails = ServerTails::default();
        for delivery in [Delivery::Muted, Delivery::Snoozed, Delivery::QuietHours] {
            let out = AlertOutput::Fire {
                alert: crash(&key),
                delivery,
            };
            assert_eq!(compose(&out, &tails), None, "{delivery:?}");
        }
        let resolved = compose(
            &AlertOutput::Resolved {
                alert: crash(&key),
                downtime_ms: 200_000,
                delivery: Delivery::Notify,
            },
            &tails,
        )
        .expect("notified");
        assert_eq!(resolved.summary, "Survival recovered");
        assert!(
            resolved.body.contains("down 3 min 20 s"),
            "{}",
            resolved.body
        );
        let summary = compose(
            &AlertOutput::Summary {
                reason: HoldReason::QuietHours,
                summary: HeldSummary {
                    fired: vec![crash(&key)],
                    resolved: vec![],
                    still_active: vec![crash(&key)],
                },
            },
            &tails,
        )
        .expect("notified");
        assert_eq!(
            summary.summary,
            "While you were away: 1 alert, 1 still active"
        );
        assert!(summary.body.contains("Active: Survival crashed"));
    }
}
