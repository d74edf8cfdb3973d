//! A server's page: console backfill and live lines, a command and its output, and power
//! actions whose status follows the real state reported over the socket.
//!
//! The console input and power buttons are gated on the user's permissions, which the engine's
//! fleet snapshot does not carry yet (it lists servers without `GET /servers/{id}`), so the UI
//! disables them. Until then the command and the power signals go through the same `invoke`
//! the buttons use; what the page shows (console lines, status badge) is the real app's.

use aerie_e2e::{App, AppData, add_panel_via_form, invoke, secs};
use aerie_sim::{Sim, SimConfig};
use serde_json::json;

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
    // A command and its output, live.
    let key = json!({ "panel": accounts_id(&app).await?, "server": server });
    invoke(
        &app,
        "send_command",
        json!({ "server": key, "command": "say hello-from-e2e" }),
    )
    .await?;
    s.wait_for_text("[data-testid=console-output]", secs(30), |t| {
        t.contains("[Server] hello-from-e2e")
    })
    .await?;
    app.screenshot("server-console").await?;

    // Stop: the badge follows the state the server reports (stopping, then offline).
    invoke(&app, "power", json!({ "server": key, "action": "stop" })).await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Offline")
        .await?;
    assert_eq!(
        sim.server_state(&panel.servers[0].uuid)
            .map(|p| format!("{p:?}")),
        Some("Offline".to_string()),
        "the simulated server really stopped"
    );
    app.screenshot("server-stopped").await?;

    invoke(&app, "power", json!({ "server": key, "action": "start" })).await?;
    s.wait_for_text("[data-testid=server-status]", secs(90), |t| t == "Running")
        .await?;
    app.quit().await
}

/// The id of the only account.
async fn accounts_id(app: &App) -> anyhow::Result<String> {
    let list = invoke(app, "list_accounts", json!({})).await?;
    list[0]["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no account: {list}"))
}
