//! Aerie's desktop app: a thin Tauri v2 shell over `aerie-core`.
//!
//! This crate only wires things together: launch flags and profile ([`launch`]), managed state
//! ([`state`]), the tray ([`tray`]), the window lifecycle ([`window`]), the event bridge to the
//! webview ([`bridge`]), the embedded simulator for `--demo` ([`demo`]) and thin commands
//! ([`commands`]). Everything with behaviour worth testing lives in `aerie-core`.

pub mod alerting;
pub mod bridge;
pub mod commands;
pub mod demo;
pub mod engine;
pub mod error;
pub mod launch;
pub mod links;
pub mod state;
pub mod tray;
pub mod window;

use clap::Parser;
use launch::{Args, Profile};
use std::process::ExitCode;
use tauri::Manager;

/// Parses the command line and runs the app until the user quits.
pub fn run() -> ExitCode {
    init_tracing();
    let args = Args::parse();
    match run_with(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "aerie-desktop failed");
            eprintln!("aerie-desktop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = aerie_core::logging::env_filter("AERIE_LOG", "info,aerie_desktop=debug");
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_filter(filter))
        .try_init();
}

fn run_with(args: Args) -> anyhow::Result<()> {
    let mut context = tauri::generate_context!();
    let profile = Profile::from_args(&args, &context.config().identifier);
    // The identifier decides the single-instance lock and the config/data directories, so a
    // demo or test instance never meets the user's own.
    context.config_mut().identifier = profile.identifier.clone();
    tracing::info!(identifier = %profile.identifier, demo = profile.demo, "starting");

    let start_hidden = args.hidden;
    // Tauri's own runtime would have a worker per core; the engine does better on one (see
    // `aerie_core::runtime`). Kept alive until the app has run.
    let runtime = aerie_core::runtime::engine_runtime()?;
    tauri::async_runtime::set(runtime.handle().clone());
    let app = tauri::Builder::default()
        // Must be the first plugin: a second launch exits here and shows the first's window.
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            tracing::info!(?argv, "second launch: showing the window");
            window::show_main(app);
        }))
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg("--hidden")
                .build(),
        )
        // No JS API is granted (see capabilities/): links open through `open_external` only.
        .plugin(
            tauri_plugin_opener::Builder::new()
                .open_js_links_on_click(false)
                .build(),
        )
        .manage(state::Quitting::default())
        .manage(state::Subscriptions::default())
        .manage(state::CloseToTray::default())
        .manage(state::Exports::default())
        .setup(move |app| {
            let (data_dir, throwaway) = resolve_data_dir(app.handle(), &profile)?;
            tracing::info!(data_dir = %data_dir.display(), throwaway = throwaway.is_some(), "data directory");
            app.manage(state::Runtime {
                profile: profile.clone(),
                data_dir: data_dir.clone(),
                throwaway: std::sync::Mutex::new(throwaway),
            });
            let own = profile.data_dir.is_none() && !profile.demo;
            // The fleet spawns its tasks on Tauri's tokio runtime, which is the engine's.
            let engine = tauri::async_runtime::block_on(async {
                engine::Engine::open(
                    (!own).then_some(data_dir.as_path()),
                    &profile.keyring_service,
                )
            })
            .map_err(|e| {
                tracing::error!(error = %e, "the engine could not open");
                e.to_string()
            });
            app.manage(engine::EngineState(engine));
            tray::create(app.handle())?;
            window::quit_on_signal(app.handle().clone());
            if profile.demo
                && let Err(e) = demo::start(app.handle(), args.demo_seed)
            {
                tracing::error!(error = %format!("{e:#}"), "demo: could not start the simulator");
            }
            if let Ok(engine) = app.state::<engine::EngineState>().get() {
                tray::follow_fleet(
                    app.handle().clone(),
                    engine.fleet.clone(),
                    engine.alerting.clone(),
                );
                open_on_click(app.handle(), engine);
                if let Ok(s) = engine.settings().load() {
                    app.state::<state::CloseToTray>()
                        .set(commands::settings::to_dto(&s).close_to_tray);
                }
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                if let Ok(engine) = handle.state::<engine::EngineState>().get() {
                    engine.watch_all().await;
                }
            });
            if start_hidden && let Some(w) = app.get_webview_window(window::MAIN) {
                w.hide()?;
                app.state::<state::Subscriptions>()
                    .set_visible(window::MAIN, false);
            }
            Ok(())
        })
        .on_window_event(window::on_window_event)
        .invoke_handler(commands::handler())
        .build(context)?;
    app.run(window::on_run_event);
    drop(runtime);
    Ok(())
}

/// A click on a notification shows the window and asks the UI to open that server.
fn open_on_click(app: &tauri::AppHandle, engine: &engine::Engine) {
    let taken = engine
        .clicks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take();
    let Some(mut clicks) = taken else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(key) = clicks.recv().await {
            tracing::info!(%key, "notification clicked: opening the server");
            window::show_main(&app);
            app.state::<state::Subscriptions>()
                .send_app_event(&state::AppEvent::OpenServer {
                    id: key.to_string(),
                });
        }
    });
}

/// The data directory: the flag's, a throw-away one for the demo (removed at exit), else the
/// OS's for this identifier.
fn resolve_data_dir<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    profile: &Profile,
) -> anyhow::Result<(std::path::PathBuf, Option<tempfile::TempDir>)> {
    let (dir, throwaway) = match (&profile.data_dir, profile.demo) {
        (Some(dir), _) => (dir.clone(), None),
        (None, true) => {
            let tmp = throwaway_data_dir()?;
            (tmp.path().to_path_buf(), Some(tmp))
        }
        (None, false) => (app.path().app_data_dir()?, None),
    };
    std::fs::create_dir_all(&dir)?;
    Ok((dir, throwaway))
}

/// The demo's data directory: a new one with a random name, created atomically and readable
/// only by this user. A predictable name under the shared temp dir could be created first by
/// another local user (or be a symlink to somewhere else) and then be written to and removed.
fn throwaway_data_dir() -> std::io::Result<tempfile::TempDir> {
    let mut builder = tempfile::Builder::new();
    builder.prefix("aerie-demo-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o700));
    }
    builder.tempdir()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_demo_directory_is_private_unpredictable_and_removed() {
        let a = super::throwaway_data_dir().expect("dir");
        let b = super::throwaway_data_dir().expect("dir");
        assert_ne!(a.path(), b.path());
        let pid_named = std::env::temp_dir().join(format!("aerie-demo-{}", std::process::id()));
        assert_ne!(a.path(), pid_named, "not derived from the process id");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(a.path())
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700, "only this user: {mode:o}");
        }
        let path = a.path().to_path_buf();
        std::fs::write(path.join("aerie.db"), b"x").expect("write");
        a.close().expect("removed");
        assert!(!path.exists());
    }
}
