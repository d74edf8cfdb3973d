//! A source kind, an account of that kind, and the registry the fleet picks kinds from.

use std::sync::Arc;

use async_trait::async_trait;

use super::limiter::RateLimits;
use super::power::PowerSignal;
use super::server::{RemoteServer, Resources};
use super::session::Session;
use super::token::SocketCredentials;
use crate::secret::Secret;
use crate::{Error, Result};

/// How to reach one account of some kind: where, with which key, at what REST pace.
#[derive(Debug, Clone)]
pub struct Access {
    /// Base URL of the panel or service.
    pub base_url: String,
    /// The account's API key (or whatever secret the kind authenticates with).
    pub api_key: Secret,
    /// REST budget for this account.
    pub rate_limits: RateLimits,
}

/// One account of a source kind, as the fleet uses it: the REST side of the kind plus the
/// factory of its per-server socket sessions.
#[async_trait]
pub trait Source: Send + Sync + std::fmt::Debug {
    /// Every server the account can see (the discovery step: REST for panels, the account's
    /// own configuration for kinds without a listing).
    async fn list_servers(&self) -> Result<Vec<RemoteServer>>;
    /// The server with the user's permissions filled in, for servers listed without them
    /// (a subuser's). Kinds whose listing already carries permissions need not override it.
    async fn server_details(&self, server: &RemoteServer) -> Result<RemoteServer> {
        Ok(server.clone())
    }
    /// Fresh socket credentials for a server (paced by the kind as its service requires).
    async fn socket_credentials(&self, server: &RemoteServer) -> Result<SocketCredentials>;
    /// Current state and usage, for polling while the socket cannot be held.
    async fn resources(&self, server: &RemoteServer) -> Result<Resources>;
    /// Sends a power signal outside the socket.
    async fn power(&self, server: &RemoteServer, signal: PowerSignal) -> Result<()>;
    /// Sends a console command outside the socket (used when the socket cannot take it).
    async fn send_command(&self, server: &RemoteServer, command: &str) -> Result<()>;
    /// A fresh protocol session for one server's socket.
    fn session(&self, server: &RemoteServer) -> Box<dyn Session>;
}

/// A kind of source: its stable id (stored with each account) and how to open an account.
pub trait SourceKind: Send + Sync + std::fmt::Debug {
    /// Stable id, stored in settings and accepted by the CLI (`pterodactyl`, `pelican`).
    fn id(&self) -> &'static str;
    /// Name for people ("Pterodactyl").
    fn name(&self) -> &'static str;
    /// Opens an account. Fails only on what can be told without the network (a malformed URL);
    /// a wrong key shows when the fleet lists the account's servers.
    fn open(&self, access: Access) -> Result<Arc<dyn Source>>;
}

/// The source kinds a fleet can open, by id.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    kinds: Vec<Arc<dyn SourceKind>>,
}

impl Registry {
    /// An empty registry (`aerie_core::kinds::builtin()` has every shipped kind).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a kind; one registered earlier under the same id is replaced.
    pub fn register(&mut self, kind: Arc<dyn SourceKind>) {
        self.kinds.retain(|k| k.id() != kind.id());
        self.kinds.push(kind);
    }

    /// The kind with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<dyn SourceKind>> {
        self.kinds.iter().find(|k| k.id() == id)
    }

    /// The ids of the registered kinds, in registration order.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.kinds.iter().map(|k| k.id())
    }

    /// Opens an account of kind `id`; an unknown id is an error naming the known ones.
    pub fn open(&self, id: &str, access: Access) -> Result<Arc<dyn Source>> {
        match self.get(id) {
            Some(kind) => kind.open(access),
            None => Err(Error::UnknownSourceKind {
                kind: id.chars().take(40).collect(),
                known: self.ids().collect::<Vec<_>>().join(", "),
            }),
        }
    }
}
