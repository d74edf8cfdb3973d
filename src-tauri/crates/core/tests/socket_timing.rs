//! Time-based behaviour: reconnect delays per strategy (virtual time), fallback order,
//! heartbeat latency and dead-link detection on a stalled node.
//!
//! Virtual time and real loopback I/O do not mix blindly: a paused clock jumps to the next
//! timer whenever the runtime is idle, even while a packet is on its way. So the clock is paused
//! only across stretches that need no I/O (a backoff sleep, a stalled peer).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::time::Duration;

use aerie_core::socket::{
    Endpoint, HeartbeatOptions, ReconnectPolicy, SocketErrorKind, SocketEvent, SocketHandle,
    SocketOptions, SocketState, Strategy,
};
use futures_util::StreamExt;
use socket_support::{Node, next, opened, refused_url, until};
use tokio::time::Instant;

/// Runs a socket against a refused port and returns, per attempt, the announced delay and
/// the virtual time that actually passed before the next connect started.
async fn observed_delays(strategy: Strategy, attempts: u32) -> Vec<(Duration, Duration)> {
    let mut opts = SocketOptions::new(Endpoint::new(refused_url().await));
    opts.reconnect = ReconnectPolicy {
        strategy,
        base: Duration::from_secs(1),
        cap: Duration::from_secs(8),
        max_attempts: Some(attempts),
        jitter_seed: Some(42),
        ..ReconnectPolicy::default()
    };
    let (_socket, mut events) = SocketHandle::connect(opts);
    let mut out = Vec::new();
    let mut scheduled: Option<(Duration, Instant)> = None;
    loop {
        match next(&mut events).await {
            SocketEvent::ReconnectAttempt { attempt, delay } => {
                assert_eq!(attempt as usize, out.len() + 1);
                scheduled = Some((delay, Instant::now()));
            }
            SocketEvent::Connecting { .. } => {
                if let Some((delay, at)) = scheduled.take() {
                    out.push((delay, at.elapsed()));
                }
            }
            SocketEvent::Error {
                kind: SocketErrorKind::GaveUp,
                ..
            } => break,
            _ => {}
        }
    }
    assert_eq!(
        next(&mut events).await,
        SocketEvent::State(SocketState::Closed)
    );
    out
}

fn secs(v: &[(Duration, Duration)]) -> Vec<u64> {
    v.iter().map(|(d, _)| d.as_secs()).collect()
}

fn waited_as_announced(v: &[(Duration, Duration)]) {
    for (announced, waited) in v {
        assert_eq!(
            announced, waited,
            "the socket waits exactly the announced delay"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn fixed_waits_base_every_time() {
    let d = observed_delays(Strategy::Fixed, 4).await;
    assert_eq!(secs(&d), [1, 1, 1, 1]);
    waited_as_announced(&d);
}

#[tokio::test(start_paused = true)]
async fn exponential_doubles_up_to_the_cap_then_gives_up() {
    let d = observed_delays(Strategy::Exponential, 6).await;
    assert_eq!(secs(&d), [1, 2, 4, 8, 8, 8]);
    waited_as_announced(&d);
}

#[tokio::test(start_paused = true)]
async fn full_jitter_stays_under_the_exponential_curve() {
    let d = observed_delays(Strategy::FullJitter, 8).await;
    waited_as_announced(&d);
    for (i, (delay, _)) in d.iter().enumerate() {
        let bound = Duration::from_secs((1u64 << i).min(8));
        assert!(*delay <= bound, "attempt {}: {delay:?} > {bound:?}", i + 1);
    }
    assert!(
        d.windows(2).any(|w| w[0].0 != w[1].0),
        "jitter varies the delays: {d:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn decorrelated_jitter_stays_between_base_and_cap() {
    let d = observed_delays(Strategy::DecorrelatedJitter, 8).await;
    waited_as_announced(&d);
    for (delay, _) in &d {
        assert!((Duration::from_secs(1)..=Duration::from_secs(8)).contains(delay));
    }
}

#[tokio::test]
async fn fallback_urls_are_tried_in_order_and_the_working_one_is_reported() {
    let mut node = Node::start().await;
    let (a, b) = (refused_url().await, refused_url().await);
    let good = node.url("/ws?token=secret-token");
    let endpoint = Endpoint::new(a.clone()).fallback(b.clone()).fallback(good);
    let (socket, mut events) = SocketHandle::connect(SocketOptions::new(endpoint));
    let mut tried = Vec::new();
    let open_url = loop {
        match next(&mut events).await {
            SocketEvent::Connecting { url } => tried.push(url),
            SocketEvent::Open { url, .. } => break url,
            _ => {}
        }
    };
    let shown_good = format!("ws://{}/ws?token=[redacted]", node.addr);
    assert_eq!(tried, [a, b, shown_good.clone()]);
    assert_eq!(open_url, shown_good);
    assert_eq!(socket.metrics().current_url, shown_good);
    node.accept().await;
}

/// The clock was paused a moment after the timers were armed (real milliseconds).
fn about(elapsed: Duration, secs: u64) {
    let want = Duration::from_secs(secs);
    let slack = Duration::from_millis(100);
    assert!(
        elapsed + slack >= want && elapsed <= want + slack,
        "{elapsed:?} vs {want:?}"
    );
}

fn heartbeat(interval_ms: u64, timeout_ms: u64) -> HeartbeatOptions {
    HeartbeatOptions {
        interval: Some(Duration::from_millis(interval_ms)),
        pong_timeout: Duration::from_millis(timeout_ms),
        ..HeartbeatOptions::default()
    }
}

#[tokio::test]
async fn pings_are_answered_and_latency_is_measured() {
    let mut node = Node::start().await;
    let mut opts = SocketOptions::new(Endpoint::new(node.url("/ws")));
    opts.heartbeat = heartbeat(20, 5_000);
    let (socket, mut events) = SocketHandle::connect(opts);
    let mut conn = node.accept().await;
    // A live peer: reading is enough, tungstenite answers pings with pongs.
    tokio::spawn(async move { while conn.ws.next().await.is_some() {} });
    opened(&mut events).await;
    for _ in 0..3 {
        until(&mut events, |e| match e {
            SocketEvent::Pong { latency } => Some(*latency),
            _ => None,
        })
        .await;
    }
    assert!(socket.metrics().last_latency.is_some());
    assert_eq!(socket.state(), SocketState::Open);
}

#[tokio::test]
async fn a_stalled_node_is_detected_as_a_dead_link_and_left() {
    let mut node = Node::start().await;
    let mut opts = SocketOptions::new(Endpoint::new(node.url("/ws")));
    opts.heartbeat = heartbeat(30_000, 10_000);
    opts.reconnect.strategy = Strategy::Fixed;
    opts.reconnect.base = Duration::from_millis(10);
    let (_socket, mut events) = SocketHandle::connect(opts);
    // Accepted, then never read again: pings go unanswered, like a frozen node.
    let _stalled = node.accept().await;
    opened(&mut events).await;

    tokio::time::pause();
    let start = Instant::now();
    until(&mut events, |e| (*e == SocketEvent::Ping).then_some(())).await;
    about(start.elapsed(), 30);
    let kind = until(&mut events, |e| match e {
        SocketEvent::Error { kind, .. } => Some(*kind),
        _ => None,
    })
    .await;
    assert_eq!(kind, SocketErrorKind::DeadLink);
    about(start.elapsed(), 40); // ping + pong timeout
    let closed = until(&mut events, |e| match e {
        SocketEvent::Closed(c) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!((closed.code, closed.will_reconnect), (1006, true));
    tokio::time::resume();
    node.accept().await;
    opened(&mut events).await;
}

#[tokio::test]
async fn idle_timeout_catches_silence_without_ws_pings() {
    let mut node = Node::start().await;
    let mut opts = SocketOptions::new(Endpoint::new(node.url("/ws")));
    opts.heartbeat = HeartbeatOptions {
        interval: None,
        idle_timeout: Some(Duration::from_secs(45)),
        ..HeartbeatOptions::default()
    };
    let (_socket, mut events) = SocketHandle::connect(opts);
    let _silent = node.accept().await;
    opened(&mut events).await;
    tokio::time::pause();
    let start = Instant::now();
    let kind = until(&mut events, |e| match e {
        SocketEvent::Error { kind, .. } => Some(*kind),
        _ => None,
    })
    .await;
    assert_eq!(kind, SocketErrorKind::DeadLink);
    about(start.elapsed(), 45);
}
