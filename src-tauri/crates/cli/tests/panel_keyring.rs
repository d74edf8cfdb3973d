//! `aerie panel` against the real OS keyring (Secret Service under `cargo xtask test`) and a
//! loopback panel: a key added by one process is read back by another, rotated and deleted.

mod panel_support;

use aerie_core::secrets::SecretStore;
use panel_support::fake_panel::{FakePanel, key};
use panel_support::{Aerie, require_session_bus};

#[test]
fn a_key_is_added_read_back_by_another_process_rotated_and_removed() {
    require_session_bus();
    let panel = FakePanel::start();
    let aerie = Aerie::new();
    let (old, new) = (key("ptlc_", 101), key("ptlc_", 102));
    panel.allow(&old, "alice");

    let out = aerie.ok(
        &[
            "panel",
            "add",
            "--name",
            "Home",
            "--url",
            &format!("{}/", panel.url),
        ],
        Some(&format!("{old}\n")),
        &[],
    );
    assert!(out.contains("Added Home"), "{out}");
    let list = aerie.list();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["has_key"], true, "a fresh process finds the key");
    assert_eq!(list[0]["url"], panel.url.as_str());
    let id = list[0]["id"].as_str().expect("id").to_owned();
    // This test process is yet another process reading the same keyring entry.
    let stored = aerie.keyring().get(&id).expect("keyring read");
    assert_eq!(stored.as_ref().map(|s| s.expose()), Some(old.as_str()));
    assert!(
        aerie
            .ok(&["panel", "test", "Home"], None, &[])
            .contains("alice")
    );

    // Rotate: the new key comes from an environment variable, never an argument.
    panel.allow(&new, "alice");
    aerie.ok(
        &["panel", "rekey", "Home", "--key-env", "AERIE_TEST_NEW_KEY"],
        None,
        &[("AERIE_TEST_NEW_KEY", &new)],
    );
    panel.revoke(&old);
    assert!(
        aerie
            .ok(&["panel", "test", &id], None, &[])
            .contains("alice")
    );
    let stored = aerie.keyring().get(&id).expect("keyring read");
    assert_eq!(stored.as_ref().map(|s| s.expose()), Some(new.as_str()));

    // A revoked key is reported as such.
    panel.revoke(&new);
    let err = aerie.fails(&["panel", "test", "Home"], None, &[]);
    assert!(err.contains("rejected the API key"), "{err}");

    let out = aerie.ok(&["panel", "remove", "Home"], None, &[]);
    assert!(out.contains("deleted its key"), "{out}");
    assert!(
        aerie.keyring().get(&id).expect("keyring read").is_none(),
        "the secret is gone"
    );
    assert!(aerie.list().is_empty());
}

#[test]
fn an_application_key_is_refused_with_directions_and_never_echoed() {
    require_session_bus();
    let panel = FakePanel::start();
    let aerie = Aerie::new();
    let app = key("ptla_", 103);
    let err = aerie.fails(
        &["panel", "add", "--name", "Admin", "--url", &panel.url],
        Some(&app),
        &[],
    );
    assert!(
        err.contains("application API key") && err.contains("client API key"),
        "{err}"
    );
    assert!(!err.contains(&app[5..]), "the key is never printed: {err}");
    assert!(aerie.list().is_empty(), "nothing was saved");
}

#[test]
fn a_missing_keyring_is_reported_and_nothing_falls_back_to_a_file() {
    let aerie = Aerie::new();
    let err = aerie.fails(
        &[
            "panel",
            "add",
            "--name",
            "X",
            "--url",
            "https://panel.example.com",
        ],
        Some(&key("ptlc_", 104)),
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/aerie-no-bus",
        )],
    );
    assert!(
        err.contains("no OS keyring is available") || err.contains("keyring is locked"),
        "{err}"
    );
    assert!(err.contains("never stores API keys anywhere else"), "{err}");
    assert!(
        !aerie.settings_file().exists(),
        "no account and no file fallback"
    );
}
