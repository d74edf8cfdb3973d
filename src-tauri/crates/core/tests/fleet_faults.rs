//! Faults against the simulator: node down and back, dropped sockets with backfill, revoked
//! key, suspension, panel rate limiting.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use std::time::Duration;

use aerie_core::event::{ConnectionState, ConsoleOrigin, Fact, PowerState, ServerEventKind};
use aerie_core::fleet::{Fleet, PanelAccess};
use aerie_sim::{Behaviour, BehaviourPlan, PanelFault, Profile, Sim, SimConfig, Timings};
use fleet_support::*;

fn all_live_running(s: &[aerie_core::fleet::ServerSnapshot]) -> bool {
    s.iter()
        .all(|s| s.connection == ConnectionState::Live && s.state == Some(PowerState::Running))
}

#[tokio::test]
async fn a_node_that_goes_down_and_returns_gets_every_socket_back() {
    for profile in PROFILES {
        let sim = world(profile, 4, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live", all_live_running).await;
        let node = sim.panels()[0].nodes[0].name.clone();
        sim.node_down(&node).await.unwrap();
        wait_snapshot(&fleet, &mut sub, "all lost", |s| {
            s.iter().all(|s| s.connection != ConnectionState::Live)
        })
        .await;
        sim.node_up(&node).await.unwrap();
        // Tokens from before the restart are denylisted: the fleet must mint new ones.
        wait_snapshot(&fleet, &mut sub, "all back", |s| {
            s.iter().all(|s| s.connection == ConnectionState::Live)
        })
        .await;
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn the_backfill_after_a_reconnect_does_not_repeat_lines() {
    for profile in PROFILES {
        let sim = world(profile, 1, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live", all_live_running).await;
        let key = fleet.snapshot()[0].key.clone();
        // Unique lines: the server echoes what is said.
        for i in 0..5 {
            fleet
                .send_command(&key, &format!("say before-{i}"))
                .await
                .unwrap();
            wait_for(&mut sub, "echo", |e| {
                matches!(&e.kind, ServerEventKind::Console { line, .. } if line.contains(&format!("before-{i}")))
            })
            .await;
        }
        sim.drop_node_sockets(&sim.panels()[0].nodes[0].name)
            .unwrap();
        wait_for(&mut sub, "live again", |e| {
            e.key == key
                && matches!(
                    e.kind,
                    ServerEventKind::Connection {
                        connection: ConnectionState::Live
                    }
                )
        })
        .await;
        fleet.send_command(&key, "say after-0").await.unwrap();
        let mut repeated = Vec::new();
        wait_for(&mut sub, "echo after reconnect", |e| match &e.kind {
            ServerEventKind::Console { line, .. } if line.contains("before-") => {
                repeated.push(line.clone());
                false
            }
            ServerEventKind::Console { line, .. } => line.contains("after-0"),
            _ => false,
        })
        .await;
        assert!(
            repeated.is_empty(),
            "{profile:?}: shown twice after reconnect: {repeated:?}"
        );
        let console = fleet.console(&key).unwrap();
        let befores = console
            .iter()
            .filter(|l| l.line.contains("before-") && l.origin != ConsoleOrigin::Daemon)
            .count();
        assert_eq!(befores, 5, "{profile:?}: the ring holds each line once");
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_revoked_key_fails_every_server_with_a_clear_message() {
    for profile in PROFILES {
        let sim = Sim::start(SimConfig {
            servers_per_node: 3,
            profile,
            timings: Timings {
                token_lifetime: Duration::from_secs(3),
                expiry_tick: Duration::from_millis(500),
                expiring_window: Duration::from_secs(2),
                ..Timings::fast()
            },
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live", all_live_running).await;
        sim.revoke_key(0).unwrap();
        // The next refresh is refused: every server stops, none keeps retrying.
        wait_snapshot(&fleet, &mut sub, "all failed", |s| {
            s.iter().all(|s| matches!(&s.connection, ConnectionState::Failed { reason } if reason.contains("API key")))
        })
        .await;
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn a_suspended_server_stops_with_a_suspended_fact() {
    for profile in [Profile::PteroNew, Profile::Pelican] {
        let sim = world(profile, 2, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live", all_live_running).await;
        let victim = sim.panels()[0].servers[0].identifier.clone();
        let key = fleet.find(&victim).unwrap();
        sim.suspend_server(&victim, true).unwrap();
        sim.drop_node_sockets(&sim.panels()[0].nodes[0].name)
            .unwrap();
        let e = wait_for(&mut sub, "suspended", |e| {
            e.key == key && fact_of(e).is_some_and(|f| *f == Fact::Suspended)
        })
        .await;
        assert_eq!(fact_of(&e), Some(&Fact::Suspended));
        wait_snapshot(&fleet, &mut sub, "victim failed, other live", |s| {
            s.iter().all(|s| {
                if s.key == key {
                    matches!(s.connection, ConnectionState::Failed { .. })
                } else {
                    s.connection == ConnectionState::Live
                }
            })
        })
        .await;
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_rate_limited_panel_is_waited_for_not_hammered() {
    let sim = world(Profile::Pelican, 2, BehaviourPlan::All(Behaviour::Idle)).await;
    sim.panel_fault(0, PanelFault::RateLimited, Some(Duration::from_secs(30)))
        .unwrap();
    let p = &sim.panels()[0];
    let fleet = Fleet::start(fast_fleet());
    let t0 = tokio::time::Instant::now();
    let n = fleet
        .add_panel(PanelAccess::new("p0", p.url.clone(), p.client_key.clone()))
        .await
        .expect("listing succeeds once the panel lets us in again");
    assert_eq!(n, 2);
    assert!(
        t0.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    fleet.shutdown().await;
    sim.shutdown().await;
}
