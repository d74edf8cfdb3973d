//! `aerie watch | demo | power | send | logs`: commands that talk to servers through the fleet.

use clap::Args;

/// Options of `aerie watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print one JSON object per line instead of a live table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `aerie demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print one JSON object per line instead of a live table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `aerie power`.
#[derive(Debug, Args)]
pub struct PowerArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// start, stop, restart or kill.
    pub signal: String,
}

/// Options of `aerie send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// The console command.
    pub command: String,
}

/// Options of `aerie logs`.
#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Server identifier (8 characters) or uuid.
    pub server: String,
    /// Keep printing new lines as they arrive.
    #[arg(long)]
    pub follow: bool,
}

pub async fn watch(_args: WatchArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie watch` is not available yet")
}

pub async fn demo(_args: DemoArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie demo` is not available yet")
}

pub async fn power(_args: PowerArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie power` is not available yet")
}

pub async fn send(_args: SendArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie send` is not available yet")
}

pub async fn logs(_args: LogsArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie logs` is not available yet")
}
