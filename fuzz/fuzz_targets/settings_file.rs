//! Any `settings.toml` (damaged, hand-edited, written by another version): parsed into
//! settings or refused with a position, never a panic. Accepted settings survive a save and a
//! reload unchanged.
#![no_main]

use aerie_core::settings::{Refusal, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(settings) => {
            let text = toml::to_string_pretty(&settings).expect("accepted settings serialise");
            let again = parse(text.as_bytes()).expect("saved settings load again");
            // Compared as text: a `nan` in an unknown section is kept but never equal to itself.
            let text_again = toml::to_string_pretty(&again).expect("serialises again");
            assert_eq!(text_again, text, "a save and reload changed the settings");
        }
        Err(Refusal::Invalid { line, column, .. }) => {
            assert!(
                (line == 0) == (column == 0),
                "half a position: {line}:{column}"
            );
            assert!(line <= data.len() + 1, "line {line} past the end");
        }
        Err(Refusal::TooNew { found }) => assert!(found > aerie_core::settings::VERSION),
    }
});
