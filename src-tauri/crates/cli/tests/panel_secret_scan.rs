//! After a full session with several accounts (add, list, test, rename, rekey, watch,
//! export, import, remove) plus history written under those accounts, no API key, nor any
//! part of one, is found in the config dir, the database, the logs or the export.

mod panel_support;

use aerie_core::event::{
    ConsoleOrigin, Fact, Rates, ServerEvent, ServerEventKind, ServerKey, Stats,
};
use aerie_core::settings::Paths;
use aerie_core::store::{Retention, Store};
use panel_support::fake_panel::{FakePanel, key};
use panel_support::{Aerie, require_session_bus};

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_key_or_token_is_left_anywhere_after_a_session() {
    require_session_bus();
    let ptero = FakePanel::start();
    let pelican = FakePanel::start();
    let aerie = Aerie::new();
    let keys = [
        key("ptlc_", 201),
        key("ptlc_", 202),
        key("pacc_", 203),
        key("ptlc_", 204),
    ];
    ptero.allow(&keys[0], "alice");
    ptero.allow(&keys[1], "bob");
    pelican.allow(&keys[2], "carol");
    ptero.allow(&keys[3], "alice");

    aerie.ok(
        &["panel", "add", "--name", "Alice", "--url", &ptero.url],
        Some(&keys[0]),
        &[],
    );
    aerie.ok(
        &[
            "panel",
            "add",
            "--name",
            "Bob",
            "--url",
            &ptero.url,
            "--key-env",
            "K",
        ],
        None,
        &[("K", &keys[1])],
    );
    aerie.ok(
        &["panel", "add", "--name", "Carol", "--url", &pelican.url],
        Some(&keys[2]),
        &[],
    );
    aerie.ok(&["panel", "list"], None, &[]);
    aerie.ok(&["panel", "test", "Carol"], None, &[]);
    aerie.ok(&["panel", "rename", "Bob", "Bob (host)"], None, &[]);
    aerie.ok(&["panel", "rekey", "Alice"], Some(&keys[3]), &[]);
    aerie.ok(
        &[
            "panel",
            "watch",
            "Alice",
            "--servers",
            "aaaa1111",
            "--include-new",
        ],
        None,
        &[],
    );
    // A failed add with a wrong key must not leak it either.
    aerie.fails(
        &["panel", "add", "--name", "Bad", "--url", &ptero.url],
        Some(&key("ptla_", 205)),
        &[],
    );
    aerie.fails(
        &["panel", "add", "--name", "Bad", "--url", &ptero.url],
        Some(&key("ptlc_", 206)),
        &[],
    );
    let export = aerie.home().join("export.toml");
    aerie.ok(&["export", export.to_str().expect("utf-8 path")], None, &[]);
    aerie.ok(&["import", export.to_str().expect("utf-8 path")], None, &[]);
    let accounts = aerie.list();
    assert_eq!(accounts.len(), 3);
    aerie.ok(&["panel", "remove", "Carol"], None, &[]);

    // What the fleet records for these accounts' servers goes to the database.
    let paths = Paths::under(aerie.home());
    let store = Store::open(&paths.database_file(), Retention::default()).expect("db");
    let writer = store.start_writer(256).expect("writer");
    let h = writer.handle();
    for (i, a) in accounts.iter().enumerate() {
        let k = ServerKey::new(a["id"].as_str().expect("id"), "aaaa1111");
        let at = 1_767_225_600_000 + i as u64;
        h.record_stats(&k, at, Stats::default(), Rates::default());
        h.record_console(
            &k,
            at,
            ConsoleOrigin::Daemon,
            "[Pterodactyl Daemon]: Checking server disk space usage",
        );
        h.record(&ServerEvent {
            key: k.clone(),
            at,
            kind: ServerEventKind::Alert {
                fact: Fact::CredentialsRejected {
                    message: "the panel rejected the API key".into(),
                },
            },
        });
    }
    h.flush_blocking().expect("flush");
    writer.close();

    let mut files = Vec::new();
    files_under(aerie.home(), &mut files);
    assert!(files.iter().any(|p| p.ends_with("settings.toml")));
    assert!(files.iter().any(|p| p.ends_with("aerie.sqlite3")));
    let mut haystacks: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(p).expect("read file"),
            )
        })
        .collect();
    haystacks.push((
        "CLI output and logs".into(),
        aerie.transcript.borrow().clone().into_bytes(),
    ));
    assert!(
        aerie.transcript.borrow().contains("TRACE") || aerie.transcript.borrow().contains("DEBUG"),
        "logs were captured at trace level"
    );
    let all_keys: Vec<String> = keys
        .iter()
        .cloned()
        .chain([key("ptla_", 205), key("ptlc_", 206)])
        .collect();
    for (name, bytes) in &haystacks {
        for k in &all_keys {
            // The secret half of a key (its last 32 characters) is what must never leak.
            for needle in [k.as_str(), &k[k.len() - 32..], &k[5..21]] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{name} contains (part of) an API key"
                );
            }
        }
    }
}
