//! `cargo xtask`: Aerie's project commands.
//!
//! - `cargo xtask test`  — everything CI checks: system packages, UI deps, fmt, clippy, all
//!   Rust tests (under a headless desktop session with a real keyring and notification
//!   server), the UI suite and the end-to-end suite once they exist.
//! - `cargo xtask bench` — the benchmarks whose numbers go into `BENCHMARKS.md`.
//! - `cargo xtask fuzz`  — the cargo-fuzz targets: `--smoke` (CI) or long runs.
//! - `cargo xtask demo`  — Aerie on the embedded simulator.
//! - `cargo xtask run`   — Aerie on your real panels.
//! - `cargo xtask bundle` — the `.deb` and `.rpm` (release build, own target dir).
//!
//! Cargo's target directory and npm's cache live under `~/.cache/aerie` (unless
//! `CARGO_TARGET_DIR` / `npm_config_cache` are set) so repeat runs are incremental and the
//! clone stays clean.

mod fuzz;
mod headless;
mod package;
mod stages;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = project_root()?;
    std::env::set_current_dir(&root)?;
    set_cache_dirs()?;
    match task.as_str() {
        "test" => stages::test(&root, &rest),
        "bench" => stages::bench(&root, &rest),
        "fuzz" => fuzz::fuzz(&root, &rest),
        "demo" => stages::demo(&root, &rest),
        "run" => stages::run_app(&root, &rest),
        "bundle" => package::bundle(&root, &rest).map(drop),
        "icons" => package::icons(&root),
        "" | "help" | "--help" | "-h" => {
            println!("{}", HELP);
            Ok(())
        }
        other => bail!("unknown task `{other}`\n\n{HELP}"),
    }
}

const HELP: &str = "usage: cargo xtask <task>

tasks:
  test    run every check CI runs (installs missing system packages on Debian/Ubuntu)
  bench   run the benchmarks and print the results for BENCHMARKS.md
  fuzz    run the cargo-fuzz targets in fuzz/ (nightly; installs it and cargo-fuzz if missing)
  demo    open Aerie on the embedded simulator (installs what it needs, like test)
  run     open Aerie on your configured panels (same)
  bundle  build the .deb and .rpm (release build in ~/.cache/aerie/target-release)
  icons   regenerate every OS's app icons from icons/app-icon.png

options:
  --no-apt     do not install system packages (test, demo, run)

test options:
  --only X     run only stage X (fmt, clippy, deny, rust, ui, e2e, fuzz, package)
  --no-package skip the package stage (release build of the .deb, unpacked into a temp
               root and started headless)
  --advisories also check RustSec advisories in the deny stage (needs the network)
  --no-fuzz    skip the fuzz stage (each fuzz target for 20 s)

fuzz options:
  --smoke             every target for 20 s (what the test stage runs)
  --target NAME       only this target (default: all)
  --runs N            stop each target after N executions (and/or:)
  --seconds S         stop each target after S seconds

bundle options:
  --bundles deb,rpm   which Linux bundles to build (default deb,rpm)";

/// The workspace root (three levels above the xtask crate).
pub fn project_root() -> Result<PathBuf> {
    // `cargo run` says where the package is now; the path compiled in is only a fallback, as
    // a target directory shared by several checkouts keeps the binary built in another one.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .context("xtask is not inside the Aerie workspace")
}

/// Puts cargo's target dir and npm's cache under `~/.cache/aerie` unless the caller chose.
fn set_cache_dirs() -> Result<()> {
    let cache = cache_dir()?;
    // SAFETY-free: xtask is single-threaded at this point, so setting env vars is sound.
    if std::env::var_os("CARGO_TARGET_DIR").is_none() {
        set_env("CARGO_TARGET_DIR", cache.join("target"));
    }
    if std::env::var_os("npm_config_cache").is_none() {
        set_env("npm_config_cache", cache.join("npm"));
    }
    Ok(())
}

#[allow(unsafe_code)]
fn set_env(key: &str, value: impl AsRef<std::ffi::OsStr>) {
    // SAFETY: called before any thread is spawned.
    unsafe { std::env::set_var(key, value) }
}

/// `~/.cache/aerie` (or `$XDG_CACHE_HOME/aerie`).
pub fn cache_dir() -> Result<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?).join(".cache"),
    };
    let dir = base.join("aerie");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// The cargo binary that runs this xtask.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}
