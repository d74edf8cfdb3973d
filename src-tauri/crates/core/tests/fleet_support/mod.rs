//! Shared harness of the fleet integration tests: a simulator world and a fleet watching it.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use aerie_core::event::{ConnectionState, Fact, ServerEvent, ServerEventKind};
use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Received, Subscription};
use aerie_sim::{BehaviourPlan, Profile, Sim, SimConfig, Timings};

/// A guard against hangs, not a synchronisation: every wait below ends on an event.
pub const GUARD: Duration = Duration::from_secs(20);

pub const PROFILES: [Profile; 3] = [Profile::Ptero111, Profile::PteroNew, Profile::Pelican];

pub fn fast_fleet() -> FleetConfig {
    FleetConfig {
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        ..FleetConfig::default()
    }
}

pub async fn world(profile: Profile, servers: usize, plan: BehaviourPlan) -> Sim {
    Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: servers,
        profile,
        seed: 7,
        timings: Timings::fast(),
        behaviours: plan,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Starts a fleet on panel 0 of the sim; returns it with a subscription taken before adding.
pub async fn watch(sim: &Sim, cfg: FleetConfig) -> (Fleet, Subscription) {
    let fleet = Fleet::start(cfg);
    let sub = fleet.subscribe();
    let p = &sim.panels()[0];
    let n = fleet
        .add_panel(PanelAccess::new("p0", p.url.clone(), p.client_key.clone()))
        .await
        .expect("panel added");
    assert_eq!(n, p.servers.len());
    (fleet, sub)
}

/// Waits for the first event matching `pred`, failing after [`GUARD`].
pub async fn wait_for(
    sub: &mut Subscription,
    what: &str,
    mut pred: impl FnMut(&ServerEvent) -> bool,
) -> ServerEvent {
    let fut = async {
        loop {
            match sub.recv().await {
                Some(Received::Event(e)) if pred(&e) => return e,
                Some(_) => {}
                None => panic!("fleet closed while waiting for {what}"),
            }
        }
    };
    tokio::time::timeout(GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Waits until `n` distinct servers reported `Live`.
pub async fn all_live(sub: &mut Subscription, n: usize) {
    let mut live = std::collections::HashSet::new();
    wait_for(sub, "all servers live", |e| {
        if matches!(
            e.kind,
            ServerEventKind::Connection {
                connection: ConnectionState::Live
            }
        ) {
            live.insert(e.key.clone());
        }
        live.len() >= n
    })
    .await;
}

pub fn fact_of(e: &ServerEvent) -> Option<&Fact> {
    match &e.kind {
        ServerEventKind::Alert { fact } => Some(fact),
        _ => None,
    }
}

/// Waits until the fleet's snapshot satisfies `pred`, re-checking after every event.
pub async fn wait_snapshot(
    fleet: &Fleet,
    sub: &mut Subscription,
    what: &str,
    mut pred: impl FnMut(&[aerie_core::fleet::ServerSnapshot]) -> bool,
) {
    let fut = async {
        loop {
            if pred(&fleet.snapshot()) {
                return;
            }
            if sub.recv().await.is_none() {
                panic!("fleet closed while waiting for {what}");
            }
        }
    };
    tokio::time::timeout(GUARD, fut).await.unwrap_or_else(|_| {
        panic!(
            "timed out waiting for {what}: {:?}",
            fleet
                .snapshot()
                .iter()
                .map(|s| (&s.key.server, s.state, &s.connection))
                .collect::<Vec<_>>()
        )
    })
}
