//! Scripted server behaviours, driven in tokio's virtual time (no sockets needed: the node
//! tickers run on the paused clock).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aerie_sim::{Behaviour, PowerState, Profile, Sim, Timings};
use common::{first_server, sim};

/// Advances virtual time in tick-sized steps so every node ticker runs at each step.
async fn run_for(d: Duration) {
    let step = Duration::from_millis(20);
    let mut left = d;
    while !left.is_zero() {
        let s = step.min(left);
        tokio::time::advance(s).await;
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        left -= s;
    }
}

async fn with(behaviour: Behaviour) -> (Sim, String) {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let uuid = first_server(&sim).uuid;
    sim.power(&uuid, aerie_sim::PowerAction::Kill).unwrap();
    sim.set_behaviour(&uuid, behaviour).unwrap();
    (sim, uuid)
}

#[tokio::test(start_paused = true)]
async fn stuck_in_starting_never_reaches_running() {
    let (sim, uuid) = with(Behaviour::StuckStarting).await;
    run_for(Duration::from_secs(5)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Starting));
    assert!(
        sim.console_lines(&uuid).unwrap().len() >= 3,
        "boot lines printed"
    );
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stuck_in_stopping_ignores_stop_until_killed() {
    let (sim, uuid) = with(Behaviour::StuckStopping).await;
    sim.power(&uuid, aerie_sim::PowerAction::Start).unwrap();
    run_for(Duration::from_secs(3)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Running));
    sim.power(&uuid, aerie_sim::PowerAction::Stop).unwrap();
    run_for(Duration::from_secs(10)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Stopping));
    sim.power(&uuid, aerie_sim::PowerAction::Kill).unwrap();
    run_for(Duration::from_millis(100)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Offline));
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn crash_once_comes_back_and_stays_up() {
    let (sim, uuid) = with(Behaviour::CrashOnce { after_ms: 300 }).await;
    run_for(Duration::from_secs(5)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Running));
    let stats = sim.server_stats(&uuid).unwrap();
    assert!(
        stats.uptime < 5_000,
        "restarted after the crash: uptime {}",
        stats.uptime
    );
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn crash_loop_ends_offline_after_the_abort() {
    let (sim, uuid) = with(Behaviour::CrashLoop { after_ms: 300 }).await;
    run_for(Duration::from_secs(5)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Offline));
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn memory_leak_grows_until_oom() {
    let (sim, uuid) = with(Behaviour::MemoryLeak {
        bytes_per_sec: 512 * 1024 * 1024,
    })
    .await;
    run_for(Duration::from_millis(400)).await;
    let a = sim.server_stats(&uuid).unwrap().memory_bytes;
    run_for(Duration::from_millis(300)).await;
    let b = sim.server_stats(&uuid).unwrap().memory_bytes;
    assert!(b > a, "memory grows: {a} -> {b}");
    // A leak fast enough to hit any limit (2-12 GiB) within a second: OOM crash, restart,
    // second OOM within the abort window, stay offline.
    sim.set_behaviour(
        &uuid,
        Behaviour::MemoryLeak {
            bytes_per_sec: 64 << 30,
        },
    )
    .unwrap();
    run_for(Duration::from_secs(10)).await;
    assert_eq!(sim.server_state(&uuid), Some(PowerState::Offline));
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn chatty_console_keeps_the_last_150_lines() {
    let (sim, uuid) = with(Behaviour::Chatty { lines_per_sec: 100 }).await;
    run_for(Duration::from_secs(3)).await;
    assert_eq!(sim.console_lines(&uuid).unwrap().len(), 150);
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn idle_servers_boot_straight_into_running_with_uptime() {
    let sim = sim(Profile::Ptero111, Timings::default()).await;
    for s in &sim.panels()[0].servers {
        assert_eq!(sim.server_state(&s.uuid), Some(PowerState::Running));
        assert!(sim.server_stats(&s.uuid).unwrap().uptime > 0);
    }
    sim.shutdown().await;
}
