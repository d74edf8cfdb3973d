//! The configured webhook sinks: their list in `settings.toml` (`[[alerts.sinks]]`), their URLs
//! in the OS keyring, and turning both into running [`WebhookSink`]s or a test delivery.

use std::collections::HashMap;
use std::sync::Arc;

use super::endpoint::{Endpoint, WebhookOptions, WebhookUrl};
use super::payload::Message;
use super::sink::WebhookSink;
use crate::alerts::Severity;
use crate::error::{Error, Result};
use crate::panel::Secret;
use crate::secrets::SecretStore;
use crate::settings::{SettingsFile, SinkConfig, SinkKind};

/// A configured sink and whether its URL is in the keyring.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkStatus {
    /// What the settings file says.
    pub config: SinkConfig,
    /// The URL shown as scheme and host (`https://discord.com/[redacted]`); `None` when the
    /// keyring has no URL for it.
    pub shown_url: Option<String>,
}

/// What a test delivery to one sink gave.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    /// The sink.
    pub config: SinkConfig,
    /// `Ok` once the receiver accepted the test message; else why not, for a person.
    pub result: std::result::Result<(), String>,
}

/// Webhook sinks kept in `settings`, URLs in `secrets`.
pub struct Webhooks {
    settings: SettingsFile,
    secrets: Arc<dyn SecretStore>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("settings", &self.settings.path())
            .finish_non_exhaustive()
    }
}

fn find<'a>(sinks: &'a [SinkConfig], id_or_name: &str) -> Result<&'a SinkConfig> {
    sinks
        .iter()
        .find(|s| s.id == id_or_name)
        .or_else(|| sinks.iter().find(|s| s.name == id_or_name))
        .ok_or_else(|| Error::SinkNotFound(id_or_name.chars().take(80).collect()))
}

impl Webhooks {
    /// The sinks of `settings`, with URLs in `secrets`.
    pub fn new(settings: SettingsFile, secrets: Arc<dyn SecretStore>) -> Self {
        Self { settings, secrets }
    }

    /// Every sink, in the order added.
    pub fn list(&self) -> Result<Vec<SinkStatus>> {
        self.settings
            .load()?
            .alerts
            .sinks
            .into_iter()
            .map(|config| {
                let shown_url = self.url(&config)?.map(|u| u.redacted().to_owned());
                Ok(SinkStatus { config, shown_url })
            })
            .collect()
    }

    fn url(&self, config: &SinkConfig) -> Result<Option<WebhookUrl>> {
        match self.secrets.get(&config.secret_account())? {
            Some(secret) => WebhookUrl::parse(&secret).map(Some),
            None => Ok(None),
        }
    }

    /// Adds a sink: the URL goes to the keyring, the rest to the settings file.
    pub fn add(
        &self,
        name: &str,
        kind: SinkKind,
        url: &Secret,
        min_severity: Severity,
    ) -> Result<SinkConfig> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(Error::SinkUrl {
                reason: "the sink needs a name of 1 to 64 characters".into(),
            });
        }
        let url = WebhookUrl::parse(url)?;
        if self
            .settings
            .load()?
            .alerts
            .sinks
            .iter()
            .any(|s| s.name == name)
        {
            return Err(Error::SinkNameTaken(name.to_owned()));
        }
        let config = SinkConfig {
            id: uuid::Uuid::new_v4().simple().to_string()[..12].to_owned(),
            kind,
            name: name.to_owned(),
            min_severity,
        };
        self.secrets.set(&config.secret_account(), url.secret())?;
        let saved = self.settings.update(|s| {
            if s.alerts.sinks.iter().any(|c| c.name == config.name) {
                return Err(Error::SinkNameTaken(config.name.clone()));
            }
            s.alerts.sinks.push(config.clone());
            Ok(())
        });
        if let Err(e) = saved {
            // No orphan URL behind a sink that was never saved.
            if let Err(cleanup) = self.secrets.delete(&config.secret_account()) {
                tracing::warn!(error = %cleanup, "could not delete the URL of a sink that failed to save");
            }
            return Err(e);
        }
        tracing::info!(sink = %config.name, kind = config.kind.as_str(), url = %url.redacted(), "alert sink added");
        Ok(config)
    }

    /// Removes a sink and deletes its URL from the keyring.
    pub fn remove(&self, id_or_name: &str) -> Result<SinkConfig> {
        let gone = self.settings.update(|s| {
            let id = find(&s.alerts.sinks, id_or_name)?.id.clone();
            let at = s
                .alerts
                .sinks
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| Error::SinkNotFound(id.clone()))?;
            Ok(s.alerts.sinks.remove(at))
        })?;
        self.secrets.delete(&gone.secret_account())?;
        Ok(gone)
    }

    fn endpoint(&self, config: &SinkConfig, options: &WebhookOptions) -> Result<Endpoint> {
        let url = self.url(config)?.ok_or_else(|| Error::SinkSecretMissing {
            sink: config.name.clone(),
        })?;
        Endpoint::new(&config.name, config.kind, url, options.clone())
    }

    /// A running sink for every configured webhook (inside a tokio runtime). A sink whose URL
    /// is missing or unusable is left out and logged; the others still run.
    pub fn sinks(&self, options: &WebhookOptions) -> Result<Vec<Arc<WebhookSink>>> {
        let settings = self.settings.load()?;
        let panels: HashMap<String, String> = settings
            .accounts
            .iter()
            .map(|a| (a.id.clone(), a.name.clone()))
            .collect();
        let mut out = Vec::new();
        for config in &settings.alerts.sinks {
            match self.endpoint(config, options) {
                Ok(endpoint) => out.push(Arc::new(WebhookSink::start(
                    endpoint,
                    config.min_severity,
                    panels.clone(),
                ))),
                Err(e) => {
                    tracing::error!(sink = %config.name, error = %e, "alert sink not started")
                }
            }
        }
        Ok(out)
    }

    /// Sends a test message to every sink, or only to the one named `only`, whatever their
    /// severity filter; reports each.
    pub async fn test(
        &self,
        only: Option<&str>,
        options: &WebhookOptions,
    ) -> Result<Vec<TestOutcome>> {
        let all = self.settings.load()?.alerts.sinks;
        let chosen = match only {
            Some(which) => vec![find(&all, which)?.clone()],
            None => all,
        };
        let message = Message::test(crate::clock::now_ms());
        let tries = chosen.into_iter().map(|config| {
            let message = &message;
            async move {
                let result = match self.endpoint(&config, options) {
                    Ok(endpoint) => endpoint.send(message).await,
                    Err(e) => Err(e),
                };
                TestOutcome {
                    config,
                    result: result.map_err(|e| e.to_string()),
                }
            }
        });
        Ok(futures_util::future::join_all(tries).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::MemoryStore;

    #[test]
    fn the_settings_file_keeps_no_url_and_removing_deletes_the_keyring_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = SettingsFile::new(dir.path().join("settings.toml"));
        let secrets = Arc::new(MemoryStore::new());
        let hooks = Webhooks::new(file.clone(), secrets.clone());
        let url = Secret::new("https://discord.com/api/webhooks/42/TOKENvalue");
        let added = hooks
            .add("Ops", SinkKind::Discord, &url, Severity::Critical)
            .expect("added");
        let text = std::fs::read_to_string(file.path()).expect("settings");
        assert!(
            !text.contains("TOKENvalue") && !text.contains("discord.com"),
            "{text}"
        );
        assert!(text.contains("min_severity = \"critical\""), "{text}");
        assert!(matches!(
            hooks.add("Ops", SinkKind::Ntfy, &url, Severity::Warning),
            Err(Error::SinkNameTaken(_))
        ));
        let listed = hooks.list().expect("list");
        assert_eq!(
            listed[0].shown_url.as_deref(),
            Some("https://discord.com/[redacted]")
        );
        hooks.remove("Ops").expect("removed");
        assert!(secrets.get(&added.secret_account()).expect("get").is_none());
        assert!(hooks.list().expect("list").is_empty());
    }
}
