//! The panel changes under a running fleet: servers created later appear, deleted ones go
//! away; a subuser's permissions are read so console and power are allowed only where the
//! panel allows them.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use std::time::Duration;

use aerie_core::Error;
use aerie_core::event::{ConnectionState, ServerEventKind};
use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Relisted};
use aerie_core::panel::PowerSignal;
use aerie_sim::{Behaviour, BehaviourPlan, Profile, ServerSpec};
use fleet_support::*;

fn relisting_fleet() -> FleetConfig {
    FleetConfig {
        relist_interval: Duration::from_secs(10),
        ..fast_fleet()
    }
}

#[tokio::test(start_paused = true)]
async fn servers_created_later_appear_and_deleted_ones_go_away() {
    for profile in PROFILES {
        let sim = world(profile, 2, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, relisting_fleet()).await;
        all_live(&mut sub, 2).await;
        let node = sim.panels()[0].nodes[0].name.clone();

        // Periodic re-read: a server created on the panel shows up by itself.
        let created = sim
            .add_server(
                &node,
                ServerSpec {
                    name: "Created Later".into(),
                    ..ServerSpec::default()
                },
            )
            .unwrap();
        let e = wait_for(
            &mut sub,
            "the new server discovered",
            |e| matches!(&e.kind, ServerEventKind::Server { info } if info.uuid == created.uuid),
        )
        .await;
        let new_key = e.key.clone();
        wait_for(&mut sub, "the new server live", |e| {
            e.key == new_key
                && e.kind
                    == ServerEventKind::Connection {
                        connection: ConnectionState::Live,
                    }
        })
        .await;
        assert_eq!(fleet.snapshot().len(), 3, "{profile:?}");

        // On demand: a deleted server stops and leaves the snapshot.
        let victim = sim.panels()[0].servers[0].identifier.clone();
        let victim_key = fleet.find(&victim).unwrap();
        sim.delete_server(&victim).unwrap();
        let outcome = fleet.refresh_panel("p0").await.unwrap();
        assert_eq!(
            outcome,
            Relisted {
                added: 0,
                removed: 1
            },
            "{profile:?}"
        );
        wait_for(&mut sub, "the deleted server stopped", |e| {
            e.key == victim_key
                && e.kind
                    == ServerEventKind::Connection {
                        connection: ConnectionState::Stopped,
                    }
        })
        .await;
        let left: Vec<_> = fleet.snapshot().into_iter().map(|s| s.key).collect();
        assert_eq!(left.len(), 2, "{profile:?}: {left:?}");
        assert!(!left.contains(&victim_key));
        assert!(fleet.find(&victim).is_none());
        // Nothing changed since: a re-read is a no-op.
        assert_eq!(
            fleet.refresh_panel("p0").await.unwrap(),
            Relisted::default()
        );
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_subusers_permissions_gate_console_and_power() {
    let sim = world(Profile::Pelican, 2, BehaviourPlan::All(Behaviour::Idle)).await;
    let servers = sim.panels()[0].servers.clone();
    let (console_only, power_only) = (&servers[0].identifier, &servers[1].identifier);
    let key = sim
        .add_subuser(
            0,
            &[
                (console_only, &["websocket.connect", "control.console"]),
                (
                    power_only,
                    &["websocket.connect", "control.start", "control.stop"],
                ),
            ],
        )
        .unwrap();
    let fleet = Fleet::start(fast_fleet());
    let mut sub = fleet.subscribe();
    let p = &sim.panels()[0];
    assert_eq!(
        fleet
            .add_panel(PanelAccess::new("sub", p.url.clone(), key))
            .await
            .unwrap(),
        2
    );
    wait_snapshot(&fleet, &mut sub, "permissions known and live", |s| {
        s.iter()
            .all(|s| !s.info.permissions.is_empty() && s.connection == ConnectionState::Live)
    })
    .await;
    let k_console = fleet.find(console_only).unwrap();
    let k_power = fleet.find(power_only).unwrap();
    let info = |k| {
        fleet
            .snapshot()
            .into_iter()
            .find(|s| s.key == k)
            .unwrap()
            .info
    };
    let c = info(k_console.clone());
    assert!(c.allows("control.console") && !c.allows("control.start"));
    let pw = info(k_power.clone());
    assert!(pw.allows("control.stop") && !pw.allows("control.console"));

    // Refused with the missing permission named, before any request.
    let e = fleet
        .power(&k_console, PowerSignal::Stop)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::PermissionDenied { detail } if detail.contains("control.stop")),
        "{e}"
    );
    let e = fleet.send_command(&k_power, "say hi").await.unwrap_err();
    assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
    // Allowed ones go through.
    fleet.send_command(&k_console, "say allowed").await.unwrap();
    wait_for(&mut sub, "the allowed command echoed", |e| {
        e.key == k_console
            && matches!(&e.kind, ServerEventKind::Console { line, .. } if line.contains("allowed"))
    })
    .await;
    fleet.power(&k_power, PowerSignal::Stop).await.unwrap();
    fleet.shutdown().await;
    sim.shutdown().await;
}
