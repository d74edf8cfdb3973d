use base64::Engine;

use super::*;
use crate::secret::Secret;

const NOW: u64 = 1_700_000_000_000;

fn token(exp_secs: u64, url: &str) -> WsToken {
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.sig",
        b.encode("{}"),
        b.encode(format!(r#"{{"exp":{exp_secs}}}"#))
    );
    WsToken::new(Secret::new(jwt), url.to_owned())
}

fn sends(out: &[Output]) -> Vec<String> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send(f) => Some(f.as_str()),
            Output::Authenticate(f) => Some(f.expose()),
            _ => None,
        })
        .filter_map(|f| {
            serde_json::from_str::<serde_json::Value>(f)
                .ok()
                .and_then(|v| v["event"].as_str().map(str::to_owned))
        })
        .collect()
}

fn count(out: &[Output], pred: impl Fn(&Output) -> bool) -> usize {
    out.iter().filter(|o| pred(o)).count()
}

fn mints(out: &[Output]) -> usize {
    count(out, |o| matches!(o, Output::MintToken))
}

fn facts(out: &[Output]) -> Vec<Fact> {
    out.iter()
        .filter_map(|o| match o {
            Output::Event(ServerEventKind::Alert { fact }) => Some(fact.clone()),
            _ => None,
        })
        .collect()
}

/// A session that is live on `ws://a`.
fn live() -> Session {
    let mut s = Session::new(SessionConfig::default());
    let out = s.start(NOW / 1000);
    assert_eq!(mints(&out), 1, "no token yet: mint first");
    let out = s.handle(Input::Token(token(NOW / 1000 + 600, "ws://a")), NOW);
    assert!(matches!(&out[..], [Output::Connect { url }] if url == "ws://a"));
    let out = s.handle(Input::Opened, NOW);
    assert_eq!(sends(&out), ["auth"], "only auth before auth success");
    let out = s.handle(Input::Frame(r#"{"event":"auth success"}"#), NOW);
    assert_eq!(sends(&out), ["send logs", "send stats"]);
    assert!(s.is_live());
    s
}

#[test]
fn nothing_but_auth_is_sent_before_auth_success_then_logs_and_stats() {
    live();
}

#[test]
fn token_expiring_refreshes_in_place_once_despite_a_jwt_error_flood() {
    let mut s = live();
    let mut out = s.handle(Input::Frame(r#"{"event":"token expiring"}"#), NOW);
    out.extend(s.handle(Input::Frame(r#"{"event":"token expiring"}"#), NOW));
    for _ in 0..50 {
        out.extend(s.handle(
            Input::Frame(r#"{"event":"jwt error","args":["jwt: exp claim is invalid"]}"#),
            NOW,
        ));
    }
    assert_eq!(mints(&out), 1, "single-flight minting");
    let out = s.handle(Input::Token(token(NOW / 1000 + 1200, "ws://a")), NOW);
    assert_eq!(sends(&out), ["auth"]);
    assert_eq!(
        count(&out, |o| matches!(o, Output::Connect { .. })),
        0,
        "same socket"
    );
    let out = s.handle(Input::Frame(r#"{"event":"auth success"}"#), NOW);
    assert!(
        sends(&out).is_empty(),
        "a refresh does not ask for logs again"
    );
}

#[test]
fn a_reconnect_reuses_a_still_valid_token() {
    let mut s = live();
    s.handle(Input::Closed { code: 1006 }, NOW);
    let out = s.handle(Input::Opened, NOW + 5_000);
    assert_eq!(mints(&out), 0);
    assert_eq!(sends(&out), ["auth"]);
    // ... but not one about to expire.
    s.handle(Input::Closed { code: 1006 }, NOW);
    let out = s.handle(Input::Opened, NOW + 590_000);
    assert_eq!(mints(&out), 1);
}

#[test]
fn other_jwt_errors_are_fatal_with_a_clear_reason() {
    let mut s = live();
    let out = s.handle(
        Input::Frame(r#"{"event":"jwt error","args":["jwt: missing connect permission"]}"#),
        NOW,
    );
    assert!(matches!(facts(&out)[..], [Fact::PermissionLost { .. }]));
    assert!(matches!(out.last(), Some(Output::Stop)));
    assert!(s.is_stopped());
    assert!(
        s.handle(Input::Frame(r#"{"event":"token expiring"}"#), NOW)
            .is_empty()
    );
}

#[test]
fn a_daemon_error_during_auth_is_an_auth_failure_and_gives_up_after_three() {
    let mut s = Session::new(SessionConfig::default());
    s.start(NOW / 1000);
    s.handle(Input::Token(token(NOW / 1000 + 600, "ws://a")), NOW);
    s.handle(Input::Opened, NOW);
    let bad = r#"{"event":"daemon error","args":["Error Event [x]: an unexpected error was encountered while handling this request"]}"#;
    for _ in 0..2 {
        let out = s.handle(Input::Frame(bad), NOW);
        assert_eq!(mints(&out), 1);
        let out = s.handle(Input::Token(token(NOW / 1000 + 600, "ws://a")), NOW);
        assert_eq!(sends(&out), ["auth"]);
    }
    let out = s.handle(Input::Frame(bad), NOW);
    assert!(matches!(
        facts(&out)[..],
        [Fact::CredentialsRejected { .. }]
    ));
    assert!(s.is_stopped());
}

#[test]
fn close_4409_means_suspended() {
    let mut s = live();
    let out = s.handle(Input::Closed { code: 4409 }, NOW);
    assert_eq!(facts(&out), vec![Fact::Suspended]);
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Event(ServerEventKind::Connection {
            connection: ConnectionState::Failed { .. }
        })
    )));
}

#[test]
fn a_revoked_key_stops_the_session() {
    let mut s = Session::new(SessionConfig::default());
    s.start(NOW / 1000);
    let out = s.handle(Input::TokenFailed(&Error::KeyRejected), NOW);
    assert!(matches!(
        facts(&out)[..],
        [Fact::CredentialsRejected { .. }]
    ));
    assert!(s.is_stopped());
    let mut s = Session::new(SessionConfig::default());
    s.start(NOW / 1000);
    let out = s.handle(Input::TokenFailed(&Error::NodeUnreachable), NOW);
    assert!(matches!(&out[..], [Output::RetryLater]));
    assert_eq!(mints(&s.handle(Input::Retry, NOW)), 1);
}

#[test]
fn a_finished_transfer_reconnects_with_a_new_token_and_url() {
    let mut s = live();
    let out = s.handle(
        Input::Frame(r#"{"event":"transfer status","args":["completed"]}"#),
        NOW,
    );
    assert_eq!(mints(&out), 1);
    let out = s.handle(Input::Token(token(NOW / 1000 + 600, "ws://b")), NOW);
    assert!(matches!(&out[..], [Output::Connect { url }] if url == "ws://b"));
}

#[test]
fn crash_stop_and_backfill_flow_through_events() {
    let mut s = live();
    for st in ["starting", "running", "offline"] {
        s.handle(Input::Frame(&frame::encode("status", &[st])), NOW);
    }
    let crash = "\u{1b}[33m\u{1b}[1m[Pterodactyl Daemon]:\u{1b}[39m Exit code: 1\u{1b}[0m";
    let out = s.handle(
        Input::Frame(&frame::encode("console output", &[crash])),
        NOW,
    );
    assert!(out.iter().any(|o| matches!(
        o,
        Output::Event(ServerEventKind::Console {
            origin: ConsoleOrigin::Daemon,
            ..
        })
    )));
    let out = s.handle(Input::Frame("{{{ garbage"), NOW);
    assert!(out.is_empty());
}

#[test]
fn the_auth_frame_never_shows_in_debug_output() {
    let mut s = Session::new(SessionConfig::default());
    s.start(NOW / 1000);
    let t = token(NOW / 1000 + 600, "wss://node/ws");
    let jwt = t.token.expose().to_owned();
    s.handle(Input::Token(t), NOW);
    let out = s.handle(Input::Opened, NOW);
    assert_eq!(sends(&out), ["auth"], "{out:?}");
    assert!(!format!("{out:?}").contains(&jwt), "{out:?}");
}
