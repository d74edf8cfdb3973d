//! The alert engine on the live event bus: ticks, console/stats tails, and the sinks
//! (desktop notifications, alert log, tray health).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use super::engine::AlertEngine;
use super::log::AlertLog;
use super::model::{Alert, AlertId, AlertOutput, Health};
use super::rules::AlertRules;
use super::tails::ServerTails;
use crate::clock::now_ms;
use crate::event::{ServerKey, TimestampMs};
use crate::fleet::{Received, Subscription};
use crate::notify::{DesktopNotifier, compose};

/// Outputs buffered for slow subscribers (the CLI, the UI bridge) before they lag.
const OUTPUT_BUFFER: usize = 256;

/// How often stats samples and console lines are taken off the bus when nothing urgent
/// wakes the service first. Their rules (thresholds held for seconds, a silent console) do not
/// need them sooner, and a thousand servers would otherwise wake it a thousand times a second.
const BATCH_EVERY: Duration = Duration::from_millis(250);

/// Most events handled per wake, so a flood cannot hold the service away from its commands.
const BATCH_MAX: usize = 16_384;

/// How the service runs.
pub struct ServiceOptions {
    /// The rules until [`AlertService::set_rules`] replaces them.
    pub rules: AlertRules,
    /// How often time-based rules are evaluated.
    pub tick: Duration,
    /// Desktop notifications; `None` on a headless box.
    pub notifier: Option<Arc<DesktopNotifier>>,
    /// Whether the notifier is used (the user's setting; [`AlertService::set_notifications`]
    /// changes it while running).
    pub notifications: bool,
    /// The persistent alert history.
    pub log: Option<Box<dyn AlertLog>>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            rules: AlertRules::default(),
            tick: Duration::from_secs(1),
            notifier: None,
            notifications: true,
            log: None,
        }
    }
}

/// What became of a desktop notification.
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationReport {
    /// The desktop accepted it (the D-Bus call returned).
    Shown {
        /// The notification's title, as shown.
        summary: String,
        /// The id the notification server returned (on Linux the D-Bus `Notify` reply).
        id: u32,
    },
    /// It could not be shown; the alert is still logged.
    Failed {
        /// The title the notification would have had.
        summary: String,
        /// Why, for a person.
        error: String,
    },
}

enum Command {
    Acknowledge(AlertId),
    SnoozeUntil(TimestampMs),
    Resume,
    SetRules(Box<AlertRules>),
    SetMuted(ServerKey, bool),
}

/// Runs alerting for the fleet until dropped.
pub struct AlertService {
    commands: mpsc::UnboundedSender<Command>,
    /// Shared with the runner rather than sent as a command: a switch the user flips takes
    /// effect for the very next alert, even one already queued on the bus.
    notifications: Arc<AtomicBool>,
    outputs: broadcast::Sender<AlertOutput>,
    reports: broadcast::Sender<NotificationReport>,
    health: watch::Receiver<Health>,
    active: watch::Receiver<Vec<Alert>>,
    task: JoinHandle<()>,
}

impl AlertService {
    /// Starts alerting on the fleet's events. Must be called inside a tokio runtime.
    pub fn start(events: Subscription, options: ServiceOptions) -> Self {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (outputs, _) = broadcast::channel(OUTPUT_BUFFER);
        let (reports, _) = broadcast::channel(OUTPUT_BUFFER);
        let (health_tx, health) = watch::channel(Health::Ok);
        let (active_tx, active) = watch::channel(Vec::new());
        let notifications = Arc::new(AtomicBool::new(options.notifications));
        let runner = Runner {
            notifications: Arc::clone(&notifications),
            engine: AlertEngine::new(options.rules),
            tails: ServerTails::default(),
            notifier: options.notifier,
            log: options.log,
            outputs: outputs.clone(),
            reports: reports.clone(),
            health: health_tx,
            active: active_tx,
        };
        let task = tokio::spawn(runner.run(events, command_rx, options.tick));
        Self {
            commands,
            notifications,
            outputs,
            reports,
            health,
            active,
            task,
        }
    }

    /// Every output from now on (the CLI prints them; the UI bridge forwards them).
    pub fn subscribe_outputs(&self) -> broadcast::Receiver<AlertOutput> {
        self.outputs.subscribe()
    }

    /// What became of each desktop notification.
    pub fn subscribe_notifications(&self) -> broadcast::Receiver<NotificationReport> {
        self.reports.subscribe()
    }

    /// Fleet health for the tray icon.
    pub fn health(&self) -> watch::Receiver<Health> {
        self.health.clone()
    }

    /// Alerts currently firing, for the tray menu.
    pub fn active_alerts(&self) -> watch::Receiver<Vec<Alert>> {
        self.active.clone()
    }

    /// Acknowledges an alert: no reminders until it recovers.
    pub fn acknowledge(&self, id: AlertId) {
        let _ = self.commands.send(Command::Acknowledge(id));
    }

    /// Holds notifications for `duration`; a summary follows when it ends. Returns when it
    /// ends, ms since the Unix epoch.
    pub fn snooze_for(&self, duration: Duration) -> TimestampMs {
        let until = now_ms().saturating_add(u64::try_from(duration.as_millis()).unwrap_or(0));
        let _ = self.commands.send(Command::SnoozeUntil(until));
        until
    }

    /// Ends snooze-all now.
    pub fn resume(&self) {
        let _ = self.commands.send(Command::Resume);
    }

    /// Replaces the rules (after the user changed settings).
    pub fn set_rules(&self, rules: AlertRules) {
        let _ = self.commands.send(Command::SetRules(Box::new(rules)));
    }

    /// Mutes or unmutes one server.
    pub fn set_muted(&self, key: ServerKey, muted: bool) {
        let _ = self.commands.send(Command::SetMuted(key, muted));
    }

    /// Turns desktop notifications on or off from now on (alerts are still detected, logged
    /// and shown in the app).
    pub fn set_notifications(&self, on: bool) {
        self.notifications.store(on, Ordering::SeqCst);
    }

    /// Whether desktop notifications are on.
    pub fn notifications(&self) -> bool {
        self.notifications.load(Ordering::SeqCst)
    }
}

impl Drop for AlertService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Runner {
    notifications: Arc<AtomicBool>,
    engine: AlertEngine,
    tails: ServerTails,
    notifier: Option<Arc<DesktopNotifier>>,
    log: Option<Box<dyn AlertLog>>,
    outputs: broadcast::Sender<AlertOutput>,
    reports: broadcast::Sender<NotificationReport>,
    health: watch::Sender<Health>,
    active: watch::Sender<Vec<Alert>>,
}

impl Runner {
    async fn run(
        mut self,
        mut events: Subscription,
        mut commands: mpsc::UnboundedReceiver<Command>,
        tick: Duration,
    ) {
        let mut ticker = tokio::time::interval(tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut batch = tokio::time::interval(BATCH_EVERY);
        batch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut open = true;
        while open {
            // Crashes, power changes and lost links wake the service at once; the bulk waits
            // for the batch timer. Either way every event is handled, in order.
            let out = tokio::select! {
                biased;
                alive = events.urgent() => {
                    let (out, more) = self.take_events(&mut events);
                    open = alive && more;
                    out
                }
                Some(command) = commands.recv() => {
                    self.command(command);
                    self.engine.tick(now_ms())
                }
                _ = batch.tick() => {
                    let (out, more) = self.take_events(&mut events);
                    open = more;
                    out
                }
                _ = ticker.tick() => {
                    // Time rules judge what is on the bus too: a console line waiting for the
                    // batch must not let a silence rule see a silence that has just ended.
                    let (mut out, more) = self.take_events(&mut events);
                    open = more;
                    out.extend(self.engine.tick(now_ms()));
                    out
                }
            };
            if !out.is_empty() {
                self.publish(out);
            }
        }
    }

    /// Runs the engine over every event waiting on the bus; `false` once the fleet is gone.
    fn take_events(&mut self, events: &mut Subscription) -> (Vec<AlertOutput>, bool) {
        let mut out = Vec::new();
        let mut missed = 0;
        let open = events.drain(BATCH_MAX, |received| match received {
            Received::Event(event) => {
                self.tails.observe(&event);
                out.extend(self.engine.on_event(&event));
            }
            Received::Missed(n) => missed += n,
        });
        if missed > 0 {
            tracing::warn!(missed, "alerts fell behind the event bus");
        }
        (out, open)
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Acknowledge(id) => {
                self.engine.acknowledge(&id);
            }
            Command::SnoozeUntil(until) => self.engine.snooze_until(until),
            Command::Resume => self.engine.resume(),
            Command::SetRules(rules) => self.engine.set_rules(*rules),
            Command::SetMuted(key, muted) => self.engine.set_muted(&key, muted),
        }
    }

    fn publish(&mut self, outputs: Vec<AlertOutput>) {
        let now = now_ms();
        for output in outputs {
            if let Some(notifier) = &self.notifier
                && self.notifications.load(Ordering::SeqCst)
                && let Some(note) = compose(&output, &self.tails)
            {
                let notifier = Arc::clone(notifier);
                let reports = self.reports.clone();
                // The D-Bus round trip must not hold up the next event.
                tokio::spawn(async move {
                    let report = match notifier.show(&note).await {
                        Ok(id) => NotificationReport::Shown {
                            summary: note.summary,
                            id,
                        },
                        Err(e) => {
                            tracing::warn!(error = %e, "desktop notification failed");
                            NotificationReport::Failed {
                                summary: note.summary,
                                error: e.to_string(),
                            }
                        }
                    };
                    let _ = reports.send(report);
                });
            }
            if let Some(log) = &mut self.log
                && let Err(e) = log.record(now, &output)
            {
                tracing::warn!(error = %e, "alert not recorded in the history");
            }
            if let AlertOutput::Health { health } = &output {
                self.health.send_replace(*health);
            }
            let _ = self.outputs.send(output);
        }
        self.active.send_replace(self.engine.active_alerts());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{ConnectionState, Fact, PowerState, ServerEvent, ServerEventKind};

    fn event(server: &str, kind: ServerEventKind) -> ServerEvent {
        ServerEvent {
            key: ServerKey::new("p", server),
            at: now_ms(),
            kind,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn crash_on_the_bus_reaches_outputs_health_and_the_log_and_time_rules_tick() {
        let (bus, events) = broadcast::channel(64);
        let (log_tx, mut log_rx) = mpsc::unbounded_channel();
        let service = AlertService::start(
            events.into(),
            ServiceOptions {
                log: Some(Box::new(log_tx)),
                ..ServiceOptions::default()
            },
        );
        let mut outputs = service.subscribe_outputs();
        let mut health = service.health();
        let live = ServerEventKind::Connection {
            connection: ConnectionState::Live,
        };
        for kind in [
            live,
            ServerEventKind::Status {
                state: PowerState::Running,
                previous: None,
            },
            ServerEventKind::Status {
                state: PowerState::Offline,
                previous: Some(PowerState::Running),
            },
            ServerEventKind::Alert {
                fact: Fact::Crashed {
                    exit_code: Some(1),
                    oom: None,
                    confirmed: true,
                },
            },
        ] {
            bus.send(event("s1", kind)).expect("service listens");
        }
        let fired = loop {
            if let AlertOutput::Fire { alert, .. } = outputs.recv().await.expect("output") {
                break alert;
            }
        };
        assert_eq!(fired.title, "s1 crashed");
        health
            .wait_for(|h| *h == Health::Critical)
            .await
            .expect("health");
        assert_eq!(service.active_alerts().borrow().len(), 1);
        let (_, logged) = log_rx.recv().await.expect("logged");
        assert!(matches!(logged, AlertOutput::Fire { .. }));

        // Stuck starting needs only time: five virtual minutes of ticks.
        bus.send(event(
            "s1",
            ServerEventKind::Status {
                state: PowerState::Starting,
                previous: None,
            },
        ))
        .expect("service listens");
        tokio::time::sleep(Duration::from_secs(5 * 60 + 2)).await;
        let mut kinds = Vec::new();
        while let Ok(o) = outputs.try_recv() {
            if let AlertOutput::Fire { alert, .. } = o {
                kinds.push(alert.id.kind);
            }
        }
        assert_eq!(kinds, vec![crate::alerts::AlertKind::StuckStarting]);

        // Acknowledging through the service reaches the engine.
        service.acknowledge(fired.id.clone());
        health
            .wait_for(|h| *h == Health::Warning)
            .await
            .expect("health");
    }
}
