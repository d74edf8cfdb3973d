//! Schema migrations, tracked in SQLite's `user_version`.

use rusqlite::Connection;

/// Migration `i` takes the database from version `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // v1: servers, packed metric chunks, alert log, console archive.
    "CREATE TABLE servers(
        id INTEGER PRIMARY KEY,
        panel TEXT NOT NULL,
        server TEXT NOT NULL,
        UNIQUE(panel, server)
    );
    CREATE TABLE metric_chunks(
        id INTEGER PRIMARY KEY,
        server_id INTEGER NOT NULL,
        step_ms INTEGER NOT NULL,
        start_ms INTEGER NOT NULL,
        data BLOB NOT NULL
    );
    CREATE UNIQUE INDEX metric_chunks_key ON metric_chunks(server_id, step_ms, start_ms);
    CREATE INDEX metric_chunks_age ON metric_chunks(step_ms, start_ms);
    CREATE TABLE alert_log(
        id INTEGER PRIMARY KEY,
        server_id INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX alert_log_at ON alert_log(at_ms);
    CREATE INDEX alert_log_server ON alert_log(server_id, at_ms);
    CREATE TABLE console_lines(
        id INTEGER PRIMARY KEY,
        server_id INTEGER NOT NULL,
        at_ms INTEGER NOT NULL,
        origin INTEGER NOT NULL,
        line TEXT NOT NULL
    );
    CREATE INDEX console_lines_server ON console_lines(server_id, id);",
];

/// The schema version this build writes.
pub(crate) const VERSION: i64 = MIGRATIONS.len() as i64;

/// What [`migrate`] found.
pub(crate) enum Outcome {
    /// At [`VERSION`] now.
    Current,
    /// Written by a newer Aerie; left untouched.
    TooNew(i64),
}

/// Brings the schema to [`VERSION`], each step in its own transaction.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<Outcome> {
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        return Ok(Outcome::TooNew(version));
    }
    while version < VERSION {
        let tx = conn.transaction()?;
        let step = usize::try_from(version).unwrap_or(0);
        tx.execute_batch(MIGRATIONS[step])?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(Outcome::Current)
}
