//! The `[[alerts.sinks]]` entries: which webhooks alerts go to. Each webhook URL embeds its
//! token (Discord and Slack in the path, ntfy in the topic name), so it is a secret: it lives
//! in the OS keyring under [`SinkConfig::secret_account`], never in this file.

use serde::{Deserialize, Serialize};

use crate::alerts::Severity;

/// What a webhook receiver expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SinkKind {
    /// A Discord channel webhook (`https://discord.com/api/webhooks/…`): one embed per alert.
    Discord,
    /// An ntfy topic (`https://ntfy.sh/<topic>` or a self-hosted server): a push to a phone.
    Ntfy,
    /// A Slack incoming webhook, or anything that takes Slack's `{"text": …}` (Mattermost,
    /// Rocket.Chat, Zulip's Slack endpoint).
    Slack,
    /// Any receiver of Aerie's own JSON document (see the README's "Alert sinks").
    Json,
}

impl SinkKind {
    /// Every kind, in the order help texts list them.
    pub const ALL: [Self; 4] = [Self::Discord, Self::Ntfy, Self::Slack, Self::Json];

    /// The name used in the settings file and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Discord => "discord",
            Self::Ntfy => "ntfy",
            Self::Slack => "slack",
            Self::Json => "json",
        }
    }
}

impl std::str::FromStr for SinkKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown sink kind {s:?}: use discord, ntfy, slack or json"))
    }
}

/// One webhook sink as the settings file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SinkConfig {
    /// Random id, stable across renames; names the keyring entry.
    pub id: String,
    /// What the receiver expects.
    pub kind: SinkKind,
    /// The user's name for it ("Phone", "#ops"), unique among sinks.
    pub name: String,
    /// Alerts below this are not sent here (`warning` sends everything).
    #[serde(default = "warning")]
    pub min_severity: Severity,
}

fn warning() -> Severity {
    Severity::Warning
}

impl SinkConfig {
    /// The keyring account holding this sink's URL: prefixed, so it never meets a panel
    /// account's entry.
    pub fn secret_account(&self) -> String {
        format!("webhook-{}", self.id)
    }
}
