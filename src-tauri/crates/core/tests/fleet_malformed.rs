//! Hostile input on a live session: garbage, binary, truncated JSON, wrong types, huge and
//! deeply nested frames, unknown events, stats of the wrong shape. Nothing panics, the socket
//! stays up, and valid frames after them still update the snapshot.
#![allow(clippy::unwrap_used)]

mod fleet_support;

use aerie_core::event::{ConnectionState, ConsoleOrigin, PowerState, ServerEventKind};
use aerie_sim::{Behaviour, BehaviourPlan, Injected};
use fleet_support::*;

fn frame(event: &str, args: serde_json::Value) -> Injected {
    Injected::Text(serde_json::json!({"event": event, "args": args}).to_string())
}

fn hostile() -> Vec<Injected> {
    let text = |s: &str| Injected::Text(s.to_owned());
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    vec![
        text("garbage {{{ not json"),
        text(""),
        text("null"),
        text("[]"),
        text("\"just a string\""),
        text(r#"{"event":5,"args":["x"]}"#),
        text(r#"{"args":["no event"]}"#),
        text(r#"{"event":"console output","args":"not an array"}"#),
        text(r#"{"event":"console output","args":[1,2,3]}"#),
        text(r#"{"event":"console output","args":[{"nested":true}]}"#),
        text(r#"{"event":"stats","args":["{\"memory_bytes\":"#),
        text(r#"{"event":"stats","args":["{\"memory_bytes\":12"]}"#),
        text(r#"{"event":"status","args":["exploded"]}"#),
        text(r#"{"event":"status","args":[]}"#),
        text(r#"{"event":"auth success","args":[true]}"#),
        text(&deep),
        frame("stats", serde_json::json!(["[1,2,3]"])),
        frame("stats", serde_json::json!([42])),
        frame("stats", serde_json::json!([null])),
        frame("stats", serde_json::json!(["not json at all"])),
        frame(
            "stats",
            serde_json::json!([
                r#"{"memory_bytes":"lots","network":7,"cpu_absolute":"NaN","uptime":-5,"disk_io":[1]}"#
            ]),
        ),
        frame("stats", serde_json::json!([{"network": {"rx_bytes": "x"}}])),
        frame("no such event", serde_json::json!(["x"])),
        frame("transfer status", serde_json::json!([{"a": 1}])),
        frame("feature match", serde_json::json!(["{not json"])),
        frame("feature match", serde_json::json!([r#"{"line":"no key"}"#])),
        frame("backup completed", serde_json::json!(["{\"uuid\":"])),
        frame("jwt error", serde_json::json!([7])),
        frame("daemon error", serde_json::json!([null, null])),
        // Wide: thousands of arguments.
        frame("console output", serde_json::json!(vec!["x"; 5_000])),
        // Long: one 200 KB line (Wings caps at 64 KiB; Aerie keeps at most that).
        frame("console output", serde_json::json!(["y".repeat(200_000)])),
        Injected::Binary(vec![0, 159, 146, 150, 255]),
        Injected::Binary(br#"{"event":"console output","args":["binary"]}"#.to_vec()),
    ]
}

#[tokio::test]
async fn malformed_frames_are_ignored_and_the_session_carries_on() {
    for profile in PROFILES {
        let sim = world(profile, 1, BehaviourPlan::All(Behaviour::Idle)).await;
        let (fleet, mut sub) = watch(&sim, fast_fleet()).await;
        wait_snapshot(&fleet, &mut sub, "live and running", |s| {
            s[0].connection == ConnectionState::Live && s[0].state == Some(PowerState::Running)
        })
        .await;
        let id = sim.panels()[0].servers[0].identifier.clone();
        let key = fleet.find(&id).unwrap();
        let before = fleet.snapshot()[0].socket;

        let mut frames = hostile();
        frames.push(frame(
            "console output",
            serde_json::json!(["after the garbage"]),
        ));
        sim.inject_frames(&id, &frames).unwrap();
        let mut long_line = None;
        wait_for(&mut sub, "the valid line after the garbage", |e| {
            if let ServerEventKind::Console { line, origin } = &e.kind {
                assert_ne!(
                    line.as_str(),
                    "binary",
                    "{profile:?}: binary frames are not text"
                );
                if line.starts_with("yyyy") {
                    long_line = Some(line.len());
                }
                // Within the first seconds after auth it may count as part of the replay.
                e.key == key && line == "after the garbage" && *origin != ConsoleOrigin::Daemon
            } else {
                false
            }
        })
        .await;
        assert_eq!(
            long_line,
            Some(64 * 1024),
            "{profile:?}: the 200 KB line is kept, capped at 64 KiB"
        );
        // Still the same socket, still live, and real stats keep updating the snapshot.
        wait_for(&mut sub, "a real stats sample", |e| {
            e.key == key
                && matches!(&e.kind, ServerEventKind::Stats { stats, .. } if stats.memory_bytes > 0)
        })
        .await;
        let after = fleet.snapshot();
        assert_eq!(after[0].connection, ConnectionState::Live, "{profile:?}");
        assert_eq!(after[0].state, Some(PowerState::Running), "{profile:?}");
        assert_eq!(
            after[0].socket.connects, before.connects,
            "{profile:?}: no reconnect"
        );
        assert!(after[0].stats.is_some_and(|s| s.memory_bytes > 0));
        fleet.shutdown().await;
        sim.shutdown().await;
    }
}
