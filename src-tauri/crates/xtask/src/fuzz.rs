//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` (nightly only, a workspace of their
//! own with its target dir in `~/.cache/aerie/target-fuzz`).
//!
//! Each target runs on the committed seeds (`fuzz/corpus/<target>`, read only) plus a working
//! corpus under `~/.cache/aerie/fuzz-corpus/<target>` that grows from run to run. libFuzzer's
//! output goes to `~/.cache/aerie/fuzz-logs/<target>.log`; a crash fails the run and its input
//! is kept in `fuzz/artifacts/<target>/`.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::stages::run;

/// How long `--smoke` runs each target: 7 targets stay under three minutes together.
const SMOKE_SECS: u64 = 20;
/// Longest one input may take before libFuzzer calls it a hang.
const INPUT_TIMEOUT_SECS: u64 = 10;

/// How long each target runs: until either limit is reached.
#[derive(Clone, Copy)]
struct Budget {
    runs: Option<u64>,
    seconds: Option<u64>,
}

/// What one run measured, from libFuzzer's final statistics.
struct Report {
    target: String,
    executions: u64,
    exec_per_sec: u64,
    /// libFuzzer's last `corp:` figure: inputs in the corpus it kept / their size.
    corpus: String,
    secs: f64,
}

/// `cargo xtask fuzz --smoke | --target NAME [--runs N | --seconds S]`.
pub fn fuzz(root: &Path, args: &[String]) -> Result<()> {
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let number = |flag: &str| -> Result<Option<u64>> {
        value(flag)
            .map(|v| v.parse().with_context(|| format!("{flag} wants a number")))
            .transpose()
    };
    let mut budget = Budget {
        runs: number("--runs")?,
        seconds: number("--seconds")?,
    };
    if args.iter().any(|a| a == "--smoke") {
        budget.seconds = budget.seconds.or(Some(SMOKE_SECS));
    }
    if budget.runs.is_none() && budget.seconds.is_none() {
        bail!(
            "say how long: --smoke ({SMOKE_SECS} s per target), --runs N and/or --seconds S\n\
             (and --target NAME for one target)"
        );
    }
    let reports = run_targets(root, value("--target"), budget)?;
    print_table(&reports);
    Ok(())
}

/// The `fuzz` stage of `cargo xtask test`: every target for [`SMOKE_SECS`].
pub fn smoke(root: &Path) -> Result<String> {
    let budget = Budget {
        runs: None,
        seconds: Some(SMOKE_SECS),
    };
    let reports = run_targets(root, None, budget)?;
    print_table(&reports);
    let execs: u64 = reports.iter().map(|r| r.executions).sum();
    Ok(format!("{} targets, {execs} executions", reports.len()))
}

fn run_targets(root: &Path, only: Option<&str>, budget: Budget) -> Result<Vec<Report>> {
    let dir = root.join("fuzz");
    ensure_tools()?;
    let targets = list_targets(&dir)?;
    let chosen: Vec<&String> = match only {
        Some(name) => {
            let t = targets.iter().find(|t| *t == name);
            vec![t.with_context(|| format!("no fuzz target {name}; there are: {targets:?}"))?]
        }
        None => targets.iter().collect(),
    };
    let cache = crate::cache_dir()?;
    println!(
        "xtask: building the fuzz targets (nightly, {})",
        target_dir()?.display()
    );
    run(nightly_fuzz(&dir).arg("build").args(build_flags()?))?;
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for target in chosen {
        match run_one(&dir, &cache, target, budget) {
            Ok(r) => reports.push(r),
            Err(e) => {
                println!("xtask: fuzz target {target} FAILED: {e:#}");
                failed.push(target.clone());
            }
        }
    }
    if !failed.is_empty() {
        print_table(&reports);
        bail!("fuzz target(s) failed: {}", failed.join(", "));
    }
    Ok(reports)
}

fn run_one(dir: &Path, cache: &Path, target: &str, budget: Budget) -> Result<Report> {
    let work = cache.join("fuzz-corpus").join(target);
    let seeds = dir.join("corpus").join(target);
    let logs = cache.join("fuzz-logs");
    for d in [&work, &seeds, &logs] {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    let log_path = logs.join(format!("{target}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut limits = Vec::new();
    if let Some(n) = budget.runs {
        limits.push(format!("-runs={n}"));
    }
    if let Some(s) = budget.seconds {
        limits.push(format!("-max_total_time={s}"));
    }
    let limit = limits.join(" ");
    println!("\n==> fuzz {target} ({limit}; log: {})", log_path.display());
    let start = Instant::now();
    let status = nightly_fuzz(dir)
        .arg("run")
        .args(build_flags()?)
        .arg(target)
        // New inputs go to the first directory; the committed seeds are only read.
        .arg(&work)
        .arg(&seeds)
        .arg("--")
        .args(&limits)
        .arg(format!("-timeout={INPUT_TIMEOUT_SECS}"))
        .arg("-print_final_stats=1")
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .context("starting cargo fuzz run")?;
    let secs = start.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    if !status.success() {
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        for l in tail.iter().rev() {
            println!("  | {l}");
        }
        bail!(
            "{target} crashed or hung after {secs:.0} s (input in fuzz/artifacts/{target}/, \
             log {})",
            log_path.display()
        );
    }
    let stat = |name: &str| {
        text.lines()
            .filter_map(|l| l.strip_prefix(name))
            .filter_map(|v| v.trim_start_matches(':').trim().parse::<u64>().ok())
            .next_back()
            .unwrap_or(0)
    };
    let corpus = text
        .lines()
        .filter_map(|l| l.split(" corp: ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .next_back()
        .unwrap_or("?")
        .to_owned();
    let report = Report {
        target: target.to_owned(),
        executions: stat("stat::number_of_executed_units"),
        exec_per_sec: stat("stat::average_exec_per_sec"),
        corpus,
        secs,
    };
    println!(
        "    {} executions, {} exec/s, 0 crashes, corpus {} (inputs/size), {:.0} s",
        report.executions, report.exec_per_sec, report.corpus, report.secs
    );
    Ok(report)
}

fn print_table(reports: &[Report]) {
    if reports.is_empty() {
        return;
    }
    println!("\n| target | executions | exec/s | crashes | corpus (inputs/size) | time (s) |");
    println!("|---|---|---|---|---|---|");
    for r in reports {
        println!(
            "| {} | {} | {} | 0 | {} | {:.0} |",
            r.target, r.executions, r.exec_per_sec, r.corpus, r.secs
        );
    }
}

/// Flags shared by `build` and `run`, so `run` reuses the build: no sanitizer (the code under
/// test is safe Rust; it would halve the speed), debug assertions and overflow checks on.
fn build_flags() -> Result<Vec<String>> {
    Ok(vec![
        "--sanitizer=none".into(),
        "--debug-assertions".into(),
        "--target-dir".into(),
        target_dir()?.display().to_string(),
    ])
}

fn target_dir() -> Result<PathBuf> {
    Ok(crate::cache_dir()?.join("target-fuzz"))
}

/// `cargo fuzz` on the nightly toolchain, in `fuzz/`.
fn nightly_fuzz(dir: &Path) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", "cargo", "fuzz"])
        .current_dir(dir);
    // What `cargo xtask` set for us: stable's binaries, the main target dir, and the xtask
    // package's own variables, which build scripts watch (ring reruns, and all that depends
    // on it rebuilds, when `CARGO_MANIFEST_DIR` differs from a run in a plain shell).
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy();
        let ours = matches!(
            &*name,
            "CARGO"
                | "RUSTC"
                | "RUSTDOC"
                | "RUSTUP_TOOLCHAIN"
                | "CARGO_TARGET_DIR"
                | "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        ) || name.starts_with("CARGO_PKG_");
        if ours {
            cmd.env_remove(&var);
        }
    }
    cmd
}

/// The targets `cargo fuzz list` names (the `[[bin]]`s of `fuzz/Cargo.toml`).
fn list_targets(dir: &Path) -> Result<Vec<String>> {
    let out = nightly_fuzz(dir)
        .arg("list")
        .stderr(Stdio::inherit())
        .output()
        .context("running cargo fuzz list")?;
    if !out.status.success() {
        bail!("cargo fuzz list failed");
    }
    let targets: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        bail!("no fuzz targets in {}", dir.display());
    }
    Ok(targets)
}

/// Installs the nightly toolchain (minimal profile) and cargo-fuzz when they are missing.
fn ensure_tools() -> Result<()> {
    let quiet = |cmd: &mut Command| {
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !quiet(Command::new("rustup").args(["run", "nightly", "rustc", "--version"])) {
        println!("xtask: installing the nightly toolchain (rustup, minimal profile)");
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    if !quiet(Command::new("rustup").args(["run", "nightly", "cargo", "fuzz", "--version"])) {
        println!("xtask: installing cargo-fuzz (cargo install --locked cargo-fuzz)");
        run(crate::cargo().args(["install", "--locked", "cargo-fuzz"]))?;
    }
    Ok(())
}
