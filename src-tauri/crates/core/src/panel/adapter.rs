//! The seam between the fleet and a kind of panel.
//!
//! The fleet only needs: list servers, get socket credentials, poll resources, power, command.
//! Pterodactyl and Pelican share one implementation ([`PanelClient`]); StellarStack V2 (whose
//! daemon socket is Wings-shaped), jPulse and a generic JWT service become new implementations.

use async_trait::async_trait;

use super::client::PanelClient;
use super::model::{PowerSignal, RemoteServer, Resources, WsToken};
use crate::Result;

/// Which software a panel runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PanelKind {
    /// Pterodactyl (1.11 or newer) and Pelican: same Client API and Wings socket.
    #[default]
    Pterodactyl,
}

/// Everything a session needs to open and authenticate a server's socket.
#[derive(Debug, Clone)]
pub struct SocketCredentials {
    /// The token and socket URL.
    pub token: WsToken,
    /// `Origin` header the daemon checks (the panel's base URL).
    pub origin: String,
}

/// One panel account as the fleet sees it.
#[async_trait]
pub trait PanelAdapter: Send + Sync + std::fmt::Debug {
    /// Which software this is.
    fn kind(&self) -> PanelKind;
    /// Every server the account can see.
    async fn list_servers(&self) -> Result<Vec<RemoteServer>>;
    /// The server with the user's permissions filled in, for servers listed without them
    /// (a subuser's). Panels whose listing already carries permissions need not override it.
    async fn server_details(&self, server: &RemoteServer) -> Result<RemoteServer> {
        Ok(server.clone())
    }
    /// Fresh socket credentials for a server (mints a token; paced per server).
    async fn socket_credentials(&self, server: &RemoteServer) -> Result<SocketCredentials>;
    /// Current state and usage, for polling when the socket cannot be held.
    async fn resources(&self, server: &RemoteServer) -> Result<Resources>;
    /// Sends a power signal through the REST API.
    async fn power(&self, server: &RemoteServer, signal: PowerSignal) -> Result<()>;
    /// Sends a console command through the REST API.
    async fn send_command(&self, server: &RemoteServer, command: &str) -> Result<()>;
}

#[async_trait]
impl PanelAdapter for PanelClient {
    fn kind(&self) -> PanelKind {
        PanelKind::Pterodactyl
    }

    async fn list_servers(&self) -> Result<Vec<RemoteServer>> {
        PanelClient::list_servers(self).await
    }

    async fn server_details(&self, server: &RemoteServer) -> Result<RemoteServer> {
        PanelClient::server(self, &server.identifier).await
    }

    async fn socket_credentials(&self, server: &RemoteServer) -> Result<SocketCredentials> {
        let token = self.websocket_token(&server.identifier).await?;
        Ok(SocketCredentials {
            token,
            origin: self.base_url().to_owned(),
        })
    }

    async fn resources(&self, server: &RemoteServer) -> Result<Resources> {
        PanelClient::resources(self, &server.identifier).await
    }

    async fn power(&self, server: &RemoteServer, signal: PowerSignal) -> Result<()> {
        PanelClient::power(self, &server.identifier, signal).await
    }

    async fn send_command(&self, server: &RemoteServer, command: &str) -> Result<()> {
        PanelClient::send_command(self, &server.identifier, command).await
    }
}
