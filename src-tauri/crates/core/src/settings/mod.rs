//! The settings file: TOML in the OS config directory, written atomically, versioned, validated.
//!
//! [`SettingsFile::load`] never overwrites or deletes what it cannot read: an invalid file is
//! copied to `settings.toml.corrupt-<unix seconds>` and reported with its line and column.
//! [`SettingsFile::save`] replaces the file atomically (see [`CRASH_HOOK_ENV`] for the crash
//! tests). The file never holds a secret: API keys live in the OS keyring.

pub(crate) mod atomic;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use atomic::CRASH_HOOK_ENV;

mod parse;
mod sinks;
mod trust;

pub use parse::{Refusal, parse};
pub use sinks::{SinkConfig, SinkKind};

use crate::accounts::AccountConfig;
use crate::store::Retention;
use crate::{Error, Result};

/// The settings format this build writes. Older files are migrated on load.
pub const VERSION: u32 = 1;
/// File name inside the config directory.
pub const SETTINGS_FILE: &str = "settings.toml";
/// Environment variable that puts config and data under one root directory (tests, demo,
/// portable installs).
pub const HOME_ENV: &str = "AERIE_HOME";

/// Where Aerie keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// Holds `settings.toml`.
    pub config_dir: PathBuf,
    /// Holds the database.
    pub data_dir: PathBuf,
}

impl Paths {
    /// The OS directories for `app` (`aerie`, or `aerie-demo` for the demo), e.g.
    /// `~/.config/aerie` and `~/.local/share/aerie` on Linux.
    pub fn os(app: &str) -> Result<Self> {
        let dirs = directories::ProjectDirs::from("", "", app).ok_or(Error::NoHomeDir)?;
        Ok(Self {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
        })
    }

    /// Everything under one root: `<root>/config` and `<root>/data`.
    pub fn under(root: &Path) -> Self {
        Self {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
        }
    }

    /// [`Paths::under`] `$AERIE_HOME` when it is set, else [`Paths::os`].
    pub fn from_env(app: &str) -> Result<Self> {
        match std::env::var_os(HOME_ENV) {
            Some(root) if !root.is_empty() => Ok(Self::under(Path::new(&root))),
            _ => Self::os(app),
        }
    }

    /// `settings.toml` in the config directory.
    pub fn settings_file(&self) -> PathBuf {
        self.config_dir.join(SETTINGS_FILE)
    }

    /// `aerie.sqlite3` in the data directory (history, alert log, console archive).
    pub fn database_file(&self) -> PathBuf {
        self.data_dir.join(crate::store::DATABASE_FILE)
    }
}

/// Everything in `settings.toml`. Sections other modules own are plain `serde` structs with
/// defaults, so a missing section or field means "default". Unknown top-level sections are
/// kept as they are, so an older Aerie does not erase what a newer one wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Format version (see [`VERSION`]).
    pub version: u32,
    /// Panel accounts (never their keys).
    pub accounts: Vec<AccountConfig>,
    /// How long each downsampling tier of the metrics history is kept, and the console
    /// archive's size (`[history]`).
    pub history: Retention,
    /// Alerting preferences.
    pub alerts: AlertSettings,
    /// Window and tray preferences.
    pub ui: UiSettings,
    /// Node certificates the user trusted (trust on first use): node `host:port` → SHA-256
    /// fingerprint (`AB:CD:…`). Public data, not secrets: a fingerprint only names a
    /// certificate.
    pub trusted_certificates: std::collections::BTreeMap<String, String>,
    /// Sections this build does not know, preserved verbatim.
    #[serde(flatten)]
    pub other: toml::Table,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: VERSION,
            accounts: Vec::new(),
            history: Retention::default(),
            alerts: AlertSettings::default(),
            ui: UiSettings::default(),
            trusted_certificates: std::collections::BTreeMap::new(),
            other: toml::Table::new(),
        }
    }
}

/// Alerting preferences; the alert engine adds its rules here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertSettings {
    /// Master switch for alerts.
    pub enabled: bool,
    /// Show desktop notifications; when off, alerts are still detected, logged and shown in
    /// the app.
    pub desktop_notifications: bool,
    /// Webhook sinks (`[[alerts.sinks]]`): id, kind, name and severity filter; their URLs
    /// are in the OS keyring.
    pub sinks: Vec<SinkConfig>,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            desktop_notifications: true,
            sinks: Vec::new(),
        }
    }
}

/// Window and tray preferences.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct UiSettings {
    /// `system`, `light` or `dark`.
    pub theme: Theme,
    /// Start hidden in the tray.
    pub start_minimized: bool,
    /// Register the app with the OS to start at login (the desktop applies it through its
    /// autostart plugin).
    pub start_at_login: bool,
}

/// Colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the OS.
    #[default]
    System,
    /// Light, whatever the OS uses.
    Light,
    /// Dark, whatever the OS uses.
    Dark,
}

/// The error for a file that could not be read or written.
pub(crate) fn file_error(action: &'static str, path: &Path, e: &std::io::Error) -> Error {
    Error::FileAccess {
        action,
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

/// A handle on the settings file: loads without ever destroying a file it cannot read, and
/// saves atomically.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    /// The settings file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The settings file of `paths`.
    pub fn at(paths: &Paths) -> Self {
        Self::new(paths.settings_file())
    }

    /// Where it is read and written, for messages that name the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads and validates the settings (see [`parse`]); a missing file gives the defaults.
    pub fn load(&self) -> Result<Settings> {
        atomic::remove_leftovers(&self.path);
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
            Err(e) => return Err(file_error("read", &self.path, &e)),
        };
        parse(&bytes).map_err(|refusal| match refusal {
            Refusal::TooNew { found } => Error::SettingsTooNew {
                path: self.path.clone(),
                found,
                supported: VERSION,
            },
            Refusal::Invalid {
                line,
                column,
                message,
            } => self.invalid(line, column, message),
        })
    }

    /// Copies the unreadable file aside and builds the error that says where.
    fn invalid(&self, line: usize, column: usize, message: String) -> Error {
        let ts = crate::clock::now_ms() / 1000;
        let backup = PathBuf::from(format!("{}.corrupt-{ts}", self.path.display()));
        if let Err(e) = std::fs::copy(&self.path, &backup) {
            tracing::error!(error = %e, "could not copy the invalid settings file aside");
        }
        tracing::error!(path = %self.path.display(), line, column, message = message.as_str(), "invalid settings file");
        Error::SettingsInvalid {
            path: self.path.clone(),
            line,
            column,
            message,
            backup,
        }
    }

    /// Writes the settings atomically.
    pub fn save(&self, settings: &Settings) -> Result<()> {
        let text =
            toml::to_string_pretty(settings).map_err(|e| Error::Io(std::io::Error::other(e)))?;
        atomic::write(&self.path, text.as_bytes())
            .map_err(|e| file_error("write", &self.path, &e))?;
        Ok(())
    }

    /// Loads, changes and saves the settings. Nothing is written when `change` fails.
    ///
    /// Updates within one process are serialised, so two commands changing different things
    /// at once (a rename and a theme switch) both land. Another process (the CLI while the app
    /// runs) is not locked out: the last save wins.
    pub fn update<T>(&self, change: impl FnOnce(&mut Settings) -> Result<T>) -> Result<T> {
        static UPDATES: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _serialised = UPDATES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut settings = self.load()?;
        let out = change(&mut settings)?;
        self.save(&settings)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_and_unknown_sections_survive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join(SETTINGS_FILE));
        assert_eq!(file.load().expect("missing file"), Settings::default());
        std::fs::write(
            file.path(),
            "version = 1\n[ui]\ntheme = \"dark\"\n[future_feature]\nknob = 3\n",
        )
        .expect("write");
        let s = file.load().expect("loads");
        assert_eq!(s.ui.theme, Theme::Dark);
        assert!(s.alerts.enabled, "missing sections take their defaults");
        file.save(&s).expect("saves");
        let again = file.load().expect("reloads");
        assert_eq!(again.other["future_feature"]["knob"].as_integer(), Some(3));
    }

    #[test]
    fn a_type_error_names_the_line_and_keeps_a_copy() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join(SETTINGS_FILE));
        let text = "version = 1\n\n[ui]\nstart_minimized = \"yes\"\n";
        std::fs::write(file.path(), text).expect("write");
        match file.load() {
            Err(Error::SettingsInvalid {
                line,
                backup,
                message,
                ..
            }) => {
                assert_eq!(line, 4, "{message}");
                assert_eq!(std::fs::read_to_string(&backup).expect("backup"), text);
                assert_eq!(std::fs::read_to_string(file.path()).expect("kept"), text);
            }
            other => panic!("expected SettingsInvalid, got {other:?}"),
        }
    }

    #[test]
    fn a_save_that_cannot_write_says_where_and_what_to_do() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The config "folder" is a file: no save can succeed, whatever the user's rights.
        let blocker = dir.path().join("config");
        std::fs::write(&blocker, "not a folder").expect("blocker");
        let file = SettingsFile::new(blocker.join(SETTINGS_FILE));
        let err = file
            .save(&Settings::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("could not write"), "{err}");
        assert!(err.contains(&blocker.display().to_string()), "{err}");
        assert!(err.contains("previous file is unchanged"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&blocker).expect("kept"),
            "not a folder"
        );
    }

    #[test]
    fn concurrent_updates_in_one_process_are_all_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join(SETTINGS_FILE));
        std::thread::scope(|scope| {
            for t in 0..4 {
                let file = &file;
                scope.spawn(move || {
                    for i in 0..10 {
                        file.update(|s| {
                            s.other.insert(format!("k{t}_{i}"), toml::Value::Integer(1));
                            Ok(())
                        })
                        .expect("update");
                    }
                });
            }
        });
        assert_eq!(
            file.load().expect("load").other.len(),
            40,
            "no update was lost"
        );
    }

    #[test]
    fn newer_and_empty_files_are_refused_without_touching_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join(SETTINGS_FILE));
        std::fs::write(file.path(), "version = 99\n").expect("write");
        assert!(matches!(
            file.load(),
            Err(Error::SettingsTooNew { found: 99, .. })
        ));
        std::fs::write(file.path(), "").expect("write");
        let err = file.load().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("empty"), "{err}");
    }

    #[test]
    fn bad_history_tiers_are_reported_at_their_section() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join(SETTINGS_FILE));
        std::fs::write(
            file.path(),
            "version = 1\n[history]\ntiers = [{ step_secs = 60, keep_hours = 1 }, { step_secs = 5, keep_hours = 1 }]\n",
        )
        .expect("write");
        match file.load() {
            Err(Error::SettingsInvalid { line, message, .. }) => {
                assert_eq!(line, 2);
                assert!(message.contains("finest"), "{message}");
            }
            other => panic!("expected SettingsInvalid, got {other:?}"),
        }
    }
}
