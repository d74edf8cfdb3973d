//! Crash-safe file replacement: temp file, fsync, rename, fsync the directory.

use std::io::Write;
use std::path::Path;

/// Environment variable naming a point at which to abort the process, for crash tests only
/// (values: `after-temp-write`, `after-rename`). Unset in normal use.
pub const CRASH_HOOK_ENV: &str = "AERIE_TEST_CRASH_AT";

fn crash_point(name: &str) {
    if std::env::var_os(CRASH_HOOK_ENV).is_some_and(|v| v == name) {
        // Simulates a power cut or kill -9: no destructors, no buffered writes.
        std::process::abort();
    }
}

/// Replaces `path` with `bytes` so that a crash at any moment leaves either the old or the
/// new content, never a mix or an empty file.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    crash_point("after-temp-write");
    tmp.persist(path).map_err(|e| e.error)?;
    crash_point("after-rename");
    sync_dir(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows has no directory handles to flush; MoveFileEx with replace is durable enough.
    Ok(())
}

/// Removes temp files a crash left next to `path`.
pub(crate) fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) && n.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("settings.toml");
        super::write(&p, b"a = 1\n").expect("first write");
        super::write(&p, b"a = 2\n").expect("second write");
        assert_eq!(std::fs::read(&p).expect("read"), b"a = 2\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "only the settings file remains: {names:?}");
    }
}
