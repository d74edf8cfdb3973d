//! Where sessions publish: per-server snapshot and console ring, and the one bounded bus.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::task::AtomicWaker;
use tokio::sync::{broadcast, watch};

use crate::event::{
    ConnectionState, ConsoleOrigin, PowerState, Rates, ServerEvent, ServerEventKind, ServerInfo,
    ServerKey, Stats, TimestampMs,
};

/// One console line kept in a server's ring.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleLine {
    /// When it arrived, ms since the Unix epoch.
    pub at: TimestampMs,
    /// The text.
    pub line: String,
    /// Where it came from.
    pub origin: ConsoleOrigin,
}

/// The last lines of one server's console. Bounded by line count and bytes; drops oldest.
#[derive(Debug)]
pub struct ConsoleRing {
    lines: VecDeque<ConsoleLine>,
    bytes: usize,
    max_lines: usize,
    max_bytes: usize,
    dropped: u64,
}

impl ConsoleRing {
    /// A ring keeping at most `max_lines` lines and about `max_bytes` of text.
    pub fn new(max_lines: usize, max_bytes: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            bytes: 0,
            max_lines: max_lines.max(1),
            max_bytes: max_bytes.max(1),
            dropped: 0,
        }
    }

    /// Appends a line, dropping the oldest ones beyond the bounds.
    pub fn push(&mut self, line: ConsoleLine) {
        self.bytes += line.line.len();
        self.lines.push_back(line);
        while self.lines.len() > self.max_lines
            || (self.bytes > self.max_bytes && self.lines.len() > 1)
        {
            if let Some(old) = self.lines.pop_front() {
                self.bytes -= old.line.len();
                self.dropped += 1;
            }
        }
    }

    /// The lines, oldest first.
    pub fn lines(&self) -> Vec<ConsoleLine> {
        self.lines.iter().cloned().collect()
    }

    /// Number of lines held.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether the ring is empty.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines dropped so far to stay within bounds.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Link counters and health of one server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SocketMetrics {
    /// Frames received.
    pub frames_in: u64,
    /// Socket connections opened (the first one included).
    pub connects: u64,
    /// Websocket tokens minted.
    pub tokens_minted: u64,
    /// `auth` frames sent (first auth and in-place refreshes).
    pub auths: u64,
    /// Sockets re-opened after the first one was lost (failed attempts not counted).
    pub reconnects: u64,
    /// Round trip of the last WebSocket ping answered, ms; `None` before the first pong.
    pub latency_ms: Option<u32>,
    /// When the current websocket token expires, ms since the Unix epoch.
    pub token_expires_at: Option<TimestampMs>,
    /// When the last frame (of any kind, pongs included) arrived, ms since the Unix epoch.
    pub last_frame_at: Option<TimestampMs>,
}

/// What the fleet knows about one server right now.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSnapshot {
    /// Which server.
    pub key: ServerKey,
    /// Panel details.
    pub info: ServerInfo,
    /// Power state, once known.
    pub state: Option<PowerState>,
    /// Last stats sample.
    pub stats: Option<Stats>,
    /// Rates derived from the last two samples.
    pub rates: Rates,
    /// Uptime from the last stats sample, ms.
    pub uptime_ms: u64,
    /// Link state.
    pub connection: ConnectionState,
    /// Link counters.
    pub socket: SocketMetrics,
    /// Time of the last event, ms since the Unix epoch.
    pub last_event_at: TimestampMs,
    /// The socket URL in use (query string and credentials removed), once known.
    pub endpoint: Option<String>,
}

#[derive(Debug)]
pub(super) struct Counters {
    pub frames_in: AtomicU64,
    pub connects: AtomicU64,
    pub tokens_minted: AtomicU64,
    pub auths: AtomicU64,
    pub reconnects: AtomicU64,
    /// [`NONE_U32`] until measured.
    pub latency_ms: AtomicU32,
    /// 0 until known.
    pub token_expires_at: AtomicU64,
    /// 0 until the first frame.
    pub last_frame_at: AtomicU64,
}

/// "Not measured" in an `AtomicU32` (a real round trip is never 49 days).
const NONE_U32: u32 = u32::MAX;

impl Default for Counters {
    fn default() -> Self {
        Self {
            frames_in: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            tokens_minted: AtomicU64::new(0),
            auths: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            latency_ms: AtomicU32::new(NONE_U32),
            token_expires_at: AtomicU64::new(0),
            last_frame_at: AtomicU64::new(0),
        }
    }
}

impl Counters {
    fn read(&self) -> SocketMetrics {
        let nonzero = |v: u64| (v != 0).then_some(v);
        let latency = self.latency_ms.load(Ordering::Relaxed);
        SocketMetrics {
            frames_in: self.frames_in.load(Ordering::Relaxed),
            connects: self.connects.load(Ordering::Relaxed),
            tokens_minted: self.tokens_minted.load(Ordering::Relaxed),
            auths: self.auths.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            latency_ms: (latency != NONE_U32).then_some(latency),
            token_expires_at: nonzero(self.token_expires_at.load(Ordering::Relaxed)),
            last_frame_at: nonzero(self.last_frame_at.load(Ordering::Relaxed)),
        }
    }

    /// Records a measured round trip (clamped below the "not measured" marker).
    pub fn set_latency(&self, rtt: std::time::Duration) {
        let ms = u32::try_from(rtt.as_millis()).unwrap_or(NONE_U32 - 1);
        self.latency_ms
            .store(ms.min(NONE_U32 - 1), Ordering::Relaxed);
    }
}

/// A server's shared record: written by its task, read by the fleet API.
#[derive(Debug)]
pub(super) struct Entry {
    pub key: ServerKey,
    snapshot: Mutex<ServerSnapshot>,
    console: Mutex<ConsoleRing>,
    pub counters: Counters,
    /// Rung by the server task's command queue; next to the counters, which every frame
    /// touches anyway.
    pub doorbell: Doorbell,
}

/// Tells a server's task that its command queue woke it. The task then looks at the queue only
/// after a ring, not on every wake: nearly every wake is for a frame, and the queue lives in
/// memory of its own that a frame would otherwise pull into the cache (3 % of the engine's
/// samples at 1,000 servers).
#[derive(Debug, Default)]
pub(super) struct Doorbell {
    rung: AtomicBool,
    task: AtomicWaker,
}

impl Doorbell {
    /// Records who to wake: the task calls this on every poll that may wait on the queue.
    pub fn listen(&self, task: &std::task::Waker) {
        self.task.register(task);
    }

    /// Whether the queue rang since the last call (and forgets it).
    pub fn take(&self) -> bool {
        self.rung.swap(false, Ordering::AcqRel)
    }

    /// Marks the ring, then wakes the task, which finds the mark when it runs.
    fn ring(&self) {
        self.rung.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// The queue's waker: an entry's waker rings its doorbell.
impl std::task::Wake for Entry {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.doorbell.ring();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Poisoning would only mean a panic elsewhere mid-update of plain data; keep serving.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Entry {
    pub fn new(
        key: ServerKey,
        info: ServerInfo,
        console_lines: usize,
        console_bytes: usize,
    ) -> Self {
        Self {
            snapshot: Mutex::new(ServerSnapshot {
                key: key.clone(),
                info,
                state: None,
                stats: None,
                rates: Rates::default(),
                uptime_ms: 0,
                connection: ConnectionState::Connecting,
                socket: SocketMetrics::default(),
                last_event_at: 0,
                endpoint: None,
            }),
            key,
            console: Mutex::new(ConsoleRing::new(console_lines, console_bytes)),
            counters: Counters::default(),
            doorbell: Doorbell::default(),
        }
    }

    pub fn snapshot(&self) -> ServerSnapshot {
        let mut s = lock(&self.snapshot).clone();
        s.socket = self.counters.read();
        s
    }

    /// Shows the current snapshot to `f` without cloning it.
    pub fn visit(&self, f: &mut impl FnMut(&ServerSnapshot)) {
        let mut s = lock(&self.snapshot);
        s.socket = self.counters.read();
        f(&s);
    }

    /// Notes the socket URL in use, without its query string or user info.
    pub fn set_endpoint(&self, url: &str) {
        let shown = redact_url(url);
        let mut s = lock(&self.snapshot);
        if s.endpoint.as_deref() != Some(shown.as_str()) {
            s.endpoint = Some(shown);
        }
    }

    pub fn console(&self) -> Vec<ConsoleLine> {
        lock(&self.console).lines()
    }

    pub fn console_len(&self) -> usize {
        lock(&self.console).len()
    }

    /// Records an event in the snapshot/console and returns it for the bus.
    pub fn record(&self, at: TimestampMs, kind: ServerEventKind) -> ServerEvent {
        match &kind {
            ServerEventKind::Console { line, origin } => lock(&self.console).push(ConsoleLine {
                at,
                line: line.clone(),
                origin: *origin,
            }),
            other => {
                let mut s = lock(&self.snapshot);
                s.last_event_at = at;
                match other {
                    ServerEventKind::Server { info } => s.info = (**info).clone(),
                    ServerEventKind::Status { state, .. } => {
                        s.state = Some(*state);
                    }
                    ServerEventKind::Stats { stats, rates } => {
                        s.stats = Some(**stats);
                        s.rates = *rates;
                        s.uptime_ms = stats.uptime_ms;
                    }
                    ServerEventKind::Connection { connection } => {
                        s.connection = connection.clone();
                    }
                    _ => {}
                }
            }
        }
        ServerEvent {
            key: self.key.clone(),
            at,
            kind,
        }
    }
}

/// A URL safe to show: user info, query and fragment removed (a token could hide in any).
/// Text that does not parse as a URL is reduced to what precedes `?`/`#`/`@`-credentials.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => {
            let head = url.split(['?', '#']).next().unwrap_or_default();
            match head.rsplit_once('@') {
                Some((_, host)) => host.to_owned(),
                None => head.to_owned(),
            }
        }
    }
}

/// What a subscriber gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// The next event.
    Event(ServerEvent),
    /// The subscriber was too slow and this many events were skipped; re-read
    /// [`super::Fleet::snapshot`] to resynchronise.
    Missed(u64),
}

/// The fleet's one bounded event stream, with a bell rung for every event that should be
/// handled at once: all but stats samples and console lines (the bulk, a thousand or more a
/// second), which consumers such as the alert service may take in batches on a timer.
#[derive(Debug, Clone)]
pub(super) struct Bus {
    events: broadcast::Sender<ServerEvent>,
    bell: Arc<watch::Sender<u64>>,
}

impl Bus {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            events: broadcast::channel(capacity).0,
            bell: Arc::new(watch::channel(0).0),
        }
    }

    /// Publishes an event; nobody listening is fine (the snapshot already has it).
    pub(super) fn send(&self, ev: ServerEvent) {
        let urgent = !matches!(
            ev.kind,
            ServerEventKind::Stats { .. } | ServerEventKind::Console { .. }
        );
        let _ = self.events.send(ev);
        // After the event is on the bus, so whoever the bell wakes finds it there.
        if urgent {
            self.bell.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    pub(super) fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.events.subscribe(),
            bell: Some(self.bell.subscribe()),
            early: None,
        }
    }
}

/// A subscription to the fleet's event stream.
#[derive(Debug)]
pub struct Subscription {
    rx: broadcast::Receiver<ServerEvent>,
    /// Rung for events that should be handled at once; `None` for a stream that did not come
    /// from a fleet, where every event counts as one.
    bell: Option<watch::Receiver<u64>>,
    /// An event [`Subscription::urgent`] had to take off a stream without a bell; handed out
    /// first.
    early: Option<Received>,
}

impl Subscription {
    /// The next event, or how many were missed; `None` once the fleet has shut down.
    pub async fn recv(&mut self) -> Option<Received> {
        if let Some(early) = self.early.take() {
            return Some(early);
        }
        match self.rx.recv().await {
            Ok(e) => Some(Received::Event(e)),
            Err(broadcast::error::RecvError::Lagged(n)) => Some(Received::Missed(n)),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }

    /// Hands each event already waiting to `each` without waiting, at most `max` of them
    /// (what arrives meanwhile waits for the next call, so a busy bus cannot hold the caller
    /// forever); `false` once the fleet has shut down. Consumers that need no per-event
    /// latency (the history recorder, a hidden window) drain on their own timer instead of
    /// being woken for every event: at 1,000 servers that is a thousand wake-ups a second saved
    /// per consumer.
    pub fn drain(&mut self, max: usize, mut each: impl FnMut(Received)) -> bool {
        let mut left = max;
        if left > 0
            && let Some(early) = self.early.take()
        {
            each(early);
            left -= 1;
        }
        for _ in 0..left {
            match self.rx.try_recv() {
                Ok(e) => each(Received::Event(e)),
                Err(broadcast::error::TryRecvError::Lagged(n)) => each(Received::Missed(n)),
                Err(broadcast::error::TryRecvError::Empty) => return true,
                Err(broadcast::error::TryRecvError::Closed) => return false,
            }
        }
        true
    }

    /// Waits until an event that should be handled at once has been published since the last
    /// call: anything but a stats sample or a console line (on a stream that did not come from
    /// a fleet, any event). Takes nothing off the stream but what it must; [`Self::drain`]
    /// then hands out everything in order. `false` once the fleet has shut down. Cancel-safe.
    ///
    /// With a timer draining the bulk, a consumer that must react at once to crashes and
    /// outages is woken a few times a second instead of once per event.
    pub async fn urgent(&mut self) -> bool {
        if self.early.is_some() {
            return true;
        }
        match &mut self.bell {
            Some(bell) => bell.changed().await.is_ok(),
            None => match self.rx.recv().await {
                Ok(e) => {
                    self.early = Some(Received::Event(e));
                    true
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    self.early = Some(Received::Missed(n));
                    true
                }
                Err(broadcast::error::RecvError::Closed) => false,
            },
        }
    }
}

/// A subscription to any event bus of the fleet's shape: tests and replays feed consumers
/// through the same type the fleet hands out.
impl From<broadcast::Receiver<ServerEvent>> for Subscription {
    fn from(rx: broadcast::Receiver<ServerEvent>) -> Self {
        Self {
            rx,
            bell: None,
            early: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    fn event(kind: ServerEventKind) -> ServerEvent {
        ServerEvent {
            key: ServerKey::new("p", "s1"),
            at: 1,
            kind,
        }
    }

    fn bulk() -> [ServerEventKind; 2] {
        [
            ServerEventKind::Stats {
                stats: Box::default(),
                rates: Rates::default(),
            },
            ServerEventKind::Console {
                line: "Player joined".into(),
                origin: ConsoleOrigin::Container,
            },
        ]
    }

    fn offline() -> ServerEventKind {
        ServerEventKind::Status {
            state: PowerState::Offline,
            previous: Some(PowerState::Running),
        }
    }

    fn kinds(sub: &mut Subscription) -> Vec<ServerEventKind> {
        let mut got = Vec::new();
        sub.drain(100, |r| match r {
            Received::Event(e) => got.push(e.kind),
            Received::Missed(n) => panic!("missed {n}"),
        });
        got
    }

    #[tokio::test]
    async fn the_bell_rings_for_a_power_change_not_for_stats_or_console_lines() {
        let bus = Bus::new(64);
        let mut sub = bus.subscribe();
        for kind in bulk() {
            bus.send(event(kind));
        }
        // Stats and console lines alone wake nobody...
        assert!(sub.urgent().now_or_never().is_none());
        bus.send(event(offline()));
        // ...a power change does, and everything is then handed out in order.
        assert!(sub.urgent().await);
        let mut want = bulk().to_vec();
        want.push(offline());
        assert_eq!(kinds(&mut sub), want);
        assert!(sub.urgent().now_or_never().is_none());
        drop(bus);
        assert!(!sub.urgent().await, "a fleet that is gone ends the wait");
    }

    #[tokio::test]
    async fn on_a_plain_bus_every_event_is_urgent_and_none_is_lost() {
        let (tx, rx) = broadcast::channel(64);
        let mut sub = Subscription::from(rx);
        let [stats, _] = bulk();
        tx.send(event(stats.clone())).expect("subscribed");
        assert!(sub.urgent().await);
        tx.send(event(offline())).expect("subscribed");
        assert_eq!(kinds(&mut sub), vec![stats, offline()]);
    }

    #[test]
    fn the_console_ring_keeps_the_newest_lines_within_bounds() {
        let mut r = ConsoleRing::new(3, 1 << 20);
        for i in 0..10 {
            r.push(ConsoleLine {
                at: i,
                line: format!("line {i}"),
                origin: ConsoleOrigin::Container,
            });
        }
        let lines: Vec<_> = r.lines().into_iter().map(|l| l.line).collect();
        assert_eq!(lines, ["line 7", "line 8", "line 9"]);
        assert_eq!(r.dropped(), 7);
        let mut r = ConsoleRing::new(1000, 10);
        r.push(ConsoleLine {
            at: 0,
            line: "12345678".into(),
            origin: ConsoleOrigin::Container,
        });
        r.push(ConsoleLine {
            at: 0,
            line: "abcdefgh".into(),
            origin: ConsoleOrigin::Container,
        });
        assert_eq!(r.len(), 1, "byte bound");
    }

    #[test]
    fn a_shown_endpoint_never_carries_a_token() {
        assert_eq!(
            redact_url("wss://user:pw@node.example.com:8080/api/servers/u/ws?token=abc#x"),
            "wss://node.example.com:8080/api/servers/u/ws"
        );
        assert_eq!(
            redact_url("ws://127.0.0.1:9/api/servers/u/ws"),
            "ws://127.0.0.1:9/api/servers/u/ws"
        );
        assert!(!redact_url("not a url?token=abc").contains("abc"));
        assert!(!redact_url("secret@not a url").contains("secret"));
    }
}
