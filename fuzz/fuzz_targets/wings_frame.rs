//! Any text frame a Wings node (or anyone on its path) sends: `parse_frame` decodes it or
//! ignores it, console lines go through the daemon-line matcher, and nothing panics. Lines
//! kept are never longer than Wings' cap.
#![no_main]

use aerie_core::protocol::wings::frame::MAX_LINE_BYTES;
use aerie_core::protocol::wings::{Inbound, daemon_line, parse_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8 (the socket layer refuses others before decoding).
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(frame) = parse_frame(text) else {
        return;
    };
    let line = match &frame {
        Inbound::Console(l)
        | Inbound::InstallOutput(l)
        | Inbound::DaemonMessage(l)
        | Inbound::TransferLogs(l)
        | Inbound::FeatureMatch { line: l, .. }
        | Inbound::Lifecycle { detail: l, .. } => l,
        _ => return,
    };
    assert!(line.len() <= MAX_LINE_BYTES, "a line over the cap was kept");
    if let Some(d) = daemon_line(line) {
        assert!(
            !d.message.contains('\u{1b}'),
            "escape left in a daemon line"
        );
    }
});
