//! The HTTP control endpoint: the fault API over JSON on loopback, for the demo, the CLI and
//! anything that is not Rust.
//!
//! Routes (all JSON, answers `{"ok":true}` or `{"error":"…"}` with 404/400):
//! `GET /control/world`; `POST /control/nodes/{node}/drop|down|up`;
//! `POST /control/nodes/{node}/stall {"stalled":bool}`;
//! `POST /control/panels/{idx}/fault {"kind":"server_error"|"slow"|"rate_limited","slow_ms":u64,"for_ms":u64?}`;
//! `DELETE /control/panels/{idx}/fault`; `POST /control/panels/{idx}/revoke_key`;
//! `POST /control/servers/{id}/crash`; `POST /control/servers/{id}/suspend {"suspended":bool}`;
//! `POST /control/servers/{id}/flood {"lines_per_sec":u32}`;
//! `POST /control/servers/{id}/behaviour {"kind":"chatty","lines_per_sec":5}`;
//! `POST /control/servers/{id}/power {"signal":"start|stop|restart|kill"}`;
//! `POST /control/servers/{id}/delete`; `GET /control/servers/{id}`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::config::Behaviour;
use crate::error::SimError;
use crate::panel::PanelFault;
use crate::server::PowerAction;
use crate::world::World;

type Shared = State<Arc<World>>;

pub fn router(world: Arc<World>) -> Router {
    Router::new()
        .route("/control/world", get(world_info))
        .route("/control/nodes/{node}/{action}", post(node_action))
        .route("/control/nodes/{node}/stall", post(stall))
        .route(
            "/control/panels/{idx}/fault",
            post(panel_fault).delete(clear_fault),
        )
        .route("/control/panels/{idx}/revoke_key", post(revoke))
        .route("/control/servers/{id}", get(server_info))
        .route("/control/servers/{id}/crash", post(crash))
        .route("/control/servers/{id}/suspend", post(suspend))
        .route("/control/servers/{id}/flood", post(flood))
        .route("/control/servers/{id}/behaviour", post(behaviour))
        .route("/control/servers/{id}/power", post(power))
        .route("/control/servers/{id}/delete", post(delete))
        .with_state(world)
}

fn done(r: Result<(), SimError>) -> Response {
    match r {
        Ok(()) => Json(json!({"ok": true})).into_response(),
        Err(e) => {
            let status = match e {
                SimError::UnknownNode(_)
                | SimError::UnknownPanel(_)
                | SimError::UnknownServer(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            (status, Json(json!({"error": e.to_string()}))).into_response()
        }
    }
}

async fn world_info(State(w): Shared) -> Response {
    Json(json!({"profile": w.config.profile.as_str(), "panels": crate::panels_of(&w)}))
        .into_response()
}

async fn node_action(State(w): Shared, Path((node, action)): Path<(String, String)>) -> Response {
    let node = match w.node(&node) {
        Ok(n) => n,
        Err(e) => return done(Err(e)),
    };
    match action.as_str() {
        "drop" => node.drop_sockets(),
        "down" => node.down().await,
        "up" => return done(node.up().await.map_err(SimError::from)),
        _ => {
            return done(Err(SimError::Config(format!(
                "unknown node action {action}"
            ))));
        }
    }
    done(Ok(()))
}

#[derive(Deserialize)]
struct StallBody {
    stalled: bool,
}

async fn stall(State(w): Shared, Path(node): Path<String>, Json(b): Json<StallBody>) -> Response {
    done(w.node(&node).map(|n| n.stall(b.stalled)))
}

#[derive(Deserialize)]
struct FaultBody {
    kind: String,
    #[serde(default)]
    slow_ms: u64,
    #[serde(default)]
    for_ms: Option<u64>,
}

async fn panel_fault(
    State(w): Shared,
    Path(idx): Path<usize>,
    Json(b): Json<FaultBody>,
) -> Response {
    let fault = match b.kind.as_str() {
        "server_error" => PanelFault::ServerError,
        "slow" => PanelFault::Slow(Duration::from_millis(b.slow_ms)),
        "rate_limited" => PanelFault::RateLimited,
        other => return done(Err(SimError::Config(format!("unknown fault {other}")))),
    };
    done(w.panel(idx).map(|p| {
        p.state
            .set_fault(fault, b.for_ms.map(Duration::from_millis))
    }))
}

async fn clear_fault(State(w): Shared, Path(idx): Path<usize>) -> Response {
    done(w.panel(idx).map(|p| p.state.clear_fault()))
}

async fn revoke(State(w): Shared, Path(idx): Path<usize>) -> Response {
    done(w.panel(idx).map(|p| p.state.revoke_owner_key()))
}

async fn server_info(State(w): Shared, Path(id): Path<String>) -> Response {
    match w.server(&id) {
        Ok(s) => Json(json!({
            "uuid": s.info.uuid, "identifier": s.info.identifier, "name": s.info.name,
            "node": s.info.node_name, "state": s.state().as_str(), "behaviour": s.behaviour(),
            "stats": s.stats(),
        }))
        .into_response(),
        Err(e) => done(Err(e)),
    }
}

async fn crash(State(w): Shared, Path(id): Path<String>) -> Response {
    done(w.server(&id).map(|s| s.crash_now(1, false)))
}

#[derive(Deserialize)]
struct SuspendBody {
    suspended: bool,
}

async fn suspend(State(w): Shared, Path(id): Path<String>, Json(b): Json<SuspendBody>) -> Response {
    done(w.server(&id).map(|s| s.suspend(b.suspended)))
}

#[derive(Deserialize)]
struct FloodBody {
    lines_per_sec: u32,
}

async fn flood(State(w): Shared, Path(id): Path<String>, Json(b): Json<FloodBody>) -> Response {
    done(w.server(&id).map(|s| s.flood(b.lines_per_sec)))
}

async fn behaviour(State(w): Shared, Path(id): Path<String>, Json(b): Json<Behaviour>) -> Response {
    done(w.server(&id).map(|s| s.set_behaviour(b)))
}

#[derive(Deserialize)]
struct PowerBody {
    signal: String,
}

async fn power(State(w): Shared, Path(id): Path<String>, Json(b): Json<PowerBody>) -> Response {
    let Some(action) = PowerAction::parse(&b.signal) else {
        return done(Err(SimError::Config(format!(
            "unknown signal {}",
            b.signal
        ))));
    };
    done(w.server(&id).map(|s| {
        let _ = s.power(action);
    }))
}

async fn delete(State(w): Shared, Path(id): Path<String>) -> Response {
    done(w.delete_server(&id))
}
