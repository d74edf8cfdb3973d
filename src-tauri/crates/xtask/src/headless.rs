//! System packages and the headless desktop session the tests run in.
//!
//! Both are delegated to `scripts/headless-env.sh`, which is idempotent and stops only what it
//! started.

use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Which system packages a task needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packages {
    /// Building and running the desktop app (`demo`, `run`, `bundle`).
    Build,
    /// The build set plus the headless desktop the tests run in (`test`).
    Test,
}

/// Installs missing Debian/Ubuntu packages (apt, non-interactive; a no-op when all are
/// present). Elsewhere it prints what to install and returns Ok: the build that follows says
/// what is still missing.
pub fn install_packages(root: &Path, set: Packages) -> Result<()> {
    if !Path::new("/usr/bin/apt-get").exists() || !Path::new("/usr/bin/dpkg-query").exists() {
        println!("{}", elsewhere(root, set));
        return Ok(());
    }
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts/headless-env.sh"))
        .arg("--install-only");
    if set == Packages::Build {
        cmd.arg("build");
    }
    let status = cmd
        .status()
        .context("running scripts/headless-env.sh --install-only")?;
    if !status.success() {
        bail!(
            "installing system packages failed (needs root or sudo, and apt access); \
             install them yourself and pass --no-apt:\n  sudo apt-get install {}",
            debian_packages(root, set)
        );
    }
    Ok(())
}

/// The Debian package names of `set`, space-separated, as the script lists them.
fn debian_packages(root: &Path, set: Packages) -> String {
    let mut cmd = Command::new("bash");
    cmd.arg(root.join("scripts/headless-env.sh"))
        .arg("--list-packages");
    if set == Packages::Build {
        cmd.arg("build");
    }
    cmd.output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// What to install on a system without apt, per OS.
fn elsewhere(root: &Path, set: Packages) -> String {
    let os = std::env::consts::OS;
    let specific = match os {
        "linux" => "Fedora:  sudo dnf install webkit2gtk4.1-devel libappindicator-gtk3-devel \
             librsvg2-devel libsoup3-devel openssl-devel libxdo-devel dbus-devel \
             libsecret-devel\n  \
             Arch:    sudo pacman -S webkit2gtk-4.1 libappindicator-gtk3 librsvg libsoup3 \
             openssl xdotool dbus libsecret base-devel\n  \
             openSUSE: sudo zypper in webkit2gtk3-devel libappindicator3-1 librsvg-devel \
             libsoup-devel libopenssl-devel libxdo-devel dbus-1-devel libsecret-devel"
            .to_string(),
        "macos" => "macOS:   xcode-select --install   (WebKit is part of the system)".to_string(),
        "windows" => "Windows: the Visual Studio C++ Build Tools and the WebView2 runtime \
             (preinstalled on Windows 10 21H2+ and 11)"
            .to_string(),
        other => format!("{other}: see the README"),
    };
    let debian = debian_packages(root, set);
    format!(
        "xtask: this system has no apt, so nothing is installed automatically. Install Tauri \
         v2's prerequisites and Node.js >= 20.19 (README, \"Building on other systems\"):\n  \
         {specific}\n  (on Debian/Ubuntu these are: {debian})"
    )
}

/// Checks for Node.js and npm, which build the UI: Debian's own `nodejs` is too old for
/// the UI's toolchain (vite 7 wants Node 20.19+), so it is not installed through apt.
pub fn require_node() -> Result<()> {
    let version = Command::new("node")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let hint = "install Node.js 20.19 or newer with npm (https://nodejs.org, or on \
        Debian/Ubuntu the NodeSource packages: https://github.com/nodesource/distributions), \
        then run this again";
    let Some(version) = version else {
        bail!("Node.js is not installed; the UI is built with npm: {hint}");
    };
    let (major, minor) = parse_node_version(&version).unwrap_or((0, 0));
    if (major, minor) < (20, 19) {
        bail!("Node.js {version} is too old for the UI's build (vite 7): {hint}");
    }
    Ok(())
}

/// `v20.19.2` → (20, 19).
fn parse_node_version(v: &str) -> Option<(u32, u32)> {
    let mut parts = v.trim().trim_start_matches('v').split('.');
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
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

#[cfg(test)]
mod tests {
    use super::parse_node_version;

    #[test]
    fn node_versions_parse_as_major_minor() {
        assert_eq!(parse_node_version("v20.19.2"), Some((20, 19)));
        assert_eq!(parse_node_version("v18.19.0\n"), Some((18, 19)));
        assert_eq!(parse_node_version("garbage"), None);
    }
}
