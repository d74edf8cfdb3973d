//! The app starts, opens its window and renders the embedded frontend.

use aerie_e2e::{App, AppData, secs};

#[tokio::test(flavor = "multi_thread")]
async fn window_opens_and_renders_the_frontend() -> anyhow::Result<()> {
    let data = AppData::fresh("smoke")?;
    let app = App::launch(&data, &[]).await?;
    app.s().wait_for("body *", secs(20)).await?;
    let title = app.s().execute("return document.title", vec![]).await?;
    assert_eq!(title, "Aerie", "the embedded frontend is Aerie's");
    app.screenshot("smoke-window").await?;
    app.quit().await
}
