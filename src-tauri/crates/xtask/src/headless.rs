//! System packages and the headless desktop session the tests run in.
//!
//! Both are delegated to `scripts/headless-env.sh`, which is idempotent and stops only what it
//! started.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Installs missing Debian/Ubuntu packages (apt, non-interactive). A no-op when all are present
/// or when the machine has no apt.
pub fn install_packages(root: &Path) -> Result<()> {
    if !Path::new("/usr/bin/apt-get").exists() {
        println!(
            "xtask: no apt-get here; install the packages listed in scripts/headless-env.sh yourself"
        );
        return Ok(());
    }
    let status = Command::new("bash")
        .arg(root.join("scripts/headless-env.sh"))
        .arg("--install-only")
        .status()
        .context("running scripts/headless-env.sh --install-only")?;
    if !status.success() {
        bail!("installing system packages failed (needs root or sudo, and apt access)");
    }
    Ok(())
}

/// A running headless session: Xvfb, a private D-Bus, an unlocked gnome-keyring and dunst.
/// Stopped on drop.
pub struct Session {
    root: std::path::PathBuf,
    /// Environment to give to every child process that needs the desktop.
    pub env: BTreeMap<String, String>,
}

impl Session {
    /// Starts (or reuses) the session and reads back its environment.
    pub fn start(root: &Path) -> Result<Self> {
        let out = Command::new("bash")
            .arg(root.join("scripts/headless-env.sh"))
            .arg("--print-env")
            .env("TAURI_HEADLESS_SKIP_APT", "1")
            .output()
            .context("running scripts/headless-env.sh")?;
        if !out.status.success() {
            bail!(
                "the headless desktop session did not start:\n{}",
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
        Ok(Self {
            root: root.to_path_buf(),
            env,
        })
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(self.root.join("scripts/headless-env.sh"))
            .arg("--stop")
            .envs(&self.env)
            .status();
    }
}
