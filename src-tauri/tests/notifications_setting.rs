//! The "Desktop notifications" setting applies at once: with it off a crash is alerted but no
//! notification goes out; switched on (no restart), the next crash reaches the desktop.
//!
//! Real D-Bus: runs in the headless session (`cargo xtask test` starts it; by hand:
//! `eval "$(bash scripts/headless-env.sh --print-env)"`), where dunst serves notifications.

use aerie_core::alerts::{AlertOutput, AlertService, ServiceOptions, SinkReport};
use aerie_core::clock::now_ms;
use aerie_core::event::{
    ConnectionState, Fact, PowerState, ServerEvent, ServerEventKind, ServerInfo, ServerKey,
};
use aerie_core::notify::{DesktopNotifier, DesktopSink};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

fn crash(bus: &broadcast::Sender<ServerEvent>, key: &ServerKey, name: &str) {
    let info = ServerInfo {
        uuid: format!("{}-0000", key.server),
        name: name.into(),
        node: "node-1".into(),
        limits: Default::default(),
        permissions: vec!["*".into()],
        panel_status: None,
    };
    for kind in [
        ServerEventKind::Server {
            info: Box::new(info),
        },
        ServerEventKind::Connection {
            connection: ConnectionState::Live,
        },
        ServerEventKind::Status {
            state: PowerState::Running,
            previous: Some(PowerState::Starting),
        },
        ServerEventKind::Status {
            state: PowerState::Offline,
            previous: Some(PowerState::Running),
        },
        ServerEventKind::Alert {
            fact: Fact::Crashed {
                exit_code: Some(1),
                oom: Some(false),
                confirmed: true,
            },
        },
    ] {
        bus.send(ServerEvent {
            key: key.clone(),
            at: now_ms(),
            kind,
        })
        .expect("the service listens");
    }
}

/// Waits for the alert output that names `key` (the service has published it by then).
async fn alerted(outputs: &mut broadcast::Receiver<AlertOutput>, key: &ServerKey) {
    let wait = async {
        loop {
            let out = outputs.recv().await.expect("outputs");
            if format!("{out:?}").contains(&key.server) {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("the crash is alerted");
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_notifications_on_applies_to_the_next_alert_without_a_restart() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "needs the headless session: eval \"$(bash scripts/headless-env.sh --print-env)\""
    );
    let (bus, events) = broadcast::channel(256);
    let (notifier, _clicks) = DesktopNotifier::new("Aerie").expect("notifier");
    let desktop = Arc::new(DesktopSink::new(notifier, false));
    let service = AlertService::start(
        events.into(),
        ServiceOptions {
            sinks: vec![desktop.clone()],
            ..ServiceOptions::default()
        },
    );
    let mut outputs = service.subscribe_outputs();
    let mut reports = service.subscribe_reports();
    let run = std::process::id();
    let quiet = ServerKey::new("home", format!("q{run:07}"));
    let loud = ServerKey::new("home", format!("l{run:07}"));

    crash(&bus, &quiet, &format!("Quiet {run}"));
    alerted(&mut outputs, &quiet).await;
    assert!(!desktop.enabled());

    desktop.set_enabled(true);
    crash(&bus, &loud, &format!("Loud {run}"));
    let first = tokio::time::timeout(Duration::from_secs(20), reports.recv())
        .await
        .expect("a notification once they are on")
        .expect("reports");
    match first {
        SinkReport::Delivered {
            summary,
            id: Some(id),
            ..
        } => {
            assert!(
                summary.contains(&format!("Loud {run}")),
                "the first notification is the crash after switching on, not {summary:?}"
            );
            close_notification(id).await;
        }
        SinkReport::Failed { error, .. } => panic!("notification failed: {error}"),
        other => panic!("unexpected report {other:?}"),
    }
}

/// Closes a shown notification (crash notifications stay until dismissed).
async fn close_notification(id: u32) {
    let _ = tokio::process::Command::new("dbus-send")
        .args([
            "--session",
            "--type=method_call",
            "--dest=org.freedesktop.Notifications",
            "/org/freedesktop/Notifications",
            "org.freedesktop.Notifications.CloseNotification",
            &format!("uint32:{id}"),
        ])
        .status()
        .await;
}
