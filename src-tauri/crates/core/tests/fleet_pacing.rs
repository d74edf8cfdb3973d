//! A thousand servers starting at once never push a panel over its rate limit: every token
//! mint and listing goes through the per-panel limiter, which learns the panel's own
//! `X-RateLimit-Limit`. Checked from the simulator's request log, on virtual time.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use std::time::Duration;

use aerie_core::event::{ConnectionState, ServerEventKind};
use aerie_core::fleet::{Fleet, PanelAccess, Received};
use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
use fleet_support::*;

const PANELS: usize = 5;
const SERVERS_PER_PANEL: usize = 200;
/// The panels' limit per minute, lowered from 720 so 200 token mints must be spread over
/// several windows (the fleet's own default budget, 200/min, would overrun it).
const PANEL_LIMIT: u32 = 90;

#[tokio::test(start_paused = true)]
async fn a_thousand_servers_starting_at_once_never_exceed_a_panels_limit() {
    let sim = Sim::start(SimConfig {
        panels: PANELS,
        nodes_per_panel: 2,
        servers_per_node: SERVERS_PER_PANEL / 2,
        profile: Profile::PteroNew,
        seed: 11,
        timings: Timings {
            // The window the fleet's limiter assumes (Laravel's: one minute).
            rate_limit_window: Duration::from_secs(60),
            ..Timings::fast()
        },
        // Offline servers keep the socket traffic small; the REST side is what is measured.
        behaviours: BehaviourPlan::All(Behaviour::Offline),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for p in 0..PANELS {
        sim.set_client_rate_limit(p, PANEL_LIMIT).unwrap();
    }
    let fleet = Fleet::start(fast_fleet());
    let mut sub = fleet.subscribe();
    // All five panels at once, as at application start.
    let adds = sim.panels().into_iter().enumerate().map(|(i, p)| {
        let fleet = fleet.clone();
        async move {
            fleet
                .add_panel(PanelAccess::new(format!("p{i}"), p.url, p.client_key))
                .await
        }
    });
    for n in futures_util::future::join_all(adds).await {
        assert_eq!(n.unwrap(), SERVERS_PER_PANEL);
    }
    let total = PANELS * SERVERS_PER_PANEL;
    wait_snapshot_long(&fleet, &mut sub, total).await;

    let window = Duration::from_secs(60);
    for p in 0..PANELS {
        let log = sim.panel_requests(p).unwrap();
        let throttled: Vec<_> = log.iter().filter(|r| r.status == 429).collect();
        assert!(
            throttled.is_empty(),
            "panel {p} answered 429: {throttled:?}"
        );
        let mints = log
            .iter()
            .filter(|r| r.path.ends_with("/websocket"))
            .count();
        assert!(
            mints >= SERVERS_PER_PANEL,
            "panel {p}: one token per server at least ({mints})"
        );
        // The busiest sliding minute, counted the way the panel counts: arrivals.
        let mut busiest = 0;
        let mut start = 0;
        for end in 0..log.len() {
            while log[end].at.duration_since(log[start].at) >= window {
                start += 1;
            }
            busiest = busiest.max(end - start + 1);
        }
        assert!(
            busiest <= PANEL_LIMIT as usize,
            "panel {p}: {busiest} requests within one minute (limit {PANEL_LIMIT})"
        );
        assert!(
            busiest * 10 >= PANEL_LIMIT as usize * 9,
            "panel {p}: the budget was used, not idled away ({busiest} in the busiest minute)"
        );
    }
    fleet.shutdown().await;
    sim.shutdown().await;
}

/// Waits (on virtual time, several limiter windows) until `n` servers reported `Live`.
/// Counts events rather than re-reading a 1,000-server snapshot after each one.
async fn wait_snapshot_long(fleet: &Fleet, sub: &mut aerie_core::fleet::Subscription, n: usize) {
    let mut live = std::collections::HashSet::new();
    let fut = async {
        while live.len() < n {
            match sub.recv().await {
                Some(Received::Event(e)) => {
                    if let ServerEventKind::Connection { connection } = &e.kind {
                        if *connection == ConnectionState::Live {
                            live.insert(e.key);
                        } else {
                            live.remove(&e.key);
                        }
                    }
                }
                Some(Received::Missed(_)) => {
                    live = fleet
                        .snapshot()
                        .into_iter()
                        .filter(|s| s.connection == ConnectionState::Live)
                        .map(|s| s.key)
                        .collect();
                }
                None => panic!("fleet closed"),
            }
        }
    };
    // 200 mints at 90 a minute need three windows; the guard is virtual time.
    tokio::time::timeout(Duration::from_secs(600), fut)
        .await
        .unwrap_or_else(|_| panic!("not all {n} servers live within ten virtual minutes"));
}
