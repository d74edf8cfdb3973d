//! The socket side of a source kind: a pure state machine per socket that the fleet's driver
//! feeds with what happened and whose outputs it carries out.
//!
//! The driver owns the socket, the timers and the REST calls; the session owns the protocol:
//! what to send after the socket opens, what a frame means, when credentials must be minted
//! again, when to give up. Sessions read no clock (time is passed in) and do no I/O, so each
//! kind's rules are tested without sockets.

use std::collections::VecDeque;

use super::power::PowerSignal;
use super::server::Resources;
use super::token::WsToken;
use crate::Error;
use crate::event::ServerEventKind;
use crate::secret::Secret;

/// What happened, fed to [`Session::handle_into`].
#[derive(Debug)]
pub enum Input<'a> {
    /// The socket (re)opened.
    Opened,
    /// The socket closed with this code (1006 when dropped); it may reconnect by itself.
    Closed {
        /// Close code.
        code: u16,
    },
    /// A text frame arrived.
    Frame(&'a str),
    /// Credentials were minted.
    Token(WsToken),
    /// Minting failed.
    TokenFailed(&'a Error),
    /// The driver waited after a transient failure; try minting again.
    Retry,
    /// Aerie sent this power signal (REST or socket).
    PowerSent(PowerSignal),
    /// A REST reading of the server, used while the socket cannot be held.
    Polled(&'a Resources),
    /// Time passed: the driver feeds this at [`Session::deadline`].
    Tick,
}

/// What the driver must do.
#[derive(Debug)]
pub enum Output {
    /// Write this frame on the socket.
    Send(String),
    /// Write this authentication frame on the socket (counted as an authentication attempt).
    /// A [`Secret`]: the frame carries the token, and outputs are `Debug`.
    Authenticate(Secret),
    /// Publish this event.
    Event(ServerEventKind),
    /// Mint credentials and feed back [`Input::Token`] or [`Input::TokenFailed`].
    MintToken,
    /// Open (or re-open) the socket at this URL; a socket already open elsewhere is closed.
    Connect {
        /// Socket URL.
        url: String,
    },
    /// A transient failure: wait (with backoff) and feed [`Input::Retry`].
    RetryLater,
    /// Give up: close the socket and stop (the reason was published as events).
    Stop,
}

/// One watched server's protocol state, as the driver sees it.
pub trait Session: Send + std::fmt::Debug {
    /// Begins (again): connect with still-valid credentials, or mint some first. `now_secs` is
    /// Unix seconds.
    fn start(&mut self, now_secs: u64, out: &mut VecDeque<Output>);
    /// Feeds one input at Unix time `now_ms`, appending what to do to `out` (the per-frame
    /// path: no allocation of its own per frame).
    fn handle_into(&mut self, input: Input<'_>, now_ms: u64, out: &mut VecDeque<Output>);
    /// Whether the socket is authenticated and delivering (reconnect backoff resets then).
    fn is_live(&self) -> bool;
    /// Whether the session gave up for good.
    fn is_stopped(&self) -> bool;
    /// When to feed [`Input::Tick`] next (Unix ms), if something waits on time.
    fn deadline(&self) -> Option<u64>;
    /// The frame that carries a console command over the live socket, or `None` when the
    /// socket cannot take it now (the driver then uses the source's REST call).
    fn command_frame(&self, command: &str, now_ms: u64) -> Option<String>;
}
