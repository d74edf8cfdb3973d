//! Killing Aerie in the middle of a settings save never leaves an unreadable or empty settings
//! file: the process is aborted (no destructors, like `kill -9`) after the new content is in
//! the temp file but before the rename, and right after the rename.

mod panel_support;

use aerie_core::accounts::{self, AccountConfig, PanelFlavor, Watch};
use aerie_core::settings::{CRASH_HOOK_ENV, Settings, SettingsFile};
use panel_support::Aerie;

fn account(id: &str) -> AccountConfig {
    AccountConfig {
        id: id.into(),
        name: format!("Account {id}"),
        url: "https://panel.example.com".into(),
        flavor: PanelFlavor::Pterodactyl,
        username: "alice".into(),
        watch: Watch::All,
        added_at_ms: 1,
    }
}

#[test]
fn a_crash_during_a_settings_save_leaves_the_old_or_the_new_file_never_a_broken_one() {
    let aerie = Aerie::new();
    let settings = SettingsFile::new(aerie.settings_file());
    let before = Settings {
        accounts: vec![account("first0000000")],
        ..Settings::default()
    };
    settings.save(&before).expect("initial settings");

    // An export holding one more account; importing it rewrites the settings file.
    let other = tempfile::tempdir().expect("tempdir");
    let source = SettingsFile::new(other.path().join("settings.toml"));
    source
        .save(&Settings {
            accounts: vec![account("second000000")],
            ..Settings::default()
        })
        .expect("source settings");
    let export = other.path().join("export.toml");
    accounts::export(&source, &export).expect("export");
    let export = export.to_str().expect("utf-8 path");

    for round in 0..5 {
        let out = aerie.run(
            &["import", export],
            None,
            &[(CRASH_HOOK_ENV, "after-temp-write")],
        );
        assert!(
            !out.status.success(),
            "round {round}: the process was aborted"
        );
        let loaded = settings.load().expect("still a valid settings file");
        assert_eq!(
            loaded.accounts, before.accounts,
            "round {round}: the old content survives"
        );
    }

    let out = aerie.run(
        &["import", export],
        None,
        &[(CRASH_HOOK_ENV, "after-rename")],
    );
    assert!(
        !out.status.success(),
        "the process was aborted after the rename"
    );
    let loaded = settings.load().expect("valid settings file");
    // Imported accounts get fresh ids (never one the keyring may still hold a key under).
    let names: Vec<_> = loaded.accounts.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        ["Account first0000000", "Account second000000"],
        "the new content is complete"
    );
    assert_eq!(loaded.accounts[0].id, "first0000000");

    // Temp files the crashes left behind are cleaned up on the next load.
    let leftovers: Vec<_> = std::fs::read_dir(aerie.home().join("config"))
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "settings.toml")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
