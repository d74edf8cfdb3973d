//! The one error type of `aerie-core`.
//!
//! Every variant carries a message a user can act on. No variant ever holds a secret: API keys
//! and tokens are redacted before they reach an error.

/// Everything that can go wrong inside the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A local I/O failure (files, sockets before a protocol is involved).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),

    // ---- Panel REST API (owned by `panel`) ----
    /// The panel address is not a usable http(s) URL.
    #[error("panel address {url:?} is not valid: {reason}. Use the panel's base URL, e.g. https://panel.example.com")]
    PanelUrl {
        /// What the user typed (never contains a key).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The address answered, but not like a Pterodactyl/Pelican panel (HTML, a redirect, odd JSON).
    #[error("{url} does not look like a Pterodactyl or Pelican panel ({detail}). Check the address: it must be the panel's base URL")]
    NotAPanel {
        /// Panel base URL.
        url: String,
        /// What came back instead.
        detail: String,
    },
    /// An application key (`ptla_`/`papp_`) was used where a client key is needed.
    #[error("this is an application API key; Aerie needs a client API key (ptlc_/pacc_) from Account → API Credentials")]
    WrongKeyType,
    /// The panel rejected the key (HTTP 401): revoked, expired or mistyped.
    #[error("the panel rejected the API key (revoked or mistyped). Create a new client API key under Account → API Credentials")]
    KeyRejected,
    /// The panel requires two-factor authentication on this account (HTTP 400).
    #[error("the panel requires two-factor authentication on this account. Enable 2FA in the panel, then try again")]
    TwoFactorRequired,
    /// The key's allowed-IP list excludes this machine (HTTP 403).
    #[error("the API key is not allowed from this IP address ({detail}). Add this machine's IP to the key's allowed IPs, or create a key without an IP restriction")]
    IpNotAllowed {
        /// The panel's message.
        detail: String,
    },
    /// The account lacks a permission for this action (HTTP 403).
    #[error("permission denied by the panel: {detail}. Ask the server owner for the needed permission")]
    PermissionDenied {
        /// The panel's message.
        detail: String,
    },
    /// The server does not exist or this account cannot see it (HTTP 404).
    #[error("server {server} not found on the panel, or this account has no access to it. Check the identifier with `aerie watch`")]
    ServerNotFound {
        /// Identifier or uuid asked for.
        server: String,
    },
    /// The server is suspended, installing, restoring or transferring (HTTP 409).
    #[error("the server is not available right now: {detail}")]
    ServerConflict {
        /// The panel's reason, e.g. "This server is currently suspended ...".
        detail: String,
        /// Whether the reason is a suspension (the user must contact the host).
        suspended: bool,
    },
    /// The panel cannot reach the node running the server (HTTP 504).
    #[error("the panel cannot reach the node running this server (node offline?). Aerie will keep retrying; check the node if it lasts")]
    NodeUnreachable,
    /// The panel is rate limiting this account (HTTP 429).
    #[error("the panel is rate limiting this account; retrying in {retry_after_secs} s. Close other tools using the same account if this persists")]
    RateLimited {
        /// Seconds the panel asked to wait.
        retry_after_secs: u64,
    },
    /// A TLS failure talking to the panel or a node (certificate, protocol).
    #[error("TLS error talking to {host}: {detail}. Check the certificate of that host (self-signed certificates are not trusted)")]
    Tls {
        /// Host name.
        host: String,
        /// Error text (no secrets).
        detail: String,
    },
    /// The panel or node could not be reached at all (DNS, refused, timeout).
    #[error("cannot reach {host}: {detail}. Check the address and your network")]
    Unreachable {
        /// Host name.
        host: String,
        /// Error text (no secrets).
        detail: String,
    },
    /// The panel failed with a server error (HTTP 5xx).
    #[error("the panel had an internal error (HTTP {status}): {detail}. Try again later")]
    PanelServerError {
        /// HTTP status.
        status: u16,
        /// The panel's message.
        detail: String,
    },
    /// Any other refusal from the panel (HTTP 4xx), with its own message.
    #[error("the panel refused the request (HTTP {status}): {detail}")]
    PanelRejected {
        /// HTTP status.
        status: u16,
        /// The panel's message.
        detail: String,
    },
    /// A request that needs a live server (e.g. a console command) hit an offline server.
    #[error("the server must be online for this: {detail}. Start it first")]
    ServerOffline {
        /// The panel's message.
        detail: String,
    },
    /// A power signal other than start, stop, restart or kill.
    #[error("unknown power signal {0:?}: use start, stop, restart or kill")]
    UnknownPowerSignal(String),
    /// A fleet operation named a server the fleet does not watch.
    #[error("server {0} is not watched by this fleet. Check the identifier with `aerie watch`")]
    NotWatched(String),
}

/// Result alias used throughout `aerie-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
