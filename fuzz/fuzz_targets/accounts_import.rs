//! Any file handed to `aerie import` / the app's import: its accounts and settings are
//! accepted or refused with a message, never a panic.
#![no_main]

use aerie_core::accounts::parse_export;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The importer reads the file as UTF-8 text and refuses it otherwise.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_export(text) {
        Ok(settings) => {
            assert!(settings.version <= aerie_core::settings::VERSION);
        }
        Err(message) => assert!(!message.is_empty(), "a refusal without a reason"),
    }
});
