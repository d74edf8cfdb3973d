//! Adding a panel: the form validates the key against a simulated panel, the key lands in the
//! real OS keyring (gnome-keyring over the Secret Service), and the account survives a restart;
//! then the Accounts view's Test button and a server's "Open in panel", clicked.

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
async fn add_a_panel_key_goes_to_the_keyring_survives_a_restart_and_tests_by_click()
-> anyhow::Result<()> {
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
    let opened = data.path().join("opened-urls.txt");
    let record = opened.display().to_string();
    let app = App::launch_env(&data, &[], &[(App::RECORD_URLS, &record)]).await?;
    let s = app.s();
    s.wait_for("body *", secs(20)).await?;
    let accounts = wait_for_accounts(&app, 1).await?;
    assert_eq!(accounts[0]["name"], "Home");
    assert_eq!(accounts[0]["key_configured"], true);

    // The Accounts view's Test button re-checks the stored key against the panel.
    s.click(&s.wait_for("[data-testid=nav-accounts]", secs(20)).await?)
        .await?;
    s.click(&s.wait_for("[data-testid=account-test]", secs(20)).await?)
        .await?;
    let toast = s
        .wait_for_text(".toast", secs(30), |t| t.contains("Home:"))
        .await?;
    assert!(
        toast.contains("connected as") && toast.contains("3 servers"),
        "the stored key still works against the panel: {toast:?}"
    );
    app.screenshot("accounts-tested").await?;

    // "Open in panel" on a server opens its page on the panel's web UI.
    let server = panel.servers[0].identifier.clone();
    s.click(&s.wait_for("[data-testid=nav-fleet]", secs(10)).await?)
        .await?;
    s.click(
        &s.wait_for(
            &format!("[data-testid=fleet-row][data-server='{server}']"),
            secs(60),
        )
        .await?,
    )
    .await?;
    s.click(&s.wait_for("[data-testid=open-in-panel]", secs(20)).await?)
        .await?;
    let url = wait_for_line(&opened).await?;
    assert_eq!(
        url,
        format!("{}/server/{server}", panel.url.trim_end_matches('/')),
        "the server's page on its panel"
    );

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

/// Polls until the app recorded a URL it would have opened; returns the first one.
async fn wait_for_line(file: &std::path::Path) -> anyhow::Result<String> {
    let deadline = std::time::Instant::now() + secs(20);
    loop {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        if let Some(line) = text.lines().next() {
            return Ok(line.to_string());
        }
        if std::time::Instant::now() > deadline {
            anyhow::bail!("the app opened no URL within 20 s");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
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
