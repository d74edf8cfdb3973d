//! Client API routes and the fractal transformers they answer with.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use rand::Rng;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{PanelState, User, api_error, lock};
use crate::clock;
use crate::jwt::{self, Claims};
use crate::server::{PowerAction, PowerState, Server};

pub fn router(state: Arc<PanelState>) -> Router {
    Router::new()
        .route("/api/client", get(list))
        .route("/api/client/account", get(account))
        .route("/api/client/servers/{server}", get(show))
        .route("/api/client/servers/{server}/resources", get(resources))
        .route("/api/client/servers/{server}/power", post(power))
        .route("/api/client/servers/{server}/command", post(command))
        .route("/api/client/servers/{server}/websocket", get(websocket))
        .route("/auth/login", get(login))
        .fallback(not_found)
        .with_state(state)
}

async fn login() -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        "<!DOCTYPE html><html><head><title>Login</title></head><body><div id=\"app\"></div></body></html>",
    )
        .into_response()
}

async fn not_found() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "NotFoundHttpException",
        "The requested resource could not be found on the server.",
    )
}

fn resource_missing() -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "NotFoundHttpException",
        "The requested resource does not exist on this server.",
    )
}

fn forbidden(detail: &str) -> Response {
    api_error(StatusCode::FORBIDDEN, "AccessDeniedHttpException", detail)
}

fn daemon_unreachable() -> Response {
    api_error(
        StatusCode::GATEWAY_TIMEOUT,
        "DaemonConnectionException",
        "Could not establish a connection to the machine running this server. Please try again.",
    )
}

/// Resolves `{server}` (8-char identifier or uuid) among the servers the user can see.
fn find(panel: &PanelState, user: &User, id: &str) -> Option<Arc<Server>> {
    let servers = panel.servers.read().unwrap_or_else(|e| e.into_inner());
    let server = servers.iter().find(|s| {
        if id.len() == 8 {
            s.info.identifier == id
        } else {
            s.info.uuid == id
        }
    })?;
    user.permissions(&server.info.uuid)?;
    Some(server.clone())
}

/// The 409 every server route except `GET /servers/{server}` answers for a suspended server.
fn conflict(server: &Server) -> Option<Response> {
    server.suspended.load(Ordering::Relaxed).then(|| {
        api_error(
            StatusCode::CONFLICT,
            "ServerStateConflictException",
            "This server is currently suspended and the functionality requested is unavailable.",
        )
    })
}

fn node_up(panel: &PanelState, server: &Server) -> bool {
    panel
        .node(&server.info.node_name)
        .is_some_and(|n| n.up.load(Ordering::Relaxed))
}

fn server_item(panel: &PanelState, s: &Server, user: &User) -> Value {
    let i = &s.info;
    let pelican = panel.profile.is_pelican();
    let suspended = s.suspended.load(Ordering::Relaxed);
    let mut limits = json!({
        "memory": i.limits.memory, "swap": i.limits.swap, "disk": i.limits.disk,
        "io": i.limits.io, "cpu": i.limits.cpu, "threads": null, "oom_disabled": true,
    });
    if pelican {
        limits["oom_killer"] = json!(false);
    }
    let mut sftp = json!({"ip": "127.0.0.1", "port": 2022});
    if pelican {
        sftp["alias"] = Value::Null;
    }
    let variables = if user.can(&i.uuid, "startup.read") {
        json!({"object": "list", "data": [{"object": "egg_variable", "attributes": {
            "name": "Server Jar File", "description": "The name of the server jarfile to run the server with.",
            "env_variable": "SERVER_JARFILE", "default_value": "server.jar", "server_value": "server.jar",
            "is_editable": true, "rules": "required|regex:/^([\\w\\d._-]+)(\\.jar)$/"}}]})
    } else {
        json!({"object": "null_resource", "attributes": null})
    };
    let mut attrs = json!({
        "server_owner": matches!(user.access, super::Access::Owner),
        "identifier": i.identifier,
        "internal_id": i.internal_id,
        "uuid": i.uuid,
        "name": i.name,
        "node": i.node_name,
        "is_node_under_maintenance": false,
        "sftp_details": sftp,
        "description": i.description,
        "limits": limits,
        "invocation": i.egg.invocation,
        "docker_image": i.egg.docker_image,
        "egg_features": if i.egg.name == "Paper" { json!(["eula", "java_version", "pid_limit"]) } else { json!([]) },
        "feature_limits": {"databases": 2, "allocations": 3, "backups": 5},
        "status": if suspended { json!("suspended") } else { Value::Null },
        "is_suspended": suspended,
        "is_installing": false,
        "is_transferring": false,
        "relationships": {
            "allocations": {"object": "list", "data": [{"object": "allocation", "attributes": {
                "id": i.allocation_id, "ip": i.allocation.0, "ip_alias": null, "port": i.allocation.1,
                "notes": null, "is_default": true}}]},
            "variables": variables,
        },
    });
    if pelican {
        // Pelican omits descriptions unless editable descriptions are enabled.
        if let Some(o) = attrs.as_object_mut() {
            o.remove("description");
        }
    }
    json!({"object": "server", "attributes": attrs})
}

async fn list(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let per_page = q
        .get("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(50)
        .clamp(1, 100);
    let page = q
        .get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let filter = q
        .get("filter[*]")
        .or_else(|| q.get("filter[name]"))
        .map(|f| f.to_lowercase());
    let admin_type = matches!(
        q.get("type").map(String::as_str),
        Some("admin" | "admin-all")
    );
    let visible: Vec<Arc<Server>> = if admin_type {
        // The simulated users are not root admins: admin listings are empty, not errors.
        Vec::new()
    } else {
        let owner_only = q.get("type").map(String::as_str) == Some("owner");
        let servers = panel.servers.read().unwrap_or_else(|e| e.into_inner());
        servers
            .iter()
            .filter(|s| match &user.access {
                super::Access::Owner => true,
                super::Access::Subuser(m) => !owner_only && m.contains_key(&s.info.uuid),
            })
            .filter(|s| {
                filter.as_ref().is_none_or(|f| {
                    s.info.name.to_lowercase().contains(f.as_str())
                        || s.info.uuid.starts_with(f.as_str())
                        || s.info.identifier == *f
                })
            })
            .cloned()
            .collect()
    };
    let total = visible.len();
    let total_pages = total.div_ceil(per_page).max(1);
    let data: Vec<Value> = visible
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .map(|s| server_item(&panel, s, &user))
        .collect();
    let mut links = serde_json::Map::new();
    let base = format!("{}/api/client", panel.url);
    if page > 1 {
        links.insert(
            "previous".into(),
            json!(format!("{base}?page={}&per_page={per_page}", page - 1)),
        );
    }
    if page < total_pages {
        links.insert(
            "next".into(),
            json!(format!("{base}?page={}&per_page={per_page}", page + 1)),
        );
    }
    Json(json!({
        "object": "list",
        "data": data,
        "meta": {"pagination": {
            "total": total, "count": data.len(), "per_page": per_page,
            "current_page": page, "total_pages": total_pages, "links": links,
        }},
    }))
    .into_response()
}

async fn account(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
) -> Response {
    let email = format!("{}@example.com", user.username);
    let attrs = if panel.profile.is_pelican() {
        json!({"uuid": user.uuid, "username": user.username, "email": email, "language": "en",
               "image": null, "admin": false, "root_admin": false, "2fa_enabled": false,
               "created_at": "2024-01-15T10:00:00+00:00", "updated_at": "2024-06-01T12:00:00+00:00"})
    } else {
        json!({"id": user.id, "admin": false, "username": user.username, "email": email,
               "first_name": "Sim", "last_name": "User", "language": "en"})
    };
    Json(json!({"object": "user", "attributes": attrs})).into_response()
}

async fn show(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Response {
    let Some(server) = find(&panel, &user, &id) else {
        return resource_missing();
    };
    let mut item = server_item(&panel, &server, &user);
    item["meta"] = json!({
        "is_server_owner": matches!(user.access, super::Access::Owner),
        "user_permissions": user.permissions(&server.info.uuid).unwrap_or_default(),
    });
    Json(item).into_response()
}

async fn resources(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Response {
    let Some(server) = find(&panel, &user, &id) else {
        return resource_missing();
    };
    let now = Instant::now();
    let uuid = server.info.uuid.clone();
    if let Some((at, cached)) = lock(&panel.resources).get(&uuid)
        && now.duration_since(*at) < panel.timings.resources_cache
    {
        return Json(cached.clone()).into_response();
    }
    if !node_up(&panel, &server) {
        return daemon_unreachable();
    }
    let st = server.stats();
    let body = json!({"object": "stats", "attributes": {
        "current_state": st.state.as_str(),
        "is_suspended": server.suspended.load(Ordering::Relaxed),
        "resources": {
            "memory_bytes": st.memory_bytes, "cpu_absolute": st.cpu_absolute,
            "disk_bytes": st.disk_bytes, "network_rx_bytes": st.network.rx_bytes,
            "network_tx_bytes": st.network.tx_bytes, "uptime": st.uptime,
        },
    }});
    lock(&panel.resources).insert(uuid, (now, body.clone()));
    Json(body).into_response()
}

/// A string field of a JSON body; `Err` for malformed JSON (answer with [`malformed`]).
fn body_field(body: &[u8], field: &str) -> Result<Option<String>, serde_json::Error> {
    if body.is_empty() {
        return Ok(None);
    }
    let v: Value = serde_json::from_slice(body)?;
    Ok(v.get(field).and_then(Value::as_str).map(str::to_string))
}

fn malformed() -> Response {
    api_error(
        StatusCode::BAD_REQUEST,
        "BadRequestHttpException",
        "The JSON data passed in the request appears to be malformed.",
    )
}

fn validation(field: &str, rule: &str, detail: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"errors": [{"code": "ValidationException", "status": "422", "detail": detail,
                           "meta": {"source_field": field, "rule": rule}}]})
        .to_string(),
    )
        .into_response()
}

async fn power(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(server) = find(&panel, &user, &id) else {
        return resource_missing();
    };
    if let Some(r) = conflict(&server) {
        return r;
    }
    let signal = match body_field(&body, "signal") {
        Ok(s) => s.unwrap_or_default(),
        Err(_) => return malformed(),
    };
    let action = PowerAction::parse(&signal);
    let uuid = &server.info.uuid;
    // Authorization runs before validation: a subuser gets 403 even for a bad signal.
    let allowed = match action {
        Some(a) => user.can(uuid, a.permission()),
        None => matches!(user.access, super::Access::Owner),
    };
    if !allowed {
        return forbidden("This action is unauthorized.");
    }
    let Some(action) = action else {
        return validation("signal", "in", "The selected signal is invalid.");
    };
    if !node_up(&panel, &server) {
        return daemon_unreachable();
    }
    // Wings answers 202 and runs the action asynchronously; failures are not reported.
    let _ = server.power(action);
    StatusCode::NO_CONTENT.into_response()
}

async fn command(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some(server) = find(&panel, &user, &id) else {
        return resource_missing();
    };
    if let Some(r) = conflict(&server) {
        return r;
    }
    if !user.can(&server.info.uuid, "control.console") {
        return forbidden("This action is unauthorized.");
    }
    let line = match body_field(&body, "command") {
        Ok(c) => c.unwrap_or_default(),
        Err(_) => return malformed(),
    };
    if line.is_empty() {
        return validation("command", "required", "The command field is required.");
    }
    if !node_up(&panel, &server) {
        return daemon_unreachable();
    }
    if server.state() == PowerState::Offline || !server.command(&line) {
        return api_error(
            StatusCode::BAD_GATEWAY,
            "HttpException",
            "Server must be online in order to send commands.",
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn websocket(
    State(panel): State<Arc<PanelState>>,
    Extension(user): Extension<User>,
    Path(id): Path<String>,
) -> Response {
    let Some(server) = find(&panel, &user, &id) else {
        return resource_missing();
    };
    if let Some(r) = conflict(&server) {
        return r;
    }
    let uuid = server.info.uuid.clone();
    if !user.can(&uuid, "websocket.connect") {
        return forbidden("You do not have permission to connect to this server's websocket.");
    }
    if panel.profile.limits_token_minting() {
        let count = lock(&panel.minting).hit(&uuid, Instant::now());
        if let Some(secs) = count.retry_after {
            let mut r = api_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequestsHttpException",
                "Too Many Attempts.",
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            return r;
        }
    }
    let Some(node) = panel.node(&server.info.node_name) else {
        return daemon_unreachable();
    };
    let token = mint(
        &panel,
        node,
        &user,
        &uuid,
        panel.timings.token_lifetime.as_secs(),
    );
    let socket = format!(
        "{}/api/servers/{uuid}/ws",
        node.url
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1)
    );
    Json(json!({"data": {"token": token, "socket": socket}})).into_response()
}

/// Mints a websocket token for a user on a server, as the profile's panel does.
pub fn mint(
    panel: &PanelState,
    node: &crate::wings::NodeState,
    user: &User,
    uuid: &str,
    lifetime_secs: u64,
) -> String {
    let now = clock::now_secs();
    let new = panel.profile.has_scope();
    let unique: String = rand::thread_rng()
        .sample_iter(rand::distributions::Alphanumeric)
        .take(16)
        .map(char::from)
        .collect();
    let claims = Claims {
        iss: panel.url.clone(),
        aud: vec![node.url.clone()],
        jti: jwt::jti(panel.profile, user.id, uuid),
        iat: Some(now),
        nbf: Some(now.saturating_sub(300)),
        exp: Some(now + lifetime_secs),
        server_uuid: uuid.to_string(),
        permissions: user.permissions(uuid).unwrap_or_default(),
        user_uuid: user.uuid.clone(),
        user_id: (!new).then_some(user.id),
        unique_id: unique,
        scope: new.then(|| "websocket".to_string()),
    };
    jwt::encode(&claims, &node.secret)
}
