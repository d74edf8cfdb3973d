//! The bridge: engine events in, small coalesced frames out to the webview.
//!
//! The engine publishes every [`ServerEvent`] on one `tokio::sync::broadcast` bus. The UI opens
//! a *subscription* for what a view shows ([`Topic`]) and passes a `tauri::ipc::Channel`; the
//! bridge answers with a [`SubscriptionId`] that the UI must hand back to `unsubscribe` (Rust is
//! not told when a JS channel goes away).
//!
//! One task per window reads the bus and fills a pending buffer per subscription. Every
//! [`FLUSH_EVERY`] (so at most 20 flushes a second per window; fleet subscriptions every
//! [`FLEET_TICKS`] of those, 5 a second) each subscription with something pending gets one frame, split only when it would exceed [`FRAME_BUDGET`] bytes of JSON:
//! payloads under ~8 KB take Tauri's fast path (fleet frames are not split here: their sink
//! turns them into rows and sizes its own frames). While buffered:
//! - stats and connection state keep only the latest value per server;
//! - console lines and everything else are kept in order, up to [`MAX_PENDING`] events per
//!   subscription; beyond that the oldest are dropped and counted in [`Frame::dropped`];
//! - a console line longer than [`MAX_LINE_BYTES`] is cut (marked with `…`).
//!
//! When the bus itself overflows (the window's task fell behind), the missed count is reported
//! in `dropped` too, so a view can re-read the snapshot.
//!
//! While the window is hidden ([`WindowBridge::set_paused`]) nothing is sent: a hidden webview
//! has nothing to draw, and serialising 1,000 rows a second for it is most of an idle app's CPU.
//! Fleet events are only counted meanwhile, or not read at all while fleet views are all the
//! window has (the rows are re-read from the snapshot on resume, via `dropped`); other topics
//! keep buffering within [`MAX_PENDING`]. Showing the window flushes at once.

use aerie_core::event::{ServerEvent, ServerEventKind, ServerKey};
use aerie_core::fleet::{Received, Subscription as BusSubscription};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::time::Duration;
use tokio::sync::mpsc;
use ts_rs::TS;

/// How often pending events are flushed (20 Hz).
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Fleet subscriptions flush every this many ticks (5 Hz): each fleet frame re-reads the
/// fleet's snapshot and the list re-sorts on arrival, while a row's stats change once a second.
pub const FLEET_TICKS: u64 = 4;
/// Upper bound of one frame's JSON, bytes.
pub const FRAME_BUDGET: usize = 7 * 1024;
/// Most events buffered per subscription between flushes.
pub const MAX_PENDING: usize = 2_000;
/// Longest console line forwarded, bytes.
pub const MAX_LINE_BYTES: usize = 4 * 1024;

/// What a view wants to hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "topic", rename_all = "snake_case")]
pub enum Topic {
    /// Every server's status, stats, connection, details and alerts; no console lines.
    Fleet,
    /// Everything about one server, console included.
    Server {
        /// Which server.
        key: ServerKey,
    },
    /// Alert facts of every server.
    Alerts,
}

impl Topic {
    /// Whether `event` belongs to this topic.
    pub fn wants(&self, event: &ServerEvent) -> bool {
        match self {
            Self::Fleet => !matches!(event.kind, ServerEventKind::Console { .. }),
            Self::Server { key } => &event.key == key,
            Self::Alerts => matches!(event.kind, ServerEventKind::Alert { .. }),
        }
    }
}

/// Identifies one subscription; unique for the life of the process.
pub type SubscriptionId = u32;

/// What the UI receives on a subscription's channel.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct Frame {
    /// The subscription this frame belongs to.
    pub subscription: SubscriptionId,
    /// 0, 1, 2, … per subscription; a gap never happens (a frame is never dropped).
    #[ts(type = "number")]
    pub seq: u64,
    /// Events in the order they happened (stats/connection coalesced to the latest).
    pub events: Vec<ServerEvent>,
    /// Events dropped since the previous frame (buffer or bus overflow). Non-zero means the
    /// view should re-read its snapshot.
    #[ts(type = "number")]
    pub dropped: u64,
}

/// Where a subscription's frames go. `false` means the receiver is gone.
pub type Sink = Box<dyn Fn(Frame) -> bool + Send + Sync>;

/// One window's bridge: a handle to its task.
#[derive(Debug, Clone)]
pub struct WindowBridge {
    control: mpsc::UnboundedSender<Control>,
}

enum Control {
    Add(SubscriptionId, Topic, Sink),
    Remove(SubscriptionId),
    Pause(bool),
}

impl WindowBridge {
    /// Starts the window's task on the current tokio runtime. It ends when every handle is
    /// dropped or the source closes.
    pub fn start(bus: BusSubscription) -> Self {
        let (control, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(bus, rx));
        Self { control }
    }

    /// Adds a subscription.
    pub fn subscribe(&self, id: SubscriptionId, topic: Topic, sink: Sink) {
        let _ = self.control.send(Control::Add(id, topic, sink));
    }

    /// Removes a subscription; unknown ids are ignored.
    pub fn unsubscribe(&self, id: SubscriptionId) {
        let _ = self.control.send(Control::Remove(id));
    }

    /// Stops (`true`) or resumes (`false`) sending frames, for a hidden window.
    pub fn set_paused(&self, paused: bool) {
        let _ = self.control.send(Control::Pause(paused));
    }
}

struct Subscription {
    topic: Topic,
    sink: Sink,
    pending: VecDeque<ServerEvent>,
    /// Where each server's coalesced event sits in `pending`, one map per coalesced kind
    /// ([`coalesced`]), as an absolute position (`base` + index): a fleet view buffers one per
    /// server, and finding it by scanning would cost a pass over up to a thousand events for
    /// every event.
    latest: [HashMap<ServerKey, u64>; 2],
    /// Absolute position of `pending[0]`.
    base: u64,
    dropped: u64,
    seq: u64,
}

/// Which of [`Subscription::latest`]'s maps an event kind is coalesced in: stats and
/// connection state keep only their latest value per server.
fn coalesced(kind: &ServerEventKind) -> Option<usize> {
    match kind {
        ServerEventKind::Stats { .. } => Some(0),
        ServerEventKind::Connection { .. } => Some(1),
        _ => None,
    }
}

impl Subscription {
    fn new(topic: Topic, sink: Sink) -> Self {
        Self {
            topic,
            sink,
            pending: VecDeque::new(),
            latest: Default::default(),
            base: 0,
            dropped: 0,
            seq: 0,
        }
    }

    fn push(&mut self, event: &ServerEvent) {
        let slot = coalesced(&event.kind);
        if let Some(kind) = slot {
            let at = self.latest[kind]
                .get(&event.key)
                .and_then(|&at| at.checked_sub(self.base))
                .and_then(|i| usize::try_from(i).ok());
            if let Some(e) = at.and_then(|i| self.pending.get_mut(i)) {
                *e = event.clone();
                return;
            }
        }
        if self.pending.len() >= MAX_PENDING {
            self.pending.pop_front();
            self.base += 1;
            self.dropped += 1;
        }
        if let Some(kind) = slot {
            let at = self.base + self.pending.len() as u64;
            self.latest[kind].insert(event.key.clone(), at);
        }
        self.pending.push_back(clip(event.clone()));
    }

    /// Sends what is pending as one or more frames. `false` when the receiver is gone.
    fn flush(&mut self, id: SubscriptionId) -> bool {
        if self.pending.is_empty() && self.dropped == 0 {
            return true;
        }
        self.base += self.pending.len() as u64;
        self.latest.iter_mut().for_each(HashMap::clear);
        if self.topic == Topic::Fleet {
            // One frame: the fleet's sink turns the events into rows read from the snapshot
            // and sizes its own frames; split here, it would read the snapshot once per part.
            let events = std::mem::take(&mut self.pending).into();
            return self.send(id, events);
        }
        let mut events = Vec::new();
        let mut size = 0;
        while let Some(event) = self.pending.pop_front() {
            let len = serde_json::to_vec(&event).map_or(0, |v| v.len());
            if !events.is_empty() && size + len > FRAME_BUDGET {
                if !self.send(id, std::mem::take(&mut events)) {
                    return false;
                }
                size = 0;
            }
            size += len + 1;
            events.push(event);
        }
        self.send(id, events)
    }

    fn send(&mut self, id: SubscriptionId, events: Vec<ServerEvent>) -> bool {
        let frame = Frame {
            subscription: id,
            seq: self.seq,
            events,
            dropped: std::mem::take(&mut self.dropped),
        };
        self.seq += 1;
        (self.sink)(frame)
    }
}

/// Cuts an over-long console line so one event always fits in a frame.
fn clip(mut event: ServerEvent) -> ServerEvent {
    if let ServerEventKind::Console { line, .. } = &mut event.kind
        && line.len() > MAX_LINE_BYTES
    {
        let mut end = MAX_LINE_BYTES;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push('…');
    }
    event
}

/// Most events taken from the bus per drain: more than the bus holds, so one drain takes what
/// waits.
const DRAIN_MAX: usize = 1 << 16;

async fn run(mut bus: BusSubscription, mut control: mpsc::UnboundedReceiver<Control>) {
    let mut subs: HashMap<SubscriptionId, Subscription> = HashMap::new();
    let mut paused = false;
    let mut ticks: u64 = 0;
    // The bus is read on this timer, not per event: frames go out on the tick anyway, and a
    // wake-up per event (a thousand a second at 1,000 servers) would cost more than the events.
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            msg = control.recv() => match msg {
                Some(Control::Add(id, topic, sink)) => {
                    tracing::debug!(id, ?topic, "bridge: subscribe");
                    // Events before the subscription are not its business.
                    if !take_events(&mut bus, &mut subs, paused) {
                        break;
                    }
                    subs.insert(id, Subscription::new(topic, sink));
                }
                Some(Control::Remove(id)) => {
                    tracing::debug!(id, "bridge: unsubscribe");
                    subs.remove(&id);
                }
                Some(Control::Pause(p)) => {
                    tracing::debug!(paused = p, "bridge: window visibility changed");
                    if !take_events(&mut bus, &mut subs, paused) {
                        break;
                    }
                    paused = p;
                    if !paused {
                        flush_all(&mut subs, true);
                    }
                }
                None => break,
            },
            _ = tick.tick() => {
                // Hidden with only fleet views: nothing to keep, the rows are re-read when the
                // window is shown. The bus is left unread meanwhile (what it still holds then,
                // or the count it overwrote, marks the rows stale), saving a copy of every event.
                let idle = paused && subs.values().all(|s| s.topic == Topic::Fleet);
                if !idle && !take_events(&mut bus, &mut subs, paused) {
                    break;
                }
                if !paused {
                    ticks += 1;
                    flush_all(&mut subs, ticks.is_multiple_of(FLEET_TICKS));
                }
            }
        }
    }
}

/// Hands every waiting event to the subscriptions that want it (a hidden window's fleet
/// subscriptions only count them: they are re-read in full when the window is shown);
/// `false` when the bus has closed.
fn take_events(
    bus: &mut BusSubscription,
    subs: &mut HashMap<SubscriptionId, Subscription>,
    paused: bool,
) -> bool {
    bus.drain(DRAIN_MAX, |got| match got {
        Received::Event(event) => {
            for sub in subs.values_mut().filter(|s| s.topic.wants(&event)) {
                if paused && sub.topic == Topic::Fleet {
                    sub.dropped += 1;
                } else {
                    sub.push(&event);
                }
            }
        }
        Received::Missed(missed) => {
            tracing::warn!(missed, "bridge: fell behind the event bus");
            for sub in subs.values_mut() {
                sub.dropped += missed;
            }
        }
    })
}

/// Flushes every subscription (fleet ones only when `fleet` is set); forgets those whose
/// receiver is gone.
fn flush_all(subs: &mut HashMap<SubscriptionId, Subscription>, fleet: bool) {
    subs.retain(|id, sub| {
        if sub.topic == Topic::Fleet && !fleet {
            return true;
        }
        let alive = sub.flush(*id);
        if !alive {
            tracing::debug!(id, "bridge: channel gone, dropping subscription");
        }
        alive
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use aerie_core::event::{ConsoleOrigin, PowerState, Rates, Stats};
    use std::sync::{Arc, Mutex};
    use tokio::sync::broadcast;

    fn key(s: &str) -> ServerKey {
        ServerKey::new("p1", s)
    }

    fn console(server: &str, line: &str) -> ServerEvent {
        ServerEvent {
            key: key(server),
            at: 1,
            kind: ServerEventKind::Console {
                line: line.into(),
                origin: ConsoleOrigin::Container,
            },
        }
    }

    fn stats(server: &str, cpu: f64) -> ServerEvent {
        ServerEvent {
            key: key(server),
            at: 1,
            kind: ServerEventKind::Stats {
                stats: Box::new(Stats {
                    cpu_absolute: cpu,
                    ..Stats::default()
                }),
                rates: Rates::default(),
            },
        }
    }

    fn status(server: &str, state: PowerState) -> ServerEvent {
        ServerEvent {
            key: key(server),
            at: 1,
            kind: ServerEventKind::Status {
                state,
                previous: None,
            },
        }
    }

    type Frames = Arc<Mutex<Vec<Frame>>>;

    fn sink() -> (Frames, Sink) {
        let frames: Frames = Arc::default();
        let f = frames.clone();
        let sink: Sink = Box::new(move |frame| {
            f.lock().expect("lock").push(frame);
            true
        });
        (frames, sink)
    }

    /// Lets the bridge task run until it is idle, then advances virtual time past one fleet
    /// flush (and so past several console flushes).
    async fn settle_and_flush() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(FLUSH_EVERY * FLEET_TICKS as u32 + Duration::from_millis(1)).await;
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn coalesces_stats_keeps_console_order_and_filters_by_topic() {
        let (tx, rx) = broadcast::channel(1024);
        let bridge = WindowBridge::start(rx.into());
        let (fleet, fleet_sink) = sink();
        let (server, server_sink) = sink();
        bridge.subscribe(1, Topic::Fleet, fleet_sink);
        bridge.subscribe(2, Topic::Server { key: key("aaaa") }, server_sink);
        settle_and_flush().await;

        for cpu in [1.0, 2.0, 3.0] {
            tx.send(stats("aaaa", cpu)).expect("send");
        }
        tx.send(status("bbbb", PowerState::Running)).expect("send");
        tx.send(console("aaaa", "one")).expect("send");
        tx.send(console("aaaa", "two")).expect("send");
        tx.send(console("bbbb", "other server")).expect("send");
        settle_and_flush().await;

        let fleet = fleet.lock().expect("lock");
        assert_eq!(fleet.len(), 1, "one flush, one frame");
        let kinds: Vec<_> = fleet[0].events.iter().map(|e| &e.kind).collect();
        assert_eq!(
            kinds.len(),
            2,
            "three stats coalesce to one, console never in fleet"
        );
        assert!(
            matches!(kinds[0], ServerEventKind::Stats { stats, .. } if stats.cpu_absolute == 3.0),
            "the latest stats sample wins"
        );

        let server = server.lock().expect("lock");
        let lines: Vec<_> = server[0]
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                ServerEventKind::Console { line, .. } => Some(line.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(lines, ["one", "two"], "only this server's lines, in order");
    }

    #[tokio::test(start_paused = true)]
    async fn splits_big_bursts_into_frames_under_the_budget() {
        let (tx, rx) = broadcast::channel(4096);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(7, Topic::Server { key: key("aaaa") }, s);
        settle_and_flush().await;
        let long = "x".repeat(10_000);
        tx.send(console("aaaa", &long)).expect("send");
        for i in 0..500 {
            tx.send(console("aaaa", &format!("line {i} {}", "y".repeat(100))))
                .expect("send");
        }
        settle_and_flush().await;

        let frames = frames.lock().expect("lock");
        assert!(frames.len() > 1, "a burst this big needs several frames");
        for (i, f) in frames.iter().enumerate() {
            let bytes = serde_json::to_vec(f).expect("json").len();
            assert!(bytes < 8 * 1024, "frame {i} is {bytes} bytes, over 8 KB");
            assert_eq!(f.seq, i as u64, "frames are numbered without gaps");
        }
        let total: usize = frames.iter().map(|f| f.events.len()).sum();
        assert_eq!(total, 501, "nothing lost when splitting");
    }

    #[tokio::test(start_paused = true)]
    async fn flushes_at_most_twenty_times_a_second() {
        let (tx, rx) = broadcast::channel(4096);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(1, Topic::Server { key: key("aaaa") }, s);
        settle_and_flush().await;
        // One line every millisecond for one second.
        for i in 0..1000 {
            tx.send(console("aaaa", &format!("{i}"))).expect("send");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        settle_and_flush().await;
        let frames = frames.lock().expect("lock");
        assert!(
            frames.len() <= 22,
            "{} frames for ~1.05 s of traffic",
            frames.len()
        );
        let total: usize = frames.iter().map(|f| f.events.len()).sum();
        assert_eq!(total, 1000);
    }

    #[tokio::test(start_paused = true)]
    async fn fleet_rows_flush_at_most_five_times_a_second() {
        let (tx, rx) = broadcast::channel(4096);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(1, Topic::Fleet, s);
        settle_and_flush().await;
        // A stats sample every millisecond for one second, 20 servers in turn.
        for i in 0..1000 {
            tx.send(stats(&format!("s{}", i % 20), f64::from(i)))
                .expect("send");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        settle_and_flush().await;
        let frames = frames.lock().expect("lock");
        assert!(
            (5..=7).contains(&frames.len()),
            "{} fleet frames for ~1.2 s of traffic",
            frames.len()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_fleet_frame_holds_each_servers_latest_sample_once_however_many_servers() {
        let (tx, rx) = broadcast::channel(16_384);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(1, Topic::Fleet, s);
        settle_and_flush().await;
        // Three rounds of 1,000 servers within one flush period, a status change between.
        for round in 0..3 {
            for i in 0..1000 {
                tx.send(stats(&format!("s{i}"), f64::from(round * 1000 + i)))
                    .expect("send");
            }
            if round == 1 {
                tx.send(status("s5", PowerState::Stopping)).expect("send");
            }
        }
        settle_and_flush().await;
        let frames = frames.lock().expect("lock");
        assert_eq!(frames.len(), 1, "one fleet frame per flush, however big");
        let events = &frames[0].events;
        assert_eq!(
            events.len(),
            1001,
            "one stats event per server, plus the status"
        );
        let cpu = |server: &str| {
            events.iter().find_map(|e| match &e.kind {
                ServerEventKind::Stats { stats, .. } if e.key.server == server => {
                    Some(stats.cpu_absolute)
                }
                _ => None,
            })
        };
        assert_eq!(cpu("s0"), Some(2000.0), "the latest sample");
        assert_eq!(cpu("s999"), Some(2999.0));
        assert_eq!(frames[0].dropped, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn unsubscribe_stops_frames_and_a_gone_channel_is_dropped() {
        let (tx, rx) = broadcast::channel(64);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(1, Topic::Fleet, s);
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        bridge.subscribe(
            2,
            Topic::Fleet,
            Box::new(move |_| {
                *c.lock().expect("lock") += 1;
                false
            }),
        );
        settle_and_flush().await;
        tx.send(status("aaaa", PowerState::Running)).expect("send");
        settle_and_flush().await;
        bridge.unsubscribe(1);
        settle_and_flush().await;
        tx.send(status("aaaa", PowerState::Offline)).expect("send");
        settle_and_flush().await;
        assert_eq!(frames.lock().expect("lock").len(), 1);
        assert_eq!(
            *calls.lock().expect("lock"),
            1,
            "gone channel is not retried"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hidden_window_gets_no_frames_and_a_resync_when_shown() {
        let (tx, rx) = broadcast::channel(1024);
        let bridge = WindowBridge::start(rx.into());
        let (fleet, fleet_sink) = sink();
        let (server, server_sink) = sink();
        bridge.subscribe(1, Topic::Fleet, fleet_sink);
        bridge.subscribe(2, Topic::Server { key: key("aaaa") }, server_sink);
        settle_and_flush().await;
        bridge.set_paused(true);
        settle_and_flush().await;
        for i in 0..100 {
            tx.send(stats("aaaa", f64::from(i))).expect("send");
            tx.send(console("aaaa", &format!("{i}"))).expect("send");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        settle_and_flush().await;
        assert!(
            fleet.lock().expect("lock").is_empty(),
            "hidden: no fleet frame"
        );
        assert!(
            server.lock().expect("lock").is_empty(),
            "hidden: no console frame"
        );

        bridge.set_paused(false);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let fleet = fleet.lock().expect("lock");
        assert_eq!(
            fleet.len(),
            1,
            "shown: flushed at once, without waiting for a tick"
        );
        assert!(
            fleet[0].events.is_empty() && fleet[0].dropped == 100,
            "the fleet view re-reads its rows"
        );
        let server = server.lock().expect("lock");
        let lines = server
            .iter()
            .flat_map(|f| &f.events)
            .filter(|e| matches!(e.kind, ServerEventKind::Console { .. }))
            .count();
        assert_eq!(lines, 100, "console lines kept while hidden");
    }

    #[tokio::test(start_paused = true)]
    async fn a_hidden_fleet_only_window_leaves_the_bus_unread_and_resyncs_when_shown() {
        let (tx, rx) = broadcast::channel(16);
        let bridge = WindowBridge::start(rx.into());
        let (fleet, fleet_sink) = sink();
        bridge.subscribe(1, Topic::Fleet, fleet_sink);
        settle_and_flush().await;
        bridge.set_paused(true);
        settle_and_flush().await;
        for i in 0..100 {
            tx.send(stats("aaaa", f64::from(i))).expect("send");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        settle_and_flush().await;
        assert_eq!(tx.len(), 16, "nobody read the bus while hidden");
        bridge.set_paused(false);
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let fleet = fleet.lock().expect("lock");
        assert_eq!(fleet.len(), 1);
        assert!(
            fleet[0].events.is_empty() && fleet[0].dropped > 0,
            "the fleet view re-reads its rows: {:?}",
            fleet[0]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bus_overflow_is_reported_as_dropped() {
        let (tx, rx) = broadcast::channel(4);
        let bridge = WindowBridge::start(rx.into());
        let (frames, s) = sink();
        bridge.subscribe(1, Topic::Server { key: key("aaaa") }, s);
        settle_and_flush().await;
        for i in 0..10 {
            tx.send(console("aaaa", &format!("{i}"))).expect("send");
        }
        settle_and_flush().await;
        let frames = frames.lock().expect("lock");
        let dropped: u64 = frames.iter().map(|f| f.dropped).sum();
        assert_eq!(dropped, 6, "10 sent into a bus of 4");
    }
}
