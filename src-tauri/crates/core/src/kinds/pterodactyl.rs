//! Pterodactyl (1.11 or newer) and Pelican: the Client API ([`PanelClient`]) for discovery,
//! socket tokens, polling, power and commands; the Wings socket ([`wings::Session`]) for the
//! live feed. Both panels speak the same protocols; they are two ids so an account keeps
//! which software it is.

use std::sync::Arc;

use async_trait::async_trait;

use crate::Result;
use crate::panel::PanelClient;
use crate::protocol::wings::{self, SessionConfig};
use crate::source::{
    Access, PowerSignal, RemoteServer, Resources, Session, SocketCredentials, Source, SourceKind,
};

/// Kind id of Pterodactyl accounts.
pub const PTERODACTYL: &str = "pterodactyl";
/// Kind id of Pelican accounts.
pub const PELICAN: &str = "pelican";

/// The Pterodactyl or the Pelican kind: a panel whose servers run under Wings.
#[derive(Debug, Clone, Copy)]
pub struct WingsPanel {
    id: &'static str,
    name: &'static str,
    session: SessionConfig,
}

impl WingsPanel {
    /// Pterodactyl accounts.
    pub fn pterodactyl() -> Self {
        Self {
            id: PTERODACTYL,
            name: "Pterodactyl",
            session: SessionConfig::default(),
        }
    }

    /// Pelican accounts (same Client API and Wings socket).
    pub fn pelican() -> Self {
        Self {
            id: PELICAN,
            name: "Pelican",
            ..Self::pterodactyl()
        }
    }

    /// The same kind with other Wings session tunables.
    pub fn with_session(self, session: SessionConfig) -> Self {
        Self { session, ..self }
    }
}

impl SourceKind for WingsPanel {
    fn id(&self) -> &'static str {
        self.id
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn open(&self, access: Access) -> Result<Arc<dyn Source>> {
        let client = PanelClient::new(&access.base_url, access.api_key, access.rate_limits)?;
        Ok(Arc::new(WingsSource {
            client,
            session: self.session,
        }))
    }
}

/// One Pterodactyl/Pelican account.
#[derive(Debug)]
struct WingsSource {
    client: PanelClient,
    session: SessionConfig,
}

#[async_trait]
impl Source for WingsSource {
    async fn list_servers(&self) -> Result<Vec<RemoteServer>> {
        self.client.list_servers().await
    }

    async fn server_details(&self, server: &RemoteServer) -> Result<RemoteServer> {
        self.client.server(&server.identifier).await
    }

    async fn socket_credentials(&self, server: &RemoteServer) -> Result<SocketCredentials> {
        let token = self.client.websocket_token(&server.identifier).await?;
        Ok(SocketCredentials {
            token,
            // Wings accepts a socket only from the panel's own origin.
            origin: self.client.base_url().to_owned(),
        })
    }

    async fn resources(&self, server: &RemoteServer) -> Result<Resources> {
        self.client.resources(&server.identifier).await
    }

    async fn power(&self, server: &RemoteServer, signal: PowerSignal) -> Result<()> {
        self.client.power(&server.identifier, signal).await
    }

    async fn send_command(&self, server: &RemoteServer, command: &str) -> Result<()> {
        self.client.send_command(&server.identifier, command).await
    }

    fn session(&self, _server: &RemoteServer) -> Box<dyn Session> {
        Box::new(wings::Session::new(self.session))
    }
}
