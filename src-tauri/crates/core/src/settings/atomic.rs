//! Crash-safe file replacement: temp file, fsync, rename, fsync the directory.

use std::io::Write;
use std::path::{Path, PathBuf};

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
    let mut attempt = 0;
    loop {
        attempt += 1;
        match Pending::create(path)?.commit(bytes) {
            // A `load()` elsewhere took our temp file for a crash leftover in the instant
            // between its creation and our lock: start over with a new one.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempt < 3 => continue,
            other => return other,
        }
    }
}

/// A save in progress: a temp file next to its target, exclusively locked from just after its
/// creation until the rename. The lock is what tells [`remove_leftovers`] (in this process or
/// another one) that the file is live; the OS drops it when the writer dies, so the temp file
/// of a crashed save is unlocked and can go.
pub(crate) struct Pending {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Pending {
    /// Creates and locks the temp file for `path`.
    pub(crate) fn create(path: &Path) -> std::io::Result<Self> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.as_file().lock()?;
        Ok(Self {
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Writes `bytes`, flushes them to disk and renames the temp file over the target.
    pub(crate) fn commit(mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.tmp.write_all(bytes)?;
        self.tmp.as_file().sync_all()?;
        crash_point("after-temp-write");
        let file = self.tmp.persist(&self.path).map_err(|e| e.error)?;
        // Unlocks: the file is the target now, not a temp file.
        drop(file);
        crash_point("after-rename");
        sync_dir(self.path.parent().unwrap_or_else(|| Path::new(".")))
    }
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

/// Removes temp files a crash left next to `path`. A temp file some writer still holds locked
/// (a save in progress, here or in another process such as the CLI beside the app) is left
/// alone: deleting it would make that save fail.
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
        if !(n.starts_with(&prefix) && n.ends_with(".tmp")) {
            continue;
        }
        let Ok(file) = std::fs::File::open(e.path()) else {
            continue;
        };
        // Held while deleting, so no writer can take the file up in between.
        if file.try_lock().is_ok() {
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

    #[test]
    fn a_load_leaves_the_temp_file_of_a_live_save_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("settings.toml");
        super::write(&p, b"a = 1\n").expect("first write");
        // A save in progress (this process or another one) while a load cleans up.
        let live = super::Pending::create(&p).expect("temp file");
        super::remove_leftovers(&p);
        live.commit(b"a = 2\n")
            .expect("the save in progress still lands");
        assert_eq!(std::fs::read(&p).expect("read"), b"a = 2\n");
    }

    #[test]
    fn a_load_removes_the_temp_file_of_a_dead_save() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("settings.toml");
        // What a crash leaves: the temp file, no writer holding it.
        let dead = dir.path().join(".settings.toml.Xy12Ab.tmp");
        std::fs::write(&dead, b"a = 3\n").expect("leftover");
        let other = dir.path().join(".other.toml.Xy12Ab.tmp");
        std::fs::write(&other, b"").expect("someone else's file");
        super::remove_leftovers(&p);
        assert!(!dead.exists(), "the crash leftover is gone");
        assert!(other.exists(), "files of other targets are left alone");
    }

    #[test]
    fn saves_and_loads_running_at_once_all_succeed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("settings.toml");
        super::write(&p, b"a = 0\n").expect("first write");
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let saver = s.spawn(|| {
                let failed = (0..100)
                    .filter(|i| super::write(&p, format!("a = {i}\n").as_bytes()).is_err())
                    .count();
                done.store(true, std::sync::atomic::Ordering::SeqCst);
                failed
            });
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                super::remove_leftovers(&p);
            }
            assert_eq!(saver.join().expect("saver"), 0, "no save failed");
        });
        assert_eq!(std::fs::read(&p).expect("read"), b"a = 99\n");
    }
}
