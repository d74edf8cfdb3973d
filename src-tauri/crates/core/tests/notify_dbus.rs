//! A crash on the event bus becomes a real desktop notification on the real session D-Bus.
//!
//! Runs inside the headless desktop (`eval "$(bash scripts/headless-env.sh --print-env)"`,
//! or `cargo xtask test`): dunst owns `org.freedesktop.Notifications`, and this test watches
//! the bus as a monitor (like `dbus-monitor`) to see the `Notify` call Aerie makes.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aerie_core::alerts::{AlertService, ServiceOptions, SinkReport};
use aerie_core::clock::now_ms;
use aerie_core::event::{
    ConnectionState, ConsoleOrigin, Fact, Limits, PowerState, Rates, ServerEvent, ServerEventKind,
    ServerInfo, ServerKey, Stats,
};
use aerie_core::notify::{DesktopNotifier, DesktopSink};
use futures_util::StreamExt;
use tokio::sync::broadcast;
use zbus::zvariant::OwnedValue;

/// One observed `Notify` call.
struct NotifyCall {
    summary: String,
    body: String,
    actions: Vec<String>,
    hints: HashMap<String, OwnedValue>,
}

/// A monitor connection that sees every `Notify` call on the session bus.
async fn watch_notify_calls() -> zbus::MessageStream {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "needs the headless session: eval \"$(bash scripts/headless-env.sh --print-env)\""
    );
    let monitor = zbus::Connection::session().await.expect("session bus");
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::MethodCall)
        .interface("org.freedesktop.Notifications")
        .expect("interface")
        .member("Notify")
        .expect("member")
        .build();
    zbus::fdo::MonitoringProxy::new(&monitor)
        .await
        .expect("monitoring proxy")
        .become_monitor(&[rule], 0)
        .await
        .expect("become monitor");
    zbus::MessageStream::from(monitor)
}

async fn next_call_with(stream: &mut zbus::MessageStream, needle: &str) -> NotifyCall {
    let wait = async {
        while let Some(msg) = stream.next().await {
            let msg = msg.expect("message");
            if msg.header().member().is_none_or(|m| m.as_str() != "Notify") {
                continue;
            }
            #[allow(clippy::type_complexity)]
            let (_app, _replaces, _icon, summary, body, actions, hints, _timeout): (
                String,
                u32,
                String,
                String,
                String,
                Vec<String>,
                HashMap<String, OwnedValue>,
                i32,
            ) = msg.body().deserialize().expect("Notify signature");
            if summary.contains(needle) {
                return NotifyCall {
                    summary,
                    body,
                    actions,
                    hints,
                };
            }
        }
        panic!("bus closed");
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .expect("a Notify call naming the server within 20 s")
}

/// Crash notifications are critical and stay until dismissed: close what a test showed, so
/// the shared notification server does not pile them up.
async fn close_notification(id: u32) {
    let conn = zbus::Connection::session().await.expect("session bus");
    conn.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "CloseNotification",
        &(id),
    )
    .await
    .expect("CloseNotification");
}

fn ev(key: &ServerKey, kind: ServerEventKind) -> ServerEvent {
    ServerEvent {
        key: key.clone(),
        at: now_ms(),
        kind,
    }
}

#[tokio::test]
async fn crash_event_becomes_a_desktop_notification_with_name_exit_code_console_and_chart() {
    let mut calls = watch_notify_calls().await;
    // Unique per run: other tests may notify on the same bus.
    let name = format!("Survival {}", std::process::id());
    let key = ServerKey::new("home", "a1b2c3d4");

    let (bus, events) = broadcast::channel(256);
    let (notifier, _clicks) = DesktopNotifier::new("Aerie").expect("notifier");
    let service = AlertService::start(
        events.into(),
        ServiceOptions {
            sinks: vec![Arc::new(DesktopSink::new(notifier, true))],
            ..ServiceOptions::default()
        },
    );
    let mut reports = service.subscribe_reports();

    let info = ServerInfo {
        uuid: "a1b2c3d4-0000-0000-0000-000000000000".into(),
        name: name.clone(),
        node: "node-1".into(),
        limits: Limits {
            memory_mib: 2048,
            disk_mib: 10_240,
            cpu_percent: 200,
        },
        permissions: vec!["*".into()],
        panel_status: None,
    };
    let mut script = vec![
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
    ];
    // Stats far apart in event time, so the notification's chart has points.
    for i in 0..12u64 {
        script.push(ServerEventKind::Stats {
            stats: Box::new(Stats {
                cpu_absolute: 20.0 + i as f64 * 10.0,
                memory_bytes: (500 + i * 100) * 1024 * 1024,
                ..Stats::default()
            }),
            rates: Rates::default(),
        });
    }
    script.extend([
        ServerEventKind::Console {
            line: "[Server thread/ERROR]: Exception in server tick loop".into(),
            origin: ConsoleOrigin::Container,
        },
        ServerEventKind::Status {
            state: PowerState::Offline,
            previous: Some(PowerState::Running),
        },
        ServerEventKind::Alert {
            fact: Fact::Crashed {
                exit_code: Some(137),
                oom: Some(true),
                confirmed: true,
            },
        },
    ]);
    let start = now_ms();
    for (i, kind) in script.into_iter().enumerate() {
        let mut event = ev(&key, kind);
        // Spread the stats samples over the last minutes.
        event.at = start + i as u64 * 6_000;
        bus.send(event).expect("service listens");
    }

    let call = next_call_with(&mut calls, &name).await;
    assert_eq!(call.summary, format!("{name} crashed"));
    assert!(call.body.contains("Exit code 137"), "{}", call.body);
    assert!(
        call.body.contains("Exception in server tick loop"),
        "the last console lines explain the crash: {}",
        call.body
    );
    assert!(
        call.actions.iter().any(|a| a == "default"),
        "clicking opens the server: {:?}",
        call.actions
    );
    let image: String = call
        .hints
        .get("image-path")
        .expect("a chart image rides along")
        .try_clone()
        .expect("clone")
        .try_into()
        .expect("image-path is a string");
    let png = std::fs::read(&image).expect("the chart file exists while shown");
    assert_eq!(&png[1..4], b"PNG");

    let report = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match reports.recv().await.expect("reports") {
                SinkReport::Delivered {
                    summary,
                    id: Some(id),
                    ..
                } if summary.contains(&name) => {
                    break id;
                }
                SinkReport::Failed { summary, error, .. } if summary.contains(&name) => {
                    panic!("notification failed: {error}")
                }
                _ => {}
            }
        }
    })
    .await
    .expect("the service reports the notification shown");
    assert!(report > 0, "dunst gives every notification an id");
    close_notification(report).await;
}

/// The whole path on the simulator: a server's process dies in the simulated node, the fleet
/// sees it on the Wings socket, the alert service notifies the desktop.
#[tokio::test]
async fn simulated_crash_on_a_watched_server_notifies_the_desktop() {
    use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Received};
    use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};

    let mut calls = watch_notify_calls().await;
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 2,
        profile: Profile::Pelican,
        seed: u64::from(std::process::id()),
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let fleet = Fleet::start(FleetConfig {
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        ..FleetConfig::default()
    });
    let (notifier, _clicks) = DesktopNotifier::new("Aerie").expect("notifier");
    let service = AlertService::start(
        fleet.subscribe(),
        ServiceOptions {
            sinks: vec![Arc::new(DesktopSink::new(notifier, true))],
            ..ServiceOptions::default()
        },
    );
    let mut reports = service.subscribe_reports();
    let mut sub = fleet.subscribe();
    let panel = &sim.panels()[0];
    fleet
        .add_panel(PanelAccess::new(
            "p0",
            panel.url.clone(),
            panel.client_key.clone(),
        ))
        .await
        .expect("panel added");
    let victim = panel.servers[0].clone();
    let key = fleet.find(&victim.identifier).expect("watched");

    // Crash only once the fleet sees the server live and running (an event, not a delay).
    let (mut live, mut running) = (false, false);
    tokio::time::timeout(Duration::from_secs(20), async {
        while !(live && running) {
            match sub.recv().await {
                Some(Received::Event(e)) if e.key == key => match e.kind {
                    ServerEventKind::Connection {
                        connection: ConnectionState::Live,
                    } => live = true,
                    ServerEventKind::Status {
                        state: PowerState::Running,
                        ..
                    } => running = true,
                    _ => {}
                },
                Some(_) => {}
                None => panic!("fleet closed"),
            }
        }
    })
    .await
    .expect("server live and running within 20 s");

    sim.crash_server(&victim.identifier).expect("crash");
    let call = next_call_with(&mut calls, &victim.name).await;
    assert_eq!(call.summary, format!("{} crashed", victim.name));
    assert!(
        call.body.contains("Exit code 1"),
        "the daemon's crash lines give the exit code: {}",
        call.body
    );
    assert_eq!(
        *service.health().borrow(),
        aerie_core::alerts::Health::Critical
    );

    let id = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let SinkReport::Delivered {
                summary,
                id: Some(id),
                ..
            } = reports.recv().await.expect("reports")
                && summary.contains(&victim.name)
            {
                break id;
            }
        }
    })
    .await
    .expect("shown");
    close_notification(id).await;

    fleet.shutdown().await;
    sim.shutdown().await;
}

/// Clicking a notification (the desktop's `ActionInvoked` "default" signal) asks the app to
/// open that server.
#[tokio::test]
async fn clicking_the_notification_reports_the_server_to_open() {
    use aerie_core::notify::{DesktopNotification, Urgency};

    let _calls = watch_notify_calls().await;
    let (notifier, mut clicks) = DesktopNotifier::new("Aerie").expect("notifier");
    let key = ServerKey::new("home", "c1c2c3c4");
    let id = notifier
        .show(&DesktopNotification {
            summary: format!("Click me {}", std::process::id()),
            body: "Exit code 1".into(),
            image_png: None,
            server: Some(key.clone()),
            urgency: Urgency::Normal,
        })
        .await
        .expect("shown");

    // Stand in for the user: the desktop announces the click as a signal. The notifier
    // subscribes right after `Notify` returns, so the signal is repeated until it lands.
    let desktop = zbus::Connection::session().await.expect("session bus");
    let opened = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            desktop
                .emit_signal(
                    None::<()>,
                    "/org/freedesktop/Notifications",
                    "org.freedesktop.Notifications",
                    "ActionInvoked",
                    &(id, "default"),
                )
                .await
                .expect("signal sent");
            if let Ok(Some(key)) =
                tokio::time::timeout(Duration::from_millis(100), clicks.recv()).await
            {
                break key;
            }
        }
    })
    .await
    .expect("the click reaches the app within 10 s");
    assert_eq!(opened, key);
    close_notification(id).await;
}
