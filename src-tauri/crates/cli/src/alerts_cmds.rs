//! `aerie alerts test` and `aerie alerts sinks add|list|remove`: where alerts go besides the
//! desktop (Discord, ntfy, Slack-compatible and generic JSON webhooks).
//!
//! A webhook URL embeds its token, so it is a secret: it is read from `--url-env VAR` or
//! stdin (never an argument: shell history, `ps`), stored in the OS keyring, and printed only
//! as scheme and host.

use std::sync::Arc;

use aerie_core::alerts::Severity;
use aerie_core::notify::webhook::{SinkStatus, WebhookOptions, Webhooks};
use aerie_core::secrets::Secret;
use aerie_core::settings::{SettingsFile, SinkKind};
use clap::{Args, Subcommand, ValueEnum};

/// `aerie alerts` subcommands.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Send a test alert to every configured sink (or one) and report each.
    Test(TestArgs),
    /// Add, list and remove webhook sinks.
    #[command(subcommand)]
    Sinks(SinksCommand),
}

/// `aerie alerts sinks` subcommands.
#[derive(Debug, Subcommand)]
pub enum SinksCommand {
    /// Add a webhook (its URL is read from an environment variable or stdin).
    Add(AddArgs),
    /// List the configured sinks.
    List(ListArgs),
    /// Remove a sink and delete its URL from the OS keyring.
    Remove(SinkArg),
}

/// Options of `aerie alerts test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Only this sink (name or id); every sink when left out.
    pub sink: Option<String>,
}

/// What kind of receiver a sink is.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// A Discord channel webhook.
    Discord,
    /// An ntfy topic URL (ntfy.sh or self-hosted).
    Ntfy,
    /// A Slack incoming webhook, or a Slack-compatible one (Mattermost, Rocket.Chat).
    Slack,
    /// Aerie's own JSON document, for anything else.
    Json,
}

impl From<KindArg> for SinkKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Discord => Self::Discord,
            KindArg::Ntfy => Self::Ntfy,
            KindArg::Slack => Self::Slack,
            KindArg::Json => Self::Json,
        }
    }
}

/// The least severe alert a sink gets.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SeverityArg {
    /// Everything.
    Warning,
    /// Only what is down (crashes, offline, node unreachable).
    Critical,
}

/// Options of `aerie alerts sinks add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// A name for the sink, e.g. "Phone" or "#ops".
    #[arg(long)]
    pub name: String,
    /// What receives the alerts.
    #[arg(long, value_enum)]
    pub kind: KindArg,
    /// Send only alerts at least this severe.
    #[arg(long, value_enum, default_value = "warning")]
    pub min_severity: SeverityArg,
    /// Read the webhook URL from this environment variable instead of stdin.
    #[arg(long, value_name = "VAR")]
    pub url_env: Option<String>,
}

/// Options of `aerie alerts sinks list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// A sink, by name or id.
#[derive(Debug, Args)]
pub struct SinkArg {
    /// Sink name or id (see `aerie alerts sinks list`).
    pub sink: String,
}

fn webhooks() -> anyhow::Result<Webhooks> {
    let settings = SettingsFile::at(&crate::panel_cmds::paths()?);
    Ok(Webhooks::new(
        settings,
        Arc::new(crate::panel_cmds::keyring()?),
    ))
}

/// Reads the URL from `$var`, or one line of stdin.
fn read_url(var: Option<&str>) -> anyhow::Result<Secret> {
    crate::panel_cmds::read_secret(
        var,
        "Paste the webhook URL, then press Enter: ",
        "no webhook URL given: pipe it on stdin or use --url-env VAR",
    )
}

fn severity_text(s: Severity) -> &'static str {
    match s {
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

fn print_list(list: &[SinkStatus], json: bool) -> anyhow::Result<()> {
    if json {
        let rows: Vec<_> = list
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.config.id,
                    "name": s.config.name,
                    "kind": s.config.kind.as_str(),
                    "min_severity": severity_text(s.config.min_severity),
                    "url": s.shown_url,
                    "has_url": s.shown_url.is_some(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if list.is_empty() {
        println!(
            "No alert sinks yet. Add one with: aerie alerts sinks add --name NAME --kind discord|ntfy|slack|json"
        );
        return Ok(());
    }
    println!(
        "{:<12}  {:<20}  {:<8}  {:<9}  URL",
        "ID", "NAME", "KIND", "MIN"
    );
    for s in list {
        println!(
            "{:<12}  {:<20}  {:<8}  {:<9}  {}",
            s.config.id,
            s.config.name,
            s.config.kind.as_str(),
            severity_text(s.config.min_severity),
            s.shown_url.as_deref().unwrap_or("MISSING from the keyring")
        );
    }
    Ok(())
}

/// Runs `aerie alerts ...`.
pub async fn alerts(cmd: AlertsCommand) -> anyhow::Result<()> {
    match cmd {
        AlertsCommand::Test(a) => test(a.sink.as_deref()).await,
        AlertsCommand::Sinks(SinksCommand::Add(a)) => {
            let url = read_url(a.url_env.as_deref())?;
            let severity = match a.min_severity {
                SeverityArg::Warning => Severity::Warning,
                SeverityArg::Critical => Severity::Critical,
            };
            let added = webhooks()?.add(&a.name, a.kind.into(), &url, severity)?;
            println!(
                "Added {} ({}, {} and above); its URL is in the OS keyring. Try it: aerie alerts test \"{}\"",
                added.name,
                added.kind.as_str(),
                severity_text(added.min_severity),
                added.name
            );
            Ok(())
        }
        AlertsCommand::Sinks(SinksCommand::List(a)) => print_list(&webhooks()?.list()?, a.json),
        AlertsCommand::Sinks(SinksCommand::Remove(a)) => {
            let gone = webhooks()?.remove(&a.sink)?;
            println!(
                "Removed {} ({}) and deleted its URL from the OS keyring",
                gone.name, gone.id
            );
            Ok(())
        }
    }
}

/// Sends the test alert and prints one line per sink; fails when any sink failed.
async fn test(only: Option<&str>) -> anyhow::Result<()> {
    // A person is waiting: one retry, not the engine's four.
    let mut options = WebhookOptions::default();
    options.retry.max_attempts = Some(1);
    let outcomes = webhooks()?.test(only, &options).await?;
    anyhow::ensure!(
        !outcomes.is_empty(),
        "no alert sinks to test. Add one with: aerie alerts sinks add --name NAME --kind discord|ntfy|slack|json"
    );
    let mut failed = 0;
    for o in &outcomes {
        match &o.result {
            Ok(()) => println!("{}: delivered", o.config.name),
            Err(why) => {
                failed += 1;
                println!("{}: FAILED: {why}", o.config.name);
            }
        }
    }
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} sink(s) did not take the test alert",
        outcomes.len()
    );
    Ok(())
}
