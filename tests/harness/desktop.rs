//! The headless desktop session the app runs in.

use crate::root;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::process::Command;

/// Environment of the desktop session (DISPLAY, D-Bus, keyring), given to every child.
#[derive(Debug, Clone)]
pub struct Desktop {
    env: BTreeMap<String, String>,
}

impl Desktop {
    /// Uses the session this process runs in (`cargo xtask test` starts one), or starts one
    /// with `scripts/headless-env.sh` (idempotent; it reuses what runs already).
    pub fn ensure() -> Result<Self> {
        let have = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty());
        if have("DISPLAY") && have("DBUS_SESSION_BUS_ADDRESS") {
            let env = ["DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]
                .iter()
                .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
                .collect();
            return Ok(Self { env });
        }
        let out = Command::new("bash")
            .arg(root().join("scripts/headless-env.sh"))
            .arg("--print-env")
            .env("TAURI_HEADLESS_SKIP_APT", "1")
            .output()
            .context("running scripts/headless-env.sh")?;
        if !out.status.success() {
            bail!(
                "the headless desktop did not start:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| {
                let (k, v) = line.strip_prefix("export ")?.split_once('=')?;
                Some((k.to_string(), v.trim_matches('\'').to_string()))
            })
            .collect();
        Ok(Self { env })
    }

    /// The variables to pass to children.
    pub fn env(&self) -> impl Iterator<Item = (&String, &String)> {
        self.env.iter()
    }

    /// A command with this desktop's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.envs(self.env());
        cmd
    }
}
