//! Token lifecycle against the simulator on virtual time: 10-minute tokens are refreshed in
//! place on `token expiring`, with no reconnect, in every profile.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use std::time::Duration;

use aerie_core::event::{ConnectionState, PowerState};
use aerie_sim::{Behaviour, BehaviourPlan, Sim, SimConfig, Timings};
use fleet_support::*;

#[tokio::test(start_paused = true)]
async fn ten_minute_tokens_are_refreshed_on_the_same_socket_for_an_hour() {
    for profile in PROFILES {
        let sim = Sim::start(SimConfig {
            servers_per_node: 3,
            profile,
            timings: Timings {
                boot_time: Duration::from_millis(500),
                ..Timings::default()
            },
            behaviours: BehaviourPlan::All(Behaviour::Idle),
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live and running", |s| {
            s.len() == 3
                && s.iter().all(|s| {
                    s.connection == ConnectionState::Live && s.state == Some(PowerState::Running)
                })
        })
        .await;
        drop(sub);
        // One virtual hour: six token lifetimes.
        tokio::time::sleep(Duration::from_secs(3600)).await;
        for s in fleet.snapshot() {
            assert_eq!(s.connection, ConnectionState::Live, "{profile:?} {}", s.key);
            assert_eq!(
                s.socket.connects, 1,
                "{profile:?}: no reconnect ({:?})",
                s.socket
            );
            assert!(
                s.socket.auths >= 6,
                "{profile:?}: refreshed in place at least every 10 minutes ({:?})",
                s.socket
            );
            assert!(s.socket.tokens_minted <= s.socket.auths, "{:?}", s.socket);
        }
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}
