//! A webhook as an alert [`Sink`]: a severity filter, then a bounded queue in front of one
//! delivery task, so a dead receiver costs at most `queue` messages of memory and never holds
//! up the alert engine. When the queue is full the oldest message is dropped and counted.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::endpoint::Endpoint;
use super::payload::Message;
use crate::alerts::{Outgoing, Reporter, Severity, Sink, SinkReport};

struct Shared {
    endpoint: Endpoint,
    queue: Mutex<VecDeque<(Message, Reporter)>>,
    wake: Notify,
    /// Dropped since the sink started.
    dropped: AtomicU64,
    /// Dropped and not yet logged.
    unlogged: AtomicU64,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<(Message, Reporter)>> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Alerts of at least `min_severity` to one webhook, through a bounded queue.
pub struct WebhookSink {
    shared: Arc<Shared>,
    min_severity: Severity,
    panels: HashMap<String, String>,
    worker: JoinHandle<()>,
}

impl std::fmt::Debug for WebhookSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSink")
            .field("endpoint", &self.shared.endpoint)
            .field("min_severity", &self.min_severity)
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl WebhookSink {
    /// Starts the delivery task (inside a tokio runtime). `panels` maps panel account ids to
    /// the names messages show.
    pub fn start(
        endpoint: Endpoint,
        min_severity: Severity,
        panels: HashMap<String, String>,
    ) -> Self {
        let shared = Arc::new(Shared {
            endpoint,
            queue: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            dropped: AtomicU64::new(0),
            unlogged: AtomicU64::new(0),
        });
        let worker = tokio::spawn(deliver(Arc::clone(&shared)));
        Self {
            shared,
            min_severity,
            panels,
            worker,
        }
    }

    /// Messages dropped because the queue was full, since the sink started.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Queues `message` unless it is below the filter; never waits.
    pub fn enqueue(&self, message: Message, reporter: &Reporter) {
        if message.severity < self.min_severity {
            return;
        }
        let capacity = self.shared.endpoint.options().queue.max(1);
        {
            let mut queue = self.shared.lock();
            while queue.len() >= capacity {
                queue.pop_front();
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                self.shared.unlogged.fetch_add(1, Ordering::Relaxed);
            }
            queue.push_back((message, reporter.clone()));
        }
        self.shared.wake.notify_one();
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.worker.abort();
    }
}

impl Sink for WebhookSink {
    fn name(&self) -> &str {
        self.shared.endpoint.name()
    }

    fn offer(&self, outgoing: &Outgoing<'_>) {
        if let Some(message) = Message::from_output(outgoing.output, outgoing.at, &self.panels) {
            self.enqueue(message, outgoing.reporter);
        }
    }
}

/// Delivers queued messages one at a time, oldest first, until the sink is dropped.
async fn deliver(shared: Arc<Shared>) {
    loop {
        let next = shared.lock().pop_front();
        let Some((message, reporter)) = next else {
            shared.wake.notified().await;
            continue;
        };
        let dropped = shared.unlogged.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::warn!(
                sink = %shared.endpoint.name(),
                dropped,
                total = shared.dropped.load(Ordering::Relaxed),
                "webhook queue full: oldest alerts dropped"
            );
        }
        let sink = shared.endpoint.name().to_owned();
        let report = match shared.endpoint.send(&message).await {
            Ok(()) => SinkReport::Delivered {
                sink,
                summary: message.title,
                id: None,
            },
            Err(e) => {
                tracing::warn!(error = %e, "webhook delivery failed");
                SinkReport::Failed {
                    sink,
                    summary: message.title,
                    error: e.to_string(),
                }
            }
        };
        reporter.report(report);
    }
}
