//! The local SQLite database: metrics history, the alert log, the rolling console archive.
