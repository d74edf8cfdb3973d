//! `cargo xtask bundle` (the Linux packages, through the Tauri CLI from npm) and the test
//! stage that installs the `.deb` into a throw-away root and starts what it installed.

use crate::headless::Session;
use crate::stages::{prepare_system, run};
use anyhow::{Context, Result, bail, ensure};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The binary and desktop names the bundle installs (`mainBinaryName`, `productName`).
const BINARY: &str = "aerie-desktop";
const PRODUCT: &str = "Aerie";

/// Release builds get their own target dir, so a bundle never waits on (or evicts) the debug
/// builds that tests share.
pub fn release_target_dir() -> Result<PathBuf> {
    match std::env::var_os("AERIE_RELEASE_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(crate::cache_dir()?.join("target-release")),
    }
}

/// `cargo xtask bundle [--no-apt] [--bundles deb,rpm]`: a release build packaged as `.deb` and
/// `.rpm` (the formats this machine can build; see the README for the others). Returns the
/// bundle directory.
pub fn bundle(root: &Path, args: &[String]) -> Result<PathBuf> {
    let no_apt = args.iter().any(|a| a == "--no-apt");
    let bundles = args
        .iter()
        .position(|a| a == "--bundles")
        .and_then(|i| args.get(i + 1))
        .map_or("deb,rpm", String::as_str);
    prepare_system(root, no_apt)?;
    let target = release_target_dir()?;
    let cli = root.join("ui/node_modules/.bin/tauri");
    ensure!(
        cli.exists(),
        "the Tauri CLI is missing from ui/node_modules: run `npm ci` in ui/"
    );
    let start = Instant::now();
    // `tauri build` runs the UI build (beforeBuildCommand), `cargo build --release` and the
    // bundlers. `--ci` skips prompts; no signing keys are needed for deb and rpm.
    run(Command::new(&cli)
        .args(["build", "--ci", "--bundles", bundles])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root.join("src-tauri")))?;
    let dir = target.join("release/bundle");
    println!(
        "xtask: bundles ({bundles}) built in {:.0} s under {}",
        start.elapsed().as_secs_f64(),
        dir.display()
    );
    for kind in bundles.split(',') {
        for file in files_in(&dir.join(kind.trim())) {
            println!("  {}", file.display());
        }
    }
    Ok(dir)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// The newest `.deb` of `dir` (the bundle dir).
fn newest_deb(dir: &Path) -> Result<PathBuf> {
    files_in(&dir.join("deb"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "deb"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .with_context(|| format!("no .deb in {}", dir.join("deb").display()))
}

/// The `package` test stage: bundles, unpacks the `.deb` into a temporary root with
/// `dpkg -x`, checks that it holds the binary, the desktop entry and the icons, that no
/// library is missing, and that the installed binary starts the demo under the headless
/// session (window mapped, demo fleet watched).
pub fn test_package(root: &Path) -> Result<String> {
    let dir = bundle(root, &["--no-apt".into(), "--bundles".into(), "deb".into()])?;
    let deb = newest_deb(&dir)?;
    let scratch = std::env::temp_dir().join(format!("aerie-package-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let fsroot = scratch.join("root");
    std::fs::create_dir_all(&fsroot)?;
    let result = check_installed(&deb, &fsroot, &scratch.join("data"));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn check_installed(deb: &Path, fsroot: &Path, data: &Path) -> Result<String> {
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(fsroot))?;
    let depends = output(
        Command::new("dpkg-deb")
            .args(["-f"])
            .arg(deb)
            .arg("Depends"),
    )?;
    println!("xtask: {} depends on: {}", deb.display(), depends.trim());

    let binary = fsroot.join("usr/bin").join(BINARY);
    ensure!(binary.is_file(), "the package has no usr/bin/{BINARY}");
    let desktop = fsroot.join(format!("usr/share/applications/{PRODUCT}.desktop"));
    let entry = std::fs::read_to_string(&desktop)
        .with_context(|| format!("the package has no {}", desktop.display()))?;
    ensure!(
        entry.contains(&format!("Exec={BINARY}")) && entry.contains(&format!("Icon={BINARY}")),
        "the desktop entry does not start {BINARY} with its icon:\n{entry}"
    );
    let icons: Vec<String> = ["32x32", "128x128", "256x256@2"]
        .iter()
        .map(|size| format!("usr/share/icons/hicolor/{size}/apps/{BINARY}.png"))
        .filter(|p| !fsroot.join(p).is_file())
        .collect();
    ensure!(
        icons.is_empty(),
        "icons missing from the package: {icons:?}"
    );

    let ldd = output(Command::new("ldd").arg(&binary))?;
    let missing: Vec<&str> = ldd.lines().filter(|l| l.contains("not found")).collect();
    ensure!(missing.is_empty(), "libraries not found: {missing:?}");
    // The tray library is loaded at run time (dlopen), so ldd cannot see it.
    ensure!(
        depends.contains("libayatana-appindicator3-1"),
        "the package does not depend on the tray library"
    );

    starts_headless(&binary, data)?;
    Ok(format!("{} installs and starts", deb.display()))
}

fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("running {shown}"))?;
    ensure!(
        out.status.success(),
        "{shown} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Starts the installed binary in demo mode (its own instance and data dir) and waits for the
/// log line that the demo fleet is watched and for its window on the X display.
fn starts_headless(binary: &Path, data: &Path) -> Result<()> {
    let session = Session::start(&crate::project_root()?)?;
    std::fs::create_dir_all(data)?;
    let mut child = Command::new(binary)
        .args(["--demo", "--instance", "package-test", "--data-dir"])
        .arg(data)
        .envs(&session.env)
        .env("AERIE_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("  app: {line}");
            // `aerie_desktop::engine: watching account=… servers=12`, once per demo panel.
            if line.contains("watching account=") && !line.contains("servers=0") {
                let _ = tx.send(());
            }
        }
    });
    let started = Instant::now();
    let watched = rx.recv_timeout(Duration::from_secs(90));
    let window = watched.is_ok() && window_shown(&session, child.id(), Duration::from_secs(30));
    let alive = child.try_wait()?.is_none();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    while child.try_wait()?.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if child.try_wait()?.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    if watched.is_err() {
        bail!("the installed app did not watch the demo fleet within 90 s");
    }
    ensure!(window, "the installed app showed no window");
    ensure!(alive, "the installed app exited on its own");
    println!(
        "xtask: installed app up (fleet watched, window mapped) after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Waits for a visible window owned by `pid` on the session's display.
fn window_shown(session: &Session, pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        let found = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--pid", &pid.to_string()])
            .envs(&session.env)
            .output()
            .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
        if found {
            return true;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    false
}

/// `cargo xtask icons`: every OS's app icons (`.ico`, `.icns`, PNG sizes, Windows Store logos)
/// from `icons/app-icon.png`, offline, with the Tauri CLI's `tauri icon`. The mobile sets it
/// also writes are removed: Aerie is a desktop app.
pub fn icons(root: &Path) -> Result<()> {
    prepare_system(root, true)?;
    let icons = root.join("icons");
    run(Command::new(root.join("ui/node_modules/.bin/tauri"))
        .arg("icon")
        .arg(icons.join("app-icon.png"))
        .arg("-o")
        .arg(&icons))?;
    for mobile in ["android", "ios"] {
        let _ = std::fs::remove_dir_all(icons.join(mobile));
    }
    Ok(())
}
