//! "Send test" in the real window reaches a webhook receiver on 127.0.0.1: a sink configured
//! in the app's settings file with its URL in the app's keyring namespace, Settings → Alert
//! sinks → Send test, and the receiver gets Aerie's test alert while the page says delivered.

use aerie_core::alerts::Severity;
use aerie_core::notify::webhook::Webhooks;
use aerie_core::secrets::{KeyringStore, Secret};
use aerie_core::settings::{SettingsFile, SinkKind};
use aerie_e2e::{App, AppData, add_panel_via_form, secs};
use aerie_sim::{Behaviour, BehaviourPlan, Sim, SimConfig};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// A webhook receiver: answers every POST 204 and hands over its path and body.
async fn receiver() -> anyhow::Result<(String, mpsc::UnboundedReceiver<(String, String)>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line).await;
                let path = request_line.split(' ').nth(1).unwrap_or("").to_owned();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).await.unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some((name, value)) = line.split_once(':')
                        && name.eq_ignore_ascii_case("content-length")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body).await;
                let _ = tx.send((path, String::from_utf8_lossy(&body).into_owned()));
                let _ = reader
                    .into_inner()
                    .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    Ok((base, rx))
}

#[tokio::test(flavor = "multi_thread")]
async fn send_test_in_settings_reaches_a_local_webhook() -> anyhow::Result<()> {
    let (base, mut seen) = receiver().await?;
    let data = AppData::fresh("alert-sinks")?;
    // What `aerie alerts sinks add` does, in the app's own files and keyring namespace.
    let hooks = Webhooks::new(
        SettingsFile::new(data.path().join("config/settings.toml")),
        Arc::new(KeyringStore::open("aerie-e2e")?),
    );
    let token = format!("TOKENe2e{}", std::process::id());
    hooks.add(
        "Ops",
        SinkKind::Discord,
        &Secret::new(format!("{base}/api/webhooks/1/{token}")),
        Severity::Critical,
    )?;
    let sim = Sim::start(SimConfig {
        servers_per_node: 1,
        seed: 41,
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await?;
    let panel = sim.panels().remove(0);
    let app = App::launch(&data, &[]).await?;
    add_panel_via_form(&app, "Home", &panel.url, &panel.client_key).await?;
    let s = app.s();
    s.wait_for("[data-testid=fleet-row]", secs(60)).await?;
    s.click(&s.wait_for("[data-testid=nav-settings]", secs(10)).await?)
        .await?;
    s.click(
        &s.wait_for("[data-testid=sinks-send-test]", secs(10))
            .await?,
    )
    .await?;
    let result = s
        .wait_for_text("[data-testid=sink-result]", secs(60), |t| {
            t.contains("delivered") || t.contains("failed")
        })
        .await?;
    app.screenshot("alert-sinks-send-test").await?;
    let (path, body) = tokio::time::timeout(secs(20), seen.recv())
        .await?
        .expect("receiver running");
    let page = s.text(&s.wait_for("body", secs(5)).await?).await?;
    app.quit().await?;
    hooks.remove("Ops")?;

    assert!(
        result.contains("Ops") && result.contains("delivered"),
        "{result}"
    );
    assert_eq!(path, format!("/api/webhooks/1/{token}"));
    let json: serde_json::Value = serde_json::from_str(&body)?;
    assert_eq!(json["embeds"][0]["title"], "Aerie test alert");
    assert!(!body.contains(&token), "{body}");
    assert!(
        !page.contains(&token),
        "the page never shows the URL: {page}"
    );
    Ok(())
}
