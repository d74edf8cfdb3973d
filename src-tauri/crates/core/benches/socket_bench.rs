//! Socket benchmarks. Prints `BENCH|<name>|<value>|<goal>|<pass or fail>` lines for
//! `cargo xtask bench`.
//!
//! The WebSocket node runs in a child process (this same binary, started with
//! `AERIE_SOCKET_BENCH_NODE=<mode>`), so memory and CPU measured here are the client's alone.
//! - idle memory: RSS growth per open socket, 1,000 sockets, plain `ws://` (the goal) and
//!   `wss://` with a pinned self-signed node (informational: what TLS costs). Each runs in a
//!   fresh child process (`AERIE_SOCKET_BENCH_PART`), so memory freed by one cannot hide the
//!   growth of the other;
//! - throughput: messages/s through one socket vs. a bare tokio-tungstenite read loop with the
//!   same tungstenite configuration, same node, same message count, same runtime; the socket
//!   driven by its reader (`connect_inline`, the goal) and on its own task (`connect`);
//! - restart storm: 1,000 sockets sharing a connect gate, node killed and restarted; time
//!   until all are back, and the most connects the node saw in any one second.
//!
//! For profiling, `AERIE_SOCKET_BENCH_PART` runs one measurement alone: `throughput`, `restart`,
//! `idle-ws`, `idle-wss`, or one reader of the race (`raw`, `inline`, `spawned`) against a fresh
//! node, e.g. under `valgrind --tool=callgrind` to compare instruction counts.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aerie_core::socket::{
    ConnectGate, Endpoint, FrameLimits, ReconnectPolicy, SocketEvent, SocketHandle, SocketOptions,
    SocketState, Strategy, TlsOptions, fingerprint,
};
use futures_util::{SinkExt, StreamExt};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

const NODE_ENV: &str = "AERIE_SOCKET_BENCH_NODE";
const PART_ENV: &str = "AERIE_SOCKET_BENCH_PART";
const SOCKETS: usize = 1_000;
const FLOOD_MESSAGES: usize = 200_000;
const FLOOD_SIZE: usize = 100;
const ROUNDS: usize = 7;
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
    match std::env::var(PART_ENV).as_deref() {
        Ok("idle-ws") => rt.block_on(idle_memory(false)),
        Ok("idle-wss") => rt.block_on(idle_memory(true)),
        // Single measurements, for profiling.
        Ok("throughput") => rt.block_on(throughput()),
        Ok(one @ ("raw" | "inline" | "spawned")) => rt.block_on(async {
            let (node, _out) = spawn_node("flood", 0);
            let port = node.port;
            let rate = match one {
                "raw" => tokio::spawn(raw_rate(port)).await,
                _ => tokio::spawn(socket_rate(port, one == "inline")).await,
            };
            println!("{one}: {:.0} msg/s", rate.expect("reader task"));
        }),
        Ok("restart") => rt.block_on(restart_storm()),
        _ => {
            run_part("idle-ws");
            run_part("idle-wss");
            rt.block_on(async {
                throughput().await;
                restart_storm().await;
            });
        }
    }
}

/// Runs one measurement in a fresh copy of this binary; its report lines pass through.
fn run_part(part: &str) {
    let exe = std::env::current_exe().expect("current exe");
    let status = Command::new(exe)
        .env(PART_ENV, part)
        .status()
        .expect("run part");
    if !status.success() {
        eprintln!("socket bench part {part} failed: {status}");
    }
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
    let tls = (mode == "tls").then(tls_acceptor);
    rt.block_on(async move {
        let port: u16 = std::env::var("AERIE_SOCKET_BENCH_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let out = Arc::new(Mutex::new(std::io::stdout()));
        {
            let mut o = out.lock().expect("stdout");
            if let Some((_, pin)) = &tls {
                let _ = writeln!(o, "PIN {pin}");
            }
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
            let acceptor = tls.as_ref().map(|(a, _)| a.clone());
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            serve(tls, flood, &payload).await;
                        }
                    }
                    None => serve(tcp, flood, &payload).await,
                }
            });
        }
    });
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(io: S, flood: bool, payload: &str) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(io).await else {
        return;
    };
    if flood {
        for _ in 0..FLOOD_MESSAGES {
            if ws.feed(Ws::text(payload)).await.is_err() {
                return;
            }
        }
        let _ = ws.flush().await;
        let _ = ws.close(None).await;
    }
    while let Some(Ok(_)) = ws.next().await {}
}

/// A self-signed certificate for `localhost` and its SHA-256 pin in hex.
fn tls_acceptor() -> (TlsAcceptor, String) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let pin: String = fingerprint(cert.der())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .expect("server config");
    (TlsAcceptor::from(Arc::new(config)), pin)
}

struct Node {
    child: Child,
    port: u16,
    /// The certificate pin of a TLS node.
    pin: Option<String>,
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
    let mut pin = None;
    let port = loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).expect("node output") > 0,
            "node quit"
        );
        if let Some(p) = line.trim().strip_prefix("PIN ") {
            pin = Some(p.to_owned());
        } else if let Some(p) = line.trim().strip_prefix("PORT ") {
            break p.parse().expect("PORT line");
        }
    };
    (Node { child, port, pin }, out)
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

fn tls_options(node: &Node) -> SocketOptions {
    let mut endpoint = Endpoint::new(format!("wss://localhost:{}/ws", node.port));
    endpoint.tls = TlsOptions::default()
        .with_pinned_fingerprint(node.pin.as_deref().expect("TLS node pin"))
        .expect("pin");
    SocketOptions::new(endpoint)
}

async fn idle_memory(tls: bool) {
    let (node, _out) = spawn_node(if tls { "tls" } else { "idle" }, 0);
    let options = || {
        if tls {
            tls_options(&node)
        } else {
            idle_options(node.port)
        }
    };
    // Warm up shared things (runtime, connect path, TLS provider) outside the measurement.
    let (warm, _warm_events) = SocketHandle::connect(options());
    wait_open(&warm).await;

    let before = rss_bytes();
    let mut sockets = Vec::with_capacity(SOCKETS);
    for _ in 0..SOCKETS {
        sockets.push(SocketHandle::connect(options()));
    }
    for (s, _) in &sockets {
        wait_open(s).await;
    }
    let after = rss_bytes();
    let per = after.saturating_sub(before) as f64 / SOCKETS as f64 / 1024.0;
    if tls {
        report(
            "socket idle memory per connection (1,000 open, wss with pinned cert; informational)",
            format!("{per:.1} KiB"),
            "none",
            true,
        );
    } else {
        report(
            "socket idle memory per connection (1,000 open, no TLS)",
            format!("{per:.1} KiB"),
            "<= 32 KiB",
            per <= 32.0,
        );
    }
    for (s, _) in &sockets {
        s.close(1000, "").await;
    }
}

/// The frame limits both sides of the throughput race use: the socket's defaults, with room
/// for the flood. The raw loop gets the same tungstenite configuration, so the race measures
/// what the socket adds, not a difference in buffer sizes.
fn flood_limits() -> FrameLimits {
    FrameLimits {
        max_message: 64 * 1024,
        ..FrameLimits::default()
    }
}

fn ws_config(l: FrameLimits) -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(l.read_buffer)
        .write_buffer_size(l.write_buffer)
        .max_write_buffer_size(l.max_write_buffer.max(l.write_buffer + 1))
        .max_message_size(Some(l.max_message))
        .max_frame_size(Some(l.max_frame))
}

async fn raw_rate(port: u16) -> f64 {
    let url = format!("ws://127.0.0.1:{port}/ws");
    let config = Some(ws_config(flood_limits()));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, config, true)
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

/// Messages/s through one socket: on its own task (`inline` false) or driven by its reader.
async fn socket_rate(port: u16, inline: bool) -> f64 {
    let mut opts = idle_options(port);
    opts.limits = flood_limits();
    let (socket, mut events) = if inline {
        SocketHandle::connect_inline(opts)
    } else {
        SocketHandle::connect(opts)
    };
    let mut n = 0usize;
    let mut start = Instant::now();
    // In bulk, as a reader that handles many messages does (one call per batch).
    let mut batch = Vec::with_capacity(256);
    'read: while events.recv_many(&mut batch, 256).await > 0 {
        for ev in batch.drain(..) {
            match ev {
                SocketEvent::Open { .. } => start = Instant::now(),
                SocketEvent::Message(_) => {
                    n += 1;
                    if n == FLOOD_MESSAGES {
                        break 'read;
                    }
                }
                _ => {}
            }
        }
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    // An inline socket moves only while its stream is read: close while draining it.
    let drain = async { while events.recv().await.is_some() {} };
    tokio::join!(socket.close(1000, ""), drain);
    rate
}

async fn throughput() {
    let (node, _out) = spawn_node("flood", 0);
    // Best of several interleaved rounds: the machine is shared, and the best round is the
    // one least disturbed by neighbours, for both sides alike.
    let mut raw = 0f64;
    let mut inline = 0f64;
    let mut spawned = 0f64;
    let port = node.port;
    for _ in 0..ROUNDS {
        // Each reader is a task on the runtime, as real consumers are (not the thread that
        // blocks on the runtime).
        raw = raw.max(tokio::spawn(raw_rate(port)).await.expect("raw task"));
        inline = inline.max(
            tokio::spawn(socket_rate(port, true))
                .await
                .expect("socket task"),
        );
        spawned = spawned.max(
            tokio::spawn(socket_rate(port, false))
                .await
                .expect("socket task"),
        );
    }
    let pct = inline / raw * 100.0;
    report(
        "socket receive throughput vs raw tokio-tungstenite (100 B messages, socket driven by its reader)",
        format!("{pct:.0} % ({inline:.0} vs {raw:.0} msg/s)"),
        ">= 80 %",
        pct >= 80.0,
    );
    let pct = spawned / raw * 100.0;
    report(
        "socket receive throughput vs raw, socket on its own task (informational)",
        format!("{pct:.0} % ({spawned:.0} vs {raw:.0} msg/s)"),
        "none",
        true,
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
