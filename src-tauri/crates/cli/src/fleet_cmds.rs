//! `aerie watch | demo | power | send | logs`: commands that talk to servers through the fleet.

use std::time::Duration;

use aerie_core::alerts::{AlertOutput, AlertService, ServiceOptions};
use aerie_core::event::{ConnectionState, ServerEventKind};
use aerie_core::fleet::{Fleet, FleetConfig, PanelAccess, Received, Subscription};
use aerie_core::panel::PowerSignal;
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

/// Prints the fleet's events and the alert engine's decisions until Ctrl+C (or `until`).
async fn stream(
    fleet: &Fleet,
    mut sub: Subscription,
    alerts: &AlertService,
    json: bool,
    until: Option<Duration>,
) -> anyhow::Result<()> {
    let mut alert_outputs = alerts.subscribe_outputs();
    let mut table = Table::default();
    let mut redraw = tokio::time::interval(Duration::from_secs(1));
    let deadline = async {
        match until {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(deadline);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        tokio::select! {
            _ = &mut ctrl_c => break,
            () = &mut deadline => break,
            _ = redraw.tick(), if !json => table.draw(&fleet.snapshot())?,
            got = sub.recv() => match got {
                Some(Received::Event(ev)) => {
                    if json {
                        fleet_output::print_json_line(&ev)?;
                    } else {
                        table.note(&ev);
                    }
                }
                Some(Received::Missed(n)) => {
                    eprintln!("aerie: output too slow, skipped {n} events");
                }
                None => break,
            },
            out = alert_outputs.recv() => match out {
                Ok(out) => print_alert(&mut table, &out, json)?,
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

/// The same detectors and noise control as the desktop app, printed instead of notified.
/// Started before any panel is added so it sees every server's name, node and limits.
fn start_alerts(fleet: &Fleet) -> AlertService {
    AlertService::start(fleet.subscribe(), ServiceOptions::default())
}

/// Prints one alert engine output (JSON line) or keeps it for the table.
fn print_alert(table: &mut Table, out: &AlertOutput, json: bool) -> anyhow::Result<()> {
    if json {
        fleet_output::print_value_line(&fleet_output::alert_json_line(
            out,
            aerie_core::clock::now_ms(),
        ))
    } else {
        table.note_alert(out);
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
    let alerts = start_alerts(&fleet);
    for p in panels {
        let id = p.id.clone();
        let n = fleet
            .add_panel(p)
            .await
            .with_context(|| format!("panel {id}"))?;
        eprintln!("aerie: watching {n} servers on {id}");
    }
    stream(&fleet, sub, &alerts, args.json, None).await
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
    let alerts = start_alerts(&fleet);
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
    let result = stream(
        &fleet,
        sub,
        &alerts,
        args.json,
        args.seconds.map(Duration::from_secs),
    )
    .await;
    sim.shutdown().await;
    result
}

/// `aerie power SERVER SIGNAL`.
pub async fn power(args: PowerArgs) -> anyhow::Result<()> {
    let signal: PowerSignal = args.signal.parse()?;
    let (client, server) = fleet_panels::locate(&args.panels, &args.server).await?;
    client.power(&server.identifier, signal).await?;
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
    let (client, server) = fleet_panels::locate(&args.panels, &args.server).await?;
    client
        .send_command(&server.identifier, &args.command)
        .await?;
    Ok(())
}

/// `aerie logs SERVER [--follow]`: the `send logs` backfill, then live lines with `--follow`.
pub async fn logs(args: LogsArgs) -> anyhow::Result<()> {
    let (_, server) = fleet_panels::locate(&args.panels, &args.server).await?;
    let mut access = fleet_panels::access_for(&args.panels, &server.identifier).await?;
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
