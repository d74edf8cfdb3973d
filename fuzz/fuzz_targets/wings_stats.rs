//! The stats JSON inside a `stats` frame, as Wings sends it (a JSON string in `args[0]`) and
//! as StellarStack does (an object): decoded or refused, never a panic, and never a CPU figure
//! that is negative or not finite (charts and alerts divide by it).
#![no_main]

use aerie_core::protocol::wings::frame::parse_stats;
use aerie_core::protocol::wings::{Inbound, parse_frame};
use libfuzzer_sys::fuzz_target;

fn check(s: &aerie_core::event::Stats) {
    assert!(
        s.cpu_absolute.is_finite() && s.cpu_absolute >= 0.0,
        "cpu {}",
        s.cpu_absolute
    );
}

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = std::str::from_utf8(data) else {
        return;
    };
    // Wings: the payload is a string argument of the frame.
    let frame = serde_json::json!({"event": "stats", "args": [payload]}).to_string();
    let from_frame = match parse_frame(&frame) {
        Some(Inbound::Stats(s)) => Some(s),
        Some(other) => panic!("a stats frame decoded as {other:?}"),
        None => None,
    };
    if let Some(s) = &from_frame {
        check(s);
    }
    let as_string = parse_stats(&serde_json::Value::String(payload.to_owned()));
    assert_eq!(as_string, from_frame, "the two string paths disagree");
    // StellarStack: the payload is the argument itself.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(payload) {
        if let Some(s) = parse_stats(&v) {
            check(&s);
        }
        let frame = serde_json::json!({"event": "stats", "args": [v]}).to_string();
        if let Some(Inbound::Stats(s)) = parse_frame(&frame) {
            check(&s);
        }
    }
});
