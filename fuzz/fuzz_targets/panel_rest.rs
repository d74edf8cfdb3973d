//! Any body a panel (or a proxy in front of it) answers with: every Client API envelope the
//! client decodes, and the error mapper for a failed call, never panic. The first three bytes
//! pick the HTTP status and a `Retry-After`; the rest is the body.
#![no_main]

use aerie_core::panel::fuzz::decode_body;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, retry, body) = match data {
        [a, b, c, body @ ..] => {
            // 200..=599: every status the client can see after redirects are refused.
            let status = 200 + u16::from_le_bytes([*a, *b]) % 400;
            let retry = (*c != 0).then(|| u64::from(*c) * 97);
            (status, retry, body)
        }
        _ => (500, None, data),
    };
    std::hint::black_box(decode_body(status, retry, body));
});
