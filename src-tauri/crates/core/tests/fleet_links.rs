//! What the Connections view shows about each link, and the heartbeat that keeps links honest:
//! latency from ping/pong, token expiry, reconnect count, last frame, a token-free endpoint;
//! a node that stops answering (half-open TCP, a laptop back from sleep) is left after the
//! pong timeout, not after minutes, and rejoined once it answers again. Virtual time.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use std::time::Duration;

use aerie_core::clock::now_ms;
use aerie_core::event::{ConnectionState, PowerState, ServerEventKind};
use aerie_core::fleet::FleetConfig;
use aerie_sim::{Behaviour, BehaviourPlan};
use fleet_support::*;

fn heartbeat_fleet() -> FleetConfig {
    FleetConfig {
        // Shorter than the defaults (30 s, 10 s) to stay inside the harness's guard timeout.
        ping_interval: Duration::from_secs(4),
        pong_timeout: Duration::from_secs(2),
        dead_after: Duration::from_secs(60),
        connect_timeout: Duration::from_secs(5),
        ..fast_fleet()
    }
}

#[tokio::test(start_paused = true)]
async fn the_snapshot_shows_latency_token_expiry_endpoint_and_last_frame() {
    for profile in PROFILES {
        let sim = world(profile, 2, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, heartbeat_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live with a measured latency", |s| {
            s.iter().all(|s| {
                s.connection == ConnectionState::Live
                    && s.state == Some(PowerState::Running)
                    && s.socket.latency_ms.is_some()
            })
        })
        .await;
        let now = now_ms();
        let panel = &sim.panels()[0];
        for s in fleet.snapshot() {
            let m = &s.socket;
            assert_eq!(m.reconnects, 0, "{profile:?} {m:?}");
            let exp = m.token_expires_at.expect("token expiry known");
            assert!(
                exp > now && exp <= now + 11 * 60 * 1000,
                "{profile:?}: a ten-minute token expires in the future ({exp} vs {now})"
            );
            let last = m.last_frame_at.expect("frames arrived");
            assert!(
                last <= now && last + 5_000 > now,
                "{profile:?}: recent frame"
            );
            let endpoint = s.endpoint.as_deref().expect("endpoint known");
            assert!(
                endpoint.starts_with("ws://127.0.0.1:") && endpoint.ends_with("/ws"),
                "{profile:?}: {endpoint}"
            );
            assert!(endpoint.contains(&s.info.uuid), "{endpoint}");
            assert!(!endpoint.contains('?'), "no query, so no token: {endpoint}");
            assert!(!endpoint.contains(&panel.client_key), "{endpoint}");
        }
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_node_that_stops_answering_is_left_after_the_pong_timeout_and_rejoined() {
    for profile in PROFILES {
        let sim = world(profile, 2, BehaviourPlan::All(Behaviour::Idle)).await;
        let cfg = heartbeat_fleet();
        let (fleet, mut sub) = watch(&sim, cfg.clone()).await;
        wait_snapshot(&fleet, &mut sub, "live", |s| {
            s.iter().all(|s| {
                s.connection == ConnectionState::Live && s.state == Some(PowerState::Running)
            })
        })
        .await;
        let node = sim.panels()[0].nodes[0].name.clone();
        let stalled_at = tokio::time::Instant::now();
        sim.stall_node(&node, true).unwrap();
        // The TCP link stays up but nothing comes back: no stats, no pong.
        let mut lost = std::collections::HashSet::new();
        wait_for(&mut sub, "both links declared dead", |e| {
            if matches!(
                e.kind,
                ServerEventKind::Connection {
                    connection: ConnectionState::Reconnecting { .. }
                }
            ) {
                lost.insert(e.key.clone());
            }
            lost.len() == 2
        })
        .await;
        let took = stalled_at.elapsed();
        assert!(
            took <= cfg.ping_interval + cfg.pong_timeout,
            "{profile:?}: dead link noticed after {took:?}, not after the {:?} silence rule",
            cfg.dead_after
        );
        sim.stall_node(&node, false).unwrap();
        wait_snapshot(&fleet, &mut sub, "live again", |s| {
            s.iter().all(|s| s.connection == ConnectionState::Live)
        })
        .await;
        for s in fleet.snapshot() {
            assert!(s.socket.reconnects >= 1, "{profile:?} {:?}", s.socket);
        }
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}
