//! History storage at fleet scale: 1,000 servers, 24 h of stats every 5 s through the real
//! writer into a real SQLite file, with the default tiers (5 s kept 6 h, 1 min kept 7 d,
//! 15 min kept 90 d). Measures the size on disk and a 24 h chart query for one server.
//!
//! Prints `BENCH|<name>|<value>|<goal>|<pass or fail>` lines for `cargo xtask bench`.

use std::time::Instant;

use aerie_core::event::{DiskIo, Rates, ServerKey, Stats};
use aerie_core::store::{Retention, Store};

const SERVERS: u64 = 1_000;
const STEP_MS: u64 = 5_000;
const DAY_MS: u64 = 24 * 3_600_000;
const T0: u64 = 1_767_225_600_000;

fn report(name: &str, value: f64, unit: &str, goal: &str, pass: bool) {
    println!(
        "BENCH|{name}|{value:.2} {unit}|{goal}|{}",
        if pass { "pass" } else { "fail" }
    );
}

/// A cheap deterministic generator so values vary like real ones (and compress like them).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("aerie.sqlite3");
    let store = Store::open(&path, Retention::default()).expect("open store");
    let writer = store.start_writer(65_536).expect("writer");
    let h = writer.handle();
    let keys: Vec<ServerKey> = (0..SERVERS)
        .map(|i| ServerKey::new(format!("account-{}", i % 7), format!("{i:08x}")))
        .collect();
    let mut rng = Lcg(42);
    let mut cpu = vec![50.0f64; keys.len()];
    let mut mem = vec![2u64 << 30; keys.len()];
    let started = Instant::now();
    let mut samples = 0u64;
    let mut at = T0;
    while at < T0 + DAY_MS {
        for (i, key) in keys.iter().enumerate() {
            cpu[i] = (cpu[i] + (rng.next() - 0.5) * 20.0).clamp(0.0, 400.0);
            let drift = ((rng.next() - 0.5) * 64.0 * 1024.0 * 1024.0) as i64;
            mem[i] = mem[i]
                .saturating_add_signed(drift)
                .clamp(256 << 20, 8 << 30);
            let stats = Stats {
                memory_bytes: mem[i],
                memory_limit_bytes: 8 << 30,
                cpu_absolute: cpu[i],
                disk_bytes: (10 << 30) + (at - T0) / 1000 * 1024,
                disk_io: (i % 2 == 0).then_some(DiskIo::default()),
                ..Stats::default()
            };
            let rates = Rates {
                rx_bps: rng.next() * 200_000.0,
                tx_bps: rng.next() * 800_000.0,
                disk_read_bps: (i % 2 == 0).then(|| rng.next() * 1e6),
                disk_write_bps: (i % 2 == 0).then(|| rng.next() * 4e6),
            };
            h.record_stats_blocking(key, at, stats, rates);
            samples += 1;
        }
        at += STEP_MS;
    }
    h.flush_blocking().expect("flush");
    let ingest = samples as f64 / started.elapsed().as_secs_f64();
    writer.close();

    // Size as the user's disk sees it, after the WAL is folded back in.
    {
        let conn = rusqlite::Connection::open(&path).expect("open for checkpoint");
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
    }
    let mut bytes = 0u64;
    for entry in std::fs::read_dir(dir.path()).expect("list").flatten() {
        bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
    }
    let mib = bytes as f64 / (1024.0 * 1024.0);

    let now = T0 + DAY_MS;
    let key = &keys[SERVERS as usize / 2];
    let mut times = Vec::new();
    let mut points = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let (_, series) = store.chart(key, DAY_MS, now).expect("chart");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        points = series.len();
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let worst = times[times.len() - 1];

    eprintln!(
        "store_bench: {samples} samples, {mib:.1} MiB, 24 h chart = {points} points, first {first:.2} ms, median {median:.2} ms, worst {worst:.2} ms"
    );
    report(
        "store_size_1000_servers_24h",
        mib,
        "MiB",
        "<= 200 MiB",
        mib <= 200.0,
    );
    report(
        "store_chart_24h_one_server_worst",
        worst,
        "ms",
        "<= 20 ms",
        worst <= 20.0 && points >= 1_400,
    );
    report(
        "store_chart_24h_one_server_median",
        median,
        "ms",
        "<= 20 ms",
        median <= 20.0,
    );
    report(
        "store_ingest_rate",
        ingest,
        "samples/s",
        ">= 5000 samples/s (1,000 servers every 2 s = 500/s)",
        ingest >= 5_000.0,
    );
}
