//! The tasks: test stages, benchmarks, demo and run.

use crate::{cargo, headless};
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One stage's outcome for the summary.
struct Outcome {
    name: &'static str,
    result: Result<String>,
    took: Duration,
}

/// `cargo xtask test`.
pub fn test(root: &Path, args: &[String]) -> Result<()> {
    let no_apt = args.iter().any(|a| a == "--no-apt");
    // Advisories need the RustSec database from the network: only on request.
    let advisories = args.iter().any(|a| a == "--advisories");
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let wants = |stage: &str| only.is_none_or(|o| o == stage);
    let has_ui = root.join("ui/package.json").exists();
    let has_e2e = root.join("tests/Cargo.toml").exists();

    let mut outcomes = Vec::new();
    let mut stage = |name: &'static str, f: &mut dyn FnMut() -> Result<String>| {
        println!("\n==> {name}");
        let start = Instant::now();
        let result = f();
        if let Err(e) = &result {
            println!("xtask: {name} FAILED: {e:#}");
        }
        outcomes.push(Outcome {
            name,
            result,
            took: start.elapsed(),
        });
    };

    if !no_apt {
        stage("system packages", &mut || {
            headless::install_packages(root, headless::Packages::Test).map(|()| "present".into())
        });
    }
    if has_ui && (wants("ui") || wants("e2e")) {
        stage("ui deps (npm ci)", &mut || {
            headless::require_node()?;
            run(Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(root.join("ui")))
        });
    }
    // UI first: `ui/dist` must exist before cargo builds the desktop app, which embeds it.
    if has_ui && wants("ui") {
        stage("ui checks and tests", &mut || {
            run(Command::new("npm")
                .args(["run", "check"])
                .current_dir(root.join("ui")))?;
            run(Command::new("npm")
                .args(["test"])
                .current_dir(root.join("ui")))
        });
    }
    if wants("fmt") {
        stage("rustfmt", &mut || {
            run(cargo().args(["fmt", "--all", "--check"]))
        });
    }
    if wants("clippy") {
        stage("clippy", &mut || {
            run(cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ]))
        });
    }
    if wants("deny") {
        stage("cargo deny", &mut || deny(root, advisories));
    }
    if wants("rust") {
        stage("rust tests", &mut || {
            let session = headless::Session::start(root)?;
            let mut cmd = cargo();
            if has_nextest() {
                cmd.args(["nextest", "run"]);
            } else {
                cmd.arg("test");
            }
            cmd.args(["--workspace", "--locked", "--no-fail-fast"]);
            // The end-to-end suite drives a real window one scenario at a time: own stage.
            cmd.args(["--exclude", "aerie-e2e"]);
            cmd.envs(&session.env);
            run(&mut cmd)
        });
    }
    if has_e2e && wants("e2e") {
        stage("end-to-end", &mut || {
            let session = headless::Session::start(root)?;
            let mut cmd = cargo();
            cmd.args([
                "test",
                "--locked",
                "-p",
                "aerie-e2e",
                "--",
                "--test-threads=1",
            ]);
            cmd.envs(&session.env);
            run(&mut cmd)
        });
    }

    // Each cargo-fuzz target briefly (nightly, own target dir; `--no-fuzz` skips the stage).
    if wants("fuzz") && !args.iter().any(|a| a == "--no-fuzz") {
        stage("fuzz smoke", &mut || crate::fuzz::smoke(root));
    }

    // After e2e: a release build packaged as .deb, unpacked into a throw-away root and started
    // (the release build has its own target dir; `--no-package` skips the stage).
    if wants("package") && !args.iter().any(|a| a == "--no-package") {
        stage("package (.deb)", &mut || crate::package::test_package(root));
    }

    println!("\n==> summary");
    let mut failed = 0;
    for o in &outcomes {
        let verdict = match &o.result {
            Ok(_) => "ok".to_string(),
            Err(e) => {
                failed += 1;
                format!("FAILED ({})", first_line(&format!("{e:#}")))
            }
        };
        println!("  {:<22} {:>7.1}s  {verdict}", o.name, o.took.as_secs_f64());
    }
    let passed = outcomes.len() - failed;
    println!("stages: {passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} stage(s) failed");
    }
    Ok(())
}

/// `cargo xtask bench`: runs every `[[bench]]` target (harness = false). Each prints result
/// lines `BENCH|<name>|<value>|<goal>|<pass|fail>`; they are gathered into one table.
/// `--write` stores the table in `BENCHMARKS.md` and the README between the generated-table
/// markers.
pub fn bench(root: &Path, args: &[String]) -> Result<()> {
    let session = headless::Session::start(root)?;
    let mut cmd = cargo();
    cmd.args(["bench", "--workspace", "--locked"]);
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if !filters.is_empty() {
        cmd.arg("--");
        cmd.args(filters);
    }
    cmd.envs(&session.env);
    let out = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running cargo bench")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    if !out.status.success() {
        bail!("cargo bench failed");
    }
    let rows: Vec<String> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("BENCH|"))
        .map(|l| format!("| {} |", l.split('|').collect::<Vec<_>>().join(" | ")))
        .collect();
    let table = format!(
        "Measured {} on {}.\n\n| benchmark | result | goal | verdict |\n|---|---|---|---|\n{}\n",
        today()?,
        machine(),
        rows.join("\n")
    );
    println!("\n{table}");
    if args.iter().any(|a| a == "--write") {
        write_bench_table(root, &table)?;
    }
    Ok(())
}

/// `cargo xtask demo`: the desktop app on the embedded simulator (the CLI demo when the
/// desktop app is not part of this checkout). Installs what the build needs first, like
/// `cargo xtask test`; `--no-apt` skips the system packages.
pub fn demo(root: &Path, args: &[String]) -> Result<()> {
    let (no_apt, args) = split_no_apt(args);
    if root.join("src-tauri/Cargo.toml").exists() {
        prepare_app(root, no_apt)?;
        run(cargo()
            .args(["run", "--locked", "-p", "aerie-desktop", "--", "--demo"])
            .args(args))
        .map(drop)
    } else {
        run(cargo()
            .args(["run", "--locked", "-p", "aerie-cli", "--", "demo"])
            .args(args))
        .map(drop)
    }
}

/// `cargo xtask run`: the desktop app on the user's own panels (same preparation as `demo`).
pub fn run_app(root: &Path, args: &[String]) -> Result<()> {
    if !root.join("src-tauri/Cargo.toml").exists() {
        bail!("the desktop app is not in this checkout yet; use `cargo run -p aerie-cli -- watch`");
    }
    let (no_apt, args) = split_no_apt(args);
    prepare_app(root, no_apt)?;
    run(cargo()
        .args(["run", "--locked", "-p", "aerie-desktop", "--"])
        .args(args))
    .map(drop)
}

/// `--no-apt` is xtask's; everything else goes to the app.
fn split_no_apt(args: &[String]) -> (bool, Vec<String>) {
    let no_apt = args.iter().any(|a| a == "--no-apt");
    (
        no_apt,
        args.iter().filter(|a| *a != "--no-apt").cloned().collect(),
    )
}

/// What `cargo run -p aerie-desktop` needs on a fresh machine: [`prepare_system`], then the
/// UI's build (embedded into the binary).
pub fn prepare_app(root: &Path, no_apt: bool) -> Result<()> {
    let no_display = |k: &str| std::env::var_os(k).is_none_or(|v| v.is_empty());
    if cfg!(target_os = "linux") && no_display("DISPLAY") && no_display("WAYLAND_DISPLAY") {
        println!(
            "xtask: warning: no DISPLAY or WAYLAND_DISPLAY: the window needs a desktop session \
             (for a terminal-only demo: `cargo run -p aerie-cli -- demo`)"
        );
    }
    prepare_system(root, no_apt)?;
    println!("==> ui build");
    run(Command::new("npm")
        .args(["run", "build"])
        .current_dir(root.join("ui")))
    .map(drop)
}

/// System packages (apt, unless `no_apt`), Node.js, and the UI's packages (`npm ci` when
/// `node_modules` is missing or older than the lock file).
pub fn prepare_system(root: &Path, no_apt: bool) -> Result<()> {
    if !no_apt {
        println!("==> system packages");
        headless::install_packages(root, headless::Packages::Build)?;
    }
    headless::require_node()?;
    let ui = root.join("ui");
    if ui_deps_stale(&ui) {
        println!("==> ui deps (npm ci)");
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&ui))?;
    }
    Ok(())
}

/// True when `node_modules` is missing or older than `package-lock.json` (npm writes
/// `node_modules/.package-lock.json` on every install).
fn ui_deps_stale(ui: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (
        modified(&ui.join("node_modules/.package-lock.json")),
        modified(&ui.join("package-lock.json")),
    ) {
        (Some(installed), Some(lock)) => installed < lock,
        _ => true,
    }
}

/// The dependency policy in `deny.toml`: licences, bans and sources, and advisories when
/// asked (they fetch the RustSec database). Installs cargo-deny from crates.io when missing.
fn deny(root: &Path, advisories: bool) -> Result<String> {
    let installed = cargo()
        .args(["deny", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !installed {
        println!("xtask: installing cargo-deny (cargo install --locked cargo-deny)");
        run(cargo().args(["install", "--locked", "cargo-deny"]))?;
    }
    let mut checks = vec!["licenses", "bans", "sources"];
    if advisories {
        checks.push("advisories");
    }
    run(cargo()
        .args(["deny", "--locked", "check"])
        .args(checks)
        .current_dir(root))
}

/// Runs a command with inherited output; Ok carries a short description.
pub fn run(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} exited with {status}");
    }
    Ok(String::new())
}

fn has_nextest() -> bool {
    cargo()
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

fn today() -> Result<String> {
    let out = Command::new("date").arg("+%Y-%m-%d").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// "2 cores (model), 24 GiB" from /proc, for the benchmark table.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024 / 1024);
    format!(
        "{cores} cores ({model}), {mem_gib} GiB, {}",
        std::env::consts::OS
    )
}

const BEGIN: &str = "<!-- bench:begin -->";
const END: &str = "<!-- bench:end -->";

/// Replaces the generated table in `BENCHMARKS.md` (appending it the first time) and in the
/// README, where the same markers mark the copy a new user sees.
fn write_bench_table(root: &Path, table: &str) -> Result<()> {
    for (file, append) in [("BENCHMARKS.md", true), ("README.md", false)] {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let new = match (text.find(BEGIN), text.find(END)) {
            (Some(b), Some(e)) if b < e => {
                format!("{}{BEGIN}\n{table}{}", &text[..b], &text[e..])
            }
            _ if append => format!("{text}\n{BEGIN}\n{table}{END}\n"),
            _ => continue,
        };
        std::fs::write(&path, new).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
