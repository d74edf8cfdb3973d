//! Crash vs stop in every path of `docs/protocols/wings.md` §8, in every profile: console
//! `stop`, kill, restart, a crash loop ending in "Aborting automatic restart".
#![allow(clippy::unwrap_used)]

mod fleet_support;

use aerie_core::event::{ConnectionState, Fact, PowerState, ServerEvent, ServerEventKind};
use aerie_core::fleet::Subscription;
use aerie_core::panel::PowerSignal;
use aerie_sim::{Behaviour, BehaviourPlan, PowerAction};
use fleet_support::*;

fn is_state(e: &ServerEvent, key: &aerie_core::event::ServerKey, s: PowerState) -> bool {
    e.key == *key && matches!(e.kind, ServerEventKind::Status { state, .. } if state == s)
}

/// Collects the facts of `key` until its status reaches `until`.
async fn facts_until(
    sub: &mut Subscription,
    key: &aerie_core::event::ServerKey,
    until: PowerState,
) -> Vec<Fact> {
    let mut facts = Vec::new();
    wait_for(sub, until.as_str(), |e| {
        if e.key == *key
            && let Some(f) = fact_of(e)
        {
            facts.push(f.clone());
        }
        is_state(e, key, until)
    })
    .await;
    facts
}

#[tokio::test]
async fn stops_kills_and_restarts_are_never_crashes_and_a_crash_loop_is() {
    for profile in PROFILES {
        let sim = world(profile, 4, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live and running", |s| {
            s.iter().all(|s| {
                s.connection == ConnectionState::Live && s.state == Some(PowerState::Running)
            })
        })
        .await;
        let ids: Vec<String> = sim.panels()[0]
            .servers
            .iter()
            .map(|s| s.identifier.clone())
            .collect();
        let keys: Vec<_> = ids.iter().map(|i| fleet.find(i).unwrap()).collect();

        // A stop from elsewhere (the egg's stop command typed in the panel console, or the
        // panel's button): Wings goes stopping → offline; not a crash, not ours: no fact.
        // Facts follow the status that caused them, so each check runs until the server is
        // running again.
        sim.power(&ids[0], PowerAction::Stop).unwrap();
        let mut f = facts_until(&mut sub, &keys[0], PowerState::Offline).await;
        sim.power(&ids[0], PowerAction::Start).unwrap();
        f.extend(facts_until(&mut sub, &keys[0], PowerState::Running).await);
        assert!(
            f.is_empty(),
            "{profile:?}: a stop through stopping is not a crash: {f:?}"
        );

        // Kill sent by Aerie: a requested stop.
        fleet.power(&keys[1], PowerSignal::Kill).await.unwrap();
        let mut f = facts_until(&mut sub, &keys[1], PowerState::Offline).await;
        sim.power(&ids[1], PowerAction::Start).unwrap();
        f.extend(facts_until(&mut sub, &keys[1], PowerState::Running).await);
        assert_eq!(f, vec![Fact::RequestedStop], "{profile:?}: kill");

        // Restart sent by Aerie: requested stop, then running again, never a crash.
        fleet.power(&keys[2], PowerSignal::Restart).await.unwrap();
        let f = facts_until(&mut sub, &keys[2], PowerState::Running).await;
        assert_eq!(f, vec![Fact::RequestedStop], "{profile:?}: restart");

        // A crash loop: crashes, auto-restart, crash again within the window → aborted.
        sim.set_behaviour(&ids[3], Behaviour::CrashLoop { after_ms: 200 })
            .unwrap();
        sim.crash_server(&ids[3]).unwrap();
        let mut crashes = 0;
        let mut aborted = None;
        wait_for(&mut sub, "aborted restart", |e| {
            if e.key != keys[3] {
                return false;
            }
            match fact_of(e) {
                Some(Fact::Crashed {
                    confirmed: true, ..
                }) => crashes += 1,
                Some(Fact::AutoRestartAborted { reason }) => aborted = Some(reason.clone()),
                _ => {}
            }
            aborted.is_some()
        })
        .await;
        assert!(
            crashes >= 2,
            "{profile:?}: {crashes} confirmed crashes before the abort"
        );
        assert!(
            !aborted.unwrap_or_default().is_empty(),
            "{profile:?}: the reason is kept"
        );
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}
