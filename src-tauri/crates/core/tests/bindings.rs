//! The TypeScript types the UI uses for engine events are generated from Rust with ts-rs and
//! committed under `ui/src/lib/bindings/`. This test fails when they are stale.
//! Regenerate with `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-core --test bindings`.

use aerie_core::event::ServerEvent;
use std::path::PathBuf;
use ts_rs::TS;

fn committed_dir() -> PathBuf {
    // The checkout cargo runs the test in, not necessarily the one it was compiled in.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .join("../../../ui/src/lib/bindings")
}

#[test]
fn event_bindings_are_up_to_date() {
    let generated = tempfile::tempdir().expect("temp dir");
    // ServerEvent reaches every other event type, so exporting it exports them all.
    ServerEvent::export_all_to(generated.path()).expect("ts-rs export");

    let update = std::env::var_os("AERIE_UPDATE_BINDINGS").is_some();
    let committed = committed_dir();
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(generated.path()).expect("read generated") {
        let path = entry.expect("dir entry").path();
        let name = path.file_name().expect("file name").to_owned();
        let fresh = std::fs::read_to_string(&path).expect("read generated file");
        let target = committed.join(&name);
        if std::fs::read_to_string(&target).ok().as_deref() != Some(fresh.as_str()) {
            if update {
                std::fs::create_dir_all(&committed).expect("create bindings dir");
                std::fs::write(&target, fresh).expect("write binding");
            } else {
                stale.push(name.to_string_lossy().into_owned());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "TypeScript bindings are stale or missing in ui/src/lib/bindings: {stale:?}. \
         Run `AERIE_UPDATE_BINDINGS=1 cargo test -p aerie-core --test bindings` and commit them."
    );
}
