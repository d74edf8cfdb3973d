//! `aerie`: the headless Aerie. Same engine as the desktop app, for boxes without a desktop.

mod alerts_cmds;
/// The test-only source kind of `aerie-core`'s seam test, to prove the CLI prints any kind.
#[cfg(test)]
#[path = "../../core/tests/source_support/beacon.rs"]
mod beacon;
mod fleet_cmds;
mod fleet_output;
mod fleet_panels;
mod node_trust;
mod panel_cmds;

use clap::{Parser, Subcommand};

/// Watch and control game servers on Pterodactyl and Pelican panels.
#[derive(Debug, Parser)]
#[command(name = "aerie", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Watch every server of every configured panel, live.
    Watch(fleet_cmds::WatchArgs),
    /// Watch the embedded simulator: a few panels, some servers that crash now and then.
    Demo(fleet_cmds::DemoArgs),
    /// Send a power signal (start, stop, restart, kill) to a server.
    Power(fleet_cmds::PowerArgs),
    /// Send a console command to a server.
    Send(fleet_cmds::SendArgs),
    /// Print a server's recent console output.
    Logs(fleet_cmds::LogsArgs),
    /// Add, list, test and remove panels and accounts.
    #[command(subcommand)]
    Panel(panel_cmds::PanelCommand),
    /// Alert sinks (Discord, ntfy, Slack, JSON webhooks): add, list, remove, send a test.
    #[command(subcommand)]
    Alerts(alerts_cmds::AlertsCommand),
    /// Export accounts and settings (never secrets) to a file.
    Export(panel_cmds::ExportArgs),
    /// Import accounts and settings from an export file.
    Import(panel_cmds::ImportArgs),
}

fn main() -> anyhow::Result<()> {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let cli = Cli::parse();
    // The WebSocket libraries stay capped at debug whatever AERIE_LOG says: their trace
    // output holds the node tokens.
    let filter = aerie_core::logging::env_filter("AERIE_LOG", "warn");
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .init();
    let runtime = aerie_core::runtime::engine_runtime()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Watch(args) => fleet_cmds::watch(args).await,
            Command::Demo(args) => fleet_cmds::demo(args).await,
            Command::Power(args) => fleet_cmds::power(args).await,
            Command::Send(args) => fleet_cmds::send(args).await,
            Command::Logs(args) => fleet_cmds::logs(args).await,
            Command::Panel(cmd) => panel_cmds::panel(cmd).await,
            Command::Alerts(cmd) => alerts_cmds::alerts(cmd).await,
            Command::Export(args) => panel_cmds::export(args).await,
            Command::Import(args) => panel_cmds::import(args).await,
        }
    })
}
