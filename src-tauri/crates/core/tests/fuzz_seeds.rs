//! The fuzz targets' committed inputs (`fuzz/corpus/<target>/`) through the same decoders, in
//! the normal (stable) test suite: the real frames, bodies and files decode as they should,
//! and an input a fuzz run once crashed on, kept there as `crash-<what>`, must only go through
//! without a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use aerie_core::protocol::wings::{Inbound, parse_frame};

/// A crash input kept as a regression: it must not panic; what it decodes to is free.
fn regression(name: &str) -> bool {
    name.starts_with("crash-")
}

/// `(file name, bytes)` of every input of a target.
fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../fuzz/corpus")
        .join(target);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

#[test]
fn every_wings_seed_frame_decodes() {
    for (name, bytes) in inputs("wings_frame") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let got = parse_frame(text);
        assert!(got.is_some() || regression(&name), "{name} did not decode");
    }
    for (name, bytes) in inputs("wings_stats") {
        let Ok(payload) = String::from_utf8(bytes) else {
            continue;
        };
        let frame = serde_json::json!({"event": "stats", "args": [payload]}).to_string();
        let got = parse_frame(&frame);
        let ok = matches!(got, Some(Inbound::Stats(_))) || regression(&name);
        assert!(ok, "{name}: {got:?}");
    }
}

#[test]
fn every_rest_seed_body_goes_through_the_decoders() {
    for (name, bytes) in inputs("panel_rest") {
        let status = 200 + u16::from_le_bytes([bytes[0], bytes[1]]) % 400;
        let decoded = aerie_core::panel::fuzz::decode_body(status, None, &bytes[3..]);
        // A real answer decodes as its own envelope (an item also reads as an account).
        if status == 200 && !regression(&name) {
            assert!(decoded >= 1, "{name} decoded as nothing");
        }
    }
}

#[test]
fn seed_settings_and_exports_are_accepted_or_refused_as_named() {
    use aerie_core::settings::{Refusal, parse};
    for (name, bytes) in inputs("settings_file") {
        let got = parse(&bytes);
        match name.as_str() {
            _ if regression(&name) => {}
            "full.toml" | "minimal.toml" => assert!(got.is_ok(), "{name}: {got:?}"),
            "too_new.toml" => assert!(matches!(got, Err(Refusal::TooNew { found: 99 }))),
            _ => assert!(
                matches!(got, Err(Refusal::Invalid { line: 1.., .. })),
                "{name}: {got:?}"
            ),
        }
    }
    for (name, bytes) in inputs("accounts_import") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let got = aerie_core::accounts::parse_export(text);
        match name.as_str() {
            _ if regression(&name) => {}
            "export.toml" => assert_eq!(got.map(|s| s.accounts.len()), Ok(2)),
            "empty_export.toml" => assert!(got.is_ok(), "{name}: {got:?}"),
            _ => assert!(got.is_err(), "{name} was accepted"),
        }
    }
}

#[test]
fn seed_console_text_leaves_no_control_character() {
    for (name, bytes) in inputs("console_text") {
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        let out = aerie_core::text::strip_ansi(text);
        assert!(
            !out.chars()
                .any(|c| c.is_control() && c != '\t' && c != '\n'),
            "{name}: {out:?}"
        );
    }
}
