//! The simulator's error type.

/// Everything that can go wrong when driving the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding or serving a loopback socket failed.
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    /// No server with this uuid or identifier exists.
    #[error("no such server: {0}")]
    UnknownServer(String),
    /// No node with this name exists.
    #[error("no such node: {0}")]
    UnknownNode(String),
    /// No panel with this index exists.
    #[error("no such panel: {0}")]
    UnknownPanel(usize),
    /// The configuration cannot describe a world.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// Result alias for the simulator.
pub type Result<T> = std::result::Result<T, SimError>;
