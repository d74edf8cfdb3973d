//! Wings websocket conformance over real loopback sockets, per profile
//! (`docs/protocols/wings.md` §1-§10, §13).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aerie_sim::{Behaviour, PowerState, Profile, Timings, TokenSpec};
use common::{Ev, Ws, daemon_line, first_server, sim, ws_url};
use futures_util::SinkExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

const PROFILES: [Profile; 3] = [Profile::Ptero111, Profile::PteroNew, Profile::Pelican];

#[tokio::test]
async fn wrong_origin_is_a_plain_403_and_unknown_uuid_a_404_json() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let url = ws_url(&sim, &server);
        for origin in ["http://evil.example", ""] {
            let mut req =
                tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                    url.as_str(),
                )
                .unwrap();
            if !origin.is_empty() {
                req.headers_mut().insert("Origin", origin.parse().unwrap());
            }
            match tokio_tungstenite::connect_async(req).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                    assert_eq!(resp.status(), 403, "{profile:?} origin {origin:?}");
                    let body = resp.body().clone().unwrap_or_default();
                    assert_eq!(String::from_utf8_lossy(&body), "Forbidden\n");
                }
                other => panic!("{profile:?}: expected 403, got {other:?}"),
            }
        }
        let node = &sim.panels()[0].nodes[0].url;
        let resp = reqwest::get(format!(
            "{node}/api/servers/00000000-0000-0000-0000-000000000000/ws"
        ))
        .await
        .unwrap();
        assert_eq!(resp.status(), 404);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(
            v["error"],
            "The requested resource does not exist on this instance."
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn first_auth_sends_status_refresh_only_auth_success() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        sim.set_behaviour(&server.uuid, Behaviour::Offline).unwrap();
        sim.power(&server.uuid, aerie_sim::PowerAction::Kill)
            .unwrap();
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        let token = sim.mint_token(&server.uuid, TokenSpec::default()).unwrap();
        ws.send("auth", &[&token]).await;
        let first: Vec<Ev> = vec![
            ws.next().await.unwrap(),
            ws.next().await.unwrap(),
            ws.next().await.unwrap(),
        ];
        assert_eq!(first[0].event, "auth success");
        assert!(first[0].args.is_empty(), "args omitted for arg-less events");
        assert_eq!(
            (first[1].event.as_str(), first[1].arg()),
            ("status", "offline")
        );
        assert_eq!(
            first[2].event, "stats",
            "offline server gets one stats snapshot on first auth"
        );

        // Refresh on the same socket: only `auth success`, then the fence reply.
        let token = sim.mint_token(&server.uuid, TokenSpec::default()).unwrap();
        ws.send("auth", &[&token]).await;
        assert_eq!(ws.next().await.unwrap().event, "auth success");
        ws.send("send stats", &[]).await;
        assert_eq!(
            ws.next().await.unwrap().event,
            "stats",
            "{profile:?}: nothing but auth success on refresh"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn stats_are_json_strings_with_the_profile_fields() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        assert_eq!(ws.expect("status").await.arg(), "running");
        let a = ws.expect("stats").await;
        let b = ws.expect("stats").await;
        let (a, b): (Value, Value) = (
            serde_json::from_str(a.arg()).unwrap(),
            serde_json::from_str(b.arg()).unwrap(),
        );
        for key in [
            "memory_bytes",
            "memory_limit_bytes",
            "cpu_absolute",
            "uptime",
            "state",
            "disk_bytes",
        ] {
            assert!(b.get(key).is_some(), "{profile:?} stats lacks {key}");
        }
        assert_eq!(b["state"], "running");
        assert!(
            b["network"]["rx_bytes"].as_u64() >= a["network"]["rx_bytes"].as_u64(),
            "cumulative rx"
        );
        assert!(
            b["uptime"].as_u64() > a["uptime"].as_u64(),
            "uptime in ms grows"
        );
        assert_eq!(b.get("disk_io").is_some(), profile == Profile::Pelican);
        sim.shutdown().await;
    }
}

fn short_tokens() -> Timings {
    Timings {
        token_lifetime: Duration::from_secs(3),
        expiry_tick: Duration::from_millis(250),
        expiring_window: Duration::from_secs(2),
        ..Timings::fast()
    }
}

#[tokio::test]
async fn token_expiring_then_reauth_on_the_same_socket() {
    for profile in PROFILES {
        let sim = sim(profile, short_tokens()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        let ev = ws.expect("token expiring").await;
        assert!(ev.args.is_empty());
        let token = sim.mint_token(&server.uuid, TokenSpec::default()).unwrap();
        ws.send("auth", &[&token]).await;
        // Until auth success only stats/console may arrive; no status is resent afterwards.
        ws.expect("auth success").await;
        for _ in 0..3 {
            let ev = ws.next().await.unwrap();
            assert!(
                ev.event == "stats" || ev.event == "console output",
                "{profile:?}: {ev:?}"
            );
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn after_expiry_every_event_becomes_a_jwt_error_until_reauth() {
    for profile in PROFILES {
        let sim = sim(profile, short_tokens()).await;
        let server = first_server(&sim);
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        // JWT times are whole seconds: 2 s leaves 1-2 s, never an already-expired token.
        let spec = TokenSpec {
            lifetime: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        ws.send("auth", &[&sim.mint_token(&server.uuid, spec).unwrap()])
            .await;
        ws.expect("auth success").await;
        ws.expect_where("jwt error", |e| e.event == "jwt error")
            .await;
        // The flood: stats ticks keep coming, each replaced by a raw jwt error.
        for _ in 0..5 {
            let ev = ws.next().await.unwrap();
            assert_eq!(ev.event, "jwt error", "{profile:?}");
            assert_eq!(ev.arg(), "jwt: exp claim is invalid", "raw, no prefix");
        }
        ws.send(
            "auth",
            &[&sim.mint_token(&server.uuid, TokenSpec::default()).unwrap()],
        )
        .await;
        ws.expect("auth success").await;
        ws.expect("stats").await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn commands_and_power_without_permission_are_silently_ignored() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        let spec = TokenSpec {
            permissions: vec!["websocket.connect".into()],
            ..Default::default()
        };
        ws.send("auth", &[&sim.mint_token(&server.uuid, spec).unwrap()])
            .await;
        ws.expect("auth success").await;
        ws.send("send command", &["say hello"]).await;
        ws.send("set state", &["stop"]).await;
        ws.send("set state", &["kill"]).await;
        // Fence: the reply to `send stats` comes after anything the ignored messages caused.
        ws.send("send stats", &[]).await;
        loop {
            let ev = ws.next().await.unwrap();
            assert_ne!(
                ev.event, "daemon error",
                "{profile:?}: silence, not an error"
            );
            assert!(!ev.arg().contains("hello"), "command must not run");
            assert!(
                ev.event != "status" || ev.arg() == "running",
                "{profile:?}: {ev:?}"
            );
            if ev.event == "stats" {
                break;
            }
        }
        assert_eq!(sim.server_state(&server.uuid), Some(PowerState::Running));
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn crash_restarts_then_a_second_crash_within_the_window_aborts() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        assert_eq!(ws.expect("status").await.arg(), "running");
        sim.crash_server(&server.uuid).unwrap();
        assert_eq!(
            ws.expect("status").await.arg(),
            "offline",
            "no stopping before offline"
        );
        let zero: Value = serde_json::from_str(ws.expect("stats").await.arg()).unwrap();
        assert_eq!(zero["memory_bytes"], 0);
        assert_eq!(zero["uptime"], 0);
        for line in [
            "---------- Detected server process in a crashed state! ----------",
            "Exit code: 1",
            "Out of memory: false",
        ] {
            let want = daemon_line(profile, line);
            ws.expect_where(line, |e| e.event == "console output" && e.arg() == want)
                .await;
        }
        assert_eq!(ws.statuses_until("running").await, ["starting", "running"]);

        sim.crash_server(&server.uuid).unwrap();
        assert_eq!(ws.expect("status").await.arg(), "offline");
        let abort = daemon_line(
            profile,
            "Aborting automatic restart, last crash occurred less than 2 seconds ago.",
        );
        ws.expect_where("abort line", |e| e.arg() == abort).await;
        ws.send("send stats", &[]).await;
        let s: Value = serde_json::from_str(ws.expect("stats").await.arg()).unwrap();
        assert_eq!(s["state"], "offline", "stays offline after the abort");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn stop_goes_through_stopping_and_the_egg_stop_command_too() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        assert_eq!(ws.expect("status").await.arg(), "running");
        ws.send("set state", &["restart"]).await;
        assert_eq!(
            ws.statuses_until("running").await,
            ["stopping", "offline", "starting", "running"]
        );
        ws.send("set state", &["stop"]).await;
        assert_eq!(ws.statuses_until("offline").await, ["stopping", "offline"]);
        ws.send("set state", &["start"]).await;
        assert_eq!(ws.statuses_until("running").await, ["starting", "running"]);
        // The egg's stop command typed in the console (one of these is this egg's).
        ws.send("send command", &["stop"]).await;
        ws.send("send command", &["quit"]).await;
        ws.send("send command", &["exit"]).await;
        ws.send("send command", &["^C"]).await;
        assert_eq!(ws.statuses_until("offline").await, ["stopping", "offline"]);
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn send_logs_replays_when_running_and_says_nothing_when_offline() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        ws.expect("status").await;
        ws.send("send logs", &[]).await;
        let ev = ws.expect("console output").await;
        assert!(
            !ev.arg().contains("Daemon]"),
            "daemon lines are not replayed"
        );
        ws.send("set state", &["kill"]).await;
        ws.statuses_until("offline").await;
        ws.send("send logs", &[]).await;
        ws.send("send stats", &[]).await;
        let ev = ws.next().await.unwrap();
        assert_eq!(
            ev.event, "stats",
            "{profile:?}: offline send logs yields nothing"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn bad_signature_is_a_generic_prefixed_daemon_error_and_socket_stays_open() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        let bad = TokenSpec {
            wrong_secret: true,
            ..Default::default()
        };
        ws.send("auth", &[&sim.mint_token(&server.uuid, bad).unwrap()])
            .await;
        let ev = ws.next().await.unwrap();
        assert_eq!(ev.event, "daemon error");
        assert!(ev.arg().starts_with("Error Event ["), "{}", ev.arg());
        assert!(
            ev.arg()
                .ends_with("]: an unexpected error was encountered while handling this request")
        );
        // Unauthenticated requests get the raw jwt error.
        ws.send("send stats", &[]).await;
        let ev = ws.next().await.unwrap();
        assert_eq!(
            (ev.event.as_str(), ev.arg()),
            ("jwt error", "jwt: no jwt present")
        );
        ws.send(
            "auth",
            &[&sim.mint_token(&server.uuid, TokenSpec::default()).unwrap()],
        )
        .await;
        ws.expect("auth success").await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn scope_is_required_on_new_profiles_only() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        let spec = TokenSpec {
            no_scope: true,
            ..Default::default()
        };
        ws.send("auth", &[&sim.mint_token(&server.uuid, spec).unwrap()])
            .await;
        let ev = ws.next().await.unwrap();
        if profile == Profile::Ptero111 {
            assert_eq!(ev.event, "auth success");
        } else {
            assert_eq!(ev.event, "jwt error");
            assert!(
                ev.arg().ends_with("]: jwt: missing connect permission"),
                "prefixed: {}",
                ev.arg()
            );
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn throttled_on_new_profiles_per_event_then_global() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        sim.set_behaviour(&server.uuid, Behaviour::Offline).unwrap();
        sim.power(&server.uuid, aerie_sim::PowerAction::Kill)
            .unwrap();
        let mut ws = Ws::authed(&sim, &server).await;
        ws.expect("stats").await; // first-auth snapshot (offline)
        // One write for all eleven, so no refill can happen between them.
        for _ in 0..11 {
            let frame = serde_json::json!({"event": "send stats", "args": []}).to_string();
            ws.inner.feed(Message::text(frame)).await.unwrap();
        }
        ws.inner.flush().await.unwrap();
        let mut got = Vec::new();
        for _ in 0..if profile.has_limits() { 6 } else { 11 } {
            got.push(ws.next().await.unwrap());
        }
        let names: Vec<(&str, &str)> = got.iter().map(|e| (e.event.as_str(), e.arg())).collect();
        if profile.has_limits() {
            // `send stats` shares the 4-burst default bucket; auth used one global token, so
            // the 10th `send stats` is the first the global bucket refuses.
            assert_eq!(
                names.iter().filter(|n| n.0 == "stats").count(),
                4,
                "{names:?}"
            );
            assert!(names.contains(&("throttled", "send stats")), "{names:?}");
            assert!(names.contains(&("throttled", "global")), "{names:?}");
        } else {
            assert!(names.iter().all(|n| n.0 == "stats"), "{names:?}");
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn oversized_frames_close_1009_on_new_profiles() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        let big = format!(
            r#"{{"event":"send command","args":["{}"]}}"#,
            "x".repeat(5000)
        );
        ws.send_raw(big).await;
        if profile.has_limits() {
            assert_eq!(ws.close_code().await, Some(1009), "{profile:?}");
        } else {
            ws.send("send stats", &[]).await;
            ws.expect("stats").await;
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn suspended_server_closes_4409_on_new_profiles() {
    for profile in [Profile::PteroNew, Profile::Pelican] {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        sim.suspend_server(&server.uuid, true).unwrap();
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        assert_eq!(ws.close_code().await, Some(4409));
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn ptero_new_drops_sockets_that_never_authenticate() {
    let timings = Timings {
        auth_deadline: Duration::from_millis(300),
        ..Timings::fast()
    };
    let sim = sim(Profile::PteroNew, timings).await;
    let server = first_server(&sim);
    let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
    assert_eq!(ws.close_code().await, None, "dropped without a close frame");
    sim.shutdown().await;
}

#[tokio::test]
async fn console_flood_is_throttled_with_one_daemon_line() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let server = first_server(&sim);
    let mut ws = Ws::authed(&sim, &server).await;
    sim.flood_console(&server.uuid, 200_000).unwrap();
    let want = daemon_line(
        Profile::Pelican,
        "Server is outputting console data too quickly -- throttling...",
    );
    ws.expect_where("throttle line", |e| e.arg() == want).await;
    sim.flood_console(&server.uuid, 0).unwrap();
    sim.shutdown().await;
}

#[tokio::test]
async fn eula_prompt_sends_feature_match_on_pelican() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let server = sim
        .add_server(
            &first_server(&sim).node,
            aerie_sim::ServerSpec {
                name: "Needs EULA".into(),
                behaviour: Behaviour::Offline,
                egg: 0,
            },
        )
        .unwrap();
    let mut ws = Ws::authed(&sim, &server).await;
    sim.set_behaviour(&server.uuid, Behaviour::EulaPrompt)
        .unwrap();
    let ev = ws.expect("feature match").await;
    let v: Value = serde_json::from_str(ev.arg()).unwrap();
    assert_eq!(v["key"], "eula");
    assert_eq!(ws.expect("status").await.arg(), "offline");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_second_power_action_while_one_runs_is_a_busy_daemon_error() {
    let timings = Timings {
        stop_time: Duration::from_secs(5),
        ..Timings::fast()
    };
    let sim = sim(Profile::Pelican, timings).await;
    let server = first_server(&sim);
    let mut ws = Ws::authed(&sim, &server).await;
    assert_eq!(ws.expect("status").await.arg(), "running");
    ws.send("set state", &["stop"]).await;
    assert_eq!(ws.expect("status").await.arg(), "stopping");
    ws.send("set state", &["restart"]).await;
    let ev = ws.expect("daemon error").await;
    assert!(
        ev.arg().ends_with(
            "another power action is currently being processed for this server, please try again later"
        ),
        "{}",
        ev.arg()
    );
    // Kill skips the power lock, which is how the panel's Kill button works while stopping.
    ws.send("set state", &["kill"]).await;
    assert_eq!(ws.expect("status").await.arg(), "offline");
    sim.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn token_times_follow_tokio_virtual_time() {
    let before = aerie_sim::clock::now_secs();
    tokio::time::advance(Duration::from_secs(601)).await;
    assert!(aerie_sim::clock::now_secs() >= before + 601);
}

#[tokio::test]
async fn a_token_for_another_server_fails_at_auth_only_on_ptero_new() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let other = sim.panels()[0].servers[1].uuid.clone();
        let mut ws = Ws::connect(&ws_url(&sim, &server), &sim.panels()[0].url).await;
        let spec = TokenSpec {
            server_uuid: Some(other),
            ..Default::default()
        };
        ws.send("auth", &[&sim.mint_token(&server.uuid, spec).unwrap()])
            .await;
        let ev = ws.next().await.unwrap();
        if profile == Profile::PteroNew {
            assert_eq!(ev.event, "jwt error");
            assert!(ev.arg().ends_with("]: jwt: server uuid mismatch"));
        } else {
            // Accepted, then the follow-up status arrives as a raw jwt error.
            assert_eq!(ev.event, "auth success", "{profile:?}");
            let ev = ws.next().await.unwrap();
            assert_eq!(
                (ev.event.as_str(), ev.arg()),
                ("jwt error", "jwt: server uuid mismatch")
            );
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn thirty_sockets_per_server_on_new_profiles() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let url = ws_url(&sim, &server);
        let origin = sim.panels()[0].url.clone();
        let mut open = Vec::new();
        for _ in 0..30 {
            open.push(Ws::connect(&url, &origin).await);
        }
        let mut req =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                url.as_str(),
            )
            .unwrap();
        req.headers_mut().insert("Origin", origin.parse().unwrap());
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert!(profile.has_limits(), "{profile:?} has no cap");
                assert_eq!(resp.status(), 400);
                let body = resp.body().clone().unwrap_or_default();
                let v: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(v["error"], "Too many open websocket connections.");
            }
            Ok(_) => assert!(!profile.has_limits(), "{profile:?} must refuse the 31st"),
            Err(e) => panic!("{e}"),
        }
        drop(open);
        sim.shutdown().await;
    }
}
