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

    // ---- Secrets, settings, local database, accounts (owned by `secrets`, `settings`,
    // `store`, `accounts`) ----
    /// The OS keyring exists but is locked.
    #[error(
        "the OS keyring is locked. Unlock it (log in to the desktop session, or unlock the \"login\" keyring), then retry. Aerie never stores API keys anywhere else"
    )]
    KeyringLocked,
    /// No usable OS keyring (no Secret Service on Linux, a broken Keychain, ...).
    #[error(
        "no OS keyring is available ({detail}). Start one (Keychain, Credential Manager, or a Secret Service such as gnome-keyring or KWallet), then retry. Aerie never stores API keys anywhere else"
    )]
    KeyringUnavailable {
        /// What the platform said (never a secret).
        detail: String,
    },
    /// The keyring library fell back to its in-memory mock, which would silently lose keys.
    #[error(
        "this build of Aerie has no OS keyring support (the keyring library would keep API keys in memory only and lose them). Install an official build"
    )]
    KeyringMock,
    /// Another keyring failure.
    #[error("the OS keyring failed: {detail}. Retry; if it persists, restart the keyring service")]
    Keyring {
        /// What the platform said (never a secret).
        detail: String,
    },
    /// An account has no API key in the keyring (imported, or deleted outside Aerie).
    #[error(
        "account {account:?} has no API key in the OS keyring (imported, or removed outside Aerie). Enter it again with `aerie panel rekey {account}` or in Settings → Accounts"
    )]
    SecretMissing {
        /// Account id or name.
        account: String,
    },
    /// The OS gave no config or data directory (no home directory).
    #[error(
        "cannot find the OS config/data directory (is HOME set?). Set HOME, or AERIE_HOME to a directory Aerie may use"
    )]
    NoHomeDir,
    /// The settings file cannot be used; it was copied aside before anything else happens.
    #[error(
        "the settings file {path} is not valid: {message} (line {line}, column {column}). A copy was kept as {backup}. Fix the file, or delete it to start with default settings (the copy keeps the old one)"
    )]
    SettingsInvalid {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line, 0 when unknown.
        line: usize,
        /// 1-based column, 0 when unknown.
        column: usize,
        /// What is wrong.
        message: String,
        /// Where the unreadable file was copied.
        backup: std::path::PathBuf,
    },
    /// A file Aerie keeps (settings, an export) could not be read or written.
    #[error(
        "could not {action} {path}: {detail}. Check the permissions and free space of that folder, then retry; the previous file is unchanged"
    )]
    FileAccess {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// What the OS said.
        detail: String,
    },
    /// The settings file was written by a newer Aerie.
    #[error(
        "the settings file {path} is version {found}, newer than this Aerie understands ({supported}). Update Aerie; the file was left untouched"
    )]
    SettingsTooNew {
        /// The file.
        path: std::path::PathBuf,
        /// Version in the file.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// The local database was damaged; it was moved aside and history starts empty.
    #[error(
        "the local database {path} was damaged ({detail}) and was moved to {backup}. History starts empty; settings and accounts are not affected"
    )]
    DatabaseCorrupt {
        /// The database file.
        path: std::path::PathBuf,
        /// What SQLite said.
        detail: String,
        /// Where the damaged file went.
        backup: std::path::PathBuf,
    },
    /// The local database was written by a newer Aerie.
    #[error(
        "the local database {path} has schema version {found}, newer than this Aerie understands ({supported}). Update Aerie; the file was left untouched"
    )]
    DatabaseTooNew {
        /// The database file.
        path: std::path::PathBuf,
        /// Version in the file.
        found: i64,
        /// Newest version this build reads.
        supported: i64,
    },
    /// A database operation failed.
    #[error("local database error ({path}): {detail}. Check free disk space and permissions")]
    Database {
        /// The database file.
        path: std::path::PathBuf,
        /// What SQLite said.
        detail: String,
    },
    /// The string given as an API key is not one.
    #[error(
        "that is not a panel API key: {reason}. Copy the client API key (ptlc_… or pacc_…) from Account → API Credentials"
    )]
    ApiKeyFormat {
        /// What is wrong (never the key).
        reason: String,
    },
    /// No account has this id or name.
    #[error("no account named {0:?}. List accounts with `aerie panel list`")]
    AccountNotFound(String),
    /// An account name that cannot be used.
    #[error("that account name cannot be used: {0}")]
    AccountNameInvalid(String),
    /// Two accounts would share a name.
    #[error("an account named {0:?} exists already. Choose another name")]
    AccountNameTaken(String),
    /// The same key is already configured.
    #[error("this API key is already configured as account {0:?}")]
    AccountDuplicate(String),
    /// An import file cannot be used.
    #[error("cannot import {path}: {detail}. Nothing was changed")]
    ImportInvalid {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        detail: String,
    },

    // ---- Resilient WebSocket (owned by `socket`) ----
    /// A WebSocket operation failed; `kind` says which failure, for callers to match on.
    /// `detail` never holds a token: URLs in it are redacted.
    #[error("WebSocket {kind}: {detail}")]
    Socket {
        /// What kind of failure (matchable).
        kind: crate::socket::SocketErrorKind,
        /// Human-readable detail, secrets redacted.
        detail: String,
    },

    // ---- Panel REST API (owned by `panel`) ----
    /// A plain `http://` panel address on another machine, added without opting in: the API
    /// key would cross the network unencrypted.
    #[error(
        "{url} is plain http: your API key would cross the network unencrypted. Use the panel's https:// address; if this panel has no TLS and you accept the risk, add it with `aerie panel add --allow-insecure`"
    )]
    InsecurePanel {
        /// The normalised panel address.
        url: String,
    },
    /// The panel address is not a usable http(s) URL.
    #[error(
        "panel address {url:?} is not valid: {reason}. Use the panel's base URL, e.g. https://panel.example.com"
    )]
    PanelUrl {
        /// What the user typed (never contains a key).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// The address answered, but not like a Pterodactyl/Pelican panel (HTML, a redirect, odd JSON).
    #[error(
        "{url} does not look like a Pterodactyl or Pelican panel ({detail}). Check the address: it must be the panel's base URL"
    )]
    NotAPanel {
        /// Panel base URL.
        url: String,
        /// What came back instead.
        detail: String,
    },
    /// An application key (`ptla_`/`papp_`) was used where a client key is needed.
    #[error(
        "this is an application API key; Aerie needs a client API key (ptlc_/pacc_) from Account → API Credentials"
    )]
    WrongKeyType,
    /// The panel rejected the key (HTTP 401): revoked, expired or mistyped.
    #[error(
        "the panel rejected the API key (revoked or mistyped). Create a new client API key under Account → API Credentials"
    )]
    KeyRejected,
    /// The panel requires two-factor authentication on this account (HTTP 400).
    #[error(
        "the panel requires two-factor authentication on this account. Enable 2FA in the panel, then try again"
    )]
    TwoFactorRequired,
    /// The key's allowed-IP list excludes this machine (HTTP 403).
    #[error(
        "the API key is not allowed from this IP address ({detail}). Add this machine's IP to the key's allowed IPs, or create a key without an IP restriction"
    )]
    IpNotAllowed {
        /// The panel's message.
        detail: String,
    },
    /// The account lacks a permission for this action (HTTP 403).
    #[error(
        "permission denied by the panel: {detail}. Ask the server owner for the needed permission"
    )]
    PermissionDenied {
        /// The panel's message.
        detail: String,
    },
    /// The server does not exist or this account cannot see it (HTTP 404).
    #[error(
        "server {server} not found on the panel, or this account has no access to it. Check the identifier with `aerie watch`"
    )]
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
    #[error(
        "the panel cannot reach the node running this server (node offline?). Aerie will keep retrying; check the node if it lasts"
    )]
    NodeUnreachable,
    /// The panel is rate limiting this account (HTTP 429).
    #[error(
        "the panel is rate limiting this account; retrying in {retry_after_secs} s. Close other tools using the same account if this persists"
    )]
    RateLimited {
        /// Seconds the panel asked to wait.
        retry_after_secs: u64,
    },
    /// A user action (power, command) was not sent: the panel's rate limit would have made it
    /// wait longer than a person waits for a button.
    #[error(
        "the panel is rate limiting this account, so this action was not sent. Try again in {retry_after_secs} s"
    )]
    ActionRateLimited {
        /// Seconds until the panel takes requests again.
        retry_after_secs: u64,
    },
    /// A user action (power, command) got no answer in time. The panel may still carry it out.
    #[error(
        "{host} did not answer within {secs} s. The action may still happen: check the server's state before trying again"
    )]
    ActionTimedOut {
        /// Panel host name.
        host: String,
        /// How long Aerie waited.
        secs: u64,
    },
    /// A TLS failure talking to the panel or a node (certificate, protocol).
    #[error(
        "TLS error talking to {host}: {detail}. Check the certificate of that host (self-signed certificates are not trusted)"
    )]
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
    /// An account names a source kind this build does not know (a settings file from a newer
    /// Aerie, or a typo).
    #[error(
        "unknown source kind {kind:?}: this Aerie knows {known}. Update Aerie or fix the account's kind"
    )]
    UnknownSourceKind {
        /// The kind asked for (clipped).
        kind: String,
        /// The kinds registered, comma-separated.
        known: String,
    },
    /// The account's source kind has no way to do this (e.g. poll a service without REST).
    #[error("{kind} accounts cannot {what}")]
    NotSupported {
        /// The source kind's name.
        kind: &'static str,
        /// What was asked, as a verb phrase ("be polled").
        what: &'static str,
    },
    /// A fleet operation named a server the fleet does not watch.
    #[error("server {0} is not watched by this fleet. Check the identifier with `aerie watch`")]
    NotWatched(String),

    // ---- Alerts, notifications, charts (owned by `alerts`, `notify`, `chart`) ----
    /// The desktop refused or could not show a notification.
    #[error(
        "could not show a desktop notification: {detail}. On Linux a notification server (the desktop's, or dunst) must run on the session D-Bus; alerts are still logged"
    )]
    Notification {
        /// What the platform said.
        detail: String,
    },
    /// A chart could not be drawn.
    #[error("could not draw the chart: {detail}")]
    Chart {
        /// What plotters said.
        detail: String,
    },
    /// A webhook did not take an alert (after retries where retrying made sense). `detail`
    /// never holds the webhook's URL, token or topic.
    #[error("alert sink {sink:?} did not take the alert: {detail}")]
    Webhook {
        /// The sink's name.
        sink: String,
        /// What went wrong, for a person.
        detail: String,
    },
    /// No alert sink has this id or name.
    #[error("no alert sink named {0:?}. List them with `aerie alerts sinks list`")]
    SinkNotFound(String),
    /// Two alert sinks would share a name.
    #[error("an alert sink named {0:?} exists already. Choose another name, or remove it first")]
    SinkNameTaken(String),
    /// A webhook address that cannot be used. Never quotes the address (it holds the token).
    #[error("that webhook address cannot be used: {reason}")]
    SinkUrl {
        /// Why it was refused.
        reason: String,
    },
    /// A sink's URL is not in the keyring (removed outside Aerie, or an imported settings
    /// file).
    #[error(
        "alert sink {sink:?} has no webhook address in the OS keyring (removed outside Aerie, or imported). Remove it with `aerie alerts sinks remove {sink}` and add it again"
    )]
    SinkSecretMissing {
        /// The sink's name.
        sink: String,
    },
    /// The alert log's receiver went away (the store stopped).
    #[error(
        "the alert history is not being recorded (its store stopped). Restart Aerie to record alerts again"
    )]
    AlertLogClosed,
}

/// Result alias used throughout `aerie-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
