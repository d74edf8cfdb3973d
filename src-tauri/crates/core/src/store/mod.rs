//! The local SQLite database: metrics history, the alert log, the rolling console archive.
//!
//! [`Store`] opens the database (WAL mode, schema migrations in `user_version`) and answers
//! chart, alert-log and console queries. Writes never happen on the caller's thread: a
//! [`Writer`] owns a second connection on its own thread, fed by a bounded channel, and
//! commits one transaction per batch. The hot path only does a `try_send`.
//!
//! Metrics are downsampled into [`Tier`]s (see [`Retention`]) and packed, up to 240 buckets a
//! row, so a day of 1,000 servers stays small and a 24 h chart reads a handful of rows through
//! the `(server, step, start)` index.

mod codec;
mod retention;
mod schema;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::{Deserialize, Serialize};

pub use codec::Point;
pub use retention::{MAX_CONSOLE_BYTES_PER_SERVER, Retention, Tier};
pub use writer::{Writer, WriterHandle};

use crate::event::{ConsoleOrigin, ServerKey};
use crate::{Error, Result};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "aerie.sqlite3";

/// One entry of the alert log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEntry {
    /// The server the entry is filed under; the alert log is read per server or for all.
    pub key: ServerKey,
    /// When it happened, ms since the Unix epoch.
    pub at_ms: u64,
    /// A short machine name, e.g. `crashed` or `resolved`.
    pub kind: String,
    /// Details as JSON (for facts: the serialized [`crate::event::Fact`]).
    pub payload: serde_json::Value,
}

/// One archived console line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleLine {
    /// When Aerie received it, ms since the Unix epoch.
    pub at_ms: u64,
    /// Live container output, a daemon line, a backfilled line or install output.
    pub origin: ConsoleOrigin,
    /// As received, ANSI escapes included.
    pub line: String,
}

/// The local database. Reads go through one connection of its own; writes go through a
/// [`Writer`] started with [`Store::start_writer`].
pub struct Store {
    path: PathBuf,
    read: Mutex<Connection>,
    retention: Retention,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

pub(crate) fn db_error(path: &Path, e: &rusqlite::Error) -> Error {
    Error::Database {
        path: path.to_path_buf(),
        detail: e.to_string(),
    }
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// Opens a connection with the settings every connection of Aerie uses.
pub(crate) fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "database could not switch to WAL mode");
    }
    // WAL + NORMAL: a crash loses at most the last transactions, never consistency.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(conn)
}

/// Moves a damaged database (and its WAL and shared-memory files) aside.
fn quarantine(path: &Path) -> std::io::Result<PathBuf> {
    let ts = crate::clock::now_ms() / 1000;
    let backup = PathBuf::from(format!("{}.corrupt-{ts}", path.display()));
    std::fs::rename(path, &backup)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, format!("{}{suffix}", backup.display()));
        }
    }
    Ok(backup)
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates its schema. A console
    /// cap above [`MAX_CONSOLE_BYTES_PER_SERVER`] is brought down to it (and logged).
    ///
    /// A file that is not a database or is damaged is moved aside to
    /// `<file>.corrupt-<unix seconds>` and reported as [`Error::DatabaseCorrupt`]; opening again
    /// then starts an empty history. The settings file and the keyring are never touched.
    pub fn open(path: &Path, retention: Retention) -> Result<Self> {
        let retention = retention.clamped();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let attempt = || -> rusqlite::Result<std::result::Result<Connection, i64>> {
            let mut conn = connect(path)?;
            match schema::migrate(&mut conn)? {
                schema::Outcome::Current => {}
                schema::Outcome::TooNew(v) => return Ok(Err(v)),
            }
            // Touch every table so a damaged schema page shows up now, not mid-session.
            conn.query_row(
                "SELECT (SELECT count(*) FROM servers) + (SELECT count(*) FROM alert_log LIMIT 1)",
                [],
                |_| Ok(()),
            )?;
            Ok(Ok(conn))
        };
        match attempt() {
            Ok(Ok(read)) => Ok(Self {
                path: path.to_path_buf(),
                read: Mutex::new(read),
                retention,
            }),
            Ok(Err(found)) => Err(Error::DatabaseTooNew {
                path: path.to_path_buf(),
                found,
                supported: schema::VERSION,
            }),
            Err(e) if is_corruption(&e) => {
                let backup = quarantine(path)?;
                tracing::error!(path = %path.display(), backup = %backup.display(), "database damaged; moved aside");
                Err(Error::DatabaseCorrupt {
                    path: path.to_path_buf(),
                    detail: e.to_string(),
                    backup,
                })
            }
            Err(e) => Err(db_error(path, &e)),
        }
    }

    /// The SQLite file this store opened, for messages that name it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The retention this store was opened with.
    pub fn retention(&self) -> &Retention {
        &self.retention
    }

    /// Starts the writer thread with a channel of `capacity` records.
    pub fn start_writer(&self, capacity: usize) -> Result<Writer> {
        let conn = connect(&self.path).map_err(|e| db_error(&self.path, &e))?;
        Ok(Writer::start(
            conn,
            self.path.clone(),
            self.retention.clone(),
            capacity,
        ))
    }

    fn with_read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self
            .read
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&conn).map_err(|e| db_error(&self.path, &e))
    }

    fn server_id(conn: &Connection, key: &ServerKey) -> rusqlite::Result<Option<i64>> {
        conn.query_row(
            "SELECT id FROM servers WHERE panel = ?1 AND server = ?2",
            params![key.panel, key.server],
            |r| r.get(0),
        )
        .optional()
    }

    /// The points of one tier for one server with `from_ms <= at < to_ms`, oldest first.
    pub fn series(
        &self,
        key: &ServerKey,
        tier: Tier,
        from_ms: u64,
        to_ms: u64,
    ) -> Result<Vec<Point>> {
        let step = tier.step_ms();
        let span = step * codec::CHUNK_SLOTS;
        self.with_read(|conn| {
            let Some(sid) = Self::server_id(conn, key)? else {
                return Ok(Vec::new());
            };
            let mut stmt = conn.prepare_cached(
                "SELECT start_ms, data FROM metric_chunks
                 WHERE server_id = ?1 AND step_ms = ?2 AND start_ms > ?3 AND start_ms < ?4
                 ORDER BY start_ms",
            )?;
            let lo = i64::try_from(from_ms.saturating_sub(span)).unwrap_or(i64::MAX);
            let hi = i64::try_from(to_ms).unwrap_or(i64::MAX);
            let mut rows = stmt.query(params![sid, i64::try_from(step).unwrap_or(0), lo, hi])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let start: i64 = row.get(0)?;
                let data = row.get_ref(1)?.as_blob()?;
                codec::decode(data, u64::try_from(start).unwrap_or(0), step, &mut out);
            }
            out.retain(|p| p.at_ms >= from_ms && p.at_ms < to_ms);
            Ok(out)
        })
    }

    /// A chart's worth of history: the last `span_ms` before `now_ms` from the finest tier that
    /// keeps that long. Returns the tier used with the points.
    pub fn chart(&self, key: &ServerKey, span_ms: u64, now_ms: u64) -> Result<(Tier, Vec<Point>)> {
        let tier = self.retention.tier_for_span(span_ms).unwrap_or(Tier {
            step_secs: 60,
            keep_hours: 24,
        });
        let points = self.series(
            key,
            tier,
            now_ms.saturating_sub(span_ms),
            now_ms.saturating_add(1),
        )?;
        Ok((tier, points))
    }

    /// Alert log entries at or after `since_ms`, newest first, for one server or all.
    pub fn alerts(
        &self,
        key: Option<&ServerKey>,
        since_ms: u64,
        limit: usize,
    ) -> Result<Vec<AlertEntry>> {
        self.with_read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.panel, s.server, a.at_ms, a.kind, a.payload
                 FROM alert_log a JOIN servers s ON s.id = a.server_id
                 WHERE a.at_ms >= ?1 AND (?2 IS NULL OR (s.panel = ?2 AND s.server = ?3))
                 ORDER BY a.at_ms DESC, a.id DESC LIMIT ?4",
            )?;
            let rows = stmt.query_map(
                params![
                    i64::try_from(since_ms).unwrap_or(i64::MAX),
                    key.map(|k| k.panel.as_str()),
                    key.map(|k| k.server.as_str()),
                    i64::try_from(limit).unwrap_or(i64::MAX),
                ],
                |r| {
                    let payload: String = r.get(4)?;
                    Ok(AlertEntry {
                        key: ServerKey::new(r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                        at_ms: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                        kind: r.get(3)?,
                        payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                    })
                },
            )?;
            rows.collect()
        })
    }

    /// The last `limit` archived console lines of a server, oldest first.
    pub fn console_tail(&self, key: &ServerKey, limit: usize) -> Result<Vec<ConsoleLine>> {
        self.with_read(|conn| {
            let Some(sid) = Self::server_id(conn, key)? else {
                return Ok(Vec::new());
            };
            let mut stmt = conn.prepare_cached(
                "SELECT at_ms, origin, line FROM console_lines WHERE server_id = ?1
                 ORDER BY id DESC LIMIT ?2",
            )?;
            let rows = stmt.query_map(
                params![sid, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(ConsoleLine {
                        at_ms: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                        origin: writer::origin_from_code(r.get(1)?),
                        line: r.get(2)?,
                    })
                },
            )?;
            let mut lines = rows.collect::<rusqlite::Result<Vec<_>>>()?;
            lines.reverse();
            Ok(lines)
        })
    }

    /// Bytes of console archive kept for a server.
    pub fn console_bytes(&self, key: &ServerKey) -> Result<u64> {
        self.with_read(|conn| {
            let Some(sid) = Self::server_id(conn, key)? else {
                return Ok(0);
            };
            writer::console_bytes(conn, sid)
        })
    }
}
