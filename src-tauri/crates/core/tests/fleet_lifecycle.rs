//! The fleet against the simulator, in every profile: connect and authenticate, backfill,
//! crash vs requested stop, console commands.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use aerie_core::event::{ConnectionState, ConsoleOrigin, Fact, PowerState, ServerEventKind};
use aerie_core::panel::PowerSignal;
use aerie_sim::{Behaviour, BehaviourPlan};
use fleet_support::*;

#[tokio::test]
async fn every_profile_goes_live_and_tells_a_crash_from_a_requested_stop() {
    for profile in PROFILES {
        let sim = world(profile, 3, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        let servers = sim.panels()[0].servers.clone();
        wait_snapshot(&fleet, &mut sub, "all live and running", |snap| {
            snap.len() == 3
                && snap.iter().all(|s| {
                    s.connection == ConnectionState::Live && s.state == Some(PowerState::Running)
                })
        })
        .await;

        // A crash: reported once, confirmed by the daemon's report (exit code, OOM flag).
        let crashed = fleet.find(&servers[0].identifier).unwrap();
        sim.crash_server(&servers[0].identifier).unwrap();
        let e = wait_for(&mut sub, "crash", |e| {
            e.key == crashed && fact_of(e).is_some()
        })
        .await;
        assert_eq!(
            fact_of(&e),
            Some(&Fact::Crashed {
                exit_code: Some(1),
                oom: Some(false),
                confirmed: true
            }),
            "{profile:?}"
        );
        // Running again after the automatic restart, with no second report of that crash.
        let mut more = Vec::new();
        wait_for(&mut sub, "restarted", |e| {
            if e.key == crashed
                && let Some(f) = fact_of(e)
            {
                more.push(f.clone());
            }
            e.key == crashed
                && matches!(
                    e.kind,
                    ServerEventKind::Status {
                        state: PowerState::Running,
                        ..
                    }
                )
        })
        .await;
        assert!(more.is_empty(), "{profile:?}: reported twice: {more:?}");

        // A stop Aerie sent is a requested stop, never a crash.
        let stopped = fleet.find(&servers[1].identifier).unwrap();
        fleet
            .power(&stopped, PowerSignal::Stop)
            .await
            .expect("stop accepted");
        let e = wait_for(&mut sub, "requested stop", |e| {
            e.key == stopped && fact_of(e).is_some()
        })
        .await;
        assert_eq!(fact_of(&e), Some(&Fact::RequestedStop), "{profile:?}");

        // Console: a command over the socket is echoed back by the server.
        let talker = fleet.find(&servers[2].identifier).unwrap();
        fleet
            .send_command(&talker, "say hello-aerie")
            .await
            .expect("command sent");
        wait_for(&mut sub, "echo", |e| {
            e.key == talker
                && matches!(&e.kind, ServerEventKind::Console { line, origin: ConsoleOrigin::Container | ConsoleOrigin::Backfill } if line.contains("hello-aerie"))
        })
        .await;
        assert!(!fleet.console(&talker).unwrap().is_empty());

        fleet.shutdown().await;
        sim.shutdown().await;
    }
}
