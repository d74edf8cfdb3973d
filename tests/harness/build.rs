//! Building what the scenarios run: the UI, the app, tauri-driver.

use crate::root;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// Cargo's target directory for this workspace.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    // Cargo sets these for the test or bench that runs this harness. A nested cargo would pass
    // them on, and build scripts that watch them (ring's `CARGO_PKG_NAME`, …) would rebuild
    // half the tree on every run.
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("CARGO_PKG_")
            || k.starts_with("CARGO_MANIFEST_")
            || matches!(
                k.as_ref(),
                "CARGO_CRATE_NAME" | "CARGO_BIN_NAME" | "CARGO_PRIMARY_PACKAGE" | "OUT_DIR"
            )
        {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// Builds the UI if needed, then the app (once per test binary); returns the binary's path.
/// Tests use the debug build; benchmarks measure the `release` one (what users run).
pub fn app_binary(release: bool) -> Result<PathBuf> {
    static DEBUG: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    static RELEASE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    if release { &RELEASE } else { &DEBUG }
        .get_or_init(|| build_all(release).map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn build_all(release: bool) -> Result<PathBuf> {
    build_ui_if_stale()?;
    eprintln!(
        "e2e: cargo build -p aerie-desktop{}",
        if release { " --release" } else { "" }
    );
    let out = cargo()
        .args([
            "build",
            "-p",
            "aerie-desktop",
            "--bin",
            "aerie-desktop",
            "--message-format=json-render-diagnostics",
        ])
        .args(release.then_some("--release"))
        .current_dir(root())
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running cargo build")?;
    if !out.status.success() {
        bail!("cargo build -p aerie-desktop failed");
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "aerie-desktop")
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .context("cargo did not report the aerie-desktop executable")
}

/// Runs `npm ci` (when `node_modules` is missing) and `npm run build` when `ui/dist` is missing,
/// is the build script's placeholder, or is older than anything in `ui/src`.
fn build_ui_if_stale() -> Result<()> {
    let ui = root().join("ui");
    if !ui.join("package.json").exists() {
        eprintln!("e2e: no ui/package.json yet; the app shows its placeholder page");
        return Ok(());
    }
    let index = ui.join("dist/index.html");
    let placeholder = std::fs::read_to_string(&index)
        .map(|s| s.contains("data-testid=\"placeholder\""))
        .unwrap_or(true);
    let built = modified(&index);
    let stale = placeholder
        || built.is_none()
        || newest(&ui.join("src")) > built
        || modified(&ui.join("package.json")) > built
        || modified(&ui.join("index.html")) > built;
    if !stale {
        return Ok(());
    }
    if !ui.join("node_modules").exists() {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui))?;
    }
    run(Command::new("npm").args(["run", "build"]).current_dir(&ui))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn newest(dir: &Path) -> Option<SystemTime> {
    let mut newest = modified(dir);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let t = if path.is_dir() {
            self::newest(&path)
        } else {
            modified(&path)
        };
        newest = newest.max(t);
    }
    newest
}

/// `tauri-driver`, installed with `cargo install tauri-driver --locked` when missing.
pub fn tauri_driver() -> Result<PathBuf> {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    FOUND
        .get_or_init(|| find_or_install_driver().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn find_or_install_driver() -> Result<PathBuf> {
    if !Path::new("/usr/bin/WebKitWebDriver").exists() {
        bail!("WebKitWebDriver is missing: apt-get install webkit2gtk-driver");
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|h| h.join("bin/tauri-driver"));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("tauri-driver"))
        .find(|p| p.exists());
    if let Some(found) = on_path.or(cargo_bin.clone().filter(|p| p.exists())) {
        return Ok(found);
    }
    eprintln!("e2e: installing tauri-driver (cargo install tauri-driver --locked)");
    run(cargo().args(["install", "tauri-driver", "--locked"]))?;
    cargo_bin
        .filter(|p| p.exists())
        .context("tauri-driver not found after cargo install")
}

fn run(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} exited with {status}");
    }
    Ok(())
}
