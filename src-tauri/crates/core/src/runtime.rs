//! The tokio runtime Aerie's programs run the engine on.
//!
//! The engine is bound by I/O, not by computation: 1,000 servers sending 6,000 frames a second
//! keep one core about 5 % busy. A second worker thread buys nothing there and costs
//! cross-thread wake-ups: in `fleet_bench` on a 2-core VM, two workers made 1,684 context
//! switches a second against 233 for one, and used 6.6 % of a core against 5.0 %. Work that
//! blocks goes elsewhere either way: `spawn_blocking`'s pool (keyring, SQLite reads, desktop
//! notifications) and the store's own writer thread.

/// Name of the engine's worker thread (and of its blocking pool's threads), as `top -H` and
/// the benchmarks see it.
pub const ENGINE_THREAD: &str = "aerie-engine";

/// Builds the runtime the desktop app and the `aerie` CLI run the engine on: one worker
/// thread of its own (so a GUI's main thread stays free), timers and I/O enabled.
pub fn engine_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(ENGINE_THREAD)
        .enable_all()
        .build()
}
