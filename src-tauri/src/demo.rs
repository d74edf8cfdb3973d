//! `--demo`: the embedded simulator with a few panels and dozens of servers (some of them
//! crash, loop or get stuck), added as accounts of the demo profile. The demo profile has its
//! own throw-away data directory and the `aerie-demo` keyring namespace (see
//! [`crate::launch::Profile`]), so nothing here touches the user's own accounts.

use crate::engine::EngineState;
use aerie_core::panel::Secret;
use aerie_sim::{BehaviourPlan, Sim, SimConfig};
use tauri::{AppHandle, Manager, Runtime};

/// Panels in the demo world.
pub const PANELS: usize = 3;
/// Nodes per panel.
pub const NODES_PER_PANEL: usize = 2;
/// Servers per node (3 × 2 × 6 = 36 servers).
pub const SERVERS_PER_NODE: usize = 6;

/// Keeps the simulator alive for the life of the app.
pub struct DemoWorld(pub Sim);

impl std::fmt::Debug for DemoWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoWorld").finish_non_exhaustive()
    }
}

/// Starts the simulator and adds each of its panels as an account of the demo profile.
pub fn start<R: Runtime>(app: &AppHandle<R>, seed: u64) -> anyhow::Result<()> {
    let config = SimConfig {
        panels: PANELS,
        nodes_per_panel: NODES_PER_PANEL,
        servers_per_node: SERVERS_PER_NODE,
        seed,
        behaviours: BehaviourPlan::Mixed,
        ..SimConfig::default()
    };
    let sim = tauri::async_runtime::block_on(Sim::start(config))?;
    let panels = sim.panels();
    tracing::info!(
        panels = panels.len(),
        servers = panels.iter().map(|p| p.servers.len()).sum::<usize>(),
        "demo: simulator started"
    );
    app.manage(DemoWorld(sim));

    let engine = app.state::<EngineState>();
    let accounts = &engine.get().map_err(|e| anyhow::anyhow!("{e}"))?.accounts;
    let known = accounts.list()?;
    for (i, panel) in panels.iter().enumerate() {
        let name = format!("Demo panel {}", i + 1);
        if known.iter().any(|a| a.name == name) {
            continue;
        }
        let key = Secret::new(panel.client_key.clone());
        tauri::async_runtime::block_on(accounts.add(&name, &panel.url, key))?;
    }
    Ok(())
}

/// At exit: removes the demo accounts, which wipes their keys from the `aerie-demo` keyring
/// namespace (the throw-away data directory is removed by the window lifecycle).
pub fn cleanup<R: Runtime>(app: &AppHandle<R>) {
    let Some(engine) = app.try_state::<EngineState>() else {
        return;
    };
    let Ok(engine) = engine.get() else {
        return;
    };
    for account in engine.accounts.list().unwrap_or_default() {
        if let Err(e) = engine.accounts.remove(&account.id) {
            tracing::warn!(error = %e, "demo: could not remove a demo account");
        }
    }
}
