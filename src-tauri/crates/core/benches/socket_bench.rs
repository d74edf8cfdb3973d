//! Socket benchmarks. Prints `BENCH|<name>|<value>|<goal>|<pass or fail>` lines for
//! `cargo xtask bench`.
//!
//! The WebSocket node runs in a child process (this same binary, started with
//! `AERIE_SOCKET_BENCH_NODE=<mode>`), so memory and CPU measured here are the client's alone.
//! - idle memory: RSS growth per open socket, 1,000 sockets (plain `ws://`, no TLS);
//! - throughput: messages/s through one socket vs. a bare tokio-tungstenite read loop;
//! - restart storm: 1,000 sockets sharing a connect gate, node killed and restarted; time
//!   until all are back, and the most connects the node saw in any one second.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aerie_core::socket::{
    ConnectGate, Endpoint, ReconnectPolicy, SocketEvent, SocketHandle, SocketOptions, SocketState,
    Strategy,
};
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message as Ws;

const NODE_ENV: &str = "AERIE_SOCKET_BENCH_NODE";
const SOCKETS: usize = 1_000;
const FLOOD_MESSAGES: usize = 200_000;
const FLOOD_SIZE: usize = 100;
const GATE_RATE: f64 = 200.0;
const GATE_BURST: u32 = 50;

fn report(name: &str, value: String, goal: &str, pass: bool) {
    let verdict = if pass { "pass" } else { "fail" };
    println!("BENCH|{name}|{value}|{goal}|{verdict}");
}

fn main() {
    if let Ok(mode) = std::env::var(NODE_ENV) {
        node_main(&mode);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        idle_memory().await;
        throughput().await;
        restart_storm().await;
    });
}

// ---------------------------------------------------------------- the node (child process)

/// Serves WebSockets on the port given in `AERIE_SOCKET_BENCH_PORT` (0 = any), prints
/// `PORT <n>` then `A` per accepted connection, and exits when stdin closes.
fn node_main(mode: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let flood = mode == "flood";
    rt.block_on(async move {
        let port: u16 = std::env::var("AERIE_SOCKET_BENCH_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let out = Arc::new(Mutex::new(std::io::stdout()));
        {
            let mut o = out.lock().expect("stdout");
            let _ = writeln!(o, "PORT {}", listener.local_addr().expect("addr").port());
            let _ = o.flush();
        }
        // Parent gone (stdin closed) = stop.
        std::thread::spawn(|| {
            let mut line = String::new();
            while std::io::stdin()
                .read_line(&mut line)
                .map(|n| n > 0)
                .unwrap_or(false)
            {}
            std::process::exit(0);
        });
        let payload = "x".repeat(FLOOD_SIZE);
        while let Ok((tcp, _)) = listener.accept().await {
            {
                let mut o = out.lock().expect("stdout");
                let _ = writeln!(o, "A");
                let _ = o.flush();
            }
            let payload = payload.clone();
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                if flood {
                    for _ in 0..FLOOD_MESSAGES {
                        if ws.feed(Ws::text(payload.as_str())).await.is_err() {
                            return;
                        }
                    }
                    let _ = ws.flush().await;
                    let _ = ws.close(None).await;
                }
                while let Some(Ok(_)) = ws.next().await {}
            });
        }
    });
}

struct Node {
    child: Child,
    port: u16,
}

fn spawn_node(mode: &str, port: u16) -> (Node, BufReader<ChildStdout>) {
    let exe = std::env::current_exe().expect("current exe");
    let mut child = Command::new(exe)
        .env(NODE_ENV, mode)
        .env("AERIE_SOCKET_BENCH_PORT", port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn node");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("node port");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .expect("PORT line");
    (Node { child, port }, out)
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts the node's accepts as they happen, with the time the parent saw them.
fn watch_accepts(out: BufReader<ChildStdout>, log: Arc<Mutex<Vec<Instant>>>) {
    std::thread::spawn(move || {
        for line in out.lines() {
            match line {
                Ok(l) if l == "A" => log.lock().expect("log").push(Instant::now()),
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
}

// ---------------------------------------------------------------- measurements

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn idle_options(port: u16) -> SocketOptions {
    SocketOptions::new(Endpoint::new(format!("ws://127.0.0.1:{port}/ws")))
}

async fn wait_open(socket: &SocketHandle) {
    let mut state = socket.watch_state();
    let _ = state.wait_for(|s| *s == SocketState::Open).await;
}

async fn idle_memory() {
    let (node, _out) = spawn_node("idle", 0);
    // Warm up shared things (runtime, TLS-free connect path) outside the measurement.
    let (warm, _warm_events) = SocketHandle::connect(idle_options(node.port));
    wait_open(&warm).await;

    let before = rss_bytes();
    let mut sockets = Vec::with_capacity(SOCKETS);
    for _ in 0..SOCKETS {
        sockets.push(SocketHandle::connect(idle_options(node.port)));
    }
    for (s, _) in &sockets {
        wait_open(s).await;
    }
    let after = rss_bytes();
    let per = after.saturating_sub(before) as f64 / SOCKETS as f64 / 1024.0;
    report(
        "socket idle memory per connection (1,000 open, no TLS)",
        format!("{per:.1} KiB"),
        "<= 32 KiB",
        per <= 32.0,
    );
    for (s, _) in &sockets {
        s.close(1000, "").await;
    }
}

async fn raw_rate(port: u16) -> f64 {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws"))
        .await
        .expect("raw connect");
    let start = Instant::now();
    let mut n = 0usize;
    while let Some(Ok(m)) = ws.next().await {
        if m.is_text() {
            n += 1;
        }
        if n == FLOOD_MESSAGES {
            break;
        }
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn socket_rate(port: u16) -> f64 {
    let mut opts = idle_options(port);
    opts.limits.max_message = 64 * 1024;
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut n = 0usize;
    let mut start = Instant::now();
    while let Some(ev) = events.recv().await {
        match ev {
            SocketEvent::Open { .. } => start = Instant::now(),
            SocketEvent::Message(_) => {
                n += 1;
                if n == FLOOD_MESSAGES {
                    break;
                }
            }
            _ => {}
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    socket.close(1000, "").await;
    rate
}

async fn throughput() {
    let (node, _out) = spawn_node("flood", 0);
    let mut raw = 0f64;
    let mut ours = 0f64;
    for _ in 0..3 {
        raw = raw.max(raw_rate(node.port).await);
        ours = ours.max(socket_rate(node.port).await);
    }
    let pct = ours / raw * 100.0;
    report(
        "socket receive throughput vs raw tokio-tungstenite (100 B messages)",
        format!("{pct:.0} % ({:.0} vs {:.0} msg/s)", ours, raw),
        ">= 80 %",
        pct >= 80.0,
    );
}

async fn restart_storm() {
    let (node, out) = spawn_node("idle", 0);
    let port = node.port;
    let accepts = Arc::new(Mutex::new(Vec::new()));
    watch_accepts(out, accepts.clone());
    let gate = ConnectGate::new(GATE_RATE, GATE_BURST);
    let mut sockets = Vec::with_capacity(SOCKETS);
    for _ in 0..SOCKETS {
        let mut opts = idle_options(port);
        opts.gate = Some(gate.clone());
        opts.reconnect = ReconnectPolicy {
            strategy: Strategy::FullJitter,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(5),
            ..ReconnectPolicy::default()
        };
        sockets.push(SocketHandle::connect(opts));
    }
    for (s, _) in &sockets {
        wait_open(s).await;
    }

    // Restart: kill the node (every connection drops), start it again on the same port.
    let restarted = Instant::now();
    drop(node);
    let (node, out) = spawn_node("idle", port);
    accepts.lock().expect("log").clear();
    watch_accepts(out, accepts.clone());
    // One overall deadline, so a socket that never returns fails the bench instead of hanging.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut all_back = true;
    let mut missing = 0usize;
    for (s, _) in &sockets {
        let mut state = s.watch_state();
        // Back = open again after at least one reconnect (the counter rises before `Open`).
        let back = tokio::time::timeout_at(
            deadline,
            state.wait_for(|st| *st == SocketState::Open && s.metrics().reconnects >= 1),
        )
        .await
        .is_ok();
        if !back {
            all_back = false;
            missing += 1;
        }
    }
    if missing > 0 {
        eprintln!("restart storm: {missing} sockets not back within 60 s");
    }
    let back = restarted.elapsed().as_secs_f64();
    let times = accepts.lock().expect("log").clone();
    let peak = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && u.duration_since(*t) < Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    let limit = GATE_RATE as usize + GATE_BURST as usize;
    report(
        "socket restart storm: 1,000 sockets all back after node restart",
        format!("{back:.1} s"),
        "<= 15 s",
        all_back && back <= 15.0,
    );
    report(
        "socket restart storm: peak connects in any 1 s (gate 200/s, burst 50)",
        format!("{peak}"),
        &format!("<= {limit}"),
        peak <= limit,
    );
    for (s, _) in &sockets {
        s.close(1000, "").await;
    }
    drop(node);
}
