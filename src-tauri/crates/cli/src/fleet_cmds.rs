//! `aerie watch | demo | power | send | logs`: commands that talk to servers through the fleet.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use aerie_core::alerts::{AlertOutput, AlertService, ServiceOptions, Sink};
use aerie_core::event::{ConnectionState, ServerEventKind};
use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Received, Subscription};
use aerie_core::notify::webhook::{WebhookOptions, Webhooks};
use aerie_core::panel::PowerSignal;
use aerie_core::settings::SettingsFile;
use anyhow::Context;
use clap::Args;

use crate::fleet_output::{self, Table};
use crate::fleet_panels::{self, PanelArgs};

/// Options of `aerie watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print one JSON object per line instead of a live table.
    #[arg(long)]
    pub json: bool,
    /// Which panels (default: every configured account).
    #[command(flatten)]
    pub panels: PanelArgs,
    /// Node certificates to trust beyond the platform's roots.
    #[command(flatten)]
    pub trust: crate::node_trust::TrustArgs,
}

/// Options of `aerie demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print one JSON object per line instead of a live table.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many seconds (default: run until Ctrl+C).
    #[arg(long)]
    pub seconds: Option<u64>,
}

/// Options of `aerie power`.
#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// start, stop, restart or kill.
    pub signal: String,
    /// Which panels (default: every configured account).
    #[command(flatten)]
    pub panels: PanelArgs,
}

/// Options of `aerie send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// The console command.
    pub command: String,
    /// Which panels (default: every configured account).
    #[command(flatten)]
    pub panels: PanelArgs,
}

/// Options of `aerie logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// Keep printing new lines as they arrive.
    #[arg(long)]
    pub follow: bool,
    /// Which panels (default: every configured account).
    #[command(flatten)]
    pub panels: PanelArgs,
}

/// Prints the fleet's events and the alert engine's decisions until Ctrl+C or `stop`: JSON
/// lines to `out`, or the live table on the terminal.
async fn stream(
    fleet: &Fleet,
    mut sub: Subscription,
    alerts: &AlertService,
    json: bool,
    stop: impl Future<Output = ()>,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let mut alert_outputs = alerts.subscribe_outputs();
    let mut table = Table::default();
    let mut redraw = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(stop);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            () = &mut stop => break,
            _ = redraw.tick(), if !json => table.draw(&fleet.snapshot())?,
            got = sub.recv() => match got {
                Some(Received::Event(ev)) => {
                    if json {
                        fleet_output::print_value_line(out, &fleet_output::json_line(&ev))?;
                    } else {
                        table.note(&ev);
                    }
                }
                Some(Received::Missed(n)) => {
                    eprintln!("aerie: output too slow, skipped {n} events");
                }
                None => break,
            },
            got = alert_outputs.recv() => match got {
                Ok(decided) => print_alert(&mut table, &decided, json, out)?,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("aerie: output too slow, skipped {n} alerts");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            },
        }
    }
    fleet.shutdown().await;
    Ok(())
}

/// The same detectors and noise control as the desktop app, printed, and sent to `sinks`.
/// Started before any panel is added so it sees every server's name, node and limits.
fn start_alerts(fleet: &Fleet, sinks: Vec<Arc<dyn Sink>>) -> AlertService {
    let options = ServiceOptions {
        sinks,
        ..ServiceOptions::default()
    };
    AlertService::start(fleet.subscribe(), options)
}

/// The webhooks configured with `aerie alerts sinks add`, running. The keyring is opened only
/// when the settings list some; a sink that cannot start is said on stderr, never fatal.
fn webhook_sinks() -> Vec<Arc<dyn Sink>> {
    let open = || -> anyhow::Result<Vec<Arc<dyn Sink>>> {
        let settings = SettingsFile::at(&crate::panel_cmds::paths()?);
        if settings.load()?.alerts.sinks.is_empty() {
            return Ok(Vec::new());
        }
        let webhooks = Webhooks::new(settings, Arc::new(crate::panel_cmds::keyring()?));
        let sinks = webhooks.sinks(&WebhookOptions::default())?;
        eprintln!("aerie: sending alerts to {} webhook(s)", sinks.len());
        Ok(sinks.into_iter().map(|s| s as Arc<dyn Sink>).collect())
    };
    open().unwrap_or_else(|e| {
        eprintln!("aerie: alert webhooks not started: {e:#}");
        Vec::new()
    })
}

/// Prints one alert engine output (JSON line) or keeps it for the table.
fn print_alert(
    table: &mut Table,
    decided: &AlertOutput,
    json: bool,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    if json {
        let line = fleet_output::alert_json_line(decided, aerie_core::clock::now_ms());
        fleet_output::print_value_line(out, &line)
    } else {
        table.note_alert(decided);
        Ok(())
    }
}

/// `aerie watch`.
pub async fn watch(args: WatchArgs) -> anyhow::Result<()> {
    let panels = fleet_panels::resolve(&args.panels)?;
    let fleet = Fleet::start(FleetConfig::default());
    fleet.set_trust(crate::node_trust::resolve(
        &args.trust,
        args.panels.panel.is_none(),
    )?);
    // Subscribed first, so the `server` lines of the initial listing are printed too.
    let sub = fleet.subscribe();
    let alerts = start_alerts(&fleet, webhook_sinks());
    for p in panels {
        let id = p.id.clone();
        let n = fleet
            .add_panel(p)
            .await
            .with_context(|| format!("panel {id}"))?;
        eprintln!("aerie: watching {n} servers on {id}");
    }
    let forever = std::future::pending();
    stream(
        &fleet,
        sub,
        &alerts,
        args.json,
        forever,
        &mut std::io::stdout(),
    )
    .await
}

/// `aerie demo`: the same as `watch`, on the embedded simulator.
pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
    let sim = Sim::start(SimConfig {
        panels: 1,
        nodes_per_panel: 2,
        servers_per_node: 3,
        profile: Profile::Pelican,
        seed: 42,
        timings: Timings {
            boot_time: Duration::from_secs(2),
            crash_abort_window: Duration::from_secs(20),
            ..Timings::default()
        },
        behaviours: BehaviourPlan::Mixed,
        ..SimConfig::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("cannot start the simulator: {e}"))?;
    let fleet = Fleet::start(FleetConfig::default());
    let sub = fleet.subscribe();
    let alerts = start_alerts(&fleet, Vec::new());
    let panel = &sim.panels()[0];
    // A crash loop and a one-off crash, so the demo shows what alerts look like.
    if let [first, second, ..] = &panel.servers[..] {
        let _ = sim.set_behaviour(&first.identifier, Behaviour::CrashLoop { after_ms: 15_000 });
        let _ = sim.set_behaviour(&second.identifier, Behaviour::CrashOnce { after_ms: 6_000 });
    }
    let n = fleet
        .add_panel(PanelAccess::new(
            "demo",
            panel.url.clone(),
            panel.client_key.clone(),
        ))
        .await
        .context("demo panel")?;
    eprintln!("aerie: demo with {n} simulated servers (Ctrl+C to stop)");
    let until = async {
        match args.seconds {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => std::future::pending().await,
        }
    };
    let result = stream(
        &fleet,
        sub,
        &alerts,
        args.json,
        until,
        &mut std::io::stdout(),
    )
    .await;
    sim.shutdown().await;
    result
}

/// `aerie power SERVER SIGNAL`.
pub async fn power(args: PowerArgs) -> anyhow::Result<()> {
    let signal: PowerSignal = args.signal.parse()?;
    let found = fleet_panels::locate(&args.panels, &args.server).await?;
    let server = found.server;
    found.source.power(&server, signal).await?;
    eprintln!(
        "aerie: {} sent to {} ({}); watch its status with `aerie watch`",
        signal.as_str(),
        server.name,
        server.identifier
    );
    Ok(())
}

/// `aerie send SERVER COMMAND`.
pub async fn send(args: SendArgs) -> anyhow::Result<()> {
    let found = fleet_panels::locate(&args.panels, &args.server).await?;
    found
        .source
        .send_command(&found.server, &args.command)
        .await?;
    Ok(())
}

/// `aerie logs SERVER [--follow]`: the `send logs` backfill, then live lines with `--follow`.
pub async fn logs(args: LogsArgs) -> anyhow::Result<()> {
    let found = fleet_panels::locate(&args.panels, &args.server).await?;
    let (server, mut access) = (found.server, found.access);
    // Named explicitly: shown even if the account's watch selection leaves it out.
    access.only = Some(vec![server.identifier.clone()]);
    access.except = None;
    let fleet = Fleet::start(FleetConfig::default());
    let mut sub = fleet.subscribe();
    fleet.add_panel(access).await?;
    let mut live = false;
    // Without --follow: print the replay, and stop once the console has been quiet briefly.
    // Only console lines count: stats arrive every second and would keep it going forever.
    let quiet = Duration::from_millis(1500);
    let mut quiet_until = tokio::time::Instant::now() + quiet;
    loop {
        let next = if args.follow || !live {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                got = sub.recv() => got,
            }
        } else {
            match tokio::time::timeout_at(quiet_until, sub.recv()).await {
                Ok(got) => got,
                Err(_) => break,
            }
        };
        match next {
            Some(Received::Event(ev)) => match ev.kind {
                // Escape sequences from the server would act on the user's terminal
                // (titles, clipboard, hidden links): print the text only.
                ServerEventKind::Console { line, .. } => {
                    println!("{}", aerie_core::text::strip_ansi(&line));
                    quiet_until = tokio::time::Instant::now() + quiet;
                }
                ServerEventKind::Connection {
                    connection: ConnectionState::Live,
                } => {
                    live = true;
                    quiet_until = tokio::time::Instant::now() + quiet;
                }
                ServerEventKind::Connection {
                    connection: ConnectionState::Failed { reason },
                } => {
                    fleet.shutdown().await;
                    anyhow::bail!("{reason}");
                }
                _ => {}
            },
            Some(Received::Missed(n)) => eprintln!("aerie: skipped {n} events"),
            None => break,
        }
    }
    fleet.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::sync::{mpsc, oneshot};

    use super::*;
    use crate::beacon::{BeaconKind, BeaconService};

    /// Hands each write to the test as it happens.
    struct Lines(mpsc::UnboundedSender<Vec<u8>>);

    impl Write for Lines {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let _ = self.0.send(b.to_vec());
            Ok(b.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The next JSON line `stream` printed.
    async fn next_line(
        rx: &mut mpsc::UnboundedReceiver<Vec<u8>>,
        buf: &mut Vec<u8>,
    ) -> serde_json::Value {
        loop {
            if let Some(end) = buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = buf.drain(..=end).collect();
                return serde_json::from_slice(&line).expect("each line is JSON");
            }
            buf.extend(rx.recv().await.expect("stream still printing"));
        }
    }

    #[tokio::test]
    async fn a_kind_registered_outside_the_cli_is_printed_by_watch_json() {
        let service = BeaconService::start("beacon-key").await;
        let mut kinds = aerie_core::kinds::builtin();
        kinds.register(Arc::new(BeaconKind {
            servers: vec!["b1".into()],
            ..BeaconKind::default()
        }));
        let fleet = Fleet::with_kinds(FleetConfig::default(), kinds);
        let sub = fleet.subscribe();
        let alerts = start_alerts(&fleet, Vec::new());
        fleet
            .add_panel(PanelAccess::new("lab", &service.url, "beacon-key").of_kind("beacon"))
            .await
            .expect("beacon account");
        let (tx, mut rx) = mpsc::unbounded_channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let printer = tokio::spawn(async move {
            let until = async {
                let _ = stopped.await;
            };
            stream(&fleet, sub, &alerts, true, until, &mut Lines(tx)).await
        });

        let mut buf = Vec::new();
        let mut seen = Vec::new();
        loop {
            let v = next_line(&mut rx, &mut buf).await;
            assert_eq!(v["panel"], "lab", "{v}");
            assert_eq!(v["server"], "b1", "{v}");
            let ty = v["type"].as_str().unwrap_or_default().to_owned();
            if ty == "console" {
                assert_eq!(v["line"], "beacon b1 ready");
                // Everything the beacon reports on connect is out: now it crashes.
                service.crash("b1");
            }
            let fired = ty == "alert" && v["event"] == "fire";
            seen.push(format!("{ty}:{}", v["event"].as_str().unwrap_or("")));
            if fired {
                break;
            }
        }
        for want in [
            "server:",
            "connection:",
            "status:",
            "stats:",
            "console:",
            "alert:fact",
        ] {
            assert!(
                seen.iter().any(|s| s == want),
                "{want} missing from {seen:?}"
            );
        }
        let _ = stop.send(());
        printer
            .await
            .expect("printer")
            .expect("stream ends cleanly");
    }
}
