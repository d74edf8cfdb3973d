//! The demo: `aerie-desktop --demo` opens on the embedded simulator (3 panels, 36 servers) and
//! the fleet list fills with their names as the sockets come up.

use aerie_e2e::{App, AppData, secs};

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_the_fleet_with_server_names() -> anyhow::Result<()> {
    let data = AppData::fresh("demo")?;
    let app = App::launch(&data, &["--demo"]).await?;
    let s = app.s();
    // The list is virtualised: rows exist for what fits on screen. Rows are re-rendered as
    // live frames arrive, so they are read in one script (element handles go stale).
    s.wait_for_count("[data-testid=fleet-row]", 10, secs(60))
        .await?;
    let rows = s
        .execute(
            "return [...document.querySelectorAll('[data-testid=fleet-row]')] \
               .map(r => [r.innerText, r.getAttribute('data-server') || '']);",
            vec![],
        )
        .await?;
    let rows: Vec<(String, String)> = serde_json::from_value(rows)?;
    assert!(rows.len() >= 10, "rows: {rows:?}");
    let mut ids = Vec::new();
    for (text, id) in rows {
        assert!(!text.trim().is_empty(), "every row shows a server name");
        ids.push(id);
    }
    assert!(
        ids.iter().all(|id| id.len() == 8),
        "rows carry the 8-character server identifier: {ids:?}"
    );
    // Live state arrives over the sockets: some servers report running.
    s.wait_for_text("body", secs(60), |t| {
        t.contains("running") || t.contains("Running")
    })
    .await?;
    app.screenshot("demo-fleet").await?;
    app.quit().await
}
