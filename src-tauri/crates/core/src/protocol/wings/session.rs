//! One server's Wings session as a pure state machine.
//!
//! The driver (in `fleet`) owns the socket and the panel client; it feeds [`Input`]s (socket
//! opened/closed, frames, minted tokens) with the current time and carries out the
//! [`Output`]s (frames to send, events to publish, tokens to mint, reconnects, failure).
//! The rules come from the protocol notes: wait for `auth success` before anything else, then
//! `send logs` and `send stats`; refresh the token in place on `token expiring` (one mint at a
//! time); treat `jwt error` "exp"/"denylist" as "mint again" and other JWT errors as fatal; a
//! `daemon error` before `auth success` is an authentication failure; reuse a still-valid token
//! when reconnecting; a transfer that finished means a fresh token and URL; close code 4409
//! means suspended.

use std::collections::VecDeque;

use super::console::daemon_line;
use super::frame::{self, Inbound};
use super::tracker::{Backfill, PowerTracker, RateTracker};
use crate::Error;
use crate::event::{ConnectionState, ConsoleOrigin, Fact, PowerState, ServerEventKind};
use crate::secret::Secret;
use crate::source::WsToken;
pub use crate::source::{Input, Output};

/// Close code Wings sends when the server is suspended.
pub const CLOSE_SUSPENDED: u16 = 4409;

/// Tunables of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    /// Lines `send logs` replays (Wings' `websocket_log_count`, 150).
    pub backfill_lines: usize,
    /// How long after `auth success` replayed lines are expected, ms.
    pub backfill_window_ms: u64,
    /// A token is reused on reconnect only if valid for at least this long, s.
    pub token_margin_secs: u64,
    /// Consecutive authentication failures (fresh token each time) before giving up.
    pub max_auth_failures: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            backfill_lines: 150,
            backfill_window_ms: 3000,
            token_margin_secs: 30,
            max_auth_failures: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No socket yet (waiting for a token before the first connect).
    Idle,
    /// Socket requested or reconnecting.
    Connecting,
    /// Socket open, `auth` pending.
    Authenticating,
    /// Authenticated.
    Live,
    /// Given up.
    Stopped,
}

/// The state of one server's session.
#[derive(Debug)]
pub struct Session {
    cfg: SessionConfig,
    phase: Phase,
    token: Option<WsToken>,
    url: Option<String>,
    minting: bool,
    auth_sent: bool,
    auth_failures: u32,
    throttled_until_ms: u64,
    power: PowerTracker,
    rates: RateTracker,
    backfill: Backfill,
}

impl Session {
    /// A new session; call [`Session::start`] next.
    pub fn new(cfg: SessionConfig) -> Self {
        Self {
            cfg,
            phase: Phase::Idle,
            token: None,
            url: None,
            minting: false,
            auth_sent: false,
            auth_failures: 0,
            throttled_until_ms: 0,
            power: PowerTracker::default(),
            rates: RateTracker::default(),
            backfill: Backfill::new(cfg.backfill_lines),
        }
    }

    /// Whether the session is authenticated.
    pub fn is_live(&self) -> bool {
        self.phase == Phase::Live
    }

    /// Whether the session gave up.
    pub fn is_stopped(&self) -> bool {
        self.phase == Phase::Stopped
    }

    /// Last known power state.
    pub fn power_state(&self) -> Option<PowerState> {
        self.power.state()
    }

    /// When to feed [`Input::Tick`] next (Unix ms), if something waits on time: an offline
    /// nobody asked for, waiting for the daemon's crash lines.
    pub fn deadline(&self) -> Option<u64> {
        self.power.deadline()
    }

    /// Whether Wings throttled us recently (send optional frames through REST instead).
    pub fn is_throttled(&self, now_ms: u64) -> bool {
        now_ms < self.throttled_until_ms
    }

    /// The frame for a console command, if the socket is live and not throttled.
    pub fn command_frame(&self, command: &str, now_ms: u64) -> Option<String> {
        (self.is_live() && !self.is_throttled(now_ms)).then(|| frame::send_command(command))
    }

    /// Begins: connect with a still-valid token, or mint one first.
    pub fn start(&mut self, now_secs: u64) -> Vec<Output> {
        self.phase = Phase::Idle;
        let mut out = VecDeque::from([Output::Event(ServerEventKind::Connection {
            connection: ConnectionState::Connecting,
        })]);
        match &self.token {
            Some(t) if t.valid_for(now_secs, self.cfg.token_margin_secs) => {
                self.phase = Phase::Connecting;
                self.url = Some(t.socket.clone());
                out.push_back(Output::Connect {
                    url: t.socket.clone(),
                });
            }
            _ => self.mint(&mut out),
        }
        out.into()
    }

    /// Feeds one input at Unix time `now_ms`.
    pub fn handle(&mut self, input: Input<'_>, now_ms: u64) -> Vec<Output> {
        let mut out = VecDeque::new();
        self.handle_into(input, now_ms, &mut out);
        out.into()
    }

    /// Feeds one input at Unix time `now_ms`, appending the outputs to the driver's queue
    /// (the per-frame path: no vector of its own per frame).
    pub fn handle_into(&mut self, input: Input<'_>, now_ms: u64, out: &mut VecDeque<Output>) {
        if self.phase == Phase::Stopped {
            return;
        }
        let now_secs = now_ms / 1000;
        match input {
            Input::Opened => {
                self.phase = Phase::Authenticating;
                self.auth_sent = false;
                out.push_back(conn(ConnectionState::Authenticating));
                self.send_auth_or_mint(now_secs, out);
            }
            Input::Closed { code } => {
                if code == CLOSE_SUSPENDED {
                    self.fail(
                        "the server is suspended; the host must unsuspend it".into(),
                        Fact::Suspended,
                        out,
                    );
                } else if self.phase != Phase::Idle {
                    self.phase = Phase::Connecting;
                    self.auth_sent = false;
                }
            }
            Input::Token(token) => {
                self.minting = false;
                let url = token.socket.clone();
                self.token = Some(token);
                match self.phase {
                    Phase::Idle => {
                        self.phase = Phase::Connecting;
                        self.url = Some(url.clone());
                        out.push_back(Output::Connect { url });
                    }
                    Phase::Authenticating | Phase::Live => self.send_auth(out),
                    Phase::Connecting => {
                        // The socket URL moved (transfer): reconnect there.
                        if self.url.as_deref() != Some(url.as_str()) {
                            self.url = Some(url.clone());
                            out.push_back(Output::Connect { url });
                        }
                    }
                    Phase::Stopped => {}
                }
            }
            Input::TokenFailed(err) => {
                self.minting = false;
                self.on_token_error(err, out);
            }
            Input::Retry => {
                if self.phase == Phase::Idle || self.token.is_none() {
                    self.mint(out);
                } else {
                    self.send_auth_or_mint(now_secs, out);
                }
            }
            Input::PowerSent(signal) => self.power.note_request(signal, now_ms),
            Input::Tick => {
                let mut kinds = Vec::new();
                self.power.tick(now_ms, &mut kinds);
                out.extend(kinds.into_iter().map(Output::Event));
            }
            Input::Polled(res) => {
                if !self.is_live() {
                    let mut kinds = Vec::new();
                    self.power.on_status(res.state, now_ms, &mut kinds);
                    out.extend(kinds.into_iter().map(Output::Event));
                    let rates = self.rates.sample(&res.stats, now_ms);
                    out.push_back(Output::Event(ServerEventKind::Stats {
                        stats: Box::new(res.stats),
                        rates,
                    }));
                }
            }
            Input::Frame(text) => {
                if let Some(inbound) = frame::parse_frame(text) {
                    self.on_frame(inbound, now_ms, out);
                }
            }
        }
    }

    fn mint(&mut self, out: &mut VecDeque<Output>) {
        if !self.minting {
            self.minting = true;
            out.push_back(Output::MintToken);
        }
    }

    fn send_auth(&mut self, out: &mut VecDeque<Output>) {
        if let Some(t) = &self.token {
            out.push_back(Output::Authenticate(Secret::new(frame::auth(
                t.token.expose(),
            ))));
            self.auth_sent = true;
        }
    }

    fn send_auth_or_mint(&mut self, now_secs: u64, out: &mut VecDeque<Output>) {
        match &self.token {
            Some(t) if t.valid_for(now_secs, self.cfg.token_margin_secs) => self.send_auth(out),
            _ => self.mint(out),
        }
    }

    fn fail(&mut self, reason: String, fact: Fact, out: &mut VecDeque<Output>) {
        self.phase = Phase::Stopped;
        self.token = None;
        out.push_back(Output::Event(ServerEventKind::Alert { fact }));
        out.push_back(conn(ConnectionState::Failed { reason }));
        out.push_back(Output::Stop);
    }

    fn on_token_error(&mut self, err: &Error, out: &mut VecDeque<Output>) {
        let message = err.to_string();
        match err {
            Error::KeyRejected
            | Error::WrongKeyType
            | Error::IpNotAllowed { .. }
            | Error::TwoFactorRequired => {
                self.fail(message.clone(), Fact::CredentialsRejected { message }, out)
            }
            Error::PermissionDenied { .. } | Error::ServerNotFound { .. } => {
                self.fail(message.clone(), Fact::PermissionLost { message }, out)
            }
            Error::ServerConflict {
                suspended: true, ..
            } => self.fail(message, Fact::Suspended, out),
            _ => out.push_back(Output::RetryLater),
        }
    }

    fn on_frame(&mut self, inbound: Inbound, now_ms: u64, out: &mut VecDeque<Output>) {
        let ev = |kind| Output::Event(kind);
        match inbound {
            Inbound::AuthSuccess => {
                self.auth_failures = 0;
                if self.phase == Phase::Authenticating {
                    self.phase = Phase::Live;
                    out.push_back(conn(ConnectionState::Live));
                    out.push_back(Output::Send(frame::send_logs()));
                    out.push_back(Output::Send(frame::send_stats()));
                    self.backfill.expect_replay(
                        self.cfg.backfill_lines,
                        now_ms,
                        self.cfg.backfill_window_ms,
                    );
                }
            }
            Inbound::TokenExpiring | Inbound::TokenExpired => self.mint(out),
            Inbound::JwtError(msg) => {
                if !matches!(self.phase, Phase::Authenticating | Phase::Live) {
                    return;
                }
                if msg.contains("exp claim is invalid") || msg.contains("denylist") {
                    // This token is dead: never reuse it on a reconnect either.
                    self.token = None;
                    self.mint(out);
                } else if msg.contains("no jwt present") {
                    self.send_auth_or_mint(now_ms / 1000, out);
                } else {
                    let reason = format!(
                        "the node refused the websocket credentials ({}). Check the account still has the websocket permission on this server",
                        clip(&msg)
                    );
                    self.fail(
                        reason.clone(),
                        Fact::PermissionLost { message: reason },
                        out,
                    );
                }
            }
            Inbound::DaemonError(msg) => {
                if self.phase == Phase::Authenticating && self.auth_sent {
                    self.auth_failures += 1;
                    self.token = None;
                    if self.auth_failures >= self.cfg.max_auth_failures {
                        let message = format!(
                            "the node rejected every websocket token ({}). The panel and node may disagree on the node's secret; contact the host",
                            clip(&msg)
                        );
                        self.fail(message.clone(), Fact::CredentialsRejected { message }, out);
                    } else {
                        self.mint(out);
                    }
                } else {
                    out.push_back(ev(ServerEventKind::Console {
                        line: msg,
                        origin: ConsoleOrigin::Daemon,
                    }));
                }
            }
            Inbound::Throttled(_) => {
                self.throttled_until_ms = now_ms.saturating_add(5000);
            }
            Inbound::Status(state) => {
                let mut kinds = Vec::new();
                self.power.on_status(state, now_ms, &mut kinds);
                out.extend(kinds.into_iter().map(Output::Event));
            }
            Inbound::Stats(stats) => {
                let rates = self.rates.sample(&stats, now_ms);
                out.push_back(ev(ServerEventKind::Stats {
                    stats: Box::new(stats),
                    rates,
                }));
            }
            Inbound::Console(line) => {
                if let Some(d) = daemon_line(&line) {
                    out.push_back(ev(ServerEventKind::Console {
                        line,
                        origin: ConsoleOrigin::Daemon,
                    }));
                    if let Some(c) = d.crash {
                        let mut kinds = Vec::new();
                        self.power.on_crash_line(&c, now_ms, &mut kinds);
                        out.extend(kinds.into_iter().map(Output::Event));
                    }
                } else if let Some(replayed) = self.backfill.classify(&line, now_ms) {
                    let origin = if replayed {
                        ConsoleOrigin::Backfill
                    } else {
                        ConsoleOrigin::Container
                    };
                    out.push_back(ev(ServerEventKind::Console { line, origin }));
                }
            }
            Inbound::InstallOutput(line) => out.push_back(ev(ServerEventKind::Console {
                line,
                origin: ConsoleOrigin::Install,
            })),
            Inbound::DaemonMessage(line) | Inbound::TransferLogs(line) => {
                out.push_back(ev(ServerEventKind::Console {
                    line,
                    origin: ConsoleOrigin::Daemon,
                }))
            }
            Inbound::TransferStatus(status) => {
                out.push_back(ev(ServerEventKind::Alert {
                    fact: Fact::Lifecycle {
                        event: "transfer status".into(),
                        detail: clip(&status),
                    },
                }));
                if matches!(
                    status.as_str(),
                    "completed" | "success" | "failure" | "failed" | "cancelled"
                ) {
                    // The server may live on another node now: fresh token, fresh URL.
                    self.token = None;
                    self.phase = Phase::Idle;
                    out.push_back(conn(ConnectionState::Connecting));
                    self.mint(out);
                }
            }
            Inbound::FeatureMatch { key, line } => out.push_back(ev(ServerEventKind::Alert {
                fact: Fact::FeatureMatch { key, line },
            })),
            Inbound::Lifecycle { event, detail } => out.push_back(ev(ServerEventKind::Alert {
                fact: Fact::Lifecycle {
                    event: event.to_owned(),
                    detail,
                },
            })),
        }
    }
}

fn conn(connection: ConnectionState) -> Output {
    Output::Event(ServerEventKind::Connection { connection })
}

fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

impl crate::source::Session for Session {
    fn start(&mut self, now_secs: u64, out: &mut VecDeque<Output>) {
        out.extend(Session::start(self, now_secs));
    }

    fn handle_into(&mut self, input: Input<'_>, now_ms: u64, out: &mut VecDeque<Output>) {
        Session::handle_into(self, input, now_ms, out);
    }

    fn is_live(&self) -> bool {
        Session::is_live(self)
    }

    fn is_stopped(&self) -> bool {
        Session::is_stopped(self)
    }

    fn deadline(&self) -> Option<u64> {
        Session::deadline(self)
    }

    fn command_frame(&self, command: &str, now_ms: u64) -> Option<String> {
        Session::command_frame(self, command, now_ms)
    }
}

#[cfg(test)]
mod tests;
