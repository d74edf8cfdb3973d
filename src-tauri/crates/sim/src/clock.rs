//! Unix time that follows tokio's clock, so paused-time tests can expire tokens.
//!
//! Same scheme as `aerie-core`'s clock (anchored once, advanced by tokio's `Instant`), kept
//! separate because the simulator must not depend on the engine.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static ANCHOR: OnceLock<(std::time::Instant, Duration)> = OnceLock::new();

/// Milliseconds since the Unix epoch, advancing with tokio's (possibly paused) clock.
pub fn now_ms() -> u64 {
    let (anchor_instant, anchor_unix) = *ANCHOR.get_or_init(|| {
        let unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        (std::time::Instant::now(), unix)
    });
    let since = tokio::time::Instant::now()
        .into_std()
        .saturating_duration_since(anchor_instant);
    u64::try_from((anchor_unix + since).as_millis()).unwrap_or(u64::MAX)
}

/// Seconds since the Unix epoch (JWT `iat`/`exp` units).
pub fn now_secs() -> u64 {
    now_ms() / 1000
}
