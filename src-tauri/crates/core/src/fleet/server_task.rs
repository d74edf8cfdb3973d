//! The task that watches one server: owns its socket and its [`Session`], carries out what the
//! session asks for, reconnects with backoff, and polls `/resources` when the socket cannot be
//! held.

use std::collections::VecDeque;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::{self, Message};

use super::FleetConfig;
use super::hub::{Bus, Entry};
use crate::clock::now_ms;
use crate::event::{ConnectionState, ConsoleOrigin, ServerEventKind};
use crate::socket::link::{self, Dial, Link};
use crate::socket::{Backoff, Heartbeat, ReconnectPolicy, TlsOptions, fingerprint_text};
use crate::source::{
    Input, Output, PowerSignal, RemoteServer, Resources, Session, SocketCredentials, Source,
    downgrade_notice,
};
use crate::{Error, Result};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

/// Buffered frames handled per wake before the other branches get a look.
const DRAIN_MAX: usize = 64;

/// Largest inbound message accepted. Wings caps console lines at 64 KiB; stats are small.
const MAX_MESSAGE: usize = 256 * 1024;

/// Most bytes queued for a node that is not taking them (Aerie sends only small frames): past
/// this a send fails and the link is redone.
const MAX_UNSENT: usize = 4 * 1024 * 1024;

/// Frame limits of a server's socket. The default 128 KiB read buffer per socket would cost
/// 128 MB for 1,000 servers, and tungstenite zeroes the whole read size before each read:
/// 1 KiB holds a stats frame or several console lines, and bigger frames still arrive whole
/// over several reads.
fn frame_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(1024)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .max_write_buffer_size(MAX_UNSENT)
}

/// State shared by all servers of one panel.
#[derive(Debug)]
pub(super) struct PanelShared {
    /// Set once the panel refused the key: no server of this panel asks again.
    pub failed: Mutex<Option<String>>,
    /// Bounds simultaneous socket connects to this panel's nodes.
    pub connect: Semaphore,
}

/// Requests from the fleet API to a server task.
#[derive(Debug)]
pub(super) enum Command {
    /// Aerie is about to send this power signal.
    PowerSent(PowerSignal),
    /// Send a console command over the socket; replies `false` if it cannot (use REST).
    Console {
        command: String,
        reply: oneshot::Sender<bool>,
    },
    /// The panel's list shows new details (name, limits, status...).
    Update(RemoteServer),
    /// The server left the panel's list: stop watching it.
    Stop,
    /// The fleet trusts other node certificates now: a server waiting on an untrusted one
    /// connects again.
    TrustChanged,
    /// A request the task started itself has finished (token, `/resources`, details). These
    /// share the fleet's queue so the task waits on one channel, not two, for every frame.
    Done(Done),
}

/// Everything a server task needs.
pub(super) struct ServerCtx {
    pub entry: Arc<Entry>,
    pub remote: RemoteServer,
    pub source: Arc<dyn Source>,
    pub panel: Arc<PanelShared>,
    pub bus: Bus,
    pub cfg: Arc<FleetConfig>,
    /// How fast to reconnect (and retry a failed mint): one policy for the fleet.
    pub reconnect: Arc<ReconnectPolicy>,
    /// Node certificates trusted beyond the platform's roots.
    pub trust: Arc<std::sync::RwLock<super::NodeTrust>>,
    /// Requests from the fleet; closed (all senders gone) means the fleet was dropped.
    pub commands: mpsc::Receiver<Command>,
    /// The same queue, for the task's own requests to report back without keeping it open.
    pub inbox: mpsc::WeakSender<Command>,
}

/// Results of the task's own panel requests.
#[derive(Debug)]
pub(super) enum Done {
    Token(Result<SocketCredentials>),
    Polled(Result<Resources>),
    Details(Result<RemoteServer>),
}

/// A frame from the socket, or why the socket ended.
type Frame = std::result::Result<Message, tungstenite::Error>;

/// Waits for the next frame; forever while no socket is open.
async fn next_frame(ws: &mut Option<Link>) -> Frame {
    match ws {
        Some(w) => std::future::poll_fn(|cx| w.poll_next(cx)).await,
        None => std::future::pending().await,
    }
}

/// The next command, looking at the queue only when it has rung since the last look or was
/// never asked to ring (see [`super::hub::Doorbell`]). `armed`: the queue holds the entry's
/// waker from a look that found it empty.
fn poll_command(
    queue: &mut mpsc::Receiver<Command>,
    entry: &Entry,
    bell: &Waker,
    armed: &mut bool,
    cx: &mut Context<'_>,
) -> Poll<Option<Command>> {
    entry.doorbell.listen(cx.waker());
    if *armed && !entry.doorbell.take() {
        return Poll::Pending;
    }
    match queue.poll_recv(&mut Context::from_waker(bell)) {
        Poll::Ready(c) => {
            // Whether that look left the entry's waker with the queue is unknown: look again
            // next time, which registers it if the queue is empty.
            *armed = false;
            Poll::Ready(c)
        }
        Poll::Pending => {
            *armed = true;
            Poll::Pending
        }
    }
}

fn is_panel_fatal(e: &Error) -> bool {
    matches!(
        e,
        Error::KeyRejected
            | Error::WrongKeyType
            | Error::IpNotAllowed { .. }
            | Error::TwoFactorRequired
    )
}

/// The earliest of two optional deadlines.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether an optional deadline has come.
fn due(t: Option<Instant>, now: Instant) -> bool {
    t.is_some_and(|t| t <= now)
}

struct Driver {
    ctx: ServerCtx,
    session: Box<dyn Session>,
    ws: Option<Link>,
    url: Option<String>,
    origin: String,
    /// Delays between connects that did not reach `auth success`.
    reconnects: Backoff,
    /// Delays between retries of a failed token mint.
    retries: Backoff,
    reconnect_at: Option<Instant>,
    retry_at: Option<Instant>,
    poll_at: Option<Instant>,
    polling: bool,
    pending: VecDeque<Output>,
    /// The session's deadline (Unix ms) and the instant it maps to, so the timer is moved
    /// only when the session asks for another time, not re-derived on every frame.
    tick: Option<(u64, Instant)>,
    /// Heartbeat: the next ping, while a socket is open.
    ping_at: Option<Instant>,
    /// Pings, pongs and traffic of the current socket.
    beat: Heartbeat,
    /// Whether a socket was ever opened (to count re-opens as reconnects).
    opened_once: bool,
    /// The node refused to be trusted: no reconnect until the trust settings change.
    untrusted: bool,
    /// The user was told the node's socket is not encrypted.
    warned_plain: bool,
    /// The command queue's waker: rings the entry's doorbell, then wakes the task.
    bell: Waker,
    /// See [`poll_command`].
    queue_armed: bool,
}

impl Driver {
    fn publish(&self, kind: ServerEventKind) {
        let ev = self.ctx.entry.record(now_ms(), kind);
        self.ctx.bus.send(ev);
    }

    fn feed(&mut self, input: Input<'_>) {
        self.feed_at(input, now_ms());
    }

    fn feed_at(&mut self, input: Input<'_>, now: u64) {
        self.session.handle_into(input, now, &mut self.pending);
        if self.session.is_live() && (self.reconnects.attempt() > 0 || self.polling) {
            self.reconnects.reset(&self.ctx.reconnect);
            self.polling = false;
            self.poll_at = None;
        }
    }

    /// Runs `request` on its own task and feeds its result back through the command queue.
    fn request<F>(&self, request: F)
    where
        F: Future<Output = Done> + Send + 'static,
    {
        // No sender left means the fleet is gone and the task is about to stop anyway.
        let Some(tx) = self.ctx.inbox.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            let done = request.await;
            let _ = tx.send(Command::Done(done)).await;
        });
    }

    fn schedule_reconnect(&mut self) {
        if self.session.is_stopped() {
            return;
        }
        // The fleet's policy never gives up: polling takes over below.
        let (attempt, delay) = self
            .reconnects
            .next(&self.ctx.reconnect)
            .unwrap_or((u32::MAX, self.ctx.reconnect.cap));
        self.reconnect_at = Some(Instant::now() + delay);
        if attempt >= self.ctx.cfg.polling_after_failures && !self.polling {
            self.polling = true;
            self.poll_at = Some(Instant::now());
            self.publish(ServerEventKind::Connection {
                connection: ConnectionState::Polling,
            });
        } else if !self.polling {
            self.publish(ServerEventKind::Connection {
                connection: ConnectionState::Reconnecting {
                    attempt,
                    delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                },
            });
        }
    }

    fn lost(&mut self, code: u16) {
        self.ws = None;
        self.ping_at = None;
        self.beat = Heartbeat::new(Instant::now());
        self.feed(Input::Closed { code });
        self.schedule_reconnect();
    }

    fn mint(&mut self) {
        let failed = self
            .ctx
            .panel
            .failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if failed {
            // Another server of this panel already learned the key is dead: don't ask again.
            self.feed(Input::TokenFailed(&Error::KeyRejected));
            return;
        }
        let source = self.ctx.source.clone();
        let remote = self.ctx.remote.clone();
        self.request(async move { Done::Token(source.socket_credentials(&remote).await) });
    }

    /// Writes a frame on the open socket (none open: the session will resend after the next
    /// open); a link that cannot take it is redone.
    fn send(&mut self, frame: String) {
        if let Some(w) = self.ws.as_mut()
            && w.send(Message::text(frame)).is_err()
        {
            self.lost(1006);
        }
    }

    async fn carry_out(&mut self) -> bool {
        while let Some(o) = self.pending.pop_front() {
            match o {
                Output::Send(frame) => self.send(frame),
                Output::Authenticate(frame) => {
                    self.ctx
                        .entry
                        .counters
                        .auths
                        .fetch_add(1, Ordering::Relaxed);
                    self.send(frame.expose().to_owned());
                }
                Output::Event(kind) => self.publish(kind),
                Output::MintToken => self.mint(),
                Output::Connect { url } => {
                    if let Some(w) = self.ws.take() {
                        w.close();
                    }
                    self.ping_at = None;
                    self.url = Some(url);
                    self.reconnect_at = Some(Instant::now());
                }
                Output::RetryLater => {
                    let (_, delay) = self
                        .retries
                        .next(&self.ctx.reconnect)
                        .unwrap_or((u32::MAX, self.ctx.reconnect.cap));
                    self.retry_at = Some(Instant::now() + delay);
                }
                Output::Stop => {
                    if let Some(w) = self.ws.take() {
                        w.close();
                    }
                    return false;
                }
            }
        }
        true
    }

    async fn connect(&mut self) {
        let Some(url) = self.url.clone() else { return };
        let result = {
            let _permit = self.ctx.panel.connect.acquire().await;
            self.ctx
                .entry
                .counters
                .connects
                .fetch_add(1, Ordering::Relaxed);
            let headers = [("Origin".to_owned(), self.origin.clone())];
            let tls = match super::node_of(&url) {
                Some(node) => self
                    .ctx
                    .trust
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .tls_for(&node),
                None => TlsOptions::default(),
            };
            // Boxed: connecting (TCP, TLS, upgrade, and reading a refused certificate) is a
            // large future, and kept inline it would size every server task for good (+7.5 MiB
            // at 1,000 servers, measured) while it runs only now and then.
            Box::pin(link::connect(Dial {
                url: &url,
                headers: &headers,
                subprotocols: &[],
                tls: &tls,
                config: frame_config(),
                timeout: self.ctx.cfg.connect_timeout,
            }))
            .await
        };
        match result {
            Ok((ws, _)) => {
                self.ws = Some(ws);
                self.beat = Heartbeat::new(Instant::now());
                // Ping right away: latency shows at once, and a dead new link is caught early.
                self.ping_at = Some(Instant::now());
                let counters = &self.ctx.entry.counters;
                if self.opened_once {
                    counters.reconnects.fetch_add(1, Ordering::Relaxed);
                }
                self.opened_once = true;
                self.ctx.entry.set_endpoint(&url);
                self.feed(Input::Opened);
            }
            Err(f) if f.untrusted.is_some() => {
                let fingerprint = f
                    .untrusted
                    .map(|fp| fingerprint_text(&fp))
                    .unwrap_or_default();
                tracing::warn!(server = %self.ctx.entry.key, detail = %f.detail, "node certificate refused");
                self.untrusted = true;
                self.publish(ServerEventKind::Connection {
                    connection: ConnectionState::Untrusted {
                        node: super::node_of(&url).unwrap_or_default(),
                        fingerprint,
                        message: f.detail,
                    },
                });
            }
            Err(f) => {
                tracing::debug!(server = %self.ctx.entry.key, status = ?f.status, detail = %f.detail, "socket connect failed");
                if f.status == Some(404) {
                    // The node does not know this server (moved?): get a fresh token and URL.
                    self.feed(Input::Closed { code: 1006 });
                }
                self.schedule_reconnect();
            }
        }
    }

    /// Says once, on the server's console and in the log, that its socket token travels in
    /// clear text (a `ws://` node behind an `https://` panel).
    fn warn_if_plain(&mut self, creds: &SocketCredentials) {
        if self.warned_plain {
            return;
        }
        if let Some(notice) = downgrade_notice(&creds.origin, &creds.token.socket) {
            self.warned_plain = true;
            tracing::warn!(server = %self.ctx.entry.key, "node socket is not encrypted");
            self.publish(ServerEventKind::Console {
                line: notice,
                origin: ConsoleOrigin::Daemon,
            });
        }
    }

    /// Any frame arrived: the link is alive.
    fn received(&mut self, now: u64) {
        self.beat.received(Instant::now());
        self.ctx
            .entry
            .counters
            .last_frame_at
            .store(now, Ordering::Relaxed);
    }

    fn pong(&mut self, payload: &[u8]) {
        if let Some(rtt) = self.beat.pong(payload, Instant::now()) {
            self.ctx.entry.counters.set_latency(rtt);
        }
    }

    async fn heartbeat(&mut self) {
        self.ping_at = self
            .ws
            .as_ref()
            .map(|_| Instant::now() + self.ctx.cfg.ping_interval);
        if self.beat.last_rx().elapsed() > self.ctx.cfg.dead_after {
            tracing::debug!(server = %self.ctx.entry.key, "socket silent too long; reconnecting");
            self.lost(1006);
            return;
        }
        let Some(w) = self.ws.as_mut() else { return };
        let payload = self.beat.ping(Instant::now(), self.ctx.cfg.pong_timeout);
        if w.send(Message::Ping(payload.to_vec().into())).is_err() {
            self.lost(1006);
        }
    }

    /// The pong is late. Traffic since the ping means the pong is just queued behind it and
    /// the link is alive; silence means it is dead (half-open TCP, a laptop back from sleep).
    fn pong_overdue(&mut self) {
        if self.beat.overdue(true) {
            tracing::debug!(server = %self.ctx.entry.key, "no pong and no traffic; reconnecting");
            self.lost(1006);
        }
    }

    /// Subusers' permissions are not in the server list: ask for the server's details.
    fn fetch_details_if_needed(&self) {
        if !self.ctx.remote.permissions.is_empty() {
            return;
        }
        let source = self.ctx.source.clone();
        let remote = self.ctx.remote.clone();
        self.request(async move { Done::Details(source.server_details(&remote).await) });
    }

    fn details(&mut self, fresh: RemoteServer) {
        let permissions = if fresh.permissions.is_empty() {
            std::mem::take(&mut self.ctx.remote.permissions)
        } else {
            fresh.permissions
        };
        let updated = RemoteServer {
            permissions,
            ..fresh
        };
        if updated != self.ctx.remote {
            self.ctx.remote = updated;
            self.publish(ServerEventKind::Server {
                info: Box::new(self.ctx.remote.info()),
            });
        }
    }

    fn stop(&mut self) {
        if let Some(w) = self.ws.take() {
            w.close();
        }
        self.publish(ServerEventKind::Connection {
            connection: ConnectionState::Stopped,
        });
    }

    fn on_message(&mut self, msg: Frame) {
        match msg {
            Ok(Message::Text(t)) => {
                let now = now_ms();
                self.received(now);
                self.ctx
                    .entry
                    .counters
                    .frames_in
                    .fetch_add(1, Ordering::Relaxed);
                self.feed_at(Input::Frame(t.as_str()), now);
            }
            Ok(Message::Close(frame)) => {
                let code = frame.map_or(1005, |f| u16::from(f.code));
                self.lost(code);
            }
            Ok(Message::Pong(payload)) => {
                self.received(now_ms());
                self.pong(&payload);
            }
            Ok(_) => self.received(now_ms()),
            Err(_) => self.lost(1006),
        }
    }

    /// Handles a request from the fleet or a finished request of our own. `false`: stop.
    async fn on_command(&mut self, cmd: Command) -> bool {
        match cmd {
            Command::PowerSent(signal) => self.feed(Input::PowerSent(signal)),
            Command::Console { command, reply } => {
                let frame = self.session.command_frame(&command, now_ms());
                let sent = match (frame, self.ws.as_mut()) {
                    (Some(f), Some(w)) => w.send(Message::text(f)).is_ok(),
                    _ => false,
                };
                let _ = reply.send(sent);
            }
            Command::Update(remote) => {
                self.details(remote);
                self.fetch_details_if_needed();
            }
            Command::Stop => {
                self.stop();
                return false;
            }
            Command::TrustChanged => {
                if std::mem::take(&mut self.untrusted) {
                    self.reconnect_at = Some(Instant::now());
                }
            }
            Command::Done(done) => self.on_done(done),
        }
        true
    }

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Token(Ok(creds)) => {
                let counters = &self.ctx.entry.counters;
                counters.tokens_minted.fetch_add(1, Ordering::Relaxed);
                let exp = creds.token.exp_secs.map_or(0, |s| s.saturating_mul(1000));
                counters.token_expires_at.store(exp, Ordering::Relaxed);
                self.retries.reset(&self.ctx.reconnect);
                self.warn_if_plain(&creds);
                self.origin = creds.origin;
                self.feed(Input::Token(creds.token));
            }
            Done::Token(Err(e)) => {
                if is_panel_fatal(&e) {
                    *self
                        .ctx
                        .panel
                        .failed
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                }
                self.feed(Input::TokenFailed(&e));
            }
            Done::Polled(Ok(res)) => self.feed(Input::Polled(&res)),
            Done::Polled(Err(e)) => {
                tracing::debug!(server = %self.ctx.entry.key, error = %e, "resources poll failed");
            }
            Done::Details(Ok(remote)) => self.details(remote),
            // Permissions stay unknown; the next re-read of the list asks again.
            Done::Details(Err(e)) => {
                tracing::debug!(server = %self.ctx.entry.key, error = %e, "server details failed");
            }
        }
    }

    /// When the session's deadline (an offline waiting for the daemon's crash lines) comes,
    /// as an instant; re-derived only when the session asks for another time.
    fn tick_at(&mut self) -> Option<Instant> {
        match (self.session.deadline(), self.tick) {
            (None, _) => {
                self.tick = None;
                None
            }
            (Some(d), Some((known, at))) if d == known => Some(at),
            (Some(d), _) => {
                let at = Instant::now() + Duration::from_millis(d.saturating_sub(now_ms()));
                self.tick = Some((d, at));
                Some(at)
            }
        }
    }

    /// The next time anything is due: one timer stands for all of them, so a frame costs no
    /// timer polls beyond one.
    fn next_deadline(&mut self) -> Option<Instant> {
        let tick = self.tick_at();
        [
            self.reconnect_at,
            self.retry_at,
            self.poll_at,
            self.ping_at,
            self.beat.pong_due(),
        ]
        .into_iter()
        .fold(tick, earliest)
    }

    /// Does whatever is due by now, in a fixed order.
    async fn on_timer(&mut self) {
        let now = Instant::now();
        if self.tick.is_some_and(|(_, at)| at <= now) {
            self.tick = None;
            self.feed(Input::Tick);
        }
        if due(self.reconnect_at, now) {
            self.reconnect_at = None;
            self.connect().await;
        }
        if due(self.retry_at, now) {
            self.retry_at = None;
            self.feed(Input::Retry);
        }
        if due(self.poll_at, now) {
            self.poll_at = self
                .polling
                .then(|| Instant::now() + self.ctx.cfg.poll_interval);
            let source = self.ctx.source.clone();
            let remote = self.ctx.remote.clone();
            self.request(async move { Done::Polled(source.resources(&remote).await) });
        }
        if due(self.ping_at, now) {
            self.heartbeat().await;
        }
        if due(self.beat.pong_due(), now) {
            self.pong_overdue();
        }
    }

    /// Handles a frame and whatever else the socket has buffered, up to [`DRAIN_MAX`] frames
    /// in one wake. `None`: stop. `Some(true)`: the limit was hit (more may wait).
    async fn on_frames(&mut self, first: Frame) -> Option<bool> {
        self.on_message(first);
        for _ in 0..DRAIN_MAX {
            if !self.carry_out().await {
                return None;
            }
            let Some(w) = self.ws.as_mut() else {
                return Some(false);
            };
            // Polled with the task's own waker: when nothing more is there, the socket is
            // already waited on, and the loop's next poll of it costs no read.
            match std::future::poll_fn(|cx| Poll::Ready(w.poll_next(cx))).await {
                Poll::Ready(m) => self.on_message(m),
                Poll::Pending => return Some(false),
            }
        }
        Some(true)
    }

    /// While frames keep coming, the socket branch wins every round of the loop (it is polled
    /// first): give the queue and the timer their turn without waiting.
    async fn catch_up(&mut self, timer_at: Option<Instant>) -> bool {
        while let Ok(cmd) = self.ctx.commands.try_recv() {
            if !self.on_command(cmd).await || !self.carry_out().await {
                return false;
            }
        }
        if due(timer_at, Instant::now()) {
            self.on_timer().await;
        }
        true
    }

    async fn run(mut self) {
        self.fetch_details_if_needed();
        self.session.start(now_ms() / 1000, &mut self.pending);
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let timer = tokio::time::sleep_until(far);
        tokio::pin!(timer);
        let mut timer_at: Option<Instant> = None;
        loop {
            if !self.carry_out().await {
                return;
            }
            let next = self.next_deadline();
            if next != timer_at {
                timer_at = next;
                timer.as_mut().reset(next.unwrap_or(far));
            }
            // Frames first: they are nearly all of the traffic, and a wake for a frame then
            // polls only the socket. `catch_up` keeps a flood from starving the rest.
            tokio::select! {
                biased;
                msg = next_frame(&mut self.ws) => {
                    match self.on_frames(msg).await {
                        None => return,
                        Some(true) => {
                            if !self.catch_up(timer_at).await {
                                return;
                            }
                        }
                        Some(false) => {}
                    }
                }
                cmd = std::future::poll_fn(|cx| poll_command(
                    &mut self.ctx.commands,
                    &self.ctx.entry,
                    &self.bell,
                    &mut self.queue_armed,
                    cx,
                )) => match cmd {
                    Some(cmd) => {
                        if !self.on_command(cmd).await {
                            return;
                        }
                    }
                    None => {
                        self.stop();
                        return;
                    }
                },
                () = &mut timer, if timer_at.is_some() => {
                    timer_at = None;
                    self.on_timer().await;
                }
            }
        }
    }
}

/// Runs one server until shutdown or a fatal failure.
pub(super) async fn run(ctx: ServerCtx) {
    let session = ctx.source.session(&ctx.remote);
    // Each server spreads its delays its own way, the same way every run.
    let mut h = DefaultHasher::new();
    ctx.remote.uuid.hash(&mut h);
    let seed = Some(h.finish());
    let reconnects = Backoff::seeded(&ctx.reconnect, seed);
    let retries = Backoff::seeded(&ctx.reconnect, seed);
    let bell = Waker::from(ctx.entry.clone());
    Driver {
        ctx,
        session,
        ws: None,
        url: None,
        origin: String::new(),
        reconnects,
        retries,
        reconnect_at: None,
        retry_at: None,
        poll_at: None,
        polling: false,
        pending: VecDeque::new(),
        tick: None,
        ping_at: None,
        beat: Heartbeat::new(Instant::now()),
        opened_once: false,
        untrusted: false,
        warned_plain: false,
        bell,
        queue_armed: false,
    }
    .run()
    .await;
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::event::{Limits, ServerInfo, ServerKey};

    /// The task's waker, counting its wakes.
    #[derive(Default)]
    struct Task(AtomicUsize);

    impl std::task::Wake for Task {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Probe {
        entry: Arc<Entry>,
        bell: Waker,
        armed: bool,
        task: Arc<Task>,
        waker: Waker,
    }

    impl Probe {
        fn new() -> Self {
            let info = ServerInfo {
                uuid: "u".into(),
                name: "n".into(),
                node: "node".into(),
                limits: Limits::default(),
                permissions: Vec::new(),
                panel_status: None,
            };
            let entry = Arc::new(Entry::new(ServerKey::new("p", "s"), info, 10, 1000));
            let task = Arc::new(Task::default());
            Self {
                bell: Waker::from(entry.clone()),
                entry,
                armed: false,
                waker: Waker::from(task.clone()),
                task,
            }
        }

        fn poll(&mut self, queue: &mut mpsc::Receiver<Command>) -> Poll<Option<Command>> {
            let mut cx = Context::from_waker(&self.waker);
            poll_command(queue, &self.entry, &self.bell, &mut self.armed, &mut cx)
        }

        fn wakes(&self) -> usize {
            self.task.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn a_command_wakes_the_task_and_is_taken_even_though_frame_wakes_skip_the_queue() {
        let (tx, mut queue) = mpsc::channel(4);
        let mut p = Probe::new();
        assert!(p.poll(&mut queue).is_pending(), "empty queue");
        // Wakes for frames poll again and again; the queue is not looked at, nothing is lost.
        for _ in 0..3 {
            assert!(p.poll(&mut queue).is_pending());
        }
        assert_eq!(p.wakes(), 0);
        tx.try_send(Command::Stop).unwrap();
        assert_eq!(p.wakes(), 1, "the queue's wake reaches the task");
        assert!(matches!(
            p.poll(&mut queue),
            Poll::Ready(Some(Command::Stop))
        ));
        // After taking one, the next poll looks again (and so re-arms the queue's waker).
        assert!(p.poll(&mut queue).is_pending());
        tx.try_send(Command::Stop).unwrap();
        tx.try_send(Command::Stop).unwrap();
        assert!(matches!(
            p.poll(&mut queue),
            Poll::Ready(Some(Command::Stop))
        ));
        assert!(matches!(
            p.poll(&mut queue),
            Poll::Ready(Some(Command::Stop))
        ));
        assert!(p.poll(&mut queue).is_pending());
        let before = p.wakes();
        drop(tx);
        assert_eq!(p.wakes(), before + 1, "a closed queue wakes the task too");
        assert!(matches!(p.poll(&mut queue), Poll::Ready(None)));
    }
}
