//! Accounts against a real HTTP panel (loopback): what a user sees when adding, re-keying and
//! removing accounts, and the refusals that must happen before a key is saved. Keys go to the
//! in-memory store here; the real OS keyring is covered by the CLI's `panel_keyring` tests.

mod accounts_support;

use std::sync::Arc;

use accounts_support::{FakePanel, key};
use aerie_core::Error;
use aerie_core::accounts::{self, Accounts, PanelFlavor, Watch};
use aerie_core::secrets::{MemoryStore, Secret, SecretStore};
use aerie_core::settings::SettingsFile;

fn setup() -> (tempfile::TempDir, Arc<MemoryStore>, Accounts, FakePanel) {
    let dir = tempfile::tempdir().expect("tempdir");
    let secrets = Arc::new(MemoryStore::new());
    let accounts = Accounts::new(
        SettingsFile::new(dir.path().join("settings.toml")),
        secrets.clone(),
    );
    (dir, secrets, accounts, FakePanel::start())
}

#[tokio::test]
async fn two_accounts_on_one_panel_are_kept_apart_and_renamed_rekeyed_removed() {
    let (dir, secrets, accounts, panel) = setup();
    let (k1, k2, k3) = (key("ptlc_", 1), key("ptlc_", 2), key("ptlc_", 3));
    panel.allow(&k1, "alice");
    panel.allow(&k2, "bob");
    let messy_url = format!("{}/server/abcd1234/", panel.url);
    let a = accounts
        .add("Home", &messy_url, Secret::new(&k1))
        .await
        .expect("add alice");
    let b = accounts
        .add("Friend", &panel.url, Secret::new(&k2))
        .await
        .expect("add bob");
    assert_eq!(a.url, panel.url, "path and trailing slash stripped");
    assert_eq!((a.username.as_str(), b.username.as_str()), ("alice", "bob"));
    assert_eq!(a.flavor, PanelFlavor::Pterodactyl);
    assert_ne!(a.id, b.id);

    let dup = accounts.add("Again", &panel.url, Secret::new(&k1)).await;
    assert!(
        matches!(dup, Err(Error::AccountDuplicate(ref n)) if n == "Home"),
        "{dup:?}"
    );
    let taken = accounts.add("Home", &panel.url, Secret::new(&k3)).await;
    assert!(
        matches!(taken, Err(Error::AccountNameTaken(_))),
        "{taken:?}"
    );

    accounts.rename("Home", "Home server").expect("rename");
    assert_eq!(accounts.get(&a.id).expect("by id").name, "Home server");

    // Rotate: the new key must work before it replaces the old one.
    panel.allow(&k3, "alice");
    accounts
        .rekey(&a.id, Secret::new(&k3))
        .await
        .expect("rekey");
    panel.revoke(&k1);
    assert_eq!(accounts.key(&a.id).expect("key").expose(), k3);
    assert_eq!(
        accounts
            .test("Home server")
            .await
            .expect("still works")
            .username,
        "alice"
    );

    let gone = accounts.remove("Friend").expect("remove");
    assert_eq!(gone.id, b.id);
    assert!(
        secrets.get(&b.id).expect("get").is_none(),
        "remove deletes the key"
    );
    assert_eq!(accounts.list().expect("list").len(), 1);
    let text = std::fs::read_to_string(dir.path().join("settings.toml")).expect("settings");
    for k in [&k1, &k2, &k3] {
        assert!(!text.contains(k.as_str()), "settings never hold a key");
    }
}

#[tokio::test]
async fn wrong_keys_are_refused_with_a_reason_and_nothing_is_saved() {
    let (_dir, secrets, accounts, panel) = setup();
    let before = panel.requests();
    for app_key in [key("ptla_", 9), key("papp_", 9)] {
        let err = accounts
            .add("Admin", &panel.url, Secret::new(&app_key))
            .await;
        assert!(matches!(err, Err(Error::WrongKeyType)), "{err:?}");
    }
    assert_eq!(
        panel.requests(),
        before,
        "application keys are refused before any request"
    );

    let revoked = accounts
        .add("Old", &panel.url, Secret::new(key("ptlc_", 7)))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(revoked.contains("rejected the API key"), "{revoked}");

    let garbage = accounts
        .add("Paste", &panel.url, Secret::new("ptlc_abc def"))
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(garbage.contains("spaces"), "{garbage}");

    let bad_url = accounts
        .add(
            "Ftp",
            "ftp://panel.example.com",
            Secret::new(key("ptlc_", 1)),
        )
        .await;
    assert!(
        matches!(bad_url, Err(Error::PanelUrl { .. })),
        "{bad_url:?}"
    );

    assert!(accounts.list().expect("list").is_empty());
    assert!(secrets.get("anything").expect("get").is_none());
}

#[tokio::test]
async fn pelican_keys_are_recognised() {
    let (_dir, _secrets, accounts, panel) = setup();
    let k = key("pacc_", 4);
    panel.allow(&k, "carol");
    let a = accounts
        .add("Pelican", &panel.url, Secret::new(&k))
        .await
        .expect("add");
    assert_eq!(a.flavor, PanelFlavor::Pelican);
}

#[tokio::test]
async fn export_and_import_carry_accounts_and_settings_but_no_keys() {
    let (dir, _secrets, accounts, panel) = setup();
    let k = key("ptlc_", 5);
    panel.allow(&k, "dave");
    let a = accounts
        .add("Main", &panel.url, Secret::new(&k))
        .await
        .expect("add");
    let listed = vec!["aaaa1111".to_string(), "bbbb2222".to_string()];
    accounts
        .set_watch(&a.id, Watch::selected(&listed[..1], &listed, true))
        .expect("watch");
    accounts
        .settings()
        .update(|s| {
            s.ui.start_minimized = true;
            Ok(())
        })
        .expect("ui");
    let export = dir.path().join("export.toml");
    assert_eq!(
        accounts::export(accounts.settings(), &export).expect("export"),
        1
    );
    let text = std::fs::read_to_string(&export).expect("read export");
    assert!(!text.contains(&k), "exports never contain a key");
    assert!(!text.contains("S3cr3t"), "not even part of one");

    // Another machine: import, then the account is there without a key.
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = Accounts::new(
        SettingsFile::new(other_dir.path().join("settings.toml")),
        Arc::new(MemoryStore::new()),
    );
    let summary = accounts::import(other.settings(), &export).expect("import");
    assert_eq!(summary.added, vec!["Main".to_string()]);
    let status = other.status().expect("status");
    assert!(!status[0].has_key, "imported accounts need their key again");
    assert_eq!(
        status[0].config.watch,
        accounts.get("Main").expect("get").watch
    );
    assert!(other.settings().load().expect("load").ui.start_minimized);
    let missing = other
        .key("Main")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(missing.contains("aerie panel rekey"), "{missing}");
    // Importing twice adds nothing.
    let again = accounts::import(other.settings(), &export).expect("import again");
    assert_eq!((again.added.len(), again.skipped.len()), (0, 1));

    // A broken export changes nothing and says where it is broken.
    std::fs::write(&export, "aerie_export = 1\n[settings\n").expect("write");
    let err = accounts::import(other.settings(), &export)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("line 2") && err.contains("Nothing was changed"),
        "{err}"
    );
    assert_eq!(other.list().expect("list").len(), 1);
}

#[tokio::test]
async fn an_imported_account_never_inherits_a_key_left_in_the_keyring() {
    let (dir, secrets, accounts, panel) = setup();
    let k = key("ptlc_", 6);
    panel.allow(&k, "erin");
    let a = accounts
        .add("Main", &panel.url, Secret::new(&k))
        .await
        .expect("add");
    let export = dir.path().join("export.toml");
    accounts::export(accounts.settings(), &export).expect("export");

    // The settings file is lost; the keyring still holds the key under the account's id.
    // Someone hands the user an "export" that reuses that id with their own panel address.
    std::fs::remove_file(dir.path().join("settings.toml")).expect("delete settings");
    let hostile = FakePanel::start();
    let text = std::fs::read_to_string(&export).expect("read export");
    std::fs::write(&export, text.replace(&panel.url, &hostile.url)).expect("write export");

    let summary = accounts::import(accounts.settings(), &export).expect("import");
    assert_eq!(summary.added, vec!["Main".to_string()]);
    let status = accounts.status().expect("status");
    assert_eq!(status[0].config.url, hostile.url);
    assert_ne!(
        status[0].config.id, a.id,
        "an imported account gets a new id"
    );
    assert!(!status[0].has_key, "and no key until the user enters one");
    assert!(accounts.key("Main").is_err());
    assert!(accounts.test("Main").await.is_err());
    assert_eq!(
        hostile.requests(),
        0,
        "the old key never reached the imported address"
    );
    assert_eq!(
        secrets
            .get(&a.id)
            .expect("get")
            .map(|s| s.expose().to_owned()),
        Some(k),
        "the old entry is left alone"
    );
}
