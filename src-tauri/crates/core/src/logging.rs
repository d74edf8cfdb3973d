//! The log filter both binaries install: the user's `AERIE_LOG` directives (or a default),
//! with the WebSocket libraries capped at `debug` whatever those directives say.
//!
//! At `trace`, tungstenite prints every frame it sends and receives, and the first frame on a
//! Wings socket carries the node token (a JWT). A user who sets `AERIE_LOG=trace` to report a
//! bug must not paste that token into the issue, so the cap cannot be lifted from outside.

use tracing::Subscriber;
use tracing_subscriber::filter::{EnvFilter, FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::Filter;
use tracing_subscriber::registry::LookupSpan;

/// Targets that log frame contents (tokens included) below `debug`.
const FRAME_LOGGERS: [&str; 2] = ["tungstenite", "tokio_tungstenite"];

/// The filter for a binary's log layer: `var` from the environment (or `default` when it is
/// unset or does not parse), with [`FRAME_LOGGERS`] capped at `debug`.
pub fn env_filter<S>(var: &str, default: &str) -> impl Filter<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let user = EnvFilter::try_from_env(var).unwrap_or_else(|_| EnvFilter::new(default));
    capped(user)
}

/// `user` with [`FRAME_LOGGERS`] capped at `debug`. The cap is a second filter both must
/// pass, not an extra directive, so no directive of the user's (however specific, such as
/// `tungstenite::protocol=trace`) can override it.
pub fn capped<S>(user: EnvFilter) -> impl Filter<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let cap = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(FRAME_LOGGERS.map(|t| (t, LevelFilter::DEBUG)));
    user.and(cap)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::{EnvFilter, Layer};

    /// Formats events through [`super::capped`] with `spec` and returns the text logged.
    fn logged(spec: &str, emit: impl FnOnce()) -> String {
        let buf = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = buf.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(move || Writer(sink.clone()))
            .with_filter(super::capped(EnvFilter::new(spec)));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = buf.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn emit_all() {
        tracing::trace!(target: "tungstenite::protocol", "received frame auth eyJ-TOKEN-1");
        tracing::trace!(target: "tokio_tungstenite::compat", "poll frame eyJ-TOKEN-2");
        tracing::debug!(target: "tungstenite::handshake::client", "client handshake done");
        tracing::trace!(target: "aerie_core::socket", "aerie trace line");
    }

    #[test]
    fn trace_filters_never_let_websocket_frames_through() {
        for spec in [
            "trace",
            "tungstenite=trace,tokio_tungstenite=trace",
            "warn,tungstenite=debug,tungstenite::protocol=trace,tokio_tungstenite::compat=trace",
        ] {
            let out = logged(spec, emit_all);
            assert!(!out.contains("eyJ-TOKEN"), "{spec}: frame logged: {out}");
            assert!(out.contains("client handshake done"), "{spec}: {out}");
        }
        let out = logged("trace", emit_all);
        assert!(
            out.contains("aerie trace line"),
            "the rest stays at trace: {out}"
        );
    }
}
