//! One websocket connection to Wings: authentication, token lifecycle, inbound limits, event
//! forwarding with per-event token re-validation (`docs/protocols/wings.md` §2-§6, §9).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use tokio::sync::broadcast;
use tokio::time::{Instant, Interval};

use super::NodeState;
use super::limiter::{Limiter, Verdict};
use crate::clock;
use crate::jwt::{self, Claims};
use crate::server::{PowerAction, PowerState, Server};
use crate::wire::{Frame, INJECTED_BINARY, Inbound, encode};

/// W-new / Pelican read limit.
const READ_LIMIT: usize = 4096;
/// Text of a `daemon error` for sockets without `admin.websocket.errors`.
const GENERIC_ERROR: &str = "an unexpected error was encountered while handling this request";

/// Counts a socket on its node and server for as long as it lives.
struct Presence {
    node: Arc<NodeState>,
    server: Arc<Server>,
}

impl Presence {
    fn new(node: Arc<NodeState>, server: Arc<Server>) -> Self {
        node.sockets.fetch_add(1, Ordering::Relaxed);
        server.sockets.fetch_add(1, Ordering::Relaxed);
        Self { node, server }
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        self.node.sockets.fetch_sub(1, Ordering::Relaxed);
        self.server.sockets.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Why the loop ended; the socket is dropped either way.
enum End {
    Closed,
}

struct Session {
    ws: WebSocket,
    node: Arc<NodeState>,
    server: Arc<Server>,
    token: Option<Claims>,
    events: Option<broadcast::Receiver<Arc<Frame>>>,
    expiry: Option<Interval>,
    limiter: Limiter,
}

/// Serves one upgraded socket until the client leaves or a fault drops it.
pub async fn run(ws: WebSocket, node: Arc<NodeState>, server: Arc<Server>) {
    let _presence = Presence::new(node.clone(), server.clone());
    let mut s = Session {
        ws,
        node,
        server,
        token: None,
        events: None,
        expiry: None,
        limiter: Limiter::default(),
    };
    if s.node.profile.has_limits() && s.server.suspended.load(Ordering::Relaxed) {
        let _ = s.close(4409, "server is suspended").await;
        return;
    }
    let _ = s.serve().await;
}

impl Session {
    async fn serve(&mut self) -> Result<(), End> {
        let mut drop_rx = self.node.drop_gen.subscribe();
        let mut stall_rx = self.node.stalled.subscribe();
        let deadline = self
            .node
            .profile
            .has_auth_deadline()
            .then(|| Instant::now() + self.node.timings.auth_deadline);
        loop {
            if *stall_rx.borrow_and_update() {
                // A hung node: neither reads nor writes until released or dropped.
                tokio::select! {
                    _ = drop_rx.changed() => return Err(End::Closed),
                    r = stall_rx.changed() => if r.is_err() { return Err(End::Closed) },
                }
                continue;
            }
            let authed = self.token.is_some();
            tokio::select! {
                _ = drop_rx.changed() => {
                    let code = self.node.drop_code.load(Ordering::Relaxed);
                    if code != 0 {
                        return self.close(code, "closed by the simulator").await;
                    }
                    return Err(End::Closed);
                }
                _ = stall_rx.changed() => {}
                _ = sleep_until_opt(deadline), if !authed && deadline.is_some() => {
                    return Err(End::Closed);
                }
                msg = self.ws.recv() => match msg {
                    Some(Ok(Message::Text(text))) => self.inbound(text.as_str()).await?,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return Err(End::Closed),
                    // Binary frames are dropped; pings are answered by the websocket layer.
                    Some(Ok(_)) => {}
                },
                ev = recv_opt(&mut self.events) => match ev {
                    Ok(frame) if frame.event == INJECTED_BINARY => {
                        let bytes = frame.text.as_bytes().to_vec();
                        self.ws
                            .send(Message::Binary(bytes.into()))
                            .await
                            .map_err(|_| End::Closed)?;
                    }
                    Ok(frame) => {
                        self.outbound(&frame.text).await?;
                        if frame.event == "deleted" {
                            // W-1.11 says goodbye with 1001; newer Wings just drop the TCP link.
                            if !self.node.profile.has_limits() {
                                return self.close(1001, "server deleted").await;
                            }
                            return Err(End::Closed);
                        }
                    }
                    // A slow viewer loses events, like Wings' sink pool (§6.6).
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return Err(End::Closed),
                },
                _ = tick_opt(&mut self.expiry) => self.expiry_check().await?,
            }
        }
    }

    async fn send(&mut self, text: String) -> Result<(), End> {
        // Wings closes the connection on any write error.
        self.ws
            .send(Message::Text(text.into()))
            .await
            .map_err(|_| End::Closed)
    }

    async fn close(&mut self, code: u16, reason: &'static str) -> Result<(), End> {
        let _ = self
            .ws
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })))
            .await;
        Err(End::Closed)
    }

    /// Checks the current token the way Wings' `TokenValid` does before every send and
    /// every non-auth inbound message.
    fn validate(&self, claims: &Claims, at_auth: bool) -> Result<(), &'static str> {
        let now_ms = clock::now_ms();
        match claims.exp {
            Some(exp) if now_ms <= exp.saturating_mul(1000) => {}
            _ => return Err("jwt: exp claim is invalid"),
        }
        let boot = self.node.boot_secs.load(Ordering::Relaxed);
        if claims.iat.is_none_or(|iat| iat < boot)
            || (self.node.profile.is_pelican()
                && (claims.user_uuid.is_empty() || claims.server_uuid.is_empty()))
        {
            return Err("jwt: created too far in past (denylist)");
        }
        if !claims.has_permission("websocket.connect")
            || (self.node.profile.has_scope() && !claims.has_websocket_scope())
        {
            return Err("jwt: missing connect permission");
        }
        // W-1.11 and Pelican accept a foreign token at auth and fail everything after it.
        let check_server = !at_auth || self.node.profile == crate::config::Profile::PteroNew;
        if check_server && claims.server_uuid != self.server.info.uuid {
            return Err("jwt: server uuid mismatch");
        }
        Ok(())
    }

    fn token_error(&self) -> Option<&'static str> {
        match &self.token {
            None => Some("jwt: no jwt present"),
            Some(c) => self.validate(c, false).err(),
        }
    }

    /// Sends an event, or the raw `jwt error` that replaces it when the token is no longer
    /// valid (the flood after expiry, §3.4).
    async fn outbound(&mut self, text: &str) -> Result<(), End> {
        match self.token_error() {
            None => self.send(text.to_string()).await,
            Some(err) => self.send(encode("jwt error", Some(err))).await,
        }
    }

    async fn expiry_check(&mut self) -> Result<(), End> {
        let Some(exp) = self.token.as_ref().and_then(|c| c.exp) else {
            return Ok(());
        };
        let now = clock::now_ms();
        let exp_ms = exp.saturating_mul(1000);
        if now >= exp_ms {
            self.outbound(&encode("token expired", None)).await
        } else if exp_ms - now <= self.node.timings.expiring_window.as_millis() as u64 {
            self.outbound(&encode("token expiring", None)).await
        } else {
            Ok(())
        }
    }

    fn daemon_error(&self, detail: &str) -> String {
        let admin = self
            .token
            .as_ref()
            .is_some_and(|c| c.has_permission("admin.websocket.errors"));
        let text = if admin { detail } else { GENERIC_ERROR };
        encode(
            "daemon error",
            Some(&format!("Error Event [{}]: {text}", uuid::Uuid::new_v4())),
        )
    }

    async fn inbound(&mut self, text: &str) -> Result<(), End> {
        let limits = self.node.profile.has_limits();
        if limits && text.len() > READ_LIMIT {
            return self.close(1009, "message too big").await;
        }
        if limits && self.server.suspended.load(Ordering::Relaxed) {
            // Mid-session suspension: Wings drops the connection on the next message.
            return Err(End::Closed);
        }
        let now = Instant::now();
        if limits {
            match self.limiter.global.offer(now) {
                Verdict::Pass => {}
                Verdict::DropAndReport => {
                    return self.send(encode("throttled", Some("global"))).await;
                }
                Verdict::Drop => return Ok(()),
            }
        }
        let Some(msg) = Inbound::parse(text) else {
            return Ok(());
        };
        if limits {
            match self.limiter.for_event(&msg.event).offer(now) {
                Verdict::Pass => {}
                Verdict::DropAndReport => {
                    return self.send(encode("throttled", Some(&msg.event))).await;
                }
                Verdict::Drop => return Ok(()),
            }
        }
        if msg.event == "auth" {
            return self.auth(&msg.joined()).await;
        }
        if let Some(err) = self.token_error() {
            return self.send(encode("jwt error", Some(err))).await;
        }
        match msg.event.as_str() {
            "send logs" => {
                for line in self.server.logs() {
                    self.outbound(&encode("console output", Some(&line)))
                        .await?;
                }
                Ok(())
            }
            "send stats" => self.send_stats().await,
            "set state" => self.set_state(&msg.joined()).await,
            "send command" => {
                let allowed = self
                    .token
                    .as_ref()
                    .is_some_and(|c| c.has_permission("control.console"));
                if allowed {
                    self.server.command(&msg.joined());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn send_stats(&mut self) -> Result<(), End> {
        let json = serde_json::to_string(&self.server.stats()).unwrap_or_default();
        self.outbound(&encode("stats", Some(&json))).await
    }

    async fn set_state(&mut self, arg: &str) -> Result<(), End> {
        let Some(action) = PowerAction::parse(arg) else {
            let e = self.daemon_error(&format!("invalid power action \"{arg}\""));
            return self.send(e).await;
        };
        let allowed = self
            .token
            .as_ref()
            .is_some_and(|c| c.has_permission(action.permission()));
        if !allowed {
            return Ok(());
        }
        match self.server.power(action) {
            Ok(()) => Ok(()),
            Err(crate::server::PowerError::Busy) => {
                // The busy message is sent to everyone, not only admins.
                let text = format!(
                    "Error Event [{}]: {}",
                    uuid::Uuid::new_v4(),
                    crate::server::PowerError::Busy.message()
                );
                self.send(encode("daemon error", Some(&text))).await
            }
            Err(e) => {
                let e = self.daemon_error(e.message());
                self.send(e).await
            }
        }
    }

    async fn auth(&mut self, token: &str) -> Result<(), End> {
        let claims = match jwt::decode(token, &self.node.secret) {
            Ok(c) => c,
            Err(_) if token.is_empty() => {
                return self.send(prefixed_jwt_error("jwt: no jwt present")).await;
            }
            // Not a JWT-class error: the client only learns "something went wrong" (§3.6).
            Err(_) => {
                let e = self.daemon_error("jwt: HMAC verification failed");
                return self.send(e).await;
            }
        };
        if let Err(msg) = self.validate(&claims, true) {
            return self.send(prefixed_jwt_error(msg)).await;
        }
        let first = self.token.is_none();
        self.token = Some(claims);
        self.send(encode("auth success", None)).await?;
        if !first {
            return Ok(());
        }
        self.events = Some(self.server.bus.subscribe());
        let tick = self.node.timings.expiry_tick;
        self.expiry = Some(tokio::time::interval_at(Instant::now() + tick, tick));
        let state = self.server.state();
        self.outbound(&encode("status", Some(state.as_str())))
            .await?;
        if state == PowerState::Offline {
            self.send_stats().await?;
        }
        Ok(())
    }
}

fn prefixed_jwt_error(msg: &str) -> String {
    encode(
        "jwt error",
        Some(&format!("Error Event [{}]: {msg}", uuid::Uuid::new_v4())),
    )
}

async fn recv_opt(
    rx: &mut Option<broadcast::Receiver<Arc<Frame>>>,
) -> Result<Arc<Frame>, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn tick_opt(iv: &mut Option<Interval>) {
    match iv {
        Some(iv) => {
            iv.tick().await;
        }
        None => std::future::pending().await,
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
