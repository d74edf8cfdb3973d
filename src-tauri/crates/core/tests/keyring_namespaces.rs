//! The real OS keyring (Secret Service under `cargo xtask test`): the demo's service never
//! sees the app's keys, and nothing about a key shows in `Debug` output.

use aerie_core::secrets::{KeyringStore, Secret, SecretStore};

fn require_session_bus() {
    if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        panic!(
            "DBUS_SESSION_BUS_ADDRESS is not set: this test uses the real OS keyring. Run it with \
             `cargo xtask test` (it starts a private D-Bus and an unlocked gnome-keyring)"
        );
    }
}

#[test]
fn the_demo_service_never_sees_the_apps_keys() {
    require_session_bus();
    let base = format!("aerie-test-ns-{}", std::process::id());
    let app = KeyringStore::open(&base).expect("app keyring");
    let demo = KeyringStore::open(&format!("{base}-demo")).expect("demo keyring");
    let key = Secret::new("ptlc_namespaceTest0000000000000000000000000000000");
    app.set("acct00000001", &key).expect("set");
    let seen_by_demo = demo.get("acct00000001").expect("demo get");
    let seen_by_app = app.get("acct00000001").expect("app get");
    app.delete("acct00000001").expect("delete");
    assert!(seen_by_demo.is_none(), "the demo namespace is separate");
    assert_eq!(seen_by_app.as_ref(), Some(&key));
    assert!(app.get("acct00000001").expect("get").is_none(), "deleted");
    let shown = format!("{app:?} {seen_by_app:?}");
    assert!(!shown.contains("namespaceTest"), "{shown}");
}
