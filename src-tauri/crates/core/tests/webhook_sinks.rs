//! Alert sinks against real HTTP receivers on 127.0.0.1: what each kind of webhook receives,
//! retries (5xx, no answer, 429) and no retry on other 4xx, the severity filter, the queue's
//! bound, and that no webhook URL or token shows up in a request body, header or log line.
//!
//! Timing is by events (the receiver reports each request) and short real timeouts; nothing
//! sleeps to synchronise.

mod webhook_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aerie_core::alerts::{
    Alert, AlertId, AlertKind, AlertOutput, AlertService, Delivery, Reporter, ServiceOptions,
    Severity, SinkReport, Subject,
};
use aerie_core::clock::now_ms;
use aerie_core::event::{
    ConnectionState, Fact, PowerState, ServerEvent, ServerEventKind, ServerKey,
};
use aerie_core::notify::webhook::{
    Endpoint, Message, WebhookOptions, WebhookSink, WebhookUrl, Webhooks,
};
use aerie_core::secrets::{MemoryStore, Secret, SecretStore};
use aerie_core::settings::{SettingsFile, SinkKind};
use aerie_core::socket::{ReconnectPolicy, Strategy};
use tokio::sync::broadcast;
use webhook_support::{Receiver, Reply, Seen, assert_nowhere, capture};

/// Fast retries, so a test of five attempts takes milliseconds.
fn fast(timeout: Duration) -> WebhookOptions {
    WebhookOptions {
        timeout,
        retry: ReconnectPolicy {
            strategy: Strategy::Exponential,
            base: Duration::from_millis(5),
            cap: Duration::from_millis(40),
            max_attempts: Some(4),
            ..ReconnectPolicy::default()
        },
        retry_after_cap: Duration::from_millis(100),
        queue: 8,
    }
}

fn endpoint(kind: SinkKind, url: &str, options: WebhookOptions) -> Endpoint {
    let url = WebhookUrl::parse(&Secret::new(url)).expect("loopback URL");
    Endpoint::new("Ops", kind, url, options).expect("client")
}

fn alert(severity: Severity, title: &str) -> Alert {
    let key = ServerKey::new("acct01", "srv1");
    Alert {
        id: AlertId {
            kind: AlertKind::Crash,
            subject: Subject::Server { key: key.clone() },
        },
        severity,
        name: "Survival".into(),
        title: title.into(),
        detail: "Exit code 137, out of memory".into(),
        since: 0,
        fired_at: 0,
        exit_code: Some(137),
        oom: Some(true),
        servers: vec![key],
        acknowledged: false,
    }
}

fn message(severity: Severity, title: &str) -> Message {
    let panels = HashMap::from([("acct01".to_owned(), "Home".to_owned())]);
    let out = AlertOutput::Fire {
        alert: alert(severity, title),
        delivery: Delivery::Notify,
    };
    Message::from_output(&out, 1_796_600_000_000, &panels).expect("a message")
}

fn drain(r: &mut Receiver) -> Vec<Seen> {
    std::iter::from_fn(|| r.seen.try_recv().ok()).collect()
}

#[tokio::test]
async fn each_kind_gets_its_own_payload_with_server_panel_severity_title_message_and_time() {
    capture();
    let mut rx = Receiver::start(vec![], Reply::Status(204)).await;
    let token = "TOKENshape0001";
    let urls = [
        (
            SinkKind::Discord,
            format!("{}/api/webhooks/991/{token}", rx.base),
        ),
        (SinkKind::Ntfy, format!("{}/aerie-{token}", rx.base)),
        (
            SinkKind::Slack,
            format!("{}/services/T0/B0/{token}", rx.base),
        ),
        (SinkKind::Json, format!("{}/hook?key={token}", rx.base)),
    ];
    let m = message(Severity::Critical, "Survival crashed");
    let mut seen = Vec::new();
    for (kind, url) in &urls {
        endpoint(*kind, url, fast(Duration::from_secs(5)))
            .send(&m)
            .await
            .expect("delivered");
        seen.push(rx.next().await);
    }

    let discord = seen[0].json();
    let embed = &discord["embeds"][0];
    assert_eq!(embed["title"], "Survival crashed");
    assert_eq!(embed["description"], "Exit code 137, out of memory");
    assert_eq!(embed["timestamp"], "2026-12-06T23:33:20Z");
    assert_eq!(embed["color"], 0xE7_4C_3C, "critical is red");
    let fields: Vec<(String, String)> = embed["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or("").into(),
                f["value"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("Server", "Survival"),
            ("Panel", "Home"),
            ("Severity", "critical")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
    assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
    assert_eq!(seen[0].header("content-type"), Some("application/json"));

    let ntfy = &seen[1];
    assert_eq!(ntfy.header("title"), Some("Survival crashed"));
    assert_eq!(ntfy.header("priority"), Some("5"));
    assert_eq!(ntfy.header("tags"), Some("rotating_light"));
    assert_eq!(
        ntfy.body,
        "Exit code 137, out of memory\nServer Survival · Panel Home · 2026-12-06T23:33:20Z"
    );

    let slack = seen[2].json();
    assert_eq!(
        slack["text"],
        "*[CRITICAL] Survival crashed*\nExit code 137, out of memory\n_Server Survival · Panel Home · 2026-12-06T23:33:20Z_"
    );

    let json = seen[3].json();
    for (field, value) in [
        ("source", "aerie"),
        ("event", "fire"),
        ("alert", "crash"),
        ("severity", "critical"),
        ("server", "Survival"),
        ("panel", "Home"),
        ("title", "Survival crashed"),
        ("message", "Exit code 137, out of memory"),
        ("time", "2026-12-06T23:33:20Z"),
    ] {
        assert_eq!(json[field], value, "{field}");
    }
    assert_eq!(json["time_ms"], 1_796_600_000_000u64);

    // The capture sees the HTTP stack's own lines (reqwest logs through `log`), so the
    // secret scans below cover them too.
    let logs = webhook_support::logs();
    assert!(logs.contains("starting new connection"), "{logs}");
    assert_nowhere(token, &seen);
    for (_, url) in &urls {
        assert_nowhere(url, &seen);
    }
}

#[tokio::test]
async fn a_500_is_retried_until_the_receiver_takes_it() {
    capture();
    let mut rx = Receiver::start(
        vec![Reply::Status(500), Reply::Status(502)],
        Reply::Status(200),
    )
    .await;
    let url = format!("{}/api/webhooks/1/TOKENretry5xx", rx.base);
    endpoint(SinkKind::Discord, &url, fast(Duration::from_secs(5)))
        .send(&message(Severity::Warning, "Retry me"))
        .await
        .expect("delivered on the third attempt");
    let seen = drain(&mut rx);
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|s| s.body == seen[0].body),
        "the same alert each time"
    );
    assert_nowhere("TOKENretry5xx", &seen);
}

#[tokio::test]
async fn no_answer_in_time_is_retried_and_the_next_attempt_delivers() {
    capture();
    let mut rx = Receiver::start(vec![Reply::Hang], Reply::Status(200)).await;
    let url = format!("{}/topic-TOKENtimeout", rx.base);
    endpoint(SinkKind::Ntfy, &url, fast(Duration::from_secs(1)))
        .send(&message(Severity::Critical, "Slow receiver"))
        .await
        .expect("delivered after the timeout");
    let seen = drain(&mut rx);
    assert_eq!(seen.len(), 2, "the hung attempt and the retry");
    rx.release();
    assert_nowhere("TOKENtimeout", &seen);
}

#[tokio::test]
async fn a_4xx_is_not_retried_and_its_error_never_quotes_the_url() {
    capture();
    let mut rx = Receiver::start(vec![Reply::Echo(404)], Reply::Status(200)).await;
    let url = format!("{}/api/webhooks/77/TOKENgone4xx", rx.base);
    let err = endpoint(SinkKind::Discord, &url, fast(Duration::from_secs(5)))
        .send(&message(Severity::Critical, "Deleted webhook"))
        .await
        .expect_err("a deleted webhook fails")
        .to_string();
    assert!(err.contains("HTTP 404"), "{err}");
    assert!(err.contains("remove the sink and add it again"), "{err}");
    assert!(
        !err.contains("TOKENgone4xx") && !err.contains("/77/"),
        "{err}"
    );
    let seen = drain(&mut rx);
    assert_eq!(seen.len(), 1, "not retried");
    assert_nowhere("TOKENgone4xx", &seen);
}

#[tokio::test]
async fn a_429_waits_its_retry_after_but_no_longer_than_the_cap() {
    capture();
    let mut rx = Receiver::start(vec![Reply::RetryAfter("3600")], Reply::Status(200)).await;
    let url = format!("{}/services/T/B/TOKENlimited", rx.base);
    let mut options = fast(Duration::from_secs(5));
    // Without Retry-After the backoff would wait 30 s: the cap (100 ms) is what is used.
    options.retry.base = Duration::from_secs(30);
    options.retry.cap = Duration::from_secs(30);
    let started = Instant::now();
    endpoint(SinkKind::Slack, &url, options)
        .send(&message(Severity::Warning, "Rate limited"))
        .await
        .expect("delivered after the capped wait");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert_eq!(drain(&mut rx).len(), 2);
}

#[tokio::test]
async fn a_sink_for_critical_alerts_skips_warnings() {
    capture();
    let mut rx = Receiver::start(vec![], Reply::Status(200)).await;
    let url = format!("{}/hook/TOKENfilter", rx.base);
    let sink = WebhookSink::start(
        endpoint(SinkKind::Json, &url, fast(Duration::from_secs(5))),
        Severity::Critical,
        HashMap::new(),
    );
    let reporter = Reporter::new(broadcast::channel(16).0);
    let mut reports = reporter.subscribe();
    sink.enqueue(message(Severity::Warning, "High CPU"), &reporter);
    sink.enqueue(message(Severity::Critical, "Crashed"), &reporter);
    // FIFO: had the warning passed the filter, it would arrive first.
    assert_eq!(rx.next().await.json()["title"], "Crashed");
    assert!(matches!(
        reports.recv().await.expect("report"),
        SinkReport::Delivered { summary, .. } if summary == "Crashed"
    ));
    assert!(rx.seen.try_recv().is_err(), "nothing else was sent");
}

#[tokio::test]
async fn a_dead_receiver_keeps_only_the_newest_alerts_and_the_drops_are_counted_and_logged() {
    capture();
    let mut rx = Receiver::start(vec![], Reply::Hang).await;
    let url = format!("{}/hook/TOKENqueue", rx.base);
    let mut options = fast(Duration::from_secs(60));
    options.queue = 2;
    let sink = WebhookSink::start(
        endpoint(SinkKind::Json, &url, options),
        Severity::Warning,
        HashMap::new(),
    );
    let reporter = Reporter::new(broadcast::channel(16).0);
    // Ten alerts while the delivery task has not run yet: two fit, eight are dropped, and
    // enqueueing never waited.
    for i in 0..10 {
        sink.enqueue(message(Severity::Warning, &format!("alert {i}")), &reporter);
    }
    assert_eq!(sink.dropped(), 8);
    assert_eq!(
        rx.next().await.json()["title"],
        "alert 8",
        "the oldest went first"
    );
    rx.release();
    assert_eq!(rx.next().await.json()["title"], "alert 9");
    let logs = webhook_support::logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("webhook queue full") && l.contains("dropped=8")),
        "{logs}"
    );
    assert_nowhere("TOKENqueue", &drain(&mut rx));
}

/// The whole path: a crash on the fleet's bus, the alert service, the sinks configured in the
/// settings file with URLs in a secret store, the receiver.
#[tokio::test]
async fn a_crash_on_the_bus_reaches_every_configured_webhook() {
    capture();
    let mut rx = Receiver::start(vec![], Reply::Status(204)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = SettingsFile::new(dir.path().join("settings.toml"));
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
    let hooks = Webhooks::new(settings.clone(), Arc::clone(&secrets));
    for (name, kind, path) in [
        ("Discord", SinkKind::Discord, "/api/webhooks/5/TOKENbusD"),
        ("Phone", SinkKind::Ntfy, "/TOKENbusN"),
    ] {
        hooks
            .add(
                name,
                kind,
                &Secret::new(format!("{}{path}", rx.base)),
                Severity::Warning,
            )
            .expect("added");
    }
    let sinks = hooks
        .sinks(&fast(Duration::from_secs(5)))
        .expect("sinks")
        .into_iter()
        .map(|s| s as Arc<dyn aerie_core::alerts::Sink>)
        .collect();
    let (bus, events) = broadcast::channel(64);
    let service = AlertService::start(
        events.into(),
        ServiceOptions {
            sinks,
            ..ServiceOptions::default()
        },
    );
    let mut reports = service.subscribe_reports();
    let key = ServerKey::new("acct", "srv9");
    for kind in [
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
    ] {
        bus.send(ServerEvent {
            key: key.clone(),
            at: now_ms(),
            kind,
        })
        .expect("service listens");
    }
    let mut seen = vec![rx.next().await, rx.next().await];
    seen.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(seen[0].path.ends_with("/TOKENbusN") && seen[1].path.ends_with("/TOKENbusD"));
    assert!(
        seen[0]
            .header("title")
            .is_some_and(|t| t.contains("crashed")),
        "{seen:?}"
    );
    let mut delivered = Vec::new();
    while delivered.len() < 2 {
        match reports.recv().await.expect("reports") {
            SinkReport::Delivered { sink, .. } => delivered.push(sink),
            SinkReport::Failed { sink, error, .. } => panic!("{sink}: {error}"),
        }
    }
    delivered.sort();
    assert_eq!(delivered, ["Discord", "Phone"]);
    for t in ["TOKENbusD", "TOKENbusN"] {
        assert_nowhere(t, &seen);
    }
    let text = std::fs::read_to_string(settings.path()).expect("settings");
    assert!(
        !text.contains("TOKENbus") && !text.contains("127.0.0.1"),
        "{text}"
    );
}
