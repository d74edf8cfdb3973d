//! Alerting budgets: crash event → desktop notification accepted by the session bus, the
//! engine's cost per event, and the chart renderer.
//!
//! Prints `BENCH|<name>|<value>|<goal>|<pass|fail>` lines for `cargo xtask bench`, which runs
//! this inside the headless desktop (dunst on a private session bus).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie_core::alerts::{AlertEngine, AlertRules, AlertService, ServiceOptions, SinkReport};
use aerie_core::chart::{ChartSpec, Metric, Series, render_png, render_svg};
use aerie_core::clock::now_ms;
use aerie_core::event::{
    ConnectionState, Fact, Limits, PowerState, Rates, ServerEvent, ServerEventKind, ServerInfo,
    ServerKey, Stats,
};
use aerie_core::notify::{DesktopNotifier, DesktopSink};
use tokio::sync::broadcast;

const CRASHES: usize = 50;

fn report(name: &str, value: f64, unit: &str, goal: f64) {
    let verdict = if value <= goal { "pass" } else { "fail" };
    println!("BENCH|{name}|{value:.3} {unit}|<= {goal} {unit}|{verdict}");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64)).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn info(name: &str) -> ServerInfo {
    ServerInfo {
        uuid: format!("{name}-uuid"),
        name: name.into(),
        node: "bench-node".into(),
        limits: Limits {
            memory_mib: 1024,
            disk_mib: 10_240,
            cpu_percent: 100,
        },
        permissions: vec!["*".into()],
        panel_status: None,
    }
}

fn ev(key: &ServerKey, kind: ServerEventKind) -> ServerEvent {
    ServerEvent {
        key: key.clone(),
        at: now_ms(),
        kind,
    }
}

async fn crash_to_notification() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        println!("BENCH|alerts crash→notification p99|no session bus|<= 500 ms|fail");
        return;
    }
    let (bus, events) = broadcast::channel(1024);
    let (notifier, _clicks) = match DesktopNotifier::new("Aerie bench") {
        Ok(n) => n,
        Err(e) => {
            println!("BENCH|alerts crash→notification p99|{e}|<= 500 ms|fail");
            return;
        }
    };
    let service = AlertService::start(
        events.into(),
        ServiceOptions {
            sinks: vec![Arc::new(DesktopSink::new(notifier, true))],
            ..ServiceOptions::default()
        },
    );
    let mut reports = service.subscribe_reports();
    // Crash notifications are critical and stay until dismissed; close each one after it is
    // measured so the notification server does not slow down under a pile of them.
    let desktop = zbus::Connection::session().await.ok();
    let run = std::process::id();
    let mut samples = Vec::with_capacity(CRASHES);
    let mut failures = 0;
    for i in 0..CRASHES {
        let name = format!("bench-{run}-{i}");
        let key = ServerKey::new("bench", format!("s{i:07}"));
        for kind in [
            ServerEventKind::Server {
                info: Box::new(info(&name)),
            },
            ServerEventKind::Connection {
                connection: ConnectionState::Live,
            },
            ServerEventKind::Status {
                state: PowerState::Running,
                previous: None,
            },
            ServerEventKind::Status {
                state: PowerState::Offline,
                previous: Some(PowerState::Running),
            },
        ] {
            let _ = bus.send(ev(&key, kind));
        }
        let crash = ev(
            &key,
            ServerEventKind::Alert {
                fact: Fact::Crashed {
                    exit_code: Some(1),
                    oom: Some(false),
                    confirmed: true,
                },
            },
        );
        let started = Instant::now();
        let _ = bus.send(crash);
        let shown = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match reports.recv().await {
                    Ok(SinkReport::Delivered {
                        summary,
                        id: Some(id),
                        ..
                    }) if summary.contains(&name) => {
                        return Some(id);
                    }
                    Ok(SinkReport::Failed { summary, error, .. }) if summary.contains(&name) => {
                        eprintln!("notification failed: {error}");
                        return None;
                    }
                    Ok(_) => {}
                    Err(_) => return None,
                }
            }
        })
        .await;
        match shown {
            Ok(Some(id)) => {
                samples.push(started.elapsed().as_secs_f64() * 1000.0);
                close_notification(desktop.as_ref(), id).await;
            }
            _ => failures += 1,
        }
    }
    samples.sort_by(f64::total_cmp);
    let p99 = if failures > 0 {
        f64::INFINITY
    } else {
        percentile(&samples, 99.0)
    };
    report(
        "alerts crash→notification p50",
        percentile(&samples, 50.0),
        "ms",
        500.0,
    );
    report(
        &format!("alerts crash→notification p99 ({CRASHES} crashes, {failures} failed)"),
        p99,
        "ms",
        500.0,
    );
}

async fn close_notification(desktop: Option<&zbus::Connection>, id: u32) {
    if let Some(conn) = desktop {
        let _ = conn
            .call_method(
                Some("org.freedesktop.Notifications"),
                "/org/freedesktop/Notifications",
                Some("org.freedesktop.Notifications"),
                "CloseNotification",
                &(id),
            )
            .await;
    }
}

fn engine_cost() {
    let mut engine = AlertEngine::new(AlertRules::default());
    let servers: Vec<ServerKey> = (0..1000)
        .map(|i| ServerKey::new("bench", format!("s{i:07}")))
        .collect();
    let t0 = 1_767_268_800_000u64;
    for (i, key) in servers.iter().enumerate() {
        for kind in [
            ServerEventKind::Server {
                info: Box::new(info(&format!("server {i}"))),
            },
            ServerEventKind::Connection {
                connection: ConnectionState::Live,
            },
            ServerEventKind::Status {
                state: PowerState::Running,
                previous: None,
            },
        ] {
            engine.on_event(&ServerEvent {
                key: key.clone(),
                at: t0,
                kind,
            });
        }
    }
    // One minute of fleet life: a stats sample per server per second, plus a tick per second.
    let started = Instant::now();
    let mut events = 0u64;
    for s in 1..=60u64 {
        let at = t0 + s * 1000;
        for key in &servers {
            engine.on_event(&ServerEvent {
                key: key.clone(),
                at,
                kind: ServerEventKind::Stats {
                    stats: Box::new(Stats {
                        cpu_absolute: 50.0,
                        memory_bytes: 512 * 1024 * 1024,
                        ..Stats::default()
                    }),
                    rates: Rates::default(),
                },
            });
            events += 1;
        }
        engine.tick(at);
    }
    let per_event_us = started.elapsed().as_secs_f64() * 1e6 / events as f64;
    report(
        "alerts engine per stats event (1,000 servers)",
        per_event_us,
        "µs",
        20.0,
    );
}

fn chart_cost() {
    let t0 = 1_767_268_800_000u64;
    let series = Series::single(
        "CPU",
        (0..120u64)
            .map(|i| (t0 + i * 5_000, 40.0 + (i % 13) as f64 * 3.0))
            .collect(),
    );
    let spec = ChartSpec::new(Metric::Cpu).limits(&Limits {
        memory_mib: 0,
        disk_mib: 0,
        cpu_percent: 100,
    });
    let mut svg = Vec::new();
    let mut png = Vec::new();
    let small = spec.clone().size(320, 120);
    // Warm up the font cache once, as a running app would have.
    let _ = render_svg(&series, &spec);
    let _ = render_png(&series, &small);
    for _ in 0..200 {
        let t = Instant::now();
        let _ = render_svg(&series, &spec);
        svg.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let _ = render_png(&series, &small);
        png.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    svg.sort_by(f64::total_cmp);
    png.sort_by(f64::total_cmp);
    report(
        "chart SVG 480x200, 120 points, p50",
        percentile(&svg, 50.0),
        "ms",
        1.0,
    );
    report(
        "chart PNG 320x120 (notification image), p50",
        percentile(&png, 50.0),
        "ms",
        10.0,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; a name filter selects nothing else here.
    engine_cost();
    chart_cost();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(crash_to_notification()),
        Err(e) => println!("BENCH|alerts crash→notification p99|no runtime: {e}|<= 500 ms|fail"),
    }
}
