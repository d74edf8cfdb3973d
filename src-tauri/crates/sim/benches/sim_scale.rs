//! Scale benchmark: 1,000 servers (5 panels x 2 nodes x 100, realistic behaviour mix, real
//! timings), one authenticated websocket per server from a plain tokio-tungstenite client, run
//! for a window (default 20 s, `AERIE_BENCH_SECS` overrides), then report CPU and memory.
//!
//! Measured in-process: the numbers include the 1,000 client sockets and their reader tasks,
//! not only the simulator, and the result names say so.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aerie_sim::{BehaviourPlan, Profile, Sim, SimConfig, Timings};
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const CPU_GOAL_PCT: f64 = 25.0;
const RSS_GOAL_MIB: f64 = 128.0;

fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)` part; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let get = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    get(11) + get(12)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn line(name: &str, value: f64, goal: &str, pass: bool) {
    println!(
        "BENCH|{name}|{value:.1}|{goal}|{}",
        if pass { "pass" } else { "fail" }
    );
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("AERIE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let sim = Sim::start(config()).await.unwrap();
    let frames = Arc::new(AtomicU64::new(0));
    let authed = Arc::new(AtomicU64::new(0));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(1024);
    let connect_start = Instant::now();
    let mut tasks = Vec::new();
    for panel in sim.panels() {
        for server in &panel.servers {
            let node = panel.nodes.iter().find(|n| n.name == server.node).unwrap();
            let url = format!(
                "{}/api/servers/{}/ws",
                node.url.replacen("http://", "ws://", 1),
                server.uuid
            );
            let mut req = url.into_client_request().unwrap();
            req.headers_mut()
                .insert("Origin", panel.url.parse().unwrap());
            // Tokens straight from the node secret: the panel's own minting limit (5/min per
            // server) and API limit are not what this benchmark measures.
            let token = sim.mint_token(&server.uuid, Default::default()).unwrap();
            let (frames, authed, done_tx) = (frames.clone(), authed.clone(), done_tx.clone());
            tasks.push(tokio::spawn(async move {
                // A lean client, like Aerie's: 8 KiB read chunks instead of 128 KiB.
                let config = WebSocketConfig::default().read_buffer_size(8 * 1024);
                let (mut ws, _) =
                    tokio_tungstenite::connect_async_with_config(req, Some(config), false)
                        .await
                        .unwrap();
                let auth = json!({"event": "auth", "args": [token]}).to_string();
                ws.send(Message::text(auth)).await.unwrap();
                let mut first = true;
                while let Some(Ok(msg)) = ws.next().await {
                    if let Message::Text(t) = msg {
                        if first && t.contains("auth success") {
                            first = false;
                            authed.fetch_add(1, Ordering::Relaxed);
                            let _ = done_tx.send(()).await;
                        }
                        frames.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
    }
    drop(done_tx);
    let total = tasks.len();
    for _ in 0..total {
        if done_rx.recv().await.is_none() {
            break;
        }
    }
    let connect_secs = connect_start.elapsed().as_secs_f64();
    let ok = authed.load(Ordering::Relaxed) as usize;
    eprintln!("{ok}/{total} sockets authenticated in {connect_secs:.2} s; measuring {secs} s");

    let ticks0 = cpu_ticks();
    let frames0 = frames.load(Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let wall = t0.elapsed().as_secs_f64();
    let cpu_pct = (cpu_ticks() - ticks0) as f64 / 100.0 / wall * 100.0;
    let fps = (frames.load(Ordering::Relaxed) - frames0) as f64 / wall;
    let rss = rss_mib();

    line(
        "sim_scale_1000_servers_authed_sockets",
        ok as f64,
        "1000",
        ok == 1000,
    );
    line(
        "sim_scale_1000_servers_cpu_pct_of_one_core_incl_1000_clients_in_process",
        cpu_pct,
        &format!("<{CPU_GOAL_PCT}"),
        cpu_pct < CPU_GOAL_PCT,
    );
    line(
        "sim_scale_1000_servers_rss_mib_incl_1000_clients_in_process",
        rss,
        &format!("<{RSS_GOAL_MIB}"),
        rss < RSS_GOAL_MIB,
    );
    line(
        "sim_scale_1000_servers_frames_per_sec_delivered",
        fps,
        ">800",
        fps > 800.0,
    );
    line(
        "sim_scale_1000_servers_connect_and_auth_secs",
        connect_secs,
        "<10",
        connect_secs < 10.0,
    );
    for t in tasks {
        t.abort();
    }
    sim.shutdown().await;

    // The same world with nobody watching: the simulator's own floor.
    let sim = Sim::start(config()).await.unwrap();
    let ticks0 = cpu_ticks();
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(secs.div_ceil(2))).await;
    let cpu_pct = (cpu_ticks() - ticks0) as f64 / 100.0 / t0.elapsed().as_secs_f64() * 100.0;
    line(
        "sim_scale_1000_servers_cpu_pct_of_one_core_sim_only_unwatched",
        cpu_pct,
        "<10",
        cpu_pct < 10.0,
    );
    sim.shutdown().await;
}

fn config() -> SimConfig {
    SimConfig {
        panels: 5,
        nodes_per_panel: 2,
        servers_per_node: 100,
        profile: Profile::Pelican,
        seed: 42,
        timings: Timings::default(),
        behaviours: BehaviourPlan::Mixed,
        control_port: 0,
        tls_nodes: false,
    }
}
