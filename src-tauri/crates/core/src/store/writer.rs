//! The writer thread: batches records from a bounded channel into one transaction each.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::codec::{self, CHUNK_SLOTS, POINT_BYTES, Point};
use super::retention::{Retention, Tier};
use crate::event::{ConsoleOrigin, Rates, ServerEvent, ServerEventKind, ServerKey, Stats};
use crate::{Error, Result};

/// Most records per transaction.
const MAX_BATCH: usize = 8192;
/// An open chunk with new points is written at least this often, which bounds what a crash
/// can lose. Closed chunks are written at once.
const PERSIST_EVERY: Duration = Duration::from_secs(10);
/// Longest console line archived; longer lines are cut (at a character boundary).
const MAX_LINE_BYTES: usize = 8 * 1024;
/// How often (in sample time) old history is pruned.
const PRUNE_EVERY_MS: u64 = 10 * 60 * 1000;

enum Msg {
    Stats {
        key: ServerKey,
        at_ms: u64,
        stats: Stats,
        rates: Rates,
    },
    Console {
        key: ServerKey,
        at_ms: u64,
        origin: ConsoleOrigin,
        line: String,
    },
    Alert {
        key: ServerKey,
        at_ms: u64,
        kind: String,
        payload: String,
    },
    Flush(tokio::sync::oneshot::Sender<Result<()>>),
    Shutdown,
}

/// Feeds the writer thread. Cheap to clone; recording never blocks.
#[derive(Clone)]
pub struct WriterHandle {
    tx: SyncSender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for WriterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriterHandle")
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

impl WriterHandle {
    fn offer(&self, msg: Msg) -> bool {
        match self.tx.try_send(msg) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                // Policy: drop the newest record and count it; history has gaps rather than
                // the fleet stalling behind the disk.
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_power_of_two() {
                    tracing::warn!(dropped = n, "history writer is behind; dropping records");
                }
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }

    /// Records what is worth keeping from a fleet event (stats, console lines, alert facts).
    /// Returns false when the record was dropped because the writer is behind.
    pub fn record(&self, ev: &ServerEvent) -> bool {
        match &ev.kind {
            ServerEventKind::Stats { stats, rates } => {
                self.record_stats(&ev.key, ev.at, **stats, *rates)
            }
            ServerEventKind::Console { line, origin } => {
                self.record_console(&ev.key, ev.at, *origin, line)
            }
            ServerEventKind::Alert { fact } => {
                let payload = serde_json::to_value(fact).unwrap_or(serde_json::Value::Null);
                let kind = payload
                    .get("fact")
                    .and_then(|v| v.as_str())
                    .unwrap_or("fact")
                    .to_owned();
                self.record_alert(&ev.key, ev.at, &kind, &payload)
            }
            _ => true,
        }
    }

    /// Records one stats sample with its rates.
    pub fn record_stats(&self, key: &ServerKey, at_ms: u64, stats: Stats, rates: Rates) -> bool {
        self.offer(Msg::Stats {
            key: key.clone(),
            at_ms,
            stats,
            rates,
        })
    }

    /// Like [`WriterHandle::record_stats`] but waits for room instead of dropping (bulk
    /// imports, benchmarks). Never call it from an async task.
    pub fn record_stats_blocking(&self, key: &ServerKey, at_ms: u64, stats: Stats, rates: Rates) {
        let _ = self.tx.send(Msg::Stats {
            key: key.clone(),
            at_ms,
            stats,
            rates,
        });
    }

    /// Archives one console line.
    pub fn record_console(
        &self,
        key: &ServerKey,
        at_ms: u64,
        origin: ConsoleOrigin,
        line: &str,
    ) -> bool {
        let mut end = line.len().min(MAX_LINE_BYTES);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        self.offer(Msg::Console {
            key: key.clone(),
            at_ms,
            origin,
            line: line[..end].to_owned(),
        })
    }

    /// Appends to the alert log.
    pub fn record_alert(
        &self,
        key: &ServerKey,
        at_ms: u64,
        kind: &str,
        payload: &serde_json::Value,
    ) -> bool {
        self.offer(Msg::Alert {
            key: key.clone(),
            at_ms,
            kind: kind.to_owned(),
            payload: payload.to_string(),
        })
    }

    /// Records dropped because the channel was full, since start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Waits until everything sent before this call is committed, including the buckets still
    /// filling (written as provisional points, completed later).
    pub async fn flush(&self) -> Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx.send(Msg::Flush(tx)).map_err(|_| closed())?;
        rx.await.map_err(|_| closed())?
    }

    /// [`WriterHandle::flush`] for threads outside an async runtime.
    pub fn flush_blocking(&self) -> Result<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.tx.send(Msg::Flush(tx)).map_err(|_| closed())?;
        rx.blocking_recv().map_err(|_| closed())?
    }
}

fn closed() -> Error {
    Error::Database {
        path: PathBuf::new(),
        detail: "the history writer has stopped".into(),
    }
}

/// The running writer. Dropping it (or [`Writer::close`]) writes what is pending and joins.
pub struct Writer {
    handle: WriterHandle,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    pub(super) fn start(
        conn: Connection,
        path: PathBuf,
        retention: Retention,
        capacity: usize,
    ) -> Self {
        let (tx, rx) = std::sync::mpsc::sync_channel(capacity.max(1));
        let thread = std::thread::Builder::new()
            .name("aerie-history".into())
            .spawn(move || run(conn, path, retention, rx))
            .ok();
        Self {
            handle: WriterHandle {
                tx,
                dropped: Arc::new(AtomicU64::new(0)),
            },
            thread,
        }
    }

    /// A handle to record through.
    pub fn handle(&self) -> WriterHandle {
        self.handle.clone()
    }

    /// Writes everything pending and stops the thread.
    pub fn close(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = self.handle.tx.send(Msg::Shutdown);
            let _ = t.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[derive(Default)]
struct Bucket {
    start_ms: u64,
    n: u32,
    cpu: f64,
    mem: f64,
    disk: u64,
    rx: f64,
    tx: f64,
    io_n: u32,
    dr: f64,
    dw: f64,
}

impl Bucket {
    fn add(&mut self, s: &Stats, r: &Rates) {
        self.n += 1;
        self.cpu += s.cpu_absolute;
        self.mem += s.memory_bytes as f64;
        self.disk = s.disk_bytes;
        self.rx += r.rx_bps;
        self.tx += r.tx_bps;
        if let (Some(dr), Some(dw)) = (r.disk_read_bps, r.disk_write_bps) {
            self.io_n += 1;
            self.dr += dr;
            self.dw += dw;
        }
    }

    fn point(&self) -> Point {
        let n = f64::from(self.n.max(1));
        let io = f64::from(self.io_n.max(1));
        Point {
            at_ms: self.start_ms,
            cpu_percent: self.cpu / n,
            memory_bytes: (self.mem / n) as u64,
            disk_bytes: self.disk,
            rx_bps: self.rx / n,
            tx_bps: self.tx / n,
            disk_read_bps: (self.io_n > 0).then_some(self.dr / io),
            disk_write_bps: (self.io_n > 0).then_some(self.dw / io),
        }
    }
}

struct OpenChunk {
    start_ms: u64,
    data: Vec<u8>,
    dirty: bool,
    persisted: Instant,
}

struct State {
    path: PathBuf,
    retention: Retention,
    servers: HashMap<ServerKey, i64>,
    buckets: HashMap<(i64, usize), Bucket>,
    chunks: HashMap<(i64, usize), OpenChunk>,
    console_bytes: HashMap<i64, u64>,
    latest_ms: u64,
    pruned_at_ms: u64,
}

fn run(mut conn: Connection, path: PathBuf, retention: Retention, rx: Receiver<Msg>) {
    let mut st = State {
        path,
        retention,
        servers: HashMap::new(),
        buckets: HashMap::new(),
        chunks: HashMap::new(),
        console_bytes: HashMap::new(),
        latest_ms: 0,
        pruned_at_ms: 0,
    };
    let mut batch = Vec::with_capacity(MAX_BATCH);
    loop {
        let first = match rx.recv_timeout(PERSIST_EVERY) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = st.commit(&mut conn, Vec::new(), false) {
                    tracing::error!(error = %e, "history write failed");
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => Msg::Shutdown,
        };
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let shutdown = batch.iter().any(|m| matches!(m, Msg::Shutdown));
        if let Err(e) = st.commit(&mut conn, std::mem::take(&mut batch), shutdown) {
            tracing::error!(error = %e, "history write failed");
        }
        if shutdown {
            return;
        }
    }
}

impl State {
    /// Applies a batch in one transaction, then answers the flushes in it.
    fn commit(&mut self, conn: &mut Connection, batch: Vec<Msg>, shutdown: bool) -> Result<()> {
        let mut acks = Vec::new();
        let result = (|| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            let mut full = shutdown;
            for msg in batch {
                match msg {
                    Msg::Stats {
                        key,
                        at_ms,
                        stats,
                        rates,
                    } => self.stats(&tx, &key, at_ms, &stats, &rates)?,
                    Msg::Console {
                        key,
                        at_ms,
                        origin,
                        line,
                    } => self.console(&tx, &key, at_ms, origin, &line)?,
                    Msg::Alert {
                        key,
                        at_ms,
                        kind,
                        payload,
                    } => {
                        let sid = self.server_id(&tx, &key)?;
                        tx.prepare_cached(
                            "INSERT INTO alert_log(server_id, at_ms, kind, payload) VALUES (?1, ?2, ?3, ?4)",
                        )?
                        .execute(params![sid, to_i64(at_ms), kind, payload])?;
                    }
                    Msg::Flush(ack) => {
                        full = true;
                        acks.push(ack);
                    }
                    Msg::Shutdown => full = true,
                }
            }
            if full {
                self.provisional_points(&tx)?;
            }
            self.persist(&tx, full)?;
            self.prune(&tx)?;
            tx.commit()
        })();
        let result = result.map_err(|e| super::db_error(&self.path, &e));
        for ack in acks {
            let _ = ack.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(Error::Database {
                    path: self.path.clone(),
                    detail: e.to_string(),
                }),
            });
        }
        if result.is_err() {
            // The transaction rolled back: forget cached state that may now be wrong.
            self.servers.clear();
            self.chunks.clear();
            self.console_bytes.clear();
        }
        result
    }

    fn server_id(&mut self, tx: &Transaction<'_>, key: &ServerKey) -> rusqlite::Result<i64> {
        if let Some(id) = self.servers.get(key) {
            return Ok(*id);
        }
        tx.prepare_cached("INSERT OR IGNORE INTO servers(panel, server) VALUES (?1, ?2)")?
            .execute(params![key.panel, key.server])?;
        let id: i64 = tx
            .prepare_cached("SELECT id FROM servers WHERE panel = ?1 AND server = ?2")?
            .query_row(params![key.panel, key.server], |r| r.get(0))?;
        self.servers.insert(key.clone(), id);
        Ok(id)
    }

    fn stats(
        &mut self,
        tx: &Transaction<'_>,
        key: &ServerKey,
        at_ms: u64,
        s: &Stats,
        r: &Rates,
    ) -> rusqlite::Result<()> {
        let sid = self.server_id(tx, key)?;
        self.latest_ms = self.latest_ms.max(at_ms);
        for i in 0..self.retention.tiers.len() {
            let tier = self.retention.tiers[i];
            let step = tier.step_ms();
            let start = at_ms - at_ms % step;
            let bucket = self.buckets.entry((sid, i)).or_insert_with(|| Bucket {
                start_ms: start,
                ..Bucket::default()
            });
            if start < bucket.start_ms {
                continue; // late sample for a finished bucket
            }
            if start > bucket.start_ms {
                let done = std::mem::replace(
                    bucket,
                    Bucket {
                        start_ms: start,
                        ..Bucket::default()
                    },
                );
                if done.n > 0 {
                    self.append(tx, sid, i, tier, &done.point())?;
                }
            }
            if let Some(b) = self.buckets.get_mut(&(sid, i)) {
                b.add(s, r);
            }
        }
        Ok(())
    }

    /// Writes the buckets still filling as points; the finished bucket replaces them later.
    fn provisional_points(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let open: Vec<((i64, usize), Point)> = self
            .buckets
            .iter()
            .filter(|(_, b)| b.n > 0)
            .map(|(k, b)| (*k, b.point()))
            .collect();
        for ((sid, i), p) in open {
            let tier = self.retention.tiers[i];
            self.append(tx, sid, i, tier, &p)?;
        }
        Ok(())
    }

    fn append(
        &mut self,
        tx: &Transaction<'_>,
        sid: i64,
        i: usize,
        tier: Tier,
        p: &Point,
    ) -> rusqlite::Result<()> {
        let step = tier.step_ms();
        let span = step * CHUNK_SLOTS;
        let start = p.at_ms - p.at_ms % span;
        let slot = u8::try_from((p.at_ms - start) / step).unwrap_or(u8::MAX);
        if let Some(open) = self.chunks.get(&(sid, i)) {
            if start < open.start_ms {
                return Ok(());
            }
            if start > open.start_ms {
                // The open chunk is complete: write it once more and let it go.
                if let Some(done) = self.chunks.remove(&(sid, i))
                    && done.dirty
                {
                    write_chunk(tx, sid, step, done.start_ms, &done.data)?;
                }
            }
        }
        let open = match self.chunks.entry((sid, i)) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => {
                // After a restart the chunk may already hold the earlier part of this window.
                let data: Vec<u8> = tx
                    .prepare_cached(
                        "SELECT data FROM metric_chunks WHERE server_id = ?1 AND step_ms = ?2 AND start_ms = ?3",
                    )?
                    .query_row(params![sid, to_i64(step), to_i64(start)], |r| r.get(0))
                    .optional()?
                    .unwrap_or_default();
                v.insert(OpenChunk {
                    start_ms: start,
                    data,
                    dirty: false,
                    persisted: Instant::now(),
                })
            }
        };
        open.data
            .truncate(open.data.len() / POINT_BYTES * POINT_BYTES);
        match codec::last_slot(&open.data) {
            Some(last) if last > slot => return Ok(()),
            Some(last) if last == slot => {
                let keep = open.data.len() - POINT_BYTES;
                open.data.truncate(keep);
            }
            _ => {}
        }
        codec::push(&mut open.data, slot, p);
        open.dirty = true;
        Ok(())
    }

    fn persist(&mut self, tx: &Transaction<'_>, all: bool) -> rusqlite::Result<()> {
        let now = Instant::now();
        for ((sid, i), c) in &mut self.chunks {
            if c.dirty && (all || now.duration_since(c.persisted) >= PERSIST_EVERY) {
                let step = self.retention.tiers[*i].step_ms();
                write_chunk(tx, *sid, step, c.start_ms, &c.data)?;
                c.dirty = false;
                c.persisted = now;
            }
        }
        Ok(())
    }

    fn prune(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        if self.latest_ms < self.pruned_at_ms + PRUNE_EVERY_MS {
            return Ok(());
        }
        self.pruned_at_ms = self.latest_ms;
        for tier in &self.retention.tiers {
            let span = tier.step_ms() * CHUNK_SLOTS;
            let cutoff = self.latest_ms.saturating_sub(tier.keep_ms() + span);
            tx.prepare_cached("DELETE FROM metric_chunks WHERE step_ms = ?1 AND start_ms < ?2")?
                .execute(params![to_i64(tier.step_ms()), to_i64(cutoff)])?;
        }
        let cutoff = self
            .latest_ms
            .saturating_sub(u64::from(self.retention.alert_log_days) * 86_400_000);
        tx.prepare_cached("DELETE FROM alert_log WHERE at_ms < ?1")?
            .execute(params![to_i64(cutoff)])?;
        // The console archive goes with the rest of the history. Its size cap is applied only
        // when a server writes a new line, so without this the lines of a server no longer
        // watched (its account removed, the server deleted) would stay forever.
        let keep = self.retention.tiers.iter().map(Tier::keep_ms).max();
        let cutoff = self.latest_ms.saturating_sub(keep.unwrap_or(u64::MAX));
        let gone = tx
            .prepare_cached("DELETE FROM console_lines WHERE at_ms < ?1")?
            .execute(params![to_i64(cutoff)])?;
        if gone > 0 {
            // Counted again from the table at each server's next line.
            self.console_bytes.clear();
        }
        Ok(())
    }

    fn console(
        &mut self,
        tx: &Transaction<'_>,
        key: &ServerKey,
        at_ms: u64,
        origin: ConsoleOrigin,
        line: &str,
    ) -> rusqlite::Result<()> {
        let sid = self.server_id(tx, key)?;
        tx.prepare_cached(
            "INSERT INTO console_lines(server_id, at_ms, origin, line) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![sid, to_i64(at_ms), origin_code(origin), line])?;
        let bytes = match self.console_bytes.get(&sid) {
            Some(b) => *b + line.len() as u64,
            None => console_bytes(tx, sid)?,
        };
        let cap = self.retention.console_bytes_per_server;
        let bytes = if bytes > cap {
            // Trim to 3/4 of the cap so trimming happens once per quarter cap, not per line.
            trim_console(tx, sid, bytes, cap / 4 * 3)?
        } else {
            bytes
        };
        self.console_bytes.insert(sid, bytes);
        Ok(())
    }
}

fn write_chunk(
    tx: &Transaction<'_>,
    sid: i64,
    step: u64,
    start: u64,
    data: &[u8],
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO metric_chunks(server_id, step_ms, start_ms, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(server_id, step_ms, start_ms) DO UPDATE SET data = excluded.data",
    )?
    .execute(params![sid, to_i64(step), to_i64(start), data])?;
    Ok(())
}

/// Deletes the oldest lines of a server until at most `target` bytes remain.
fn trim_console(tx: &Transaction<'_>, sid: i64, bytes: u64, target: u64) -> rusqlite::Result<u64> {
    let mut remaining = bytes;
    let mut last_id = None;
    {
        let mut stmt = tx.prepare_cached(
            "SELECT id, length(CAST(line AS BLOB)) FROM console_lines WHERE server_id = ?1 ORDER BY id",
        )?;
        let mut rows = stmt.query(params![sid])?;
        while remaining > target {
            let Some(row) = rows.next()? else { break };
            last_id = Some(row.get::<_, i64>(0)?);
            remaining = remaining.saturating_sub(u64::try_from(row.get::<_, i64>(1)?).unwrap_or(0));
        }
    }
    if let Some(id) = last_id {
        tx.prepare_cached("DELETE FROM console_lines WHERE server_id = ?1 AND id <= ?2")?
            .execute(params![sid, id])?;
    }
    Ok(remaining)
}

pub(super) fn console_bytes(conn: &Connection, sid: i64) -> rusqlite::Result<u64> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(length(CAST(line AS BLOB))), 0) FROM console_lines WHERE server_id = ?1",
        )?
        .query_row(params![sid], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn origin_code(o: ConsoleOrigin) -> i64 {
    match o {
        ConsoleOrigin::Container => 0,
        ConsoleOrigin::Daemon => 1,
        ConsoleOrigin::Backfill => 2,
        ConsoleOrigin::Install => 3,
    }
}

pub(super) fn origin_from_code(code: i64) -> ConsoleOrigin {
    match code {
        1 => ConsoleOrigin::Daemon,
        2 => ConsoleOrigin::Backfill,
        3 => ConsoleOrigin::Install,
        _ => ConsoleOrigin::Container,
    }
}
