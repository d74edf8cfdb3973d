//! Settings: the UI's view of `settings.toml`.
//!
//! Theme, notifications and start at login live in `aerie-core`'s sections (the CLI and the
//! engine read them there). The rest of what the settings view edits (quiet hours, alert rules,
//! retention, close to tray) is kept in a `[desktop]` section of the same file until the alert
//! engine owns those rules.

use crate::engine::EngineState;
use crate::error::{Error, Result};
use aerie_core::event::ServerKey;
use aerie_core::settings::Theme;
use aerie_core::store::Retention;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_autostart::ManagerExt as _;
use ts_rs::TS;

const SECTION: &str = "desktop";

/// Light, dark or follow the OS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ThemeChoice {
    /// Follow the OS.
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

/// No notifications between `start` and `end` (local time, `HH:MM`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct QuietHours {
    /// On or off.
    pub enabled: bool,
    /// Start, `HH:MM`.
    pub start: String,
    /// End, `HH:MM`.
    pub end: String,
}

/// Alert rules as the settings view edits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AlertRules {
    /// Alert on crashes.
    pub crash: bool,
    /// Crashes within the window that make a crash loop.
    pub crash_loop_count: u32,
    /// Crash-loop window, seconds.
    pub crash_loop_window_s: u32,
    /// Starting longer than this is stuck, seconds.
    pub stuck_starting_s: u32,
    /// Alert on unexpected offline.
    pub unexpected_offline: bool,
    /// Alert when a node is unreachable.
    pub node_down: bool,
    /// CPU threshold, percent of the limit.
    pub cpu_percent: u32,
    /// Memory threshold, percent of the limit.
    pub memory_percent: u32,
    /// Disk threshold, percent of the limit.
    pub disk_percent: u32,
    /// How long above a threshold before alerting, seconds.
    pub threshold_duration_s: u32,
    /// Console silent this long while running alerts, seconds (0 = off).
    pub silent_console_s: u32,
    /// Reminder interval while still down, seconds.
    pub reminder_s: u32,
}

/// Everything the settings view edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Settings {
    /// Theme.
    pub theme: ThemeChoice,
    /// Desktop notifications.
    pub notifications: bool,
    /// Start at login.
    pub start_at_login: bool,
    /// Closing the window hides it to the tray.
    pub close_to_tray: bool,
    /// History retention, days.
    pub retention_days: u32,
    /// Quiet hours.
    pub quiet_hours: QuietHours,
    /// Alert rules.
    pub alerts: AlertRules,
}

/// The `[desktop]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DesktopSection {
    close_to_tray: bool,
    retention_days: u32,
    quiet_hours: QuietHours,
    alerts: AlertRules,
    /// Muted servers (`panel/server`), kept across runs; not part of the settings view.
    #[serde(default)]
    muted: Vec<String>,
}

impl Default for DesktopSection {
    fn default() -> Self {
        Self {
            close_to_tray: true,
            retention_days: 30,
            quiet_hours: QuietHours {
                enabled: false,
                start: "22:00".into(),
                end: "07:00".into(),
            },
            alerts: AlertRules {
                crash: true,
                crash_loop_count: 3,
                crash_loop_window_s: 600,
                stuck_starting_s: 300,
                unexpected_offline: true,
                node_down: true,
                cpu_percent: 90,
                memory_percent: 90,
                disk_percent: 95,
                threshold_duration_s: 120,
                silent_console_s: 0,
                reminder_s: 1800,
            },
            muted: Vec::new(),
        }
    }
}

fn section(s: &aerie_core::settings::Settings) -> DesktopSection {
    s.other
        .get(SECTION)
        .cloned()
        .and_then(|v| v.try_into().ok())
        .unwrap_or_default()
}

fn encode_error(e: toml::ser::Error) -> aerie_core::Error {
    aerie_core::Error::Io(std::io::Error::other(format!(
        "could not encode settings: {e}"
    )))
}

/// The servers muted in the settings file.
pub fn muted_servers(s: &aerie_core::settings::Settings) -> Vec<ServerKey> {
    section(s)
        .muted
        .iter()
        .filter_map(|k| k.split_once('/'))
        .map(|(p, s)| ServerKey::new(p, s))
        .collect()
}

/// Records a server as muted or not in the settings file.
pub fn store_muted(
    file: &aerie_core::settings::SettingsFile,
    key: &ServerKey,
    muted: bool,
) -> Result<()> {
    file.update(|s| {
        let mut d = section(s);
        let id = key.to_string();
        d.muted.retain(|k| k != &id);
        if muted {
            d.muted.push(id);
        }
        let v = toml::Value::try_from(&d).map_err(encode_error)?;
        s.other.insert(SECTION.into(), v);
        Ok(())
    })?;
    Ok(())
}

/// The settings view's form of the settings file.
pub fn to_dto(s: &aerie_core::settings::Settings) -> Settings {
    let desktop = section(s);
    Settings {
        theme: match s.ui.theme {
            Theme::Light => ThemeChoice::Light,
            Theme::Dark => ThemeChoice::Dark,
            _ => ThemeChoice::System,
        },
        notifications: s.alerts.desktop_notifications,
        start_at_login: s.ui.start_at_login,
        close_to_tray: desktop.close_to_tray,
        retention_days: desktop.retention_days,
        quiet_hours: desktop.quiet_hours,
        alerts: desktop.alerts,
    }
}

/// The store's retention for "keep history `days` days": the default tiers, none kept longer
/// than that (the coarsest kept exactly that long), and the alert log as long. The store reads
/// it when it opens, so a change applies at the next start.
pub fn retention_for(days: u32, current: &Retention) -> Retention {
    let hours = days.max(1) * 24;
    let mut r = Retention {
        console_bytes_per_server: current.console_bytes_per_server,
        ..Retention::default()
    };
    for tier in &mut r.tiers {
        tier.keep_hours = tier.keep_hours.min(hours);
    }
    if let Some(last) = r.tiers.last_mut() {
        last.keep_hours = hours;
    }
    r.alert_log_days = days.max(1);
    r
}

fn valid_time(t: &str) -> bool {
    let Some((h, m)) = t.split_once(':') else {
        return false;
    };
    h.len() == 2
        && m.len() == 2
        && h.parse::<u8>().is_ok_and(|h| h < 24)
        && m.parse::<u8>().is_ok_and(|m| m < 60)
}

/// The settings.
#[tauri::command]
pub fn get_settings(engine: State<'_, EngineState>) -> Result<Settings> {
    Ok(to_dto(&engine.get()?.settings().load()?))
}

/// Saves the settings atomically and applies start at login; resolves to what was stored.
#[tauri::command]
pub fn set_settings(
    app: AppHandle,
    engine: State<'_, EngineState>,
    settings: Settings,
) -> Result<Settings> {
    if !valid_time(&settings.quiet_hours.start) || !valid_time(&settings.quiet_hours.end) {
        return Err(Error::invalid("quiet_hours", "use HH:MM for quiet hours"));
    }
    if settings.retention_days == 0 || settings.retention_days > 3650 {
        return Err(Error::invalid(
            "retention_days",
            "keep history 1 to 3650 days",
        ));
    }
    let engine = engine.get()?;
    let stored = engine.settings().update(|s| {
        let section = DesktopSection {
            close_to_tray: settings.close_to_tray,
            retention_days: settings.retention_days,
            quiet_hours: settings.quiet_hours.clone(),
            alerts: settings.alerts.clone(),
            muted: section(s).muted,
        };
        let section = toml::Value::try_from(&section).map_err(encode_error)?;
        s.ui.theme = match settings.theme {
            ThemeChoice::System => Theme::System,
            ThemeChoice::Light => Theme::Light,
            ThemeChoice::Dark => Theme::Dark,
        };
        s.alerts.desktop_notifications = settings.notifications;
        s.ui.start_at_login = settings.start_at_login;
        s.history = retention_for(settings.retention_days, &s.history);
        s.other.insert(SECTION.into(), section);
        Ok(to_dto(s))
    })?;
    engine.alerting.set_rules(crate::alerting::core_rules(
        &stored.alerts,
        &stored.quiet_hours,
    ));
    engine.alerting.set_notifications(stored.notifications);
    app.state::<crate::state::CloseToTray>()
        .set(stored.close_to_tray);
    let autostart = app.autolaunch();
    let applied = if stored.start_at_login {
        autostart.enable()
    } else {
        autostart.disable()
    };
    if let Err(e) = applied {
        tracing::warn!(error = %e, "could not change start at login");
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_through_the_file_model() {
        let mut file = aerie_core::settings::Settings::default();
        let mut dto = to_dto(&file);
        assert_eq!(dto.theme, ThemeChoice::System);
        dto.quiet_hours.enabled = true;
        let section = toml::Value::try_from(DesktopSection {
            close_to_tray: false,
            retention_days: 7,
            quiet_hours: dto.quiet_hours.clone(),
            alerts: dto.alerts.clone(),
            muted: vec!["p/abcd1234".into()],
        })
        .expect("encodes");
        file.other.insert(SECTION.into(), section);
        let back = to_dto(&file);
        assert!(back.quiet_hours.enabled && !back.close_to_tray);
        assert_eq!(back.retention_days, 7);
        assert_eq!(muted_servers(&file), [ServerKey::new("p", "abcd1234")]);
    }

    #[test]
    fn retention_days_bound_every_tier_and_the_alert_log() {
        let short = retention_for(1, &Retention::default());
        assert!(short.tiers.iter().all(|t| t.keep_hours <= 24));
        assert_eq!(short.tiers.last().map(|t| t.keep_hours), Some(24));
        assert_eq!(short.alert_log_days, 1);
        assert!(short.validate().is_ok());
        let long = retention_for(365, &short);
        assert_eq!(long.tiers.last().map(|t| t.keep_hours), Some(365 * 24));
        assert_eq!(
            long.tiers[0],
            Retention::default().tiers[0],
            "raising it again restores the finer tiers"
        );
        assert!(long.validate().is_ok());
    }

    #[test]
    fn quiet_hours_must_be_clock_times() {
        assert!(valid_time("22:00") && valid_time("07:30"));
        assert!(!valid_time("24:00") && !valid_time("7:00") && !valid_time("22h"));
    }
}
