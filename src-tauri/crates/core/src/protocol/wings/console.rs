//! The daemon's own console lines and its crash report.
//!
//! Wings writes `\x1b[33m\x1b[1m[<app> Daemon]:\x1b[39m <message>\x1b[0m` where `<app>` is
//! `Pterodactyl` (Wings) or `pelican` (Pelican Wings). After a crash it writes, in order,
//! "Detected server process in a crashed state!", "Exit code: N", "Out of memory: true|false",
//! and possibly "Aborting automatic restart, ...".

/// A recognised daemon line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonLine {
    /// The message without prefix and colours.
    pub message: String,
    /// Its meaning for crash detection, if any.
    pub crash: Option<CrashLine>,
}

/// The parts of the daemon's crash report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrashLine {
    /// `---------- Detected server process in a crashed state! ----------`
    Detected,
    /// `Exit code: N`
    ExitCode(i32),
    /// `Out of memory: true|false`
    OutOfMemory(bool),
    /// `Aborting automatic restart, <reason>`
    AbortingRestart(String),
}

/// Daemon lines are matched on their text with every terminal sequence removed.
pub use crate::text::strip_ansi;

/// Recognises a daemon line; `None` for the game server's own output.
pub fn daemon_line(line: &str) -> Option<DaemonLine> {
    // Cheap reject first: most lines are game output and must not pay for stripping.
    if !line.contains("Daemon]:") {
        return None;
    }
    let plain = strip_ansi(line);
    let trimmed = plain.trim_start();
    let rest = trimmed.strip_prefix('[')?;
    let end = rest.find(" Daemon]:")?;
    // The app name is one word (Pterodactyl, pelican, or a custom `app_name`).
    if end == 0 || end > 64 || rest[..end].contains(['[', ']']) {
        return None;
    }
    let message = rest[end + " Daemon]:".len()..].trim().to_owned();
    let crash = crash_line(&message);
    Some(DaemonLine { message, crash })
}

fn crash_line(m: &str) -> Option<CrashLine> {
    if m.contains("Detected server process in a crashed state") {
        return Some(CrashLine::Detected);
    }
    if let Some(code) = m.strip_prefix("Exit code:") {
        return code.trim().parse().ok().map(CrashLine::ExitCode);
    }
    if let Some(oom) = m.strip_prefix("Out of memory:") {
        return match oom.trim() {
            "true" => Some(CrashLine::OutOfMemory(true)),
            "false" => Some(CrashLine::OutOfMemory(false)),
            _ => None,
        };
    }
    if let Some(reason) = m.strip_prefix("Aborting automatic restart") {
        let reason = reason.trim_start_matches([',', ' ']).trim_end_matches('.');
        return Some(CrashLine::AbortingRestart(reason.to_owned()));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn wings(app: &str, msg: &str) -> String {
        format!("\u{1b}[33m\u{1b}[1m[{app} Daemon]:\u{1b}[39m {msg}\u{1b}[0m")
    }

    #[test]
    fn daemon_lines_of_both_daemons_are_recognised() {
        for app in ["Pterodactyl", "pelican"] {
            let d = daemon_line(&wings(app, "Server marked as running...")).expect("daemon line");
            assert_eq!(d.message, "Server marked as running...");
            assert_eq!(d.crash, None);
        }
        assert_eq!(daemon_line("[12:00:00 INFO]: Done (3.2s)!"), None);
        assert_eq!(daemon_line("<player> [fake Daemon]: hi"), None);
    }

    #[test]
    fn the_crash_report_is_decoded() {
        let p = |m: &str| daemon_line(&wings("Pterodactyl", m)).and_then(|d| d.crash);
        assert_eq!(
            p("---------- Detected server process in a crashed state! ----------"),
            Some(CrashLine::Detected)
        );
        assert_eq!(p("Exit code: 137"), Some(CrashLine::ExitCode(137)));
        assert_eq!(p("Exit code: -1"), Some(CrashLine::ExitCode(-1)));
        assert_eq!(p("Out of memory: true"), Some(CrashLine::OutOfMemory(true)));
        assert_eq!(
            p("Aborting automatic restart, last crash occurred less than 60 seconds ago."),
            Some(CrashLine::AbortingRestart(
                "last crash occurred less than 60 seconds ago".into()
            ))
        );
    }

    proptest! {
        #[test]
        fn recognising_never_panics(s in ".{0,300}") {
            let _ = daemon_line(&s);
            let _ = daemon_line(&format!("[x Daemon]:{s}"));
            let _ = strip_ansi(&s);
        }
    }
}
