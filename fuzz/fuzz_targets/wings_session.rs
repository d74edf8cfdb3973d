//! A Wings session fed whatever a node sends: after the token and the socket's opening, every
//! line of the input is one event for the session, mostly a text frame, sometimes a close,
//! a tick, a token, a mint failure, a retry, a power signal or a poll, with time moving
//! forward. The state machine must never panic, and every frame it sends is JSON.
#![no_main]

use aerie_core::event::{PowerState, Stats};
use aerie_core::panel::{PowerSignal, Resources, Secret, WsToken};
use aerie_core::protocol::wings::{Input, Output, Session, SessionConfig};
use base64::Engine;
use libfuzzer_sys::fuzz_target;

/// 2023-11-14, in Unix ms.
const START_MS: u64 = 1_700_000_000_000;

/// An unsigned JWT that expires at `exp_secs` (the session only reads `exp`).
fn token(exp_secs: u64) -> WsToken {
    let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.sig",
        b.encode("{}"),
        b.encode(format!(r#"{{"exp":{exp_secs}}}"#))
    );
    WsToken::new(
        Secret::new(jwt),
        "ws://node.test/api/servers/u/ws".to_owned(),
    )
}

fn check(out: &[Output]) {
    for o in out {
        let frame = match o {
            Output::Send(frame) => frame.as_str(),
            Output::Authenticate(frame) => frame.expose(),
            _ => continue,
        };
        assert!(
            serde_json::from_str::<serde_json::Value>(frame).is_ok(),
            "sent a frame that is not JSON: {frame:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let mut now = START_MS;
    let mut s = Session::new(SessionConfig::default());
    check(&s.start(now / 1000));
    check(&s.handle(Input::Token(token(now / 1000 + 600)), now));
    check(&s.handle(Input::Opened, now));
    let failed = aerie_core::Error::KeyRejected;
    for line in data.split(|b| *b == b'\n') {
        let (op, rest) = match line.split_first() {
            Some((op, rest)) => (*op, rest),
            None => continue,
        };
        // The op's high bits move the clock: up to ~16 min, mostly a few ms.
        now = now.saturating_add(u64::from(op >> 4).pow(5));
        let input = match op & 0x0f {
            0 => Input::Closed {
                code: rest
                    .get(..2)
                    .map_or(1006, |b| u16::from_le_bytes([b[0], b[1]])),
            },
            1 => Input::Tick,
            2 => Input::Token(token(
                now / 1000 + rest.first().map_or(600, |b| u64::from(*b) * 7),
            )),
            3 => Input::TokenFailed(&failed),
            4 => Input::Retry,
            5 => Input::PowerSent(match rest.first().map_or(0, |b| b % 4) {
                0 => PowerSignal::Start,
                1 => PowerSignal::Stop,
                2 => PowerSignal::Restart,
                _ => PowerSignal::Kill,
            }),
            6 => Input::Opened,
            7 => {
                let state = std::str::from_utf8(rest)
                    .ok()
                    .and_then(PowerState::parse)
                    .unwrap_or(PowerState::Offline);
                let polled = Resources {
                    state,
                    suspended: rest.len() % 2 == 1,
                    stats: Stats::default(),
                };
                let out = s.handle(Input::Polled(&polled), now);
                check(&out);
                continue;
            }
            _ => match std::str::from_utf8(rest) {
                Ok(frame) => Input::Frame(frame),
                Err(_) => continue,
            },
        };
        check(&s.handle(input, now));
        if let Some(frame) = s.command_frame("say hi", now) {
            assert!(s.is_live(), "a command frame while not live");
            check(&[Output::Send(frame)]);
        }
    }
});
