//! The one task per socket: it owns the stream and runs connect, session and backoff.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep, sleep_until};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::backoff::{Backoff, ReconnectPolicy};
use super::error::SocketErrorKind;
use super::event::{Batch, CloseInfo, EventSender, SocketEvent, SocketState};
use super::handle::{Shared, lock};
use super::heartbeat::Heartbeat as Beat;
use super::link::{self, Dial, Link};
use super::message::Message;
use super::metrics::{redact_url, scrub};
use super::options::{Endpoint, ReconnectContext, ReconnectDecision, SocketOptions};
use super::tls;

type Ws = Link;

/// Messages written per wake before other work (reads, pings) gets a turn.
const WRITE_BATCH: usize = 64;
/// Frames handled per wake when they are already buffered.
const READ_BATCH: usize = 1024;
/// How long a graceful close waits for the peer's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Events and counts gathered from one burst of readable frames, handed over together: one
/// channel send (one wake of the reader) and one update of the shared counters per burst.
struct Burst {
    /// The first event; a burst of one (the usual case on a quiet socket) needs no vector.
    first: Option<SocketEvent>,
    /// The events of a longer burst, in storage the reader gave back when it could.
    rest: Vec<SocketEvent>,
    /// Most events per batch.
    cap: usize,
    /// Whether every event may be dropped when the stream is full (pongs only).
    lossy: bool,
    messages: u64,
    bytes: u64,
}

impl Burst {
    fn new(cap: usize) -> Self {
        Self {
            first: None,
            rest: Vec::new(),
            cap,
            lossy: true,
            messages: 0,
            bytes: 0,
        }
    }

    fn len(&self) -> usize {
        usize::from(self.first.is_some()) + self.rest.len()
    }

    fn is_full(&self) -> bool {
        self.len() >= self.cap
    }

    /// Adds an event; `storage` gives the vector a burst of more than one event goes in.
    #[inline]
    fn push(&mut self, ev: SocketEvent, lossy: bool, storage: impl FnOnce() -> Vec<SocketEvent>) {
        self.lossy &= lossy;
        if !self.rest.is_empty() {
            self.rest.push(ev);
            return;
        }
        let Some(first) = self.first.take() else {
            self.first = Some(ev);
            return;
        };
        if self.rest.capacity() == 0 {
            // At full size at once: growing 4, 8, 16... would cost more than the batch.
            self.rest = storage();
            self.rest.reserve_exact(self.cap);
        }
        self.rest.push(first);
        self.rest.push(ev);
    }

    /// Adds a data message (never lossy): the hot path of a busy socket, so the usual case
    /// (the burst's vector has room) is a store, and the rest stays out of line.
    #[inline(always)]
    fn push_message(&mut self, msg: Message, events: &EventSender) {
        self.lossy = false;
        if !self.rest.is_empty() && self.rest.len() < self.rest.capacity() {
            self.rest.push(SocketEvent::Message(msg));
            return;
        }
        self.push_slow(SocketEvent::Message(msg), events);
    }

    #[inline(never)]
    fn push_slow(&mut self, ev: SocketEvent, events: &EventSender) {
        self.push(ev, false, || events.batch_vec());
    }

    /// The gathered events as one batch, leaving the burst empty.
    fn take(&mut self) -> Option<(Batch, bool)> {
        let lossy = std::mem::replace(&mut self.lossy, true);
        if let Some(first) = self.first.take() {
            return Some((Batch::One(first), lossy));
        }
        if self.rest.is_empty() {
            return None;
        }
        Some((Batch::Many(std::mem::take(&mut self.rest)), lossy))
    }
}

/// Lets the reader of an inline socket take a batch before more is read: the messages it
/// drops free the read buffer, which tungstenite then reuses instead of allocating another.
///
/// Pending once *without* arranging a wake-up. That is only right because the one polling an
/// inline socket is its reader, and the reader polls the socket again as soon as it has taken
/// what was handed over (never with an empty stream and a waiting socket in between).
fn yield_to_reader() -> impl std::future::Future<Output = ()> {
    let mut yielded = false;
    std::future::poll_fn(move |_| {
        if yielded {
            std::task::Poll::Ready(())
        } else {
            yielded = true;
            std::task::Poll::Pending
        }
    })
}

/// Where [`Driver::read_ready`] stopped.
enum Read {
    /// The burst is full: hand it over, then read on.
    Full,
    /// Nothing more to read now (or this wake's budget is spent).
    Dry,
    /// The session is over.
    End(Ended),
}

/// Requests from handles to the task.
pub(crate) enum Command {
    Reconnect,
    Close {
        code: u16,
        reason: String,
        done: oneshot::Sender<()>,
    },
}

/// Why waiting (connecting, backing off) was cut short.
enum Interrupt {
    /// Connect again now.
    Restart,
    /// Stop the task.
    Shutdown,
}

/// How a session ended.
enum Ended {
    Peer {
        code: u16,
        reason: String,
    },
    Failed {
        kind: SocketErrorKind,
        detail: String,
    },
    ManualReconnect,
    Shutdown,
}

/// What to do after a connection cycle.
enum Next {
    /// Connect again at once.
    Now,
    /// Connect again after the policy's delay.
    Retry,
    Idle,
    Stop,
}

pub(crate) struct Driver {
    opts: SocketOptions,
    shared: Arc<Shared>,
    cmds: mpsc::Receiver<Command>,
    events: EventSender,
    backoff: Backoff,
    tls: Option<(u64, Arc<rustls::ClientConfig>)>,
    close_ack: Option<oneshot::Sender<()>>,
    close_request: Option<(u16, String)>,
    /// Whether [`Driver::shutdown`] ran.
    stopped: bool,
}

impl Drop for Driver {
    /// A socket driven by its event stream stops when the stream is dropped mid-way: senders
    /// and waiters must still learn that it is gone.
    fn drop(&mut self) {
        if !self.stopped {
            self.shutdown();
        }
    }
}

impl Driver {
    pub(crate) fn new(
        opts: SocketOptions,
        shared: Arc<Shared>,
        cmds: mpsc::Receiver<Command>,
        events: EventSender,
    ) -> Self {
        Self {
            backoff: Backoff::new(&opts.reconnect),
            opts,
            shared,
            cmds,
            events,
            tls: None,
            close_ack: None,
            close_request: None,
            stopped: false,
        }
    }

    pub(crate) async fn run(mut self) {
        let mut ever_open = false;
        loop {
            let mut last_close = None;
            let next = match self.connect_any().await {
                Err(Interrupt::Restart) => continue,
                Err(Interrupt::Shutdown) => break,
                Ok(None) => Next::Retry,
                Ok(Some((ws, url, protocol))) => {
                    if ever_open {
                        self.shared
                            .counters
                            .reconnects
                            .fetch_add(1, Ordering::Relaxed);
                        let attempts = self.backoff.attempt();
                        self.emit(SocketEvent::Reconnected { attempts }).await;
                    }
                    ever_open = true;
                    let opened = Instant::now();
                    let ended = self.session(ws, url, protocol).await;
                    self.shared.counters.with_text(|t| t.open_since = None);
                    let policy = self.policy();
                    if opened.elapsed() >= policy.reset_after {
                        self.backoff.reset(&policy);
                    }
                    let (next, close) = self.after_session(ended, &policy).await;
                    last_close = close;
                    next
                }
            };
            let next = match next {
                Next::Retry => self.wait_before_retry(last_close).await,
                other => other,
            };
            match next {
                Next::Now | Next::Retry => {}
                Next::Stop => break,
                Next::Idle => {
                    if !self.idle().await {
                        break;
                    }
                }
            }
        }
        self.shutdown();
    }

    fn policy(&self) -> ReconnectPolicy {
        lock(&self.shared.policy).clone()
    }

    async fn emit(&self, ev: SocketEvent) {
        // A dropped receiver just means nobody listens; the socket carries on.
        self.events.send(Batch::One(ev)).await;
    }

    fn emit_lossy(&self, ev: SocketEvent) {
        self.events.try_send(Batch::One(ev));
    }

    /// Hands a burst's events to the reader and its counts to the metrics. Counts go first, so
    /// a reader that sees a message also sees it counted.
    async fn deliver(&self, burst: &mut Burst) {
        if burst.messages > 0 {
            let c = &self.shared.counters;
            c.messages_in.fetch_add(burst.messages, Ordering::Relaxed);
            c.bytes_in.fetch_add(burst.bytes, Ordering::Relaxed);
            burst.messages = 0;
            burst.bytes = 0;
        }
        match burst.take() {
            Some((batch, true)) => self.events.try_send(batch),
            Some((batch, false)) => {
                let many = matches!(batch, Batch::Many(_));
                self.events.send(batch).await;
                if many && self.events.inline {
                    yield_to_reader().await;
                }
            }
            None => {}
        }
    }

    async fn set_state(&self, state: SocketState) {
        if self.shared.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        }) {
            self.emit(SocketEvent::State(state)).await;
        }
    }

    async fn report(&self, kind: SocketErrorKind, detail: String) {
        tracing::debug!(%kind, %detail, "socket error");
        self.shared
            .counters
            .with_text(|t| t.last_error = Some(format!("{kind}: {detail}")));
        self.emit(SocketEvent::Error { kind, detail }).await;
    }

    /// Turns a command (or all handles gone) into an interrupt.
    fn on_command(&mut self, cmd: Option<Command>) -> Interrupt {
        match cmd {
            Some(Command::Reconnect) => {
                let policy = self.policy();
                self.backoff.reset(&policy);
                Interrupt::Restart
            }
            Some(Command::Close { code, reason, done }) => {
                self.close_ack = Some(done);
                self.close_request = Some((code, reason));
                Interrupt::Shutdown
            }
            None => Interrupt::Shutdown,
        }
    }

    fn drop_unreplayable(&self) {
        let n = lock(&self.shared.outbox).drop_unreplayable();
        if n > 0 {
            self.shared
                .counters
                .queue_dropped
                .fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Tries every URL of the endpoint in order. `Ok(None)`: all failed.
    async fn connect_any(&mut self) -> Result<Option<(Ws, String, Option<String>)>, Interrupt> {
        let (version, endpoint) = lock(&self.shared.endpoint).clone();
        for url in endpoint.urls() {
            let shown = redact_url(url);
            self.shared
                .counters
                .with_text(|t| t.current_url = shown.clone());
            self.set_state(SocketState::Connecting).await;
            self.emit(SocketEvent::Connecting { url: shown.clone() })
                .await;
            if let Some(gate) = self.opts.gate.clone() {
                tokio::select! {
                    () = gate.acquire() => {}
                    cmd = self.cmds.recv() => return Err(self.on_command(cmd)),
                }
            }
            if url.starts_with("wss:")
                && let Err(e) = self.tls_config(version, &endpoint)
            {
                self.report(SocketErrorKind::Tls, e.to_string()).await;
                continue;
            }
            let dial = Dial {
                url,
                headers: &endpoint.headers,
                subprotocols: &endpoint.subprotocols,
                tls: &endpoint.tls,
                config: self.opts.limits.to_config(),
                timeout: self.opts.connect_timeout,
            };
            let dialed = tokio::select! {
                r = link::connect(dial) => r,
                cmd = self.cmds.recv() => return Err(self.on_command(cmd)),
            };
            match dialed {
                Ok((ws, protocol)) => return Ok(Some((ws, shown, protocol))),
                Err(f) => {
                    self.report(f.kind, format!("{shown}: {}", scrub(&f.detail, url)))
                        .await;
                }
            }
        }
        Ok(None)
    }

    /// The endpoint's TLS settings, built once per endpoint version and held here so every
    /// reconnect finds them in the shared cache.
    fn tls_config(
        &mut self,
        version: u64,
        ep: &Endpoint,
    ) -> crate::Result<Arc<rustls::ClientConfig>> {
        if let Some((v, c)) = &self.tls
            && *v == version
        {
            return Ok(c.clone());
        }
        let config = tls::client_config(&ep.tls)?;
        self.tls = Some((version, config.clone()));
        Ok(config)
    }

    async fn session(&mut self, mut ws: Ws, url: String, protocol: Option<String>) -> Ended {
        self.shared
            .counters
            .with_text(|t| t.open_since = Some(Instant::now()));
        self.set_state(SocketState::Open).await;
        self.emit(SocketEvent::Open { url, protocol }).await;
        // Anything unreplayable left from an earlier connection must not go out on this one.
        self.drop_unreplayable();

        let hb = self.opts.heartbeat.clone();
        let stall = hb.pong_timeout.max(Duration::from_millis(1));
        let far = Instant::now() + Duration::from_secs(86_400 * 365);
        let mut beat = Beat::new(Instant::now());
        // Timers live across iterations and are reset, not rebuilt per message: registering a
        // timer for every frame would cost more than reading the frame.
        let ping_timer = sleep_until(hb.interval.map_or(far, |i| Instant::now() + i));
        let pong_timer = sleep_until(far);
        let idle_timer = sleep_until(hb.idle_timeout.map_or(far, |t| Instant::now() + t));
        // Armed while written bytes wait for a peer that is not reading.
        let stall_timer = sleep_until(far);
        tokio::pin!(ping_timer, pong_timer, idle_timer, stall_timer);
        let mut stall_at: Option<Instant> = None;
        let shared = self.shared.clone();

        if let Err(e) = self.flush_outbox(&mut ws) {
            return e;
        }
        watch_stall(&ws, &mut stall_at, stall_timer.as_mut(), stall, far);
        loop {
            let awaiting_pong = beat.pong_due().is_some();
            tokio::select! {
                biased;
                cmd = self.cmds.recv() => {
                    return match self.on_command(cmd) {
                        Interrupt::Restart => {
                            ws.close_gracefully(1000, "reconnecting", CLOSE_GRACE).await;
                            Ended::ManualReconnect
                        }
                        Interrupt::Shutdown => {
                            let (code, reason) = self.closing_frame();
                            ws.close_gracefully(code, &reason, CLOSE_GRACE).await;
                            Ended::Shutdown
                        }
                    };
                }
                frame = std::future::poll_fn(|cx| ws.poll_next(cx)) => {
                    let mut burst = Burst::new(self.events.batch);
                    let mut first = Some(Some(frame));
                    let mut budget = READ_BATCH;
                    // Drain what is already readable before paying for another select round
                    // and another wake of the reader; the reading itself runs outside this
                    // async block, so frames stay on the stack instead of in the future.
                    let end = loop {
                        match self.read_ready(&mut ws, first.take(), &mut beat, &mut burst, &mut budget) {
                            Read::Full => self.deliver(&mut burst).await,
                            Read::Dry => break None,
                            Read::End(end) => break Some(end),
                        }
                    };
                    beat.received(Instant::now());
                    if !hb.ws_ping {
                        // Without ping frames, any traffic answers the heartbeat.
                        beat.answered();
                    }
                    self.deliver(&mut burst).await;
                    if let Some(end) = end {
                        if matches!(end, Ended::Peer { .. }) {
                            // After a close frame tungstenite has queued the reply: push it
                            // out, then drop the connection rather than wait for a peer that
                            // may never hang up. (On a dead stream this fails at once.)
                            ws.drain_writes(CLOSE_GRACE).await;
                        }
                        return end;
                    }
                    if awaiting_pong && beat.pong_due().is_none() {
                        pong_timer.as_mut().reset(far);
                    }
                    watch_stall(&ws, &mut stall_at, stall_timer.as_mut(), stall, far);
                }
                () = shared.outbox_ready.notified() => {
                    if let Err(e) = self.flush_outbox(&mut ws) {
                        return e;
                    }
                    watch_stall(&ws, &mut stall_at, stall_timer.as_mut(), stall, far);
                }
                () = &mut stall_timer, if stall_at.is_some() => {
                    if ws.unflushed() {
                        return stalled(stall);
                    }
                    stall_at = None;
                }
                () = &mut ping_timer, if hb.interval.is_some() => {
                    let now = Instant::now();
                    ping_timer.as_mut().reset(hb.interval.map_or(far, |i| now + i));
                    let payload = beat.ping(now, hb.pong_timeout);
                    if hb.ws_ping {
                        let ping = WsMessage::Ping(payload.to_vec().into());
                        if let Err(e) = write_one(&mut ws, ping) {
                            return e;
                        }
                    }
                    if let Some(app) = hb.app_ping.clone() {
                        let len = app.len();
                        if let Err(e) = write_one(&mut ws, app.into()) {
                            return e;
                        }
                        shared.counters.add_out(len);
                    }
                    watch_stall(&ws, &mut stall_at, stall_timer.as_mut(), stall, far);
                    if !awaiting_pong && let Some(due) = beat.pong_due() {
                        pong_timer.as_mut().reset(due);
                    }
                    self.emit_lossy(SocketEvent::Ping);
                }
                // As `HeartbeatOptions::pong_timeout` says: a ping unanswered this long is a
                // dead link, whatever else arrived.
                () = &mut pong_timer, if awaiting_pong => {
                    if beat.overdue(false) {
                        return Ended::Failed {
                            kind: SocketErrorKind::DeadLink,
                            detail: format!("no answer to ping within {:?}", hb.pong_timeout),
                        };
                    }
                }
                () = &mut idle_timer, if hb.idle_timeout.is_some() => {
                    let limit = hb.idle_timeout.unwrap_or_default();
                    let due = beat.last_rx() + limit;
                    if due > Instant::now() {
                        // Traffic came since the timer was set: check again later.
                        idle_timer.as_mut().reset(due);
                    } else {
                        return Ended::Failed {
                            kind: SocketErrorKind::DeadLink,
                            detail: format!("no traffic for {limit:?}"),
                        };
                    }
                }
            }
        }
    }

    /// Takes `first` and then every frame already buffered into `burst`, until the burst is
    /// full, nothing more is readable, `budget` frames were read, or the session ended.
    fn read_ready(
        &self,
        ws: &mut Ws,
        first: Option<Option<Result<WsMessage, WsError>>>,
        beat: &mut Beat,
        burst: &mut Burst,
        budget: &mut usize,
    ) -> Read {
        // Without interceptors or waiters (the usual case) a data frame only needs counting
        // and queueing. Waiters are checked once per burst: a request's reply cannot be in
        // the burst that is being read, because its message is written after the burst.
        let plain = self.opts.incoming.is_empty() && !self.shared.has_waiters();
        if let Some(frame) = first {
            *budget = budget.saturating_sub(1);
            if let Some(end) = self.on_read(frame, plain, beat, burst) {
                return Read::End(end);
            }
        }
        loop {
            if burst.is_full() {
                return Read::Full;
            }
            if *budget == 0 {
                return Read::Dry;
            }
            // Only what the link already holds or the socket has ready: no waiting.
            let frame = match ws.try_next() {
                Ok(Some(m)) => Ok(m),
                Ok(None) => return Read::Dry,
                Err(e) => Err(e),
            };
            *budget -= 1;
            if let Some(end) = self.on_read(Some(frame), plain, beat, burst) {
                return Read::End(end);
            }
        }
    }

    /// One read result; `Some` when the session is over.
    #[inline(always)]
    fn on_read(
        &self,
        frame: Option<Result<WsMessage, WsError>>,
        plain: bool,
        beat: &mut Beat,
        burst: &mut Burst,
    ) -> Option<Ended> {
        match frame {
            // Data frames, the bulk, take the short way.
            Some(Ok(WsMessage::Text(t))) => self.on_message(Message::Text(t), plain, burst),
            Some(Ok(WsMessage::Binary(b))) => self.on_message(Message::Binary(b), plain, burst),
            other => return self.on_frame(other, beat, burst),
        }
        None
    }

    /// Handles one read result; `Some` when the session is over.
    fn on_frame(
        &self,
        frame: Option<Result<WsMessage, WsError>>,
        beat: &mut Beat,
        burst: &mut Burst,
    ) -> Option<Ended> {
        let frame = match frame {
            None | Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                return Some(Ended::Peer {
                    code: 1006,
                    reason: String::new(),
                });
            }
            Some(Err(e)) => {
                return Some(Ended::Failed {
                    kind: SocketErrorKind::Protocol,
                    detail: e.to_string(),
                });
            }
            Some(Ok(f)) => f,
        };
        match frame {
            // Data frames are handled by `on_read` before they get here.
            WsMessage::Text(t) => self.on_message(Message::Text(t), false, burst),
            WsMessage::Binary(b) => self.on_message(Message::Binary(b), false, burst),
            WsMessage::Pong(p) => {
                if let Some(latency) = beat.pong(p.as_ref(), Instant::now()) {
                    self.shared.counters.set_latency(latency);
                    burst.push(SocketEvent::Pong { latency }, true, || {
                        self.events.batch_vec()
                    });
                }
            }
            WsMessage::Close(f) => {
                return Some(Ended::Peer {
                    code: f.as_ref().map_or(1005, |f| u16::from(f.code)),
                    reason: f.map(|f| f.reason.to_string()).unwrap_or_default(),
                });
            }
            // Pongs to the peer's pings are queued and flushed by tungstenite.
            WsMessage::Ping(_) | WsMessage::Frame(_) => {}
        }
        None
    }

    fn closing_frame(&self) -> (u16, String) {
        // Dropping every handle (no close request) is a "going away".
        self.close_request
            .clone()
            .unwrap_or((1001, "going away".to_owned()))
    }

    /// Counts a data message and queues it for the reader. `plain`: no interceptors and no
    /// waiters, so nothing else needs to see it (the usual case, decided once per burst).
    #[inline(always)]
    fn on_message(&self, msg: Message, plain: bool, burst: &mut Burst) {
        burst.messages += 1;
        burst.bytes += msg.len() as u64;
        let msg = if plain {
            msg
        } else {
            let Some(msg) = self.intercept(msg) else {
                return;
            };
            msg
        };
        burst.push_message(msg, &self.events);
    }

    /// Runs the incoming interceptors and shows the result to waiting requests; `None` when
    /// an interceptor dropped the message. Out of line: most sockets have neither.
    #[inline(never)]
    fn intercept(&self, msg: Message) -> Option<Message> {
        let mut msg = Some(msg);
        for f in &self.opts.incoming {
            msg = msg.and_then(|m| f(m));
        }
        let msg = msg?;
        if self.shared.has_waiters() {
            self.shared.with_waiters(|w| w.deliver(&msg));
        }
        Some(msg)
    }

    /// Writes queued messages in order. They go to the link, which writes what the socket
    /// takes now and the rest as it drains (a peer that stops reading is caught by the stall
    /// timer). On failure the message goes back to the queue if it may be replayed.
    fn flush_outbox(&mut self, ws: &mut Ws) -> Result<(), Ended> {
        let mut written = 0;
        while written < WRITE_BATCH {
            let Some(item) = lock(&self.shared.outbox).pop() else {
                break;
            };
            let mut msg = Some(item.msg.clone());
            for f in &self.opts.outgoing {
                msg = msg.and_then(|m| f(m));
            }
            let Some(msg) = msg else {
                // Dropped by an interceptor on purpose: that is a success for the sender.
                if let Some(ack) = item.ack {
                    let _ = ack.send(Ok(()));
                }
                continue;
            };
            let len = msg.len();
            match ws.send(msg.into()) {
                Ok(()) => {
                    self.shared.counters.add_out(len);
                    written += 1;
                    if let Some(ack) = item.ack {
                        let _ = ack.send(Ok(()));
                    }
                }
                Err(e) => {
                    self.requeue(item);
                    return Err(write_failed(&e));
                }
            }
        }
        if written == WRITE_BATCH {
            // More may wait: come back after other branches had a turn.
            self.shared.outbox_ready.notify_one();
        }
        Ok(())
    }

    fn requeue(&self, item: super::outbox::Outgoing) {
        if item.replay {
            lock(&self.shared.outbox).unpop(item);
        } else {
            item.fail(
                SocketErrorKind::NotConnected,
                "connection lost while writing",
            );
        }
    }

    /// Waits the policy's delay (and asks the hook) before the next attempt.
    async fn wait_before_retry(&mut self, last_close: Option<CloseInfo>) -> Next {
        let policy = self.policy();
        if !policy.enabled {
            return Next::Idle;
        }
        let Some((attempt, delay)) = self.backoff.next(&policy) else {
            self.report(
                SocketErrorKind::GaveUp,
                format!("{} attempts failed", self.backoff.attempt()),
            )
            .await;
            return Next::Idle;
        };
        self.set_state(SocketState::Reconnecting).await;
        self.emit(SocketEvent::ReconnectAttempt { attempt, delay })
            .await;
        tokio::select! {
            () = sleep(delay) => {}
            cmd = self.cmds.recv() => return self.interrupted(cmd),
        }
        let Some(hook) = self.opts.before_reconnect.clone() else {
            return Next::Retry;
        };
        let ctx = ReconnectContext {
            attempt,
            delay,
            last_close,
            endpoint: lock(&self.shared.endpoint).1.clone(),
        };
        let decision = tokio::select! {
            d = hook(ctx) => d,
            cmd = self.cmds.recv() => return self.interrupted(cmd),
        };
        match decision {
            ReconnectDecision::Proceed => Next::Retry,
            ReconnectDecision::ProceedWith(ep) => {
                let mut cur = lock(&self.shared.endpoint);
                cur.1 = *ep;
                cur.0 += 1;
                Next::Retry
            }
            ReconnectDecision::Delay(extra) => {
                tokio::select! {
                    () = sleep(extra) => Next::Retry,
                    cmd = self.cmds.recv() => self.interrupted(cmd),
                }
            }
            ReconnectDecision::Stop => {
                self.report(
                    SocketErrorKind::GaveUp,
                    "the reconnect hook stopped reconnecting".to_owned(),
                )
                .await;
                Next::Idle
            }
        }
    }

    fn interrupted(&mut self, cmd: Option<Command>) -> Next {
        match self.on_command(cmd) {
            Interrupt::Restart => Next::Now,
            Interrupt::Shutdown => Next::Stop,
        }
    }

    /// Closed but alive: waits for a manual reconnect. `false` = stop the task.
    async fn idle(&mut self) -> bool {
        self.drop_unreplayable();
        self.set_state(SocketState::Closed).await;
        let cmd = self.cmds.recv().await;
        matches!(self.on_command(cmd), Interrupt::Restart)
    }

    /// Final teardown: nothing more can be sent, waiters and queued senders learn it.
    fn shutdown(&mut self) {
        self.stopped = true;
        self.shared.terminated.store(true, Ordering::Release);
        self.shared.state.send_replace(SocketState::Closed);
        self.events
            .try_send(Batch::One(SocketEvent::State(SocketState::Closed)));
        lock(&self.shared.outbox).clear(SocketErrorKind::Closed, "the socket was closed");
        // Dropping the waiters' senders fails their requests with `Closed`.
        self.shared.with_waiters(|w| w.clear());
        self.shared.counters.with_text(|t| t.open_since = None);
        if let Some(done) = self.close_ack.take() {
            let _ = done.send(());
        }
        tracing::debug!("socket task stopped");
    }

    /// Reports how the session ended and decides whether to retry.
    async fn after_session(
        &mut self,
        ended: Ended,
        policy: &ReconnectPolicy,
    ) -> (Next, Option<CloseInfo>) {
        self.drop_unreplayable();
        let (code, reason, retry) = match ended {
            Ended::Shutdown => return (Next::Stop, None),
            Ended::ManualReconnect => {
                self.emit(SocketEvent::Closed(CloseInfo {
                    code: 1000,
                    reason: "reconnecting".to_owned(),
                    will_reconnect: true,
                }))
                .await;
                // Straight back to connecting, no delay.
                return (Next::Now, None);
            }
            Ended::Peer { code, reason } => {
                let retry = policy.enabled && !policy.no_reconnect_codes.contains(&code);
                (code, reason, retry)
            }
            Ended::Failed { kind, detail } => {
                self.report(kind, detail).await;
                (1006, String::new(), policy.enabled)
            }
        };
        let info = CloseInfo {
            code,
            reason,
            will_reconnect: retry,
        };
        self.emit(SocketEvent::Closed(info.clone())).await;
        (if retry { Next::Retry } else { Next::Idle }, Some(info))
    }
}

fn stalled(stall: Duration) -> Ended {
    Ended::Failed {
        kind: SocketErrorKind::DeadLink,
        detail: format!("peer stopped reading for {stall:?}"),
    }
}

/// A write the link refused: a peer that stopped reading long enough to fill the link's
/// bounded write buffer is a dead link; anything else is a protocol failure.
fn write_failed(e: &WsError) -> Ended {
    match e {
        WsError::WriteBufferFull(_) => Ended::Failed {
            kind: SocketErrorKind::DeadLink,
            detail: "peer stopped reading: the write buffer is full".to_owned(),
        },
        other => Ended::Failed {
            kind: SocketErrorKind::Protocol,
            detail: other.to_string(),
        },
    }
}

fn write_one(ws: &mut Ws, msg: WsMessage) -> Result<(), Ended> {
    ws.send(msg).map_err(|e| write_failed(&e))
}

/// Arms the stall deadline when written bytes start waiting on the peer, keeps it while they
/// still wait, and clears it once the link has written everything. The timer is touched
/// only when the deadline changes (never on an ordinary frame).
fn watch_stall(
    ws: &Ws,
    armed: &mut Option<Instant>,
    timer: std::pin::Pin<&mut tokio::time::Sleep>,
    stall: Duration,
    far: Instant,
) {
    let next = match (ws.unflushed(), *armed) {
        (false, _) => None,
        (true, Some(at)) => Some(at),
        (true, None) => Some(Instant::now() + stall),
    };
    if next != *armed {
        *armed = next;
        timer.reset(next.unwrap_or(far));
    }
}
