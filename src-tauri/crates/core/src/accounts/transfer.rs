//! Export and import of accounts and settings. Exports never contain a secret: the settings
//! hold none, and keys are not read for an export. Imported accounts need their key again.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::{new_account_id, validate_configs};
use crate::settings::{self, Settings, SettingsFile};
use crate::{Error, Result};

/// Marks a file as an Aerie export; bumped when the layout changes.
const EXPORT_FORMAT: u32 = 1;

#[derive(Serialize, Deserialize)]
struct ExportFile {
    aerie_export: u32,
    exported_at_ms: u64,
    settings: Settings,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Accounts added (they need their key: see [`super::Accounts::rekey`]).
    pub added: Vec<String>,
    /// Accounts already present (same panel, and the same id or the same user and name),
    /// left as they were.
    pub skipped: Vec<String>,
}

/// Writes the accounts and settings of `settings` to `path` (TOML), without any secret.
/// Returns how many accounts were written.
pub fn export(settings: &SettingsFile, path: &Path) -> Result<usize> {
    let settings = settings.load()?;
    let n = settings.accounts.len();
    let file = ExportFile {
        aerie_export: EXPORT_FORMAT,
        exported_at_ms: crate::clock::now_ms(),
        settings,
    };
    let text = toml::to_string_pretty(&file).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    // Atomic like the settings file: an interrupted export never leaves half a file.
    crate::settings::atomic::write(path, text.as_bytes())
        .map_err(|e| crate::settings::file_error("write", path, &e))?;
    Ok(n)
}

/// Decodes and checks an export file's text: the settings it carries, or what is wrong with
/// it (with its line when the TOML says where). Touches no file.
pub fn parse_export(text: &str) -> std::result::Result<Settings, String> {
    let file: ExportFile = toml::from_str(text).map_err(|e| {
        // Counted in bytes: toml's span can start inside a character (a panic when sliced).
        let line = e.span().map(|s| {
            let before = &text.as_bytes()[..s.start.min(text.len())];
            before.iter().filter(|b| **b == b'\n').count() + 1
        });
        match line {
            Some(line) => format!("line {line}: {}", e.message()),
            None => e.message().to_owned(),
        }
    })?;
    if file.aerie_export > EXPORT_FORMAT || file.settings.version > settings::VERSION {
        return Err("it was written by a newer Aerie; update Aerie first".into());
    }
    file.settings.history.validate()?;
    validate_configs(&file.settings.accounts).map_err(|(_, m)| m)?;
    Ok(file.settings)
}

/// Reads an export into `settings`: adds the accounts not present yet (without keys) and
/// takes over the other settings sections. A file that cannot be used changes nothing.
///
/// Every added account gets a fresh id. Keys are stored in the keyring under the account id,
/// so keeping the file's id would hand an imported account whatever key the keyring still
/// holds under that id (say, after the settings file was deleted) and send it to the
/// imported, possibly foreign, panel address.
pub fn import(settings: &SettingsFile, path: &Path) -> Result<ImportSummary> {
    let invalid = |detail: String| Error::ImportInvalid {
        path: path.to_path_buf(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
    let imported = parse_export(&text).map_err(invalid)?;
    settings.update(|s| {
        let mut summary = ImportSummary::default();
        for mut a in imported.accounts {
            // The same account: on this machine already (same id and panel), or imported
            // before (same panel, user and name; it got a fresh id then).
            let present = s.accounts.iter().any(|x| {
                x.url == a.url && (x.id == a.id || (x.username == a.username && x.name == a.name))
            });
            if present {
                summary.skipped.push(a.name);
                continue;
            }
            a.id = new_account_id();
            if s.accounts.iter().any(|x| x.name == a.name) {
                a.name = format!("{} (imported)", a.name);
            }
            summary.added.push(a.name.clone());
            s.accounts.push(a);
        }
        s.history = imported.history;
        s.alerts = imported.alerts;
        s.ui = imported.ui;
        s.other = imported.other;
        Ok(summary)
    })
}
