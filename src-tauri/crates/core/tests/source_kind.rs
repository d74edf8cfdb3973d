//! The source seam: a kind registered from outside `aerie-core` (the test-only `beacon` kind)
//! is watched like a panel's servers: its servers appear in the fleet's snapshot with state,
//! stats and console, its crash raises the alert engine's crash alert, and power goes through
//! the kind.
#![allow(clippy::unwrap_used)]

#[path = "source_support/beacon.rs"]
mod beacon;

use std::sync::Arc;

use aerie_core::alerts::{AlertKind, AlertOutput, AlertService, ServiceOptions};
use aerie_core::event::{ConnectionState, PowerState};
use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, ServerSnapshot};
use aerie_core::kinds;
use aerie_core::source::PowerSignal;
use beacon::{BeaconKind, BeaconService};

async fn wait_snapshot(fleet: &Fleet, what: &str, done: impl Fn(&[ServerSnapshot]) -> bool) {
    let mut sub = fleet.subscribe();
    while !done(&fleet.snapshot()) {
        if sub.recv().await.is_none() {
            panic!("the fleet stopped before: {what}");
        }
    }
}

#[tokio::test]
async fn a_registered_kind_is_watched_alerted_and_powered_like_a_panel() {
    let service = BeaconService::start("beacon-key").await;
    let kind = Arc::new(BeaconKind {
        servers: vec!["b1".into(), "b2".into()],
        ..BeaconKind::default()
    });
    let mut registry = kinds::builtin();
    registry.register(kind.clone());
    let fleet = Fleet::with_kinds(FleetConfig::default(), registry);
    let alerts = AlertService::start(fleet.subscribe(), ServiceOptions::default());
    let mut outputs = alerts.subscribe_outputs();

    let n = fleet
        .add_panel(PanelAccess::new("lab", &service.url, "beacon-key").of_kind("beacon"))
        .await
        .unwrap();
    assert_eq!(n, 2);
    wait_snapshot(
        &fleet,
        "both beacons live, running, with stats and console",
        |s| {
            s.len() == 2
                && s.iter().all(|s| {
                    s.connection == ConnectionState::Live
                        && s.state == Some(PowerState::Running)
                        && s.stats.is_some_and(|st| st.cpu_absolute == 12.5)
                })
        },
    )
    .await;
    let key = fleet.find("b1").unwrap();
    assert_eq!(key.panel, "lab");
    let console = fleet.console(&key).unwrap();
    assert!(
        console.iter().any(|l| l.line == "beacon b1 ready"),
        "{console:?}"
    );
    let info = &fleet.snapshot()[0].info;
    assert_eq!(info.name, "Beacon b1");

    service.crash("b1");
    let alert = loop {
        match outputs.recv().await.unwrap() {
            AlertOutput::Fire { alert, .. } if alert.id.kind == AlertKind::Crash => break alert,
            _ => {}
        }
    };
    assert_eq!(alert.servers, vec![key.clone()]);

    fleet.power(&key, PowerSignal::Start).await.unwrap();
    assert_eq!(
        *kind.powered.lock().unwrap(),
        vec![("b1".to_owned(), PowerSignal::Start)]
    );
    fleet.shutdown().await;
}

#[tokio::test]
async fn an_unknown_kind_is_refused_naming_the_known_ones() {
    let fleet = Fleet::start(FleetConfig::default());
    let err = fleet
        .add_panel(PanelAccess::new("x", "https://panel.test", "ptlc_x").of_kind("stellar"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown source kind \"stellar\""), "{err}");
    assert!(err.contains("pterodactyl, pelican"), "{err}");
}
