//! What a socket reports, as one typed, bounded stream.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::{Semaphore, mpsc};

use super::error::SocketErrorKind;
use super::message::Message;

/// Connection state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SocketState {
    /// Opening a connection (TCP, TLS, upgrade).
    Connecting,
    /// Connected: messages flow.
    Open,
    /// Waiting before the next attempt.
    Reconnecting,
    /// Not connected and not retrying (closed by us, by a no-reconnect close code, attempts
    /// exhausted, or vetoed). A manual reconnect leaves this state.
    Closed,
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// Close code; 1006 when the connection ended without a close frame.
    pub code: u16,
    /// Close reason from the frame (may be empty).
    pub reason: String,
    /// Whether the socket will try again.
    pub will_reconnect: bool,
}

/// One thing that happened on a socket.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SocketEvent {
    /// The state changed.
    State(SocketState),
    /// Trying a URL (redacted).
    Connecting {
        /// The URL, tokens redacted.
        url: String,
    },
    /// A connection is open.
    Open {
        /// The URL, tokens redacted.
        url: String,
        /// The subprotocol the server picked.
        protocol: Option<String>,
    },
    /// A data message arrived (after incoming interceptors).
    Message(Message),
    /// The connection ended.
    Closed(CloseInfo),
    /// Something failed; the socket carries on according to its policy.
    Error {
        /// What failed.
        kind: SocketErrorKind,
        /// Detail, secrets redacted.
        detail: String,
    },
    /// A reconnect attempt is scheduled after `delay`.
    ReconnectAttempt {
        /// Attempt number since the last stable connection.
        attempt: u32,
        /// Wait before it.
        delay: Duration,
    },
    /// A connection is open again after a drop. Comes just before that connection's
    /// [`SocketEvent::Open`], so a reader knows at `Open` that it is a reconnect.
    Reconnected {
        /// How many attempts it took.
        attempts: u32,
    },
    /// A heartbeat ping was sent. Dropped rather than waited for when the stream is full.
    Ping,
    /// A pong answered our ping. Dropped rather than waited for when the stream is full.
    Pong {
        /// Round trip.
        latency: Duration,
    },
}

/// Most events in one batch.
const MAX_BATCH: usize = 64;

/// What travels on the event channel: events go in batches so a busy socket pays one
/// cross-task hand-off per burst of frames instead of one per frame. A lone event (the common
/// case on a quiet socket) needs no allocation.
#[derive(Debug)]
pub(crate) enum Batch {
    One(SocketEvent),
    Many(Vec<SocketEvent>),
}

impl Batch {
    fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(v) => v.len(),
        }
    }
}

/// The event stream's bounded channel: batches travel on an unbounded queue, and a semaphore
/// counts events (not batches), so at most `capacity` events wait however they are batched.
pub(crate) fn channel(capacity: usize) -> (EventSender, SocketEvents) {
    let capacity = capacity.clamp(1, Semaphore::MAX_PERMITS);
    let room = Arc::new(Semaphore::new(capacity));
    let spare = Arc::new(Mutex::new(None));
    let (tx, rx) = mpsc::unbounded_channel();
    let sender = EventSender {
        tx,
        room: room.clone(),
        batch: capacity.min(MAX_BATCH),
        spare: spare.clone(),
        inline: false,
    };
    let events = SocketEvents {
        rx,
        room,
        pending: VecDeque::new(),
        spare,
        driver: None,
    };
    (sender, events)
}

/// The socket task's end of the event stream.
#[derive(Debug)]
pub(crate) struct EventSender {
    tx: mpsc::UnboundedSender<Batch>,
    /// One permit per event the stream has room for.
    room: Arc<Semaphore>,
    /// Most events per batch (never more than the stream holds).
    pub(crate) batch: usize,
    /// A batch's storage handed back by the reader once read, for the next batch.
    spare: Spare,
    /// Whether the reader drives the socket (see [`super::SocketHandle::connect_inline`]).
    pub(crate) inline: bool,
}

/// One emptied batch vector travelling back from the reader to the socket, so a busy socket
/// does not allocate (and the reader free) a vector per batch.
type Spare = Arc<Mutex<Option<Vec<SocketEvent>>>>;

impl EventSender {
    /// Storage for a batch: the reader's last emptied one, or a new one.
    pub(crate) fn batch_vec(&self) -> Vec<SocketEvent> {
        let spare = self.spare.lock().ok().and_then(|mut s| s.take());
        spare.unwrap_or_else(|| Vec::with_capacity(self.batch))
    }
}

impl EventSender {
    /// Sends a batch, waiting for room. Returns at once when nobody reads any more.
    pub(crate) async fn send(&self, batch: Batch) {
        let Ok(n) = u32::try_from(batch.len()) else {
            return;
        };
        // Room is usually there: taking it without a future spends none of the task's
        // cooperative budget, which is better left to real I/O (each exhausted budget is a
        // forced yield, and on an idle runtime another worker is woken to take the task over).
        let permits = match self.room.try_acquire_many(n) {
            Ok(permits) => Ok(permits),
            Err(_) => self.room.acquire_many(n).await,
        };
        if let Ok(permits) = permits {
            // Handed back by the reader when it takes the batch.
            permits.forget();
            let _ = self.tx.send(batch);
        }
    }

    /// Sends a batch if there is room now; drops it otherwise.
    pub(crate) fn try_send(&self, batch: Batch) {
        let Ok(n) = u32::try_from(batch.len()) else {
            return;
        };
        if let Ok(permits) = self.room.try_acquire_many(n) {
            permits.forget();
            let _ = self.tx.send(batch);
        }
    }
}

/// The socket's own work (reading, heartbeat, reconnecting) as a future, when the stream
/// drives it instead of a task.
pub(crate) type DriverFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The bounded stream of a socket's events. Ends when the socket has stopped.
///
/// From [`super::SocketHandle::connect`] the socket runs on a task of its own and this stream
/// only carries what it reports. From [`super::SocketHandle::connect_inline`] the stream *is*
/// the socket: reading it drives the connection (no task, no hand-off between tasks), and the
/// socket makes progress only while someone waits on it.
pub struct SocketEvents {
    rx: mpsc::UnboundedReceiver<Batch>,
    room: Arc<Semaphore>,
    /// The rest of the batch being read.
    pending: VecDeque<SocketEvent>,
    /// Where an emptied batch goes back to the socket.
    spare: Spare,
    /// The socket itself, when this stream drives it.
    driver: Option<DriverFuture>,
}

impl std::fmt::Debug for SocketEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketEvents")
            .field("inline", &self.driver.is_some())
            .finish_non_exhaustive()
    }
}

impl SocketEvents {
    /// This stream drives `driver` from now on.
    pub(crate) fn drive(mut self, driver: DriverFuture) -> Self {
        self.driver = Some(driver);
        self
    }

    /// Takes the next event out of a freshly received batch, and gives its room back.
    fn unpack(&mut self, batch: Batch) -> Option<SocketEvent> {
        self.room.add_permits(batch.len());
        match batch {
            Batch::One(ev) => Some(ev),
            Batch::Many(v) => {
                // A vector becomes a deque without copying, and back again once empty.
                self.pending = VecDeque::from(v);
                self.pending.pop_front()
            }
        }
    }

    /// The next event; `None` once the socket has stopped for good. Cancel-safe.
    pub async fn recv(&mut self) -> Option<SocketEvent> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Waits for at least one event, then moves up to `limit` of those already there into
    /// `into` (appended, in order); returns how many, 0 once the socket has stopped for good.
    /// For readers that handle messages in bulk: one call per batch instead of one per event,
    /// and when `into` is empty a whole batch changes hands without moving its events.
    /// Cancel-safe.
    pub async fn recv_many(&mut self, into: &mut Vec<SocketEvent>, limit: usize) -> usize {
        if limit == 0 {
            return 0;
        }
        let before = into.len();
        loop {
            if !self.pending.is_empty() {
                let take = limit.min(self.pending.len());
                into.extend(self.pending.drain(..take));
                return into.len() - before;
            }
            self.recycle();
            let Some(batch) = std::future::poll_fn(|cx| self.poll_batch(cx)).await else {
                return 0;
            };
            self.room.add_permits(batch.len());
            match batch {
                Batch::One(ev) => {
                    into.push(ev);
                    return into.len() - before;
                }
                Batch::Many(v) if into.is_empty() && v.len() <= limit => {
                    let spare = std::mem::replace(into, v);
                    self.give_back(spare);
                    return into.len();
                }
                Batch::Many(v) => self.pending = VecDeque::from(v),
            }
        }
    }

    /// Hands the emptied batch's storage back to the socket, if it has none spare.
    fn recycle(&mut self) {
        if self.pending.capacity() == 0 {
            return;
        }
        let v = Vec::from(std::mem::take(&mut self.pending));
        self.give_back(v);
    }

    fn give_back(&self, mut v: Vec<SocketEvent>) {
        if v.capacity() == 0 {
            return;
        }
        v.clear();
        if let Ok(mut spare) = self.spare.lock()
            && spare.is_none()
        {
            *spare = Some(v);
        }
    }

    /// The next batch: what is already there first; else (driving the socket, when this stream
    /// drives it) wait for one. `None` once the socket has stopped for good.
    fn poll_batch(&mut self, cx: &mut Context<'_>) -> Poll<Option<Batch>> {
        // The driver is polled only when the reader has caught up, so a burst is read, then
        // handed over, then read again.
        match self.rx.try_recv() {
            Ok(batch) => return Poll::Ready(Some(batch)),
            Err(mpsc::error::TryRecvError::Disconnected) => return Poll::Ready(None),
            Err(mpsc::error::TryRecvError::Empty) => {}
        }
        if let Some(driver) = self.driver.as_mut() {
            if driver.as_mut().poll(cx).is_ready() {
                // Stopped for good: its sender is gone, so the channel ends after what it holds.
                self.driver = None;
            } else if let Ok(batch) = self.rx.try_recv() {
                // What the driver just handed over, without spending cooperative budget on a
                // hand-off inside one task.
                return Poll::Ready(Some(batch));
            }
        }
        self.rx.poll_recv(cx)
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<SocketEvent>> {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Poll::Ready(Some(ev));
            }
            self.recycle();
            let Some(batch) = std::task::ready!(self.poll_batch(cx)) else {
                return Poll::Ready(None);
            };
            if let Some(ev) = self.unpack(batch) {
                return Poll::Ready(Some(ev));
            }
        }
    }
}

impl Drop for SocketEvents {
    fn drop(&mut self) {
        // Nobody will hand room back: a socket waiting for it must not wait forever.
        self.room.close();
    }
}

impl Stream for SocketEvents {
    type Item = SocketEvent;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<SocketEvent>> {
        self.poll_event(cx)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::*;

    fn msg(i: usize) -> SocketEvent {
        SocketEvent::Message(Message::text(i.to_string()))
    }

    #[tokio::test]
    async fn the_stream_holds_at_most_its_capacity_in_events_whatever_the_batching() {
        let (tx, mut rx) = channel(5);
        assert_eq!(tx.batch, 5);
        tx.send(Batch::Many((0..3).map(msg).collect())).await;
        tx.send(Batch::One(msg(3))).await;
        // Two more would make six: the sender waits, and a lossy send is dropped.
        tx.try_send(Batch::Many((10..12).map(msg).collect()));
        assert!(
            tx.send(Batch::Many((4..6).map(msg).collect()))
                .now_or_never()
                .is_none()
        );
        // Taking the first batch makes room for three.
        assert_eq!(rx.recv().await, Some(msg(0)));
        tx.send(Batch::Many((4..6).map(msg).collect())).await;
        let mut got = vec![msg(0)];
        drop(tx);
        while let Some(ev) = rx.recv().await {
            got.push(ev);
        }
        assert_eq!(got, (0..6).map(msg).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_dropped_reader_never_blocks_the_socket() {
        let (tx, rx) = channel(1);
        tx.send(Batch::One(msg(0))).await;
        drop(rx);
        // Would wait forever for room if the reader's end did not close it.
        tx.send(Batch::One(msg(1))).await;
    }
}
