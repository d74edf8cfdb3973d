//! A damaged settings file and a damaged database are each reported clearly, and neither
//! takes the other store down with it.

use aerie_core::Error;
use aerie_core::accounts::{AccountConfig, PanelFlavor, Watch};
use aerie_core::event::{Rates, ServerKey, Stats};
use aerie_core::settings::{Paths, Settings, SettingsFile};
use aerie_core::store::{Retention, Store};

const T0: u64 = 1_767_225_600_000;

fn with_account_and_history() -> (tempfile::TempDir, Paths, SettingsFile) {
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = Paths::under(dir.path());
    let settings = SettingsFile::at(&paths);
    settings
        .save(&Settings {
            accounts: vec![AccountConfig {
                id: "acct00000001".into(),
                name: "Home".into(),
                url: "https://panel.example.com".into(),
                flavor: PanelFlavor::Pelican,
                username: "alice".into(),
                watch: Watch::All,
                added_at_ms: 1,
            }],
            ..Settings::default()
        })
        .expect("save settings");
    let store = Store::open(&paths.database_file(), Retention::default()).expect("db");
    let writer = store.start_writer(64).expect("writer");
    let key = ServerKey::new("acct00000001", "aaaa1111");
    for i in 0..100u64 {
        writer.handle().record_stats_blocking(
            &key,
            T0 + i * 5_000,
            Stats::default(),
            Rates::default(),
        );
    }
    writer.handle().flush_blocking().expect("flush");
    writer.close();
    (dir, paths, settings)
}

#[test]
fn a_garbled_settings_file_is_reported_with_its_line_and_history_is_untouched() {
    let (_dir, paths, settings) = with_account_and_history();
    let text = std::fs::read_to_string(settings.path()).expect("read");
    let garbled = text.replacen("[[accounts]]", "[[accounts]\n", 1);
    std::fs::write(settings.path(), &garbled).expect("garble");

    let err = settings.load().expect_err("invalid settings");
    let Error::SettingsInvalid { line, backup, .. } = &err else {
        panic!("expected SettingsInvalid, got {err:?}");
    };
    let msg = err.to_string();
    assert!(*line > 0, "{msg}");
    assert!(
        msg.contains(&settings.path().display().to_string()),
        "names the file: {msg}"
    );
    assert!(
        msg.contains("delete it to start with default settings"),
        "says what to do: {msg}"
    );
    assert_eq!(
        std::fs::read_to_string(backup).expect("backup"),
        garbled,
        "a copy is kept"
    );
    assert_eq!(
        std::fs::read_to_string(settings.path()).expect("kept"),
        garbled,
        "not overwritten"
    );

    let store = Store::open(&paths.database_file(), Retention::default()).expect("db opens");
    let (_, points) = store
        .chart(
            &ServerKey::new("acct00000001", "aaaa1111"),
            3_600_000,
            T0 + 500_000,
        )
        .expect("chart");
    assert_eq!(points.len(), 100, "history is intact");
}

#[test]
fn a_damaged_database_is_moved_aside_reported_and_settings_are_untouched() {
    let (_dir, paths, settings) = with_account_and_history();
    let db = paths.database_file();
    // Overwrite the header and the first pages, like a disk error or a stray write would.
    let mut bytes = std::fs::read(&db).expect("read db");
    for b in bytes.iter_mut().take(8192) {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).expect("damage db");

    let err = Store::open(&db, Retention::default()).expect_err("damaged");
    let Error::DatabaseCorrupt { backup, .. } = &err else {
        panic!("expected DatabaseCorrupt, got {err:?}");
    };
    let msg = err.to_string();
    assert!(
        msg.contains("settings and accounts are not affected"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read(backup).expect("backup kept"),
        bytes,
        "the damaged file is kept for recovery"
    );

    let loaded = settings.load().expect("settings still load");
    assert_eq!(loaded.accounts.len(), 1);
    assert_eq!(loaded.accounts[0].name, "Home");

    let fresh = Store::open(&db, Retention::default()).expect("opening again starts fresh");
    let (_, points) = fresh
        .chart(
            &ServerKey::new("acct00000001", "aaaa1111"),
            3_600_000,
            T0 + 500_000,
        )
        .expect("chart");
    assert!(points.is_empty());
}

#[test]
fn a_database_from_a_newer_aerie_is_refused_and_left_untouched() {
    let (_dir, paths, _settings) = with_account_and_history();
    let db = paths.database_file();
    {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.pragma_update(None, "user_version", 99)
            .expect("bump version");
    }
    let err = Store::open(&db, Retention::default()).expect_err("too new");
    assert!(
        matches!(err, Error::DatabaseTooNew { found: 99, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Update Aerie"), "{err}");
    let conn = rusqlite::Connection::open(&db).expect("still there");
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(v, 99, "not migrated down or replaced");
}
