//! The desktop app's own DTOs are generated into `ui/src/lib/bindings/` with ts-rs and
//! committed; the UI imports them under the same names. This test fails when they are stale.
//! Regenerate with `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test bindings`.
//!
//! Only this crate's files are written; the engine's event types are `aerie-core`'s.

use aerie_desktop::alerting::{AlertRecord, AlertSeverity, AlertsFrame, SinkTestResult};
use aerie_desktop::commands::accounts::{
    AccountInput, AccountSummary, AccountTest, PanelKind, PanelServer,
};
use aerie_desktop::commands::app::AppInfo;
use aerie_desktop::commands::charts::{
    ChartMetric, ChartPoint, ChartRange, ChartRender, ChartRequest, ExportFormat, PlotArea,
};
use aerie_desktop::commands::console::{ConsoleFrame, ConsoleLineDto};
use aerie_desktop::commands::servers::{
    ConnectionRow, FleetFrame, PowerAction, RowHealth, ServerRow,
};
use aerie_desktop::commands::settings::{AlertRules, QuietHours, Settings, ThemeChoice};
use aerie_desktop::error::IpcError;
use aerie_desktop::state::{AppEvent, AppView};
use std::path::PathBuf;
use ts_rs::TS;

fn committed_dir() -> PathBuf {
    // The checkout cargo runs the test in, not necessarily the one it was compiled in.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../ui/src/lib/bindings")
}

/// (file name, TypeScript) of every DTO this crate owns.
fn ours() -> Vec<(String, String)> {
    fn one<T: TS + 'static>() -> (String, String) {
        let ts = T::export_to_string().expect("ts-rs export");
        (format!("{}.ts", T::ident()), ts)
    }
    vec![
        one::<AccountInput>(),
        one::<AccountSummary>(),
        one::<AccountTest>(),
        one::<PanelKind>(),
        one::<PanelServer>(),
        one::<PowerAction>(),
        one::<ServerRow>(),
        one::<FleetFrame>(),
        one::<RowHealth>(),
        one::<ConsoleFrame>(),
        one::<ConsoleLineDto>(),
        one::<Settings>(),
        one::<AlertRules>(),
        one::<QuietHours>(),
        one::<ThemeChoice>(),
        one::<IpcError>(),
        one::<AppEvent>(),
        one::<AppView>(),
        one::<AlertSeverity>(),
        one::<AlertRecord>(),
        one::<AlertsFrame>(),
        one::<SinkTestResult>(),
        one::<ChartMetric>(),
        one::<ChartRange>(),
        one::<ChartRequest>(),
        one::<PlotArea>(),
        one::<ChartPoint>(),
        one::<ChartRender>(),
        one::<ExportFormat>(),
        one::<ConnectionRow>(),
        one::<AppInfo>(),
    ]
}

#[test]
fn desktop_bindings_are_up_to_date() {
    let update = std::env::var_os("AERIE_UPDATE_BINDINGS").is_some();
    let dir = committed_dir();
    let mut stale = Vec::new();
    for (name, fresh) in ours() {
        let target = dir.join(&name);
        if std::fs::read_to_string(&target).ok().as_deref() != Some(fresh.as_str()) {
            if update {
                std::fs::create_dir_all(&dir).expect("create bindings dir");
                std::fs::write(&target, fresh).expect("write binding");
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "TypeScript bindings are stale or missing in ui/src/lib/bindings: {stale:?}. Run \
         `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-desktop --test bindings` and commit them."
    );
}
