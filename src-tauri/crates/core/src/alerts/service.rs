//! The alert engine on the live event bus: ticks, console/stats tails, and what it feeds:
//! the injected [`Sink`]s (desktop notifications, webhooks), the alert log and tray health.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use super::engine::AlertEngine;
use super::log::AlertLog;
use super::model::{Alert, AlertId, AlertOutput, Health};
use super::rules::AlertRules;
use super::sink::{Outgoing, Reporter, Sink, SinkReport};
use super::tails::ServerTails;
use crate::clock::now_ms;
use crate::event::{ServerKey, TimestampMs};
use crate::fleet::{Received, Subscription};

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
    /// Where notifying outputs go, each in turn (the desktop, webhooks); none on a headless
    /// box without webhooks.
    pub sinks: Vec<Arc<dyn Sink>>,
    /// The persistent alert history.
    pub log: Option<Box<dyn AlertLog>>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        Self {
            rules: AlertRules::default(),
            tick: Duration::from_secs(1),
            sinks: Vec::new(),
            log: None,
        }
    }
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
    outputs: broadcast::Sender<AlertOutput>,
    reports: Reporter,
    health: watch::Receiver<Health>,
    active: watch::Receiver<Vec<Alert>>,
    task: JoinHandle<()>,
}

impl AlertService {
    /// Starts alerting on the fleet's events. Must be called inside a tokio runtime.
    pub fn start(events: Subscription, options: ServiceOptions) -> Self {
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (outputs, _) = broadcast::channel(OUTPUT_BUFFER);
        let reports = Reporter::new(broadcast::channel(OUTPUT_BUFFER).0);
        let (health_tx, health) = watch::channel(Health::Ok);
        let (active_tx, active) = watch::channel(Vec::new());
        let runner = Runner {
            engine: AlertEngine::new(options.rules),
            tails: ServerTails::default(),
            sinks: options.sinks,
            log: options.log,
            outputs: outputs.clone(),
            reports: reports.clone(),
            health: health_tx,
            active: active_tx,
        };
        let task = tokio::spawn(runner.run(events, command_rx, options.tick));
        Self {
            commands,
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

    /// What became of each output at each sink (shown on the desktop, accepted by a
    /// webhook, failed and why).
    pub fn subscribe_reports(&self) -> broadcast::Receiver<SinkReport> {
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
}

impl Drop for AlertService {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Runner {
    engine: AlertEngine,
    tails: ServerTails,
    sinks: Vec<Arc<dyn Sink>>,
    log: Option<Box<dyn AlertLog>>,
    outputs: broadcast::Sender<AlertOutput>,
    reports: Reporter,
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
            if output.notifies() {
                let outgoing = Outgoing {
                    output: &output,
                    tails: &self.tails,
                    at: now,
                    reporter: &self.reports,
                };
                for sink in &self.sinks {
                    sink.offer(&outgoing);
                }
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

    /// A live, running server that goes offline with a confirmed crash report.
    fn crash_script() -> [ServerEventKind; 4] {
        [
            ServerEventKind::Connection {
                connection: ConnectionState::Live,
            },
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
        ]
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
        for kind in crash_script() {
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

    /// Records what it is offered, as a webhook or the desktop would receive it.
    struct Recording(
        &'static str,
        mpsc::UnboundedSender<(&'static str, AlertOutput)>,
    );

    impl Sink for Recording {
        fn name(&self) -> &str {
            self.0
        }
        fn offer(&self, outgoing: &Outgoing<'_>) {
            let _ = self.1.send((self.0, outgoing.output.clone()));
            outgoing.reporter.report(SinkReport::Delivered {
                sink: self.0.into(),
                summary: "seen".into(),
                id: None,
            });
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_injected_sink_gets_each_notifying_output_and_a_muted_crash_reaches_none() {
        let (bus, events) = broadcast::channel(64);
        let (tx, mut offered) = mpsc::unbounded_channel();
        let mut rules = AlertRules::default();
        rules.set_muted(&ServerKey::new("p", "quiet"), true);
        let service = AlertService::start(
            events.into(),
            ServiceOptions {
                rules,
                sinks: vec![
                    Arc::new(Recording("desktop", tx.clone())),
                    Arc::new(Recording("phone", tx)),
                ],
                ..ServiceOptions::default()
            },
        );
        let mut reports = service.subscribe_reports();
        let mut outputs = service.subscribe_outputs();
        let crash = |server: &str| {
            for kind in crash_script() {
                bus.send(event(server, kind)).expect("service listens");
            }
        };
        crash("quiet");
        crash("loud");
        let mut fired = Vec::new();
        while fired.len() < 2 {
            if let AlertOutput::Fire { alert, delivery } = outputs.recv().await.expect("output") {
                fired.push((
                    alert.id.subject.server().map(|k| k.server.clone()),
                    delivery,
                ));
            }
        }
        assert!(fired.contains(&(Some("quiet".into()), crate::alerts::Delivery::Muted)));
        let mut got = Vec::new();
        for _ in 0..2 {
            let (sink, output) = offered.recv().await.expect("offered");
            let AlertOutput::Fire { alert, .. } = output else {
                panic!("only the crash is offered, got {output:?}")
            };
            assert_eq!(alert.id.kind, crate::alerts::AlertKind::Crash);
            got.push((sink, alert.id.subject.server().map(|k| k.server.clone())));
        }
        got.sort();
        assert_eq!(
            got,
            vec![
                ("desktop", Some("loud".to_owned())),
                ("phone", Some("loud".to_owned()))
            ]
        );
        assert!(
            offered.try_recv().is_err(),
            "the muted crash reached no sink"
        );
        assert!(matches!(
            reports.recv().await.expect("report"),
            SinkReport::Delivered { .. }
        ));
    }
}
