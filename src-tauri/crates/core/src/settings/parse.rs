//! The settings file's bytes to [`Settings`], without touching the file: what
//! [`super::SettingsFile::load`] checks after reading it, kept pure so it can be fuzzed.

use super::{Settings, VERSION};

/// Why a settings text cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not UTF-8, empty, not TOML, a field of the wrong type or a value out of range.
    Invalid {
        /// 1-based line of the problem, 0 when unknown.
        line: usize,
        /// 1-based column (in characters), 0 when unknown.
        column: usize,
        /// What is wrong, for the user.
        message: String,
    },
    /// Written by a newer Aerie (its `version`): left alone rather than misread.
    TooNew {
        /// The file's `version`.
        found: u32,
    },
}

/// Decodes and validates a settings file's content. A file that is not valid UTF-8 is refused
/// at its first bad byte; an empty one is damage, never "no accounts".
pub fn parse(bytes: &[u8]) -> Result<Settings, Refusal> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let lossy = String::from_utf8_lossy(bytes);
            return Err(invalid(
                &lossy,
                Some(e.valid_up_to()),
                "it is not UTF-8 text",
            ));
        }
    };
    if text.trim().is_empty() {
        return Err(invalid(text, None, "the file is empty"));
    }
    let mut table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let e: toml::de::Error = e;
            return Err(invalid(text, e.span().map(|s| s.start), e.message()));
        }
    };
    let version = match table.get("version") {
        None => 0,
        Some(v) => match v.as_integer().and_then(|v| u32::try_from(v).ok()) {
            Some(v) => v,
            None => {
                let at = text.find("version");
                return Err(invalid(text, at, "version must be a whole number"));
            }
        },
    };
    if version > VERSION {
        return Err(Refusal::TooNew { found: version });
    }
    let parsed = if migrate(&mut table, version) {
        toml::Value::Table(table).try_into::<Settings>()
    } else {
        // Parse the text itself so field errors keep their positions.
        toml::from_str::<Settings>(text)
    };
    let settings = match parsed {
        Ok(s) => s,
        Err(e) => return Err(invalid(text, e.span().map(|s| s.start), e.message())),
    };
    let settings = Settings {
        version: VERSION,
        ..settings
    };
    if let Err(msg) = settings.history.validate() {
        return Err(invalid(text, text.find("[history"), &msg));
    }
    if let Err((id, msg)) = crate::accounts::validate_configs(&settings.accounts) {
        return Err(invalid(text, text.find(&id), &msg));
    }
    Ok(settings)
}

fn invalid(text: &str, offset: Option<usize>, message: &str) -> Refusal {
    let (line, column) = offset.map_or((0, 0), |o| line_col(text, o));
    Refusal::Invalid {
        line,
        column,
        message: message.to_owned(),
    }
}

/// 1-based line and column of a byte offset (an offset inside a character counts from the
/// character's start).
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Upgrades an older file in place; returns whether anything changed. Version 0 (no `version`
/// key) is the first format, so there is nothing to do yet.
fn migrate(_table: &mut toml::Table, _from: u32) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_even_inside_a_character() {
        let text = "a = 1\nbé = x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 7), (2, 2));
        // Byte 8 is the second byte of `é`: the column of `é` itself, no panic.
        assert_eq!(line_col(text, 8), (2, 2));
        assert_eq!(line_col(text, 9), (2, 3));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn bad_bytes_are_refused_at_their_line() {
        let e = parse(b"version = 1\n\xff = 2\n");
        assert!(
            matches!(&e, Err(Refusal::Invalid { line: 2, column: 1, message }) if message.contains("UTF-8")),
            "{e:?}"
        );
    }
}
