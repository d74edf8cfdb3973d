//! A crash end to end: the simulated server crashes, the alert shows in the Alerts view, the
//! desktop notification goes out on D-Bus (seen by `dbus-monitor` in the test's session), then
//! the server's charts draw from the history store and export as a PNG file. Finally the app
//! restarts on the same data and the alert history and the chart samples recorded before the
//! restart are still shown (both live in SQLite).

use aerie_e2e::{App, AppData, add_panel_via_form, secs};
use aerie_sim::{Sim, SimConfig};
use std::io::BufRead;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `dbus-monitor` watching `Notify` calls; what it printed so far.
struct NotifyMonitor {
    child: Child,
    seen: Arc<Mutex<String>>,
}

impl NotifyMonitor {
    fn start(app: &App) -> anyhow::Result<Self> {
        let mut child = app
            .desktop
            .command("dbus-monitor")
            .args([
                "--session",
                "interface='org.freedesktop.Notifications',member='Notify'",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let out = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let seen = Arc::new(Mutex::new(String::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap_or_else(|e| e.into_inner());
                s.push_str(&line);
                s.push('\n');
            }
        });
        Ok(Self { child, seen })
    }

    async fn wait_for(&self, needle: &str, timeout: Duration) -> anyhow::Result<()> {
        let end = Instant::now() + timeout;
        loop {
            if self
                .seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(needle)
            {
                return Ok(());
            }
            if Instant::now() > end {
                anyhow::bail!(
                    "no notification with {needle:?}; dbus-monitor saw:\n{}",
                    self.seen.lock().unwrap_or_else(|e| e.into_inner())
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for NotifyMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_alerts_notifies_and_charts_export() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 2,
        seed: 33,
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let target = panel.servers[0].clone();
    let data = AppData::fresh("alerts")?;
    let app = App::launch(&data, &[]).await?;
    let monitor = NotifyMonitor::start(&app)?;
    add_panel_via_form(&app, "Sim", &panel.url, &panel.client_key).await?;
    let s = app.s();

    let row = s
        .wait_for(
            &format!(
                "[data-testid=fleet-row][data-server='{}']",
                target.identifier
            ),
            secs(60),
        )
        .await?;
    s.click(&row).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Running")
        .await?;

    // The crash: running → offline without anyone asking.
    sim.crash_server(&target.uuid)?;
    s.execute("location.hash = '#/alerts';", vec![]).await?;
    let name = target.name.clone();
    s.wait_for_text("[data-testid=alert-item]", secs(90), |t| t.contains(&name))
        .await?;
    app.screenshot("alerts-crash").await?;
    monitor.wait_for(&name, secs(30)).await?;

    // The same alert through the commands: active, in the store's history, acknowledged,
    // and snooze-all round-trips.
    let active = aerie_e2e::invoke(&app, "list_alerts", serde_json::json!({})).await?;
    let id = active[0]["id"].as_str().unwrap_or_default().to_string();
    assert!(
        id.starts_with("crash:server:") && id.ends_with(&target.identifier),
        "crash alert id: {active}"
    );
    let end = Instant::now() + secs(15);
    loop {
        let history = aerie_e2e::invoke(
            &app,
            "alert_history",
            serde_json::json!({ "limit": 10, "before": null }),
        )
        .await?;
        if history
            .as_array()
            .is_some_and(|h| h.iter().any(|r| r["id"] == id.as_str()))
        {
            break;
        }
        anyhow::ensure!(
            Instant::now() < end,
            "the crash never reached the alert log: {history}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    aerie_e2e::invoke(&app, "ack_alert", serde_json::json!({ "id": id })).await?;
    let until = aerie_e2e::invoke(&app, "snooze_all", serde_json::json!({ "minutes": 15 })).await?;
    assert!(until.as_u64().is_some(), "snooze end: {until}");
    let resumed =
        aerie_e2e::invoke(&app, "snooze_all", serde_json::json!({ "minutes": 0 })).await?;
    assert!(resumed.is_null(), "resumed: {resumed}");

    // Charts from the history store, then a PNG export.
    s.execute(
        &format!(
            "location.hash = '#/server/{}/{}/charts';",
            target_panel(&app).await?,
            target.identifier
        ),
        vec![],
    )
    .await?;
    s.wait_for("[data-testid=chart] img", secs(60)).await?;
    // The plotters SVG really decodes as an image (not just an <img> element).
    let end = Instant::now() + secs(30);
    loop {
        let w = s
            .execute(
                "const i = document.querySelector('[data-testid=chart] img'); \
                 return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await?;
        if w.as_u64().unwrap_or(0) > 0 {
            break;
        }
        anyhow::ensure!(Instant::now() < end, "the chart image never decoded");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.screenshot("server-charts").await?;
    let export = s
        .wait_for("[data-testid=chart-export-png]", secs(10))
        .await?;
    s.click(&export).await?;
    let body = s
        .wait_for_text("body", secs(30), |t| t.contains("Chart saved to "))
        .await?;
    let path = body
        .split("Chart saved to ")
        .nth(1)
        .and_then(|rest| rest.split(".png").next())
        .map(|p| format!("{}.png", p.trim()))
        .ok_or_else(|| anyhow::anyhow!("no export path in the toast"))?;
    // "Show in folder" reveals only what Aerie exported: never an arbitrary path.
    let refused = aerie_e2e::invoke(
        &app,
        "show_in_folder",
        serde_json::json!({ "path": "/etc" }),
    )
    .await;
    assert!(
        refused.is_err(),
        "show_in_folder revealed a path Aerie did not export"
    );
    let bytes = std::fs::read(&path)?;
    let _ = std::fs::remove_file(&path);
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{path} is not a PNG ({} bytes)",
        bytes.len()
    );
    drop(monitor);

    // Restart on the same data: the alert log and the samples from before are still there.
    let account = target_panel(&app).await?;
    let samples_before = chart_points(&app, &account, &target.identifier).await?;
    anyhow::ensure!(
        !samples_before.is_empty(),
        "no chart samples before the restart"
    );
    app.quit().await?;
    let restarted_at = now_ms();
    let app = App::launch(&data, &[]).await?;
    let s = app.s();
    s.wait_for("[data-testid=fleet-row]", secs(60)).await?;
    s.execute("location.hash = '#/alerts';", vec![]).await?;
    s.click(
        &s.wait_for("[data-testid=alerts-tab-history]", secs(20))
            .await?,
    )
    .await?;
    s.wait_for_text("[data-testid=alert-item]", secs(30), |t| t.contains(&name))
        .await?;
    app.screenshot("history-after-restart-alerts").await?;

    let samples_after = chart_points(&app, &account, &target.identifier).await?;
    let old = samples_after
        .iter()
        .filter(|at| **at < restarted_at)
        .count();
    assert!(
        old > 0,
        "the chart still shows samples from before the restart ({old} of {} older than it; {} before)",
        samples_after.len(),
        samples_before.len()
    );
    s.execute(
        &format!(
            "location.hash = '#/server/{account}/{}/charts';",
            target.identifier
        ),
        vec![],
    )
    .await?;
    s.wait_for("[data-testid=chart] img", secs(60)).await?;
    app.screenshot("history-after-restart-charts").await?;
    app.quit().await
}

/// Timestamps of the CPU chart's samples over the last 15 minutes, read through `render_chart`
/// (what the charts tab draws), oldest first; only points with a value.
async fn chart_points(app: &App, account: &str, server: &str) -> anyhow::Result<Vec<u64>> {
    let render = aerie_e2e::invoke(
        app,
        "render_chart",
        serde_json::json!({ "request": {
            "server": { "panel": account, "server": server },
            "metric": "cpu", "range": "15m", "width": 480, "height": 200, "dark": false,
        }}),
    )
    .await?;
    Ok(render["points"]
        .as_array()
        .map(|points| {
            points
                .iter()
                .filter(|p| {
                    p["values"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|x| !x.is_null()))
                })
                .filter_map(|p| p["at"].as_u64())
                .collect()
        })
        .unwrap_or_default())
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The account id of the only panel.
async fn target_panel(app: &App) -> anyhow::Result<String> {
    let list = aerie_e2e::invoke(app, "list_accounts", serde_json::json!({})).await?;
    list[0]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no account: {list}"))
}
