//! `aerie-sim` binary: serves simulated panels until stopped.
//!
//! `aerie-sim serve --panels 3 --servers-per-node 20 --profile pelican` prints one JSON line
//! with every panel URL, node URL, API key and the control URL, then serves until Ctrl-C.

use aerie_sim::{BehaviourPlan, Profile, Sim, SimConfig, Timings};
use anyhow::Context as _;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "aerie-sim",
    about = "Simulated Pterodactyl/Pelican panels and Wings nodes on loopback"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the world, print it as one JSON line, serve until Ctrl-C.
    Serve {
        /// Number of panels.
        #[arg(long, default_value_t = 1)]
        panels: usize,
        /// Wings nodes per panel.
        #[arg(long, default_value_t = 1)]
        nodes_per_panel: usize,
        /// Servers per node.
        #[arg(long, default_value_t = 10)]
        servers_per_node: usize,
        /// ptero-1.11, ptero-new or pelican.
        #[arg(long, default_value = "pelican")]
        profile: String,
        /// Seed for names, ids, keys and behaviours.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Port of the control endpoint (0 = any).
        #[arg(long, default_value_t = 0)]
        control_port: u16,
        /// Every server idles instead of the realistic mix.
        #[arg(long)]
        all_idle: bool,
        /// Short timings (boot in 150 ms, stats every 100 ms, ...).
        #[arg(long)]
        fast: bool,
        /// Nodes serve wss:// with a self-signed certificate each (fingerprints in the
        /// printed line), to try trusting a self-hosted node's certificate.
        #[arg(long)]
        tls_nodes: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        panels,
        nodes_per_panel,
        servers_per_node,
        profile,
        seed,
        control_port,
        all_idle,
        fast,
        tls_nodes,
    } = Cli::parse().command;
    let profile = Profile::parse(&profile)
        .with_context(|| format!("unknown profile {profile:?} (ptero-1.11, ptero-new, pelican)"))?;
    let sim = Sim::start(SimConfig {
        panels,
        nodes_per_panel,
        servers_per_node,
        profile,
        seed,
        timings: if fast {
            Timings::fast()
        } else {
            Timings::default()
        },
        behaviours: if all_idle {
            BehaviourPlan::default()
        } else {
            BehaviourPlan::Mixed
        },
        control_port,
        tls_nodes,
    })
    .await
    .context("starting the simulator")?;
    let line = serde_json::json!({
        "profile": profile.as_str(),
        "control_url": sim.control_url(),
        "panels": sim.panels(),
    });
    println!("{line}");
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    sim.shutdown().await;
    Ok(())
}
