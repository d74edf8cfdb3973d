//! Power and console commands are things a person clicks and waits on: against the simulator's
//! panel, a long rate-limit pause or a panel that does not answer makes them fail within
//! seconds, with a message saying what to do, instead of leaving them hanging for up to an hour.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aerie_core::Error;
use aerie_core::panel::{PanelClient, PowerSignal, RateLimits, Secret};
use aerie_sim::{Behaviour, BehaviourPlan, PanelFault, Profile, Sim, SimConfig, Timings};
use tokio::time::Instant;

async fn sim() -> Sim {
    Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 1,
        servers_per_node: 1,
        profile: Profile::Pelican,
        seed: 7,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

fn client(sim: &Sim) -> (PanelClient, String) {
    let p = &sim.panels()[0];
    let client = PanelClient::new(&p.url, Secret::new(&p.client_key), RateLimits::default())
        .expect("client");
    (client, p.servers[0].identifier.clone())
}

#[tokio::test(start_paused = true)]
async fn a_long_retry_after_fails_power_and_commands_at_once_saying_when_to_retry() {
    let sim = sim().await;
    let (client, server) = client(&sim);
    sim.panel_fault(0, PanelFault::RateLimited, Some(Duration::from_secs(1800)))
        .unwrap();
    let t0 = Instant::now();
    let power = client.power(&server, PowerSignal::Restart).await;
    let retry = match power {
        Err(Error::ActionRateLimited { retry_after_secs }) => retry_after_secs,
        other => panic!("expected a rate-limit refusal, got {other:?}"),
    };
    assert!(retry > 1700, "says when: {retry} s");
    let message = Error::ActionRateLimited {
        retry_after_secs: retry,
    }
    .to_string();
    assert!(message.contains("not sent") && message.contains("Try again in"));

    // The panel's pause is known now: the next action is refused without a request.
    let command = client.send_command(&server, "say hi").await;
    assert!(
        matches!(command, Err(Error::ActionRateLimited { .. })),
        "{command:?}"
    );
    assert!(
        t0.elapsed() < Duration::from_secs(6),
        "failed fast: {:?}",
        t0.elapsed()
    );
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_short_retry_after_is_waited_out_and_the_action_lands() {
    let sim = sim().await;
    let (client, server) = client(&sim);
    sim.panel_fault(0, PanelFault::RateLimited, Some(Duration::from_secs(2)))
        .unwrap();
    client
        .send_command(&server, "say hi")
        .await
        .expect("sent after the short pause");
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_panel_that_does_not_answer_times_the_action_out() {
    let sim = sim().await;
    let (client, server) = client(&sim);
    sim.panel_fault(0, PanelFault::Slow(Duration::from_secs(600)), None)
        .unwrap();
    let t0 = Instant::now();
    let power = client.power(&server, PowerSignal::Stop).await;
    assert!(
        matches!(power, Err(Error::ActionTimedOut { secs: 20, .. })),
        "{power:?}"
    );
    assert!(
        t0.elapsed() <= Duration::from_secs(21),
        "{:?}",
        t0.elapsed()
    );
    sim.shutdown().await;
}
