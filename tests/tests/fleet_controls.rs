//! The fleet's own controls, clicked as a user clicks them: selecting servers with their
//! checkboxes and stopping them in bulk through the confirm dialog, the Connections view, and
//! a Settings change that is saved to the settings file.

use aerie_core::settings::{SettingsFile, Theme};
use aerie_e2e::{App, AppData, add_panel_via_form, secs};
use aerie_sim::{PowerState, Sim, SimConfig};

#[tokio::test(flavor = "multi_thread")]
async fn bulk_stop_connections_and_settings_work_from_the_window() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 3,
        seed: 33,
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let ids: Vec<String> = panel.servers.iter().map(|s| s.identifier.clone()).collect();
    let data = AppData::fresh("fleet-controls")?;
    let app = App::launch(&data, &[]).await?;
    add_panel_via_form(&app, "Sim", &panel.url, &panel.client_key).await?;
    let s = app.s();
    let row = |id: &str| format!("[data-testid=fleet-row][data-server='{id}']");
    for id in &ids {
        s.wait_for_text(
            &format!("{} [data-testid=server-status]", row(id)),
            secs(60),
            |t| t == "Running",
        )
        .await?;
    }

    // Select two of the three and stop them in one go.
    for id in &ids[..2] {
        let check = s
            .wait_for(&format!("{} input[type=checkbox]", row(id)), secs(10))
            .await?;
        s.click(&check).await?;
    }
    let stop = s
        .wait_for("[data-testid=bulk-stop]:not([disabled])", secs(10))
        .await?;
    s.click(&stop).await?;
    let ok = s.wait_for("[data-testid=confirm-ok]", secs(10)).await?;
    let focused = s.focused_testid().await?;
    assert_eq!(
        focused, "confirm-cancel",
        "stopping servers is not the default"
    );
    s.click(&ok).await?;
    for id in &ids[..2] {
        s.wait_for_text(
            &format!("{} [data-testid=server-status]", row(id)),
            secs(60),
            |t| t == "Offline",
        )
        .await?;
    }
    assert_eq!(sim.server_state(&ids[0]), Some(PowerState::Offline));
    assert_eq!(sim.server_state(&ids[1]), Some(PowerState::Offline));
    assert_eq!(
        sim.server_state(&ids[2]),
        Some(PowerState::Running),
        "the unselected server is left alone"
    );
    app.screenshot("fleet-bulk-stopped").await?;

    // Connections: one live socket per watched server.
    let nav = s
        .wait_for("[data-testid=nav-connections]", secs(10))
        .await?;
    s.click(&nav).await?;
    s.wait_for_count("[data-testid=connection-row]", 3, secs(30))
        .await?;
    app.screenshot("connections").await?;

    // Settings: a theme chosen and saved lands in the settings file.
    let nav = s.wait_for("[data-testid=nav-settings]", secs(10)).await?;
    s.click(&nav).await?;
    let dark = s
        .wait_for("[data-testid=settings-theme] option[value=dark]", secs(30))
        .await?;
    s.click(&dark).await?;
    let save = s
        .wait_for("[data-testid=settings-save]:not([disabled])", secs(10))
        .await?;
    s.click(&save).await?;
    s.wait_for_text(".toasts", secs(10), |t| t.contains("Settings saved."))
        .await?;
    let file = SettingsFile::new(data.path().join("config/settings.toml"));
    assert_eq!(file.load()?.ui.theme, Theme::Dark);
    app.quit().await?;
    sim.shutdown().await;
    Ok(())
}
