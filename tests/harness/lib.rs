//! Harness for Aerie's end-to-end tests: the real app, in a real window, driven over WebDriver.
//!
//! [`App::launch`] makes sure everything a scenario needs is there, in this order:
//! 1. a headless desktop session (Xvfb, private D-Bus, unlocked gnome-keyring, dunst) from
//!    `scripts/headless-env.sh`, unless `DISPLAY` and `DBUS_SESSION_BUS_ADDRESS` are set;
//! 2. the UI build (`npm ci`, `npm run build`) when `ui/package.json` exists and `ui/dist` is
//!    missing, a placeholder, or older than `ui/src`;
//! 3. the app (`cargo build -p aerie-desktop`), once per test binary;
//! 4. `tauri-driver` (installed with `cargo install tauri-driver --locked` if missing), started
//!    on a free port for this app and stopped with it.
//!
//! The app always runs as the `e2e` instance (its own identifier, single-instance lock and
//! keyring namespace) with a fresh data directory per [`AppData`], so a test never meets a real
//! user's data. Screenshots go to `<target>/e2e-screenshots/`.

mod build;
mod desktop;
pub mod process;
pub mod webdriver;

pub use desktop::Desktop;
pub use webdriver::{Element, Session};

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn root() -> PathBuf {
    // Where cargo runs this package's tests from now; the compiled-in path is a fallback (a
    // target directory shared by several checkouts keeps binaries built in another one).
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Where scenario screenshots are written.
pub fn screenshot_dir() -> PathBuf {
    build::target_dir().join("e2e-screenshots")
}

/// A data directory for one app "install": survives restarts within a test, removed at the end.
#[derive(Debug)]
pub struct AppData {
    dir: PathBuf,
}

impl AppData {
    /// A fresh, empty data directory.
    pub fn fresh(name: &str) -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("aerie-e2e-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl Drop for AppData {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One app at a time: scenarios share the `e2e` instance (and its single-instance lock), and
/// `cargo test --workspace` runs tests of one binary on several threads.
static ONE_AT_A_TIME: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Default::default);

/// The running app: a tauri-driver process and its WebDriver session.
#[derive(Debug)]
pub struct App {
    /// The WebDriver session; the app quits when it ends.
    pub session: Option<Session>,
    driver: Child,
    port: u16,
    binary: PathBuf,
    app_pid: Option<u32>,
    /// The desktop session's environment (for `dbus-monitor` and friends).
    pub desktop: Desktop,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl App {
    /// Launches the app (debug build) as the `e2e` instance on `data` with extra `args`
    /// (e.g. `--demo`).
    pub async fn launch(data: &AppData, args: &[&str]) -> Result<Self> {
        Self::launch_build(data, args, false, &[]).await
    }

    /// Like [`App::launch`] with extra environment for the app (e.g. [`App::RECORD_URLS`]).
    pub async fn launch_env(data: &AppData, args: &[&str], env: &[(&str, &str)]) -> Result<Self> {
        Self::launch_build(data, args, false, env).await
    }

    /// Set to a file path, the app appends each URL it would open in the browser to that file
    /// instead of starting a browser (see `aerie_desktop::links`).
    pub const RECORD_URLS: &str = "AERIE_RECORD_OPENED_URLS";

    /// Like [`App::launch`] with the release build and extra environment for the app, for
    /// benchmarks.
    pub async fn launch_release(
        data: &AppData,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        Self::launch_build(data, args, true, env).await
    }

    async fn launch_build(
        data: &AppData,
        args: &[&str],
        release: bool,
        env: &[(&str, &str)],
    ) -> Result<Self> {
        let turn = ONE_AT_A_TIME.clone().lock_owned().await;
        let desktop = Desktop::ensure()?;
        let binary = build::app_binary(release)?;
        let driver_bin = build::tauri_driver()?;
        let port = free_port()?;
        let mut driver = Command::new(driver_bin);
        driver
            .args(["--port", &port.to_string()])
            .args(["--native-port", &free_port()?.to_string()])
            .envs(desktop.env())
            .envs(env.iter().copied())
            .env(
                "AERIE_LOG",
                std::env::var("AERIE_LOG").unwrap_or_else(|_| "info,aerie_desktop=debug".into()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let driver = driver.spawn().context("starting tauri-driver")?;
        let mut app = Self {
            session: None,
            driver,
            port,
            binary: binary.clone(),
            app_pid: None,
            desktop,
            _turn: turn,
        };
        app.wait_for_driver(Duration::from_secs(20))?;
        let mut all: Vec<String> = vec![
            "--instance".into(),
            "e2e".into(),
            "--data-dir".into(),
            data.path().display().to_string(),
        ];
        all.extend(args.iter().map(|s| s.to_string()));
        app.session = Some(Session::start(port, &binary, &all).await?);
        app.app_pid = process::app_pid(app.driver.id(), &app.binary);
        anyhow::ensure!(app.app_pid.is_some(), "the app process is not running");
        Ok(app)
    }

    /// The WebDriver session.
    pub fn s(&self) -> &Session {
        self.session.as_ref().expect("session is open until quit")
    }

    /// Saves a screenshot of the window as `<name>.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = self.s().screenshot(&screenshot_dir(), name).await?;
        eprintln!("screenshot: {}", path.display());
        Ok(path)
    }

    /// The app's process id.
    pub fn pid(&self) -> Option<u32> {
        self.app_pid
    }

    /// Quits the app the way a user does from the tray (SIGTERM is handled the same way),
    /// ends the session and stops tauri-driver.
    pub async fn quit(mut self) -> Result<()> {
        if let Some(pid) = self.app_pid.take() {
            tokio::task::spawn_blocking(move || process::stop(pid, Duration::from_secs(10)))
                .await?;
        }
        if let Some(session) = self.session.take() {
            // The browser is gone already; the driver only forgets the session.
            let _ = session.quit().await;
        }
        Ok(())
    }

    fn wait_for_driver(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.driver.try_wait()? {
                anyhow::bail!("tauri-driver exited early: {status}");
            }
            anyhow::ensure!(Instant::now() < deadline, "tauri-driver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            // A failed test drops the app without `quit`: end the session so the app closes.
            let (port, id) = (self.port, session.id().to_string());
            let _ = std::thread::spawn(move || delete_session(port, &id)).join();
        }
        if let Some(pid) = self.app_pid.take() {
            process::stop(pid, Duration::from_secs(5));
        }
        // SIGTERM lets tauri-driver stop WebKitWebDriver; then reap it.
        let _ = Command::new("kill")
            .args(["-TERM", &self.driver.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.driver.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE /session/{id}` without an async runtime (for `Drop`).
fn delete_session(port: u16, id: &str) {
    use std::io::{Read, Write};
    if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
        let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
        let req = format!(
            "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let _ = s.write_all(req.as_bytes());
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink);
    }
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Seconds as a `Duration`, for readable timeouts.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Adds a panel through the first-run form, the way a new user does.
pub async fn add_panel_via_form(app: &App, name: &str, url: &str, key: &str) -> Result<()> {
    let s = app.s();
    s.click(
        &s.wait_for("[data-testid=first-run-add-panel]", secs(30))
            .await?,
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-name]", secs(10)).await?,
        name,
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-url]", secs(10)).await?,
        url,
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-key]", secs(10)).await?,
        key,
    )
    .await?;
    s.click(&s.wait_for("[data-testid=account-submit]", secs(10)).await?)
        .await
}

/// Calls a command through the app's real IPC from inside the page (what the UI's buttons do).
pub async fn invoke(app: &App, cmd: &str, args: serde_json::Value) -> Result<serde_json::Value> {
    let script = "const [cmd, args, done] = arguments; \
        window.__TAURI_INTERNALS__.invoke(cmd, args) \
          .then(v => done({ ok: v }), e => done({ err: e }));";
    let out = app
        .s()
        .execute_async(script, vec![serde_json::Value::from(cmd), args])
        .await?;
    match out.get("ok") {
        Some(v) => Ok(v.clone()),
        None => anyhow::bail!("{cmd} failed: {}", out["err"]),
    }
}
