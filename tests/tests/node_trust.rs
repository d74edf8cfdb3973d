//! A self-hosted node with a self-signed certificate, as a user meets it: the server shows
//! "node certificate not trusted" with the fingerprint, the user clicks "Trust this
//! certificate…", compares the fingerprint in the dialog and confirms, and the server comes
//! live; the trust is saved, so it survives a restart of the app.

use aerie_e2e::{App, AppData, add_panel_via_form, secs};
use aerie_sim::{Behaviour, BehaviourPlan, Sim, SimConfig};

#[tokio::test(flavor = "multi_thread")]
async fn trusting_a_self_signed_node_from_the_server_page() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig {
        servers_per_node: 1,
        seed: 33,
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        tls_nodes: true,
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let server = panel.servers[0].identifier.clone();
    let fingerprint = panel.nodes[0].certificate_sha256.clone().expect("TLS node");
    let data = AppData::fresh("node-trust")?;
    let app = App::launch(&data, &[]).await?;
    add_panel_via_form(&app, "Self-hosted", &panel.url, &panel.client_key).await?;
    let s = app.s();

    let row = s
        .wait_for(
            &format!("[data-testid=fleet-row][data-server='{server}']"),
            secs(60),
        )
        .await?;
    s.click(&row).await?;
    let strip = s
        .wait_for_text("[data-testid=cert-untrusted]", secs(60), |t| {
            t.contains("node certificate not trusted")
        })
        .await?;
    assert!(
        strip.contains(&fingerprint),
        "the page names the certificate: {strip}"
    );
    s.click(&s.wait_for("[data-testid=trust-cert]", secs(10)).await?)
        .await?;
    let dialog = s
        .wait_for_text("[role=alertdialog]", secs(10), |t| t.contains("SHA-256"))
        .await?;
    assert!(
        dialog.contains(&fingerprint),
        "the dialog shows the fingerprint to compare: {dialog}"
    );
    app.screenshot("node-trust-dialog").await?;
    s.click(&s.wait_for("[data-testid=confirm-ok]", secs(10)).await?)
        .await?;
    s.wait_for_text("[data-testid=server-status]", secs(60), |t| t == "Running")
        .await?;
    app.quit().await?;

    // Saved: the next start trusts the node without asking again.
    let settings = std::fs::read_to_string(data.path().join("config/settings.toml"))?;
    assert!(settings.contains(&fingerprint), "{settings}");
    Ok(())
}
