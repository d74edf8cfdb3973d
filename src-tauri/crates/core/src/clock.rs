//! Wall-clock time that follows tokio's clock.
//!
//! Token expiry, history timestamps and alert timing all need "now" as Unix time. Reading
//! `SystemTime` directly would ignore `tokio::time::pause()`, so tests with virtual time could
//! never see a token expire. Unix time here is anchored once and then advanced by tokio's
//! `Instant`, which moves with virtual time in paused tests and with the real clock otherwise.

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
    let now = tokio::time::Instant::now().into_std();
    let since = now.saturating_duration_since(anchor_instant);
    u64::try_from((anchor_unix + since).as_millis()).unwrap_or(u64::MAX)
}

/// Seconds since the Unix epoch, advancing with tokio's clock (JWT `exp`/`iat` units).
pub fn now_secs() -> u64 {
    now_ms() / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn unix_time_moves_with_virtual_time() {
        let before = now_ms();
        tokio::time::advance(Duration::from_secs(600)).await;
        let after = now_ms();
        // Both readings are truncated to whole milliseconds, so the difference may be 1 ms short.
        assert!(
            after - before >= 599_999,
            "virtual 10 minutes must move the clock: {before} -> {after}"
        );
    }
}
