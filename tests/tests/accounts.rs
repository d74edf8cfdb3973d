//! Adding a panel: the form validates the key against a simulated panel, the key lands in the
//! real OS keyring (gnome-keyring over the Secret Service), and the account survives a restart.

use aerie_e2e::{App, AppData, invoke, secs};
use aerie_sim::{Sim, SimConfig};
use serde_json::Value;

/// Entries Aerie's e2e instance has in the Secret Service (attributes only, never secrets).
fn keyring_entries(app: &App) -> anyhow::Result<usize> {
    let out = app
        .desktop
        .command("secret-tool")
        .args(["search", "--all", "service", "aerie-e2e"])
        .output()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok(text
        .lines()
        .filter(|l| l.trim() == "attribute.service = aerie-e2e")
        .count())
}

#[tokio::test(flavor = "multi_thread")]
async fn add_a_panel_key_goes_to_the_keyring_and_survives_a_restart() -> anyhow::Result<()> {
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 3,
        seed: 11,
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let data = AppData::fresh("accounts")?;

    let app = App::launch(&data, &[]).await?;
    let before = keyring_entries(&app)?;
    let s = app.s();
    s.click(
        &s.wait_for("[data-testid=first-run-add-panel]", secs(30))
            .await?,
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-name]", secs(10)).await?,
        "Home",
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-url]", secs(10)).await?,
        &panel.url,
    )
    .await?;
    s.send_keys(
        &s.wait_for("[data-testid=account-key]", secs(10)).await?,
        &panel.client_key,
    )
    .await?;
    app.screenshot("accounts-form").await?;
    s.click(&s.wait_for("[data-testid=account-submit]", secs(10)).await?)
        .await?;

    // The account is saved once the panel accepted the key; the UI then leaves the form.
    let accounts = wait_for_accounts(&app, 1).await?;
    assert_eq!(accounts[0]["name"], "Home");
    assert_eq!(
        accounts[0]["key_configured"], true,
        "the key is in the keyring"
    );
    assert!(
        accounts[0].get("api_key").is_none()
            && !accounts[0].to_string().contains(&panel.client_key),
        "the key never crosses into the webview"
    );
    assert_eq!(
        keyring_entries(&app)?,
        before + 1,
        "one new Secret Service item under the e2e instance's namespace"
    );
    app.screenshot("accounts-added").await?;
    app.quit().await?;

    // Restart on the same data: the account and its key are still there.
    let app = App::launch(&data, &[]).await?;
    app.s().wait_for("body *", secs(20)).await?;
    let accounts = wait_for_accounts(&app, 1).await?;
    assert_eq!(accounts[0]["name"], "Home");
    assert_eq!(accounts[0]["key_configured"], true);
    let tested = invoke(
        &app,
        "test_account",
        serde_json::json!({
            "input": { "name": "Home", "url": panel.url, "api_key": null, "watched": null },
            "id": accounts[0]["id"],
        }),
    )
    .await?;
    assert_eq!(
        tested["servers"].as_array().map(Vec::len),
        Some(3),
        "the stored key still works against the panel: {tested}"
    );
    app.screenshot("accounts-after-restart").await?;

    // Removing the account wipes its key.
    invoke(
        &app,
        "remove_account",
        serde_json::json!({ "id": accounts[0]["id"] }),
    )
    .await?;
    assert_eq!(keyring_entries(&app)?, before, "remove wipes the key");
    app.quit().await
}

/// Polls `list_accounts` through the app's IPC until it holds `n` accounts.
async fn wait_for_accounts(app: &App, n: usize) -> anyhow::Result<Vec<Value>> {
    let deadline = std::time::Instant::now() + secs(30);
    loop {
        let v = invoke(app, "list_accounts", serde_json::json!({})).await?;
        let list = v.as_array().cloned().unwrap_or_default();
        if list.len() >= n {
            return Ok(list);
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("{} of {n} accounts after 30 s", list.len());
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
