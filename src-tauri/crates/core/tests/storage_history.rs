//! The local database as the app uses it: record through the writer, read charts, the alert
//! log and the console archive back, across restarts. Real SQLite files in a temp dir.

use aerie_core::event::{
    ConsoleOrigin, DiskIo, Fact, Rates, ServerEvent, ServerEventKind, ServerKey, Stats,
};
use aerie_core::store::{MAX_CONSOLE_BYTES_PER_SERVER, Retention, Store, Tier};

const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, a multiple of every tier's chunk

fn stats(cpu: f64, mem: u64) -> Stats {
    Stats {
        memory_bytes: mem,
        memory_limit_bytes: 4 << 30,
        cpu_absolute: cpu,
        disk_bytes: 7 << 30,
        disk_io: Some(DiskIo::default()),
        ..Stats::default()
    }
}

fn rates(rx: f64) -> Rates {
    Rates {
        rx_bps: rx,
        tx_bps: rx / 2.0,
        disk_read_bps: Some(1000.0),
        disk_write_bps: Some(2000.0),
    }
}

#[test]
fn a_chart_shows_bucket_means_and_survives_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("aerie.sqlite3");
    let a = ServerKey::new("acct-1", "aaaa1111");
    let b = ServerKey::new("acct-1", "bbbb2222");
    {
        let store = Store::open(&path, Retention::default()).expect("opens");
        let writer = store.start_writer(1024).expect("writer");
        let h = writer.handle();
        // 30 minutes of samples every 2.5 s: each 5 s bucket holds two samples.
        for i in 0..720u64 {
            let at = T0 + i * 2_500;
            let cpu = if i % 2 == 0 { 10.0 } else { 30.0 };
            h.record_stats_blocking(&a, at, stats(cpu, 1 << 30), rates(1000.0));
            h.record_stats_blocking(&b, at, stats(200.0, 2 << 30), rates(5.0));
        }
        h.flush_blocking().expect("flush");
        let now = T0 + 30 * 60_000;
        let (tier, points) = store.chart(&a, 30 * 60_000, now).expect("chart");
        assert_eq!(tier.step_secs, 5, "a 30 min chart uses the finest tier");
        assert_eq!(points.len(), 360, "one point per 5 s bucket");
        assert!(points.windows(2).all(|w| w[1].at_ms - w[0].at_ms == 5_000));
        assert!(
            points.iter().all(|p| (p.cpu_percent - 20.0).abs() < 0.05),
            "each bucket is the mean of its samples"
        );
        assert!((points[0].rx_bps - 1000.0).abs() < 1.0);
        assert_eq!(points[0].disk_write_bps.map(f64::round), Some(2000.0));
        let (_, other) = store.chart(&b, 30 * 60_000, now).expect("chart b");
        assert!(
            other.iter().all(|p| (p.cpu_percent - 200.0).abs() < 0.05),
            "servers do not mix"
        );
        let (tier, day) = store.chart(&a, 24 * 3_600_000, now).expect("24 h");
        assert_eq!(tier.step_secs, 60, "a 24 h chart uses the minute tier");
        assert_eq!(day.len(), 30, "30 minute buckets, the last one provisional");
        writer.close();
    }
    // A new process: the history is there, and new samples extend the same chunks.
    let store = Store::open(&path, Retention::default()).expect("reopens");
    let writer = store.start_writer(16).expect("writer");
    let h = writer.handle();
    for i in 720..840u64 {
        h.record_stats_blocking(&a, T0 + i * 2_500, stats(50.0, 1 << 30), rates(1.0));
    }
    h.flush_blocking().expect("flush");
    let tier = Tier {
        step_secs: 5,
        keep_hours: 6,
    };
    let all = store.series(&a, tier, T0, T0 + 3_600_000).expect("series");
    assert_eq!(all.len(), 420, "30 min before the restart + 5 min after");
    assert!((all[0].cpu_percent - 20.0).abs() < 0.05, "old points kept");
    assert!(
        (all[419].cpu_percent - 50.0).abs() < 0.05,
        "new points appended"
    );
}

#[test]
fn old_history_is_pruned_by_tier_retention() {
    let dir = tempfile::tempdir().expect("tempdir");
    let retention = Retention {
        tiers: vec![Tier {
            step_secs: 60,
            keep_hours: 1,
        }],
        ..Retention::default()
    };
    let store = Store::open(&dir.path().join("db"), retention.clone()).expect("opens");
    let writer = store.start_writer(64).expect("writer");
    let h = writer.handle();
    let k = ServerKey::new("p", "s");
    // Six hours, one sample a minute, flushing now and then like a long session.
    for i in 0..360u64 {
        h.record_stats_blocking(&k, T0 + i * 60_000, stats(1.0, 1), rates(1.0));
        if i % 30 == 0 {
            h.flush_blocking().expect("flush");
        }
    }
    h.flush_blocking().expect("flush");
    let tier = retention.tiers[0];
    let early = store
        .series(&k, tier, T0, T0 + 60 * 60_000)
        .expect("series");
    assert!(
        early.is_empty(),
        "the first hour is past retention: {} points",
        early.len()
    );
    let recent = store
        .series(&k, tier, T0 + 5 * 3_600_000, T0 + 6 * 3_600_000)
        .expect("series");
    assert_eq!(recent.len(), 60);
}

#[test]
fn the_console_archive_keeps_the_newest_lines_within_its_cap_per_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let retention = Retention {
        console_bytes_per_server: 8192,
        ..Retention::default()
    };
    let store = Store::open(&dir.path().join("db"), retention).expect("opens");
    let writer = store.start_writer(4096).expect("writer");
    let h = writer.handle();
    let noisy = ServerKey::new("p", "noisy000");
    let quiet = ServerKey::new("p", "quiet000");
    for i in 0..1000u64 {
        let line = format!("[{i:04}] {}", "x".repeat(93));
        assert!(h.record_console(&noisy, T0 + i, ConsoleOrigin::Container, &line));
    }
    h.record_console(
        &quiet,
        T0,
        ConsoleOrigin::Daemon,
        "[Pterodactyl Daemon]: Server marked as running...",
    );
    h.flush_blocking().expect("flush");
    let bytes = store.console_bytes(&noisy).expect("bytes");
    assert!(bytes <= 8192, "capped: {bytes}");
    assert!(bytes >= 4096, "trimming keeps most of the cap: {bytes}");
    let tail = store.console_tail(&noisy, 3).expect("tail");
    assert_eq!(tail.len(), 3);
    assert!(
        tail[2].line.starts_with("[0999]"),
        "newest line kept last: {}",
        tail[2].line
    );
    assert!(tail[0].line.starts_with("[0997]"));
    let q = store.console_tail(&quiet, 10).expect("quiet");
    assert_eq!(q.len(), 1, "another server's archive is untouched");
    assert_eq!(q[0].origin, ConsoleOrigin::Daemon);
}

#[test]
fn a_huge_console_cap_is_brought_down_to_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let retention = Retention {
        console_bytes_per_server: u64::MAX,
        ..Retention::default()
    };
    let store = Store::open(&dir.path().join("db"), retention).expect("opens");
    assert_eq!(
        store.retention().console_bytes_per_server,
        MAX_CONSOLE_BYTES_PER_SERVER
    );
}

#[test]
fn console_lines_of_servers_no_longer_watched_go_with_the_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let retention = Retention {
        tiers: vec![Tier {
            step_secs: 5,
            keep_hours: 1,
        }],
        ..Retention::default()
    };
    let store = Store::open(&dir.path().join("db"), retention).expect("opens");
    let writer = store.start_writer(64).expect("writer");
    let h = writer.handle();
    // An account that was removed: its server never writes again.
    let gone = ServerKey::new("removed0", "gone0000");
    h.record_console(&gone, T0, ConsoleOrigin::Container, "an old line");
    let live = ServerKey::new("p", "live0000");
    h.record_console(
        &live,
        T0 + 3 * 3_600_000,
        ConsoleOrigin::Container,
        "a new line",
    );
    h.record_stats_blocking(&live, T0 + 3 * 3_600_000, stats(1.0, 1 << 30), rates(1.0));
    h.flush_blocking().expect("flush");
    assert!(
        store.console_tail(&gone, 10).expect("tail").is_empty(),
        "lines older than the history are pruned"
    );
    assert_eq!(store.console_tail(&live, 10).expect("tail").len(), 1);
}

#[test]
fn alert_facts_from_the_event_stream_land_in_the_alert_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("db"), Retention::default()).expect("opens");
    let writer = store.start_writer(64).expect("writer");
    let h = writer.handle();
    let k = ServerKey::new("p", "crashy00");
    let ev = ServerEvent {
        key: k.clone(),
        at: T0,
        kind: ServerEventKind::Alert {
            fact: Fact::Crashed {
                exit_code: Some(137),
                oom: Some(true),
                confirmed: true,
            },
        },
    };
    assert!(h.record(&ev));
    h.record_alert(
        &k,
        T0 + 5,
        "resolved",
        &serde_json::json!({"downtime_ms": 5}),
    );
    h.flush_blocking().expect("flush");
    drop(writer);
    let log = store.alerts(Some(&k), 0, 10).expect("alerts");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].kind, "resolved", "newest first");
    assert_eq!(log[1].kind, "crashed");
    assert_eq!(log[1].payload["exit_code"], 137);
    assert!(store.alerts(None, T0 + 1, 10).expect("since").len() == 1);
}
