//! Finding and stopping the app process the WebDriver started (Linux `/proc`).
//!
//! Closing the session closes the window, and Aerie's window only hides to the tray, so the
//! harness ends the app itself: SIGTERM, which Aerie handles like the tray's "Quit".

use std::time::{Duration, Instant};

/// Parent pid of `pid`, from `/proc/<pid>/stat`.
fn parent(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; fields after the last ')' are fixed.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(1)?.parse().ok()
}

/// Whether `pid` runs (zombies count as gone: PID 1 in containers may never reap them).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            let rest = s[s.rfind(')')? + 2..].to_string();
            rest.split(' ').next().map(|st| st != "Z" && st != "X")
        })
        .unwrap_or(false)
}

/// Every live descendant of `root`.
pub fn descendants(root: u32) -> Vec<u32> {
    let pids: Vec<u32> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(pids.iter().copied().filter(|&c| parent(c) == Some(p)));
        i += 1;
    }
    found.retain(|&p| p != root && alive(p));
    found
}

/// The descendant of `driver` whose executable is `binary`.
pub fn app_pid(driver: u32, binary: &std::path::Path) -> Option<u32> {
    descendants(driver).into_iter().find(|p| {
        std::fs::read_link(format!("/proc/{p}/exe"))
            .map(|exe| exe == binary)
            .unwrap_or(false)
    })
}

/// SIGTERM, then wait up to `grace` for the process to end; SIGKILL after that.
pub fn stop(pid: u32, grace: Duration) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + grace;
    while alive(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive(pid) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
}
