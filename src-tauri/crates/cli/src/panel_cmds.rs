//! `aerie panel ...`, `aerie export`, `aerie import`: accounts and settings.

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `aerie panel` subcommands.
#[derive(Debug, Subcommand)]
pub enum PanelCommand {
    /// Add a panel account (the key is read from an environment variable or stdin).
    Add,
    /// List configured accounts.
    List,
    /// Check that an account's key still works.
    Test,
    /// Remove an account and delete its key from the OS keyring.
    Remove,
}

/// Options of `aerie export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the export.
    pub file: PathBuf,
}

/// Options of `aerie import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file to read.
    pub file: PathBuf,
}

pub async fn panel(_cmd: PanelCommand) -> anyhow::Result<()> {
    anyhow::bail!("`aerie panel` is not available yet")
}

pub async fn export(_args: ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie export` is not available yet")
}

pub async fn import(_args: ImportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`aerie import` is not available yet")
}
