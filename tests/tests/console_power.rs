//! A server's page, driven as a user drives it: console backfill and live lines, a command
//! typed into the console input, and the power buttons (Stop, Start, and Kill through its
//! confirm dialog, which must not make Kill the default), each followed by the real state the
//! server reports over the socket.

use aerie_e2e::{App, AppData, add_panel_via_form, secs};
use aerie_sim::{Behaviour, PowerState, Sim, SimConfig};

/// WebDriver's Enter key.
const ENTER: &str = "\u{E007}";

#[tokio::test(flavor = "multi_thread")]
async fn console_and_power_follow_the_server() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 2,
        seed: 21,
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let server = panel.servers[0].identifier.clone();
    let data = AppData::fresh("console")?;
    let app = App::launch(&data, &[]).await?;
    add_panel_via_form(&app, "Sim", &panel.url, &panel.client_key).await?;
    let s = app.s();

    let row = s
        .wait_for(
            &format!("[data-testid=fleet-row][data-server='{server}']"),
            secs(60),
        )
        .await?;
    s.click(&row).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Running")
        .await?;

    // Backfill: what the server printed before the page opened.
    s.wait_for_text("[data-testid=console-output]", secs(30), |t| {
        !t.trim().is_empty()
    })
    .await?;
    // A command typed into the console and its output, live.
    let input = s
        .wait_for("[data-testid=console-input]:not([disabled])", secs(30))
        .await?;
    s.send_keys(&input, &format!("say hello-from-e2e{ENTER}"))
        .await?;
    s.wait_for_text("[data-testid=console-output]", secs(30), |t| {
        t.contains("[Server] hello-from-e2e")
    })
    .await?;
    app.screenshot("server-console").await?;

    // Stop: the badge follows the state the server reports (stopping, then offline).
    let stop = s
        .wait_for("[data-testid=power-stop]:not([disabled])", secs(30))
        .await?;
    s.click(&stop).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Offline")
        .await?;
    assert_eq!(
        sim.server_state(&panel.servers[0].uuid),
        Some(PowerState::Offline),
        "the simulated server really stopped"
    );
    app.screenshot("server-stopped").await?;

    let start = s
        .wait_for("[data-testid=power-start]:not([disabled])", secs(30))
        .await?;
    s.click(&start).await?;
    s.wait_for_text("[data-testid=server-status]", secs(90), |t| t == "Running")
        .await?;

    // A server that ignores its stop command: Kill appears while it is stopping, asks first,
    // and the dialog's default (focused) button is Cancel, so Enter cannot kill by accident.
    sim.set_behaviour(&server, Behaviour::StuckStopping)?;
    let stop = s
        .wait_for("[data-testid=power-stop]:not([disabled])", secs(30))
        .await?;
    s.click(&stop).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Stopping")
        .await?;
    let kill = s
        .wait_for("[data-testid=power-kill]:not([disabled])", secs(30))
        .await?;
    s.click(&kill).await?;
    let ok = s.wait_for("[data-testid=confirm-ok]", secs(10)).await?;
    let focused = s.focused_testid().await?;
    assert_eq!(
        focused, "confirm-cancel",
        "Kill must not be the default button"
    );
    app.screenshot("server-kill-confirm").await?;
    s.click(&ok).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Offline")
        .await?;
    assert_eq!(
        sim.server_state(&panel.servers[0].uuid),
        Some(PowerState::Offline),
        "killed"
    );
    app.quit().await
}
