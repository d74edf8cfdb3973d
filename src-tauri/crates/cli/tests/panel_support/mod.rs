//! Runs the real `aerie` binary in a private home with a private keyring service.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

#[path = "../../../core/tests/accounts_support/mod.rs"]
pub mod fake_panel;

use aerie_core::secrets::{KeyringStore, SecretStore};

/// Fails with instructions when there is no session bus (the real Secret Service needs one).
pub fn require_session_bus() {
    if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "DBUS_SESSION_BUS_ADDRESS is not set: these tests use the real OS keyring (Secret \
             Service). Run them with `cargo xtask test`, which starts a private D-Bus and an \
             unlocked gnome-keyring, or `eval \"$(bash scripts/headless-env.sh --print-env)\"` first"
        );
    }
}

/// One user's Aerie: a temp `AERIE_HOME` and a keyring service no one else uses.
pub struct Aerie {
    pub home: tempfile::TempDir,
    pub service: String,
    /// Everything the binary printed, for the secret scan.
    pub transcript: std::cell::RefCell<String>,
}

impl Aerie {
    pub fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Self {
            home: tempfile::tempdir().expect("tempdir"),
            service: format!("aerie-test-{}-{nanos}", std::process::id()),
            transcript: Default::default(),
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn settings_file(&self) -> PathBuf {
        self.home().join("config").join("settings.toml")
    }

    /// Runs `aerie args...`, feeding `stdin`, with extra `env`.
    pub fn run(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aerie"));
        cmd.args(args)
            // Run in the temp home so a core dump from the crash tests never lands in the repo.
            .current_dir(self.home())
            .env("AERIE_HOME", self.home())
            .env("AERIE_KEYRING_SERVICE", &self.service)
            .env("AERIE_LOG", "trace")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn aerie");
        // Dropping stdin closes it, so a command reading a key sees end of input.
        if let Some(mut input) = child.stdin.take()
            && let Some(text) = stdin
        {
            input.write_all(text.as_bytes()).expect("write stdin");
        }
        let out = child.wait_with_output().expect("wait for aerie");
        let mut t = self.transcript.borrow_mut();
        t.push_str(&String::from_utf8_lossy(&out.stdout));
        t.push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> String {
        let out = self.run(args, stdin, env);
        assert!(
            out.status.success(),
            "aerie {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects failure; returns stderr.
    pub fn fails(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> String {
        let out = self.run(args, stdin, env);
        assert!(!out.status.success(), "aerie {args:?} should have failed");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `aerie panel list --json`.
    pub fn list(&self) -> Vec<serde_json::Value> {
        let out = self.ok(&["panel", "list", "--json"], None, &[]);
        serde_json::from_str(&out).expect("list is JSON")
    }

    /// The keyring as this test process (not the CLI process) sees it.
    pub fn keyring(&self) -> KeyringStore {
        KeyringStore::open(&self.service).expect("open the real keyring")
    }
}

impl Drop for Aerie {
    fn drop(&mut self) {
        // Leave nothing in the test keyring: accounts the test did not remove, and the probe.
        if let Ok(k) = KeyringStore::open(&self.service) {
            if let Ok(text) = std::fs::read_to_string(self.settings_file()) {
                for line in text.lines() {
                    if let Some(id) = line.strip_prefix("id = ") {
                        let _ = k.delete(id.trim_matches('"'));
                    }
                }
            }
            let _ = k.delete("aerie-keyring-probe");
        }
    }
}
