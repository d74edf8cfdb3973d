//! Self-hosted nodes with a self-signed certificate: refused with a state that names the
//! certificate, watched once the user trusts exactly that certificate, and refused loudly,
//! with both fingerprints, when the node later presents another one.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use aerie_core::event::{ConnectionState, PowerState};
use aerie_core::fleet::{NodeTrust, node_of};
use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
use fleet_support::*;

#[tokio::test]
async fn a_self_signed_node_is_watched_only_after_its_certificate_is_trusted() {
    let sim = Sim::start(SimConfig {
        servers_per_node: 2,
        profile: Profile::Pelican,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        tls_nodes: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let node = &sim.panels()[0].nodes[0];
    let presented = node.certificate_sha256.clone().unwrap();
    let node_name = node_of(&node.url.replacen("https://", "wss://", 1)).unwrap();
    assert_eq!(node_name, node.url.trim_start_matches("https://"));

    let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
    wait_snapshot(
        &fleet,
        &mut sub,
        "refused with the certificate named",
        |s| {
            s.iter().all(|s| {
                matches!(&s.connection, ConnectionState::Untrusted { node, fingerprint, message }
                if *node == node_name && *fingerprint == presented
                    && *message == format!("node certificate not trusted: SHA-256 {presented}"))
            })
        },
    )
    .await;

    let mut trust = NodeTrust::default();
    trust.pin(&node_name, &presented).unwrap();
    fleet.set_trust(trust);
    wait_snapshot(&fleet, &mut sub, "live once trusted", |s| {
        s.iter()
            .all(|s| s.connection == ConnectionState::Live && s.state == Some(PowerState::Running))
    })
    .await;

    let replaced = sim
        .rotate_node_certificate(&sim.panels()[0].nodes[0].name)
        .unwrap();
    assert_ne!(replaced, presented);
    wait_snapshot(
        &fleet,
        &mut sub,
        "a changed certificate is refused, naming both",
        |s| {
            s.iter().all(|s| {
                matches!(&s.connection, ConnectionState::Untrusted { fingerprint, message, .. }
                if *fingerprint == replaced
                    && message.starts_with("node certificate changed")
                    && message.contains(&presented) && message.contains(&replaced))
            })
        },
    )
    .await;
    fleet.shutdown().await;
}
