//! A simulated Panel: the Client API (`docs/protocols/wings.md` §11) with its envelopes,
//! errors, rate limits, state conflicts and websocket token minting, plus fault switches.

mod limit;
mod routes;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tokio::time::Instant;

use crate::config::{Profile, Timings};
use crate::server::Server;
use crate::wings::NodeState;
use limit::Windows;

/// A fault the panel can be told to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelFault {
    /// Every request answers 500 with the generic error JSON.
    ServerError,
    /// Every request is delayed this long.
    Slow(Duration),
    /// Every request answers 429 with `Retry-After`.
    RateLimited,
}

/// One Client API request the panel received, for tests that check a client's pacing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// When it arrived (tokio's clock, so virtual time in paused tests).
    pub at: Instant,
    /// Request path, e.g. `/api/client/servers/abcd1234/websocket`.
    pub path: String,
    /// Status answered (429 when throttled).
    pub status: u16,
}

/// Requests kept in a panel's log (oldest dropped first): enough for any test, bounded for
/// a long-running demo.
const REQUEST_LOG_CAP: usize = 100_000;

/// What a user may do on a server.
#[derive(Debug, Clone)]
pub enum Access {
    /// Owns every server of the panel (permissions `["*"]`).
    Owner,
    /// Subuser of some servers, with explicit permissions per server uuid.
    Subuser(HashMap<String, Vec<String>>),
}

/// A panel user with one client key and, for the owner, one application key.
#[derive(Debug, Clone)]
pub struct User {
    /// Numeric id.
    pub id: u64,
    /// Uuid.
    pub uuid: String,
    /// Username.
    pub username: String,
    /// Client API key (bearer string).
    pub client_key: String,
    /// Application API key, if any.
    pub application_key: Option<String>,
    /// Server access.
    pub access: Access,
    /// Revoked keys answer 401.
    pub revoked: bool,
}

impl User {
    /// Permissions on a server, `None` without access.
    pub fn permissions(&self, uuid: &str) -> Option<Vec<String>> {
        match &self.access {
            Access::Owner => Some(vec!["*".to_string()]),
            Access::Subuser(map) => map.get(uuid).cloned(),
        }
    }

    /// Whether the user has a permission on a server (panel-side check: `*` grants all).
    pub fn can(&self, uuid: &str, perm: &str) -> bool {
        self.permissions(uuid)
            .is_some_and(|p| p.iter().any(|x| x == "*" || x == perm))
    }
}

/// Everything a panel's handlers share.
#[derive(Debug)]
pub struct PanelState {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Flavour.
    pub profile: Profile,
    /// Durations.
    pub timings: Timings,
    /// Nodes of this panel.
    pub nodes: Vec<Arc<NodeState>>,
    /// Servers of this panel, in creation order.
    pub servers: RwLock<Vec<Arc<Server>>>,
    /// Users; the first one owns every server.
    pub users: RwLock<Vec<User>>,
    fault: Mutex<Option<(PanelFault, Option<Instant>)>>,
    rate: Mutex<Windows>,
    minting: Mutex<Windows>,
    resources: Mutex<HashMap<String, (Instant, serde_json::Value)>>,
    log: Mutex<VecDeque<RequestRecord>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl PanelState {
    /// A panel with its nodes, servers and users.
    pub fn new(
        url: String,
        profile: Profile,
        timings: Timings,
        nodes: Vec<Arc<NodeState>>,
        servers: Vec<Arc<Server>>,
        users: Vec<User>,
    ) -> Self {
        Self {
            url,
            profile,
            timings,
            nodes,
            servers: RwLock::new(servers),
            users: RwLock::new(users),
            fault: Mutex::new(None),
            rate: Mutex::new(Windows::new(
                profile.client_rate_limit(),
                timings.rate_limit_window,
            )),
            minting: Mutex::new(Windows::new(5, timings.rate_limit_window)),
            resources: Mutex::new(HashMap::new()),
            log: Mutex::new(VecDeque::new()),
        }
    }

    /// Replaces the Client API limit (requests per window per user), e.g. to exercise a
    /// client's pacing with fewer requests than the real 720 or 256 per minute.
    pub fn set_client_rate_limit(&self, limit: u32) {
        *lock(&self.rate) = Windows::new(limit, self.timings.rate_limit_window);
    }

    /// The Client API requests received so far, oldest first (the last 100,000).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.log).iter().cloned().collect()
    }

    fn note_request(&self, record: RequestRecord) {
        let mut log = lock(&self.log);
        if log.len() == REQUEST_LOG_CAP {
            log.pop_front();
        }
        log.push_back(record);
    }

    /// Turns a fault on, for a while or until cleared.
    pub fn set_fault(&self, fault: PanelFault, for_how_long: Option<Duration>) {
        *lock(&self.fault) = Some((fault, for_how_long.map(|d| Instant::now() + d)));
    }

    /// Clears any fault.
    pub fn clear_fault(&self) {
        *lock(&self.fault) = None;
    }

    fn active_fault(&self) -> Option<(PanelFault, Option<Instant>)> {
        let mut f = lock(&self.fault);
        if let Some((_, Some(until))) = *f
            && Instant::now() >= until
        {
            *f = None;
        }
        *f
    }

    fn user_by_key(&self, key: &str) -> Option<(User, bool)> {
        let users = self.users.read().unwrap_or_else(|e| e.into_inner());
        users.iter().find_map(|u| {
            if u.client_key == key {
                Some((u.clone(), false))
            } else if u.application_key.as_deref() == Some(key) {
                Some((u.clone(), true))
            } else {
                None
            }
        })
    }

    /// Revokes the owner's client key; returns the replacement key (not yet in use by anyone).
    pub fn revoke_owner_key(&self) {
        let mut users = self.users.write().unwrap_or_else(|e| e.into_inner());
        if let Some(u) = users.first_mut() {
            u.revoked = true;
        }
    }

    /// Adds a user and returns its client key.
    pub fn add_user(&self, user: User) -> String {
        let key = user.client_key.clone();
        self.users
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(user);
        key
    }

    /// Adds a server to the panel's listing.
    pub fn add_server(&self, server: Arc<Server>) {
        self.servers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(server);
    }

    fn node(&self, name: &str) -> Option<&Arc<NodeState>> {
        self.nodes.iter().find(|n| n.name == name)
    }
}

/// The panel's router.
pub fn router(state: Arc<PanelState>) -> Router {
    routes::router(state.clone()).layer(middleware::from_fn_with_state(state, logged))
}

/// Error JSON exactly as Laravel's handler renders it (§11.6).
pub fn api_error(status: StatusCode, code: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"errors": [{"code": code, "status": status.as_u16().to_string(), "detail": detail}]})
            .to_string(),
    )
        .into_response()
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// Logs every API request with its answer, around [`gate`].
async fn logged(State(panel): State<Arc<PanelState>>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let at = Instant::now();
    let path = req.uri().path().to_owned();
    let resp = gate(&panel, req, next).await;
    panel.note_request(RequestRecord {
        at,
        path,
        status: resp.status().as_u16(),
    });
    resp
}

/// Faults, authentication, key kind and rate limiting, in the panel's middleware order.
async fn gate(panel: &PanelState, mut req: Request, next: Next) -> Response {
    if let Some((fault, until)) = panel.active_fault() {
        match fault {
            PanelFault::Slow(d) => tokio::time::sleep(d).await,
            PanelFault::ServerError => {
                return api_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "HttpException",
                    "An unexpected error was encountered while processing this request, please try again.",
                );
            }
            PanelFault::RateLimited => {
                let secs = until
                    .map(|u| u.saturating_duration_since(Instant::now()).as_secs().max(1))
                    .unwrap_or(60);
                return too_many(panel.profile.client_rate_limit(), secs);
            }
        }
    }
    let json = wants_json(req.headers());
    let key = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let user = match panel.user_by_key(key) {
        Some((user, _)) if user.revoked => None,
        other => other,
    };
    let Some((user, is_application)) = user else {
        if !json {
            let login = format!("{}/auth/login", panel.url);
            return (StatusCode::FOUND, [(header::LOCATION, login)]).into_response();
        }
        return api_error(
            StatusCode::UNAUTHORIZED,
            "AuthenticationException",
            "Unauthenticated.",
        );
    };
    if is_application && req.uri().path().starts_with("/api/client") {
        return api_error(
            StatusCode::FORBIDDEN,
            "AccessDeniedHttpException",
            "You are attempting to use an application API key on an endpoint that requires a client API key.",
        );
    }
    let count = lock(&panel.rate).hit(&user.uuid, Instant::now());
    if let Some(secs) = count.retry_after {
        return too_many(count.limit, secs);
    }
    req.extensions_mut().insert(user);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(count.limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(count.remaining));
    resp
}

fn too_many(limit: u32, retry_after: u64) -> Response {
    let mut resp = api_error(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsHttpException",
        "Too Many Attempts.",
    );
    let reset = crate::clock::now_secs() + retry_after;
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(0u32));
    h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    resp
}
