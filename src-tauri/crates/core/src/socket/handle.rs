//! The cheap, cloneable handle to one socket. Dropping the last handle stops the socket.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{Notify, mpsc, oneshot, watch};

use super::backoff::ReconnectPolicy;
use super::driver::{Command, Driver};
use super::error::{SocketErrorKind, err};
use super::event::{self, SocketEvents, SocketState};
use super::message::Message;
use super::metrics::{Counters, Metrics};
use super::options::{Endpoint, SocketOptions};
use super::outbox::{Outbox, Outgoing};

/// A predicate picking the answer to a request.
type Matcher = Box<dyn Fn(&Message) -> bool + Send>;

pub(crate) struct Waiter {
    id: u64,
    matches: Matcher,
    tx: oneshot::Sender<Message>,
}

#[derive(Default)]
pub(crate) struct Waiters {
    next_id: u64,
    list: Vec<Waiter>,
}

impl Waiters {
    pub(crate) fn clear(&mut self) {
        self.list.clear();
    }

    /// Hands `msg` to the oldest request it answers, if any.
    pub(crate) fn deliver(&mut self, msg: &Message) {
        if self.list.is_empty() {
            return;
        }
        if let Some(i) = self.list.iter().position(|w| (w.matches)(msg)) {
            let w = self.list.remove(i);
            let _ = w.tx.send(msg.clone());
        }
    }
}

/// State shared by the task and every handle.
pub(crate) struct Shared {
    pub(crate) outbox: Mutex<Outbox>,
    pub(crate) outbox_ready: Notify,
    pub(crate) waiters: Mutex<Waiters>,
    /// How many requests wait, readable without the lock: the read path checks it per
    /// message and only locks when someone waits.
    waiting: AtomicUsize,
    pub(crate) counters: Counters,
    pub(crate) state: watch::Sender<SocketState>,
    /// Endpoint and a version bumped on every change (so TLS config is rebuilt only then).
    pub(crate) endpoint: Mutex<(u64, Endpoint)>,
    pub(crate) policy: Mutex<ReconnectPolicy>,
    /// Set once the task has stopped for good: sends fail fast.
    pub(crate) terminated: AtomicBool,
    max_pending: usize,
}

impl Shared {
    /// Runs `f` on the waiters under their lock and keeps [`Shared::waiting`] in step.
    pub(crate) fn with_waiters<R>(&self, f: impl FnOnce(&mut Waiters) -> R) -> R {
        let mut w = lock(&self.waiters);
        let r = f(&mut w);
        self.waiting.store(w.list.len(), Ordering::Release);
        r
    }

    /// Whether any request waits for an answer.
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiting.load(Ordering::Acquire) > 0
    }
}

/// Locks, shrugging off poisoning: every critical section here leaves the data consistent.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// A handle to one resilient WebSocket. Clone it freely; the socket runs until
/// [`SocketHandle::close`] or until the last handle is dropped.
#[derive(Clone)]
pub struct SocketHandle {
    cmds: mpsc::Sender<Command>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SocketHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketHandle")
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl SocketHandle {
    /// Starts a socket on the current tokio runtime. It connects at once and keeps
    /// reconnecting per its policy. Read the returned events: when the stream is full the
    /// socket waits for you.
    pub fn connect(options: SocketOptions) -> (Self, SocketEvents) {
        let (handle, events, driver) = Self::build(options, false);
        tokio::spawn(driver.run());
        (handle, events)
    }

    /// Like [`SocketHandle::connect`], but without a task of its own: the returned stream
    /// drives the socket (connects, reads, pings, reconnects) while it is being read. For a
    /// reader that lives in its own task anyway, this saves a task per socket and a hand-off
    /// between tasks per burst of messages; the socket stands still whenever nobody waits on
    /// the stream (so [`SocketHandle::close`] completes at the stream's next read), and
    /// dropping the stream drops the connection.
    pub fn connect_inline(options: SocketOptions) -> (Self, SocketEvents) {
        let (handle, events, driver) = Self::build(options, true);
        (handle, events.drive(Box::pin(driver.run())))
    }

    fn build(options: SocketOptions, inline: bool) -> (Self, SocketEvents, Driver) {
        let (state, _) = watch::channel(SocketState::Connecting);
        let shared = Arc::new(Shared {
            outbox: Mutex::new(Outbox::new(options.queue.clone())),
            outbox_ready: Notify::new(),
            waiters: Mutex::new(Waiters::default()),
            waiting: AtomicUsize::new(0),
            counters: Counters::default(),
            state,
            endpoint: Mutex::new((0, options.endpoint.clone())),
            policy: Mutex::new(options.reconnect.clone()),
            terminated: AtomicBool::new(false),
            max_pending: options.max_pending_requests,
        });
        let (cmd_tx, cmd_rx) = mpsc::channel(8);
        let (mut ev_tx, ev_rx) = event::channel(options.events_capacity);
        ev_tx.inline = inline;
        let driver = Driver::new(options, shared.clone(), cmd_rx, ev_tx);
        (
            Self {
                cmds: cmd_tx,
                shared,
            },
            ev_rx,
            driver,
        )
    }

    fn enqueue(&self, item: Outgoing) -> crate::Result<()> {
        if self.shared.terminated.load(Ordering::Acquire) {
            return Err(err(SocketErrorKind::Closed, "the socket was closed"));
        }
        let dropped = lock(&self.shared.outbox).push(item)?;
        if dropped > 0 {
            self.shared
                .counters
                .queue_dropped
                .fetch_add(dropped, Ordering::Relaxed);
        }
        self.shared.outbox_ready.notify_one();
        Ok(())
    }

    /// Sends a message now, or queues it while disconnected (replayed in order on reconnect).
    /// Fails only when the queue is full under [`super::FullPolicy::Reject`] or the socket is
    /// closed for good.
    pub fn send(&self, msg: impl Into<Message>) -> crate::Result<()> {
        self.enqueue(Outgoing {
            msg: msg.into(),
            replay: true,
            ack: None,
        })
    }

    /// Sends `value` as JSON text (see [`SocketHandle::send`]).
    pub fn send_json<T: Serialize + ?Sized>(&self, value: &T) -> crate::Result<()> {
        self.send(Message::json(value)?)
    }

    /// Sends a message that must never be replayed on a later connection (a power action):
    /// fails with [`SocketErrorKind::NotConnected`] unless connected now, and resolves once it
    /// is written (or fails if the connection drops first).
    pub async fn send_now(&self, msg: impl Into<Message>) -> crate::Result<()> {
        if self.state() != SocketState::Open {
            return Err(err(SocketErrorKind::NotConnected, "not connected now"));
        }
        let (tx, rx) = oneshot::channel();
        self.enqueue(Outgoing {
            msg: msg.into(),
            replay: false,
            ack: Some(tx),
        })?;
        rx.await
            .unwrap_or_else(|_| Err(err(SocketErrorKind::Closed, "the socket was closed")))
    }

    /// Sends `msg` and waits for the first incoming message for which `matches` is true
    /// (after incoming interceptors). The answer still appears in the event stream too.
    pub async fn request(
        &self,
        msg: impl Into<Message>,
        matches: impl Fn(&Message) -> bool + Send + 'static,
        timeout: Duration,
    ) -> crate::Result<Message> {
        let (tx, rx) = oneshot::channel();
        // Registered before sending, so a fast answer cannot slip past.
        let id = self.shared.with_waiters(|w| {
            if w.list.len() >= self.shared.max_pending {
                return Err(err(
                    SocketErrorKind::TooManyPending,
                    format!("{} requests already waiting", w.list.len()),
                ));
            }
            w.next_id += 1;
            let id = w.next_id;
            w.list.push(Waiter {
                id,
                matches: Box::new(matches),
                tx,
            });
            Ok(id)
        })?;
        let _guard = WaiterGuard {
            shared: &self.shared,
            id,
        };
        self.send(msg)?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(m)) => Ok(m),
            Ok(Err(_)) => Err(err(SocketErrorKind::Closed, "the socket was closed")),
            Err(_) => Err(err(
                SocketErrorKind::RequestTimeout,
                format!("no matching answer within {timeout:?}"),
            )),
        }
    }

    /// Drops every queued message (their senders see an error). Returns how many.
    pub fn clear_queue(&self) -> usize {
        lock(&self.shared.outbox).clear(SocketErrorKind::QueueFull, "queue cleared")
    }

    /// Drops the current connection (or skips the wait) and connects again now, with the
    /// attempt counter reset. Also revives a socket that stopped reconnecting.
    pub async fn reconnect(&self) -> crate::Result<()> {
        self.cmds
            .send(Command::Reconnect)
            .await
            .map_err(|_| err(SocketErrorKind::Closed, "the socket was closed"))
    }

    /// Closes gracefully with this close code and reason, and waits until the socket task has
    /// stopped. Queued messages are dropped. Closing a closed socket is fine.
    pub async fn close(&self, code: u16, reason: &str) {
        let (done, wait) = oneshot::channel();
        let cmd = Command::Close {
            code,
            reason: reason.to_owned(),
            done,
        };
        if self.cmds.send(cmd).await.is_ok() {
            let _ = wait.await;
        }
    }

    /// Changes where and how the next attempt connects (URL, fallbacks, headers, TLS).
    /// The current connection is kept.
    pub fn update_endpoint(&self, change: impl FnOnce(&mut Endpoint)) {
        let mut ep = lock(&self.shared.endpoint);
        change(&mut ep.1);
        ep.0 += 1;
    }

    /// Replaces the reconnect policy, from the next attempt on.
    pub fn update_reconnect_policy(&self, policy: ReconnectPolicy) {
        *lock(&self.shared.policy) = policy;
    }

    /// A snapshot of the counters.
    pub fn metrics(&self) -> Metrics {
        let depth = lock(&self.shared.outbox).len();
        self.shared.counters.snapshot(depth)
    }

    /// The current state.
    pub fn state(&self) -> SocketState {
        *self.shared.state.borrow()
    }

    /// A watch on the state, e.g. to wait until open.
    pub fn watch_state(&self) -> watch::Receiver<SocketState> {
        self.shared.state.subscribe()
    }
}

/// Removes a request's waiter however the request ends (answer, timeout, cancellation).
struct WaiterGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.shared
            .with_waiters(|w| w.list.retain(|w| w.id != self.id));
    }
}
