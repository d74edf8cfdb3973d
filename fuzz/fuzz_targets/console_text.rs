//! Console text from a server, before it reaches a terminal (`aerie logs`), an export or the
//! daemon-line matcher: `strip_ansi` leaves no escape or control character but tab and
//! newline, keeps plain text as it is, and never panics.
#![no_main]

use aerie_core::text::strip_ansi;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let out = strip_ansi(line);
    if let Some(c) = out
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n'))
    {
        panic!("control character U+{:04X} left in {out:?}", u32::from(c));
    }
    if !line.chars().any(char::is_control) {
        assert_eq!(out, line, "plain text changed");
    }
    assert!(out.len() <= line.len());
});
