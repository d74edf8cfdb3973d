//! Client API conformance over real loopback HTTP, per profile (`docs/protocols/wings.md` §11).
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aerie_sim::{PanelFault, PowerState, Profile, Timings};
use common::{Ws, first_server, sim};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const PROFILES: [Profile; 3] = [Profile::Ptero111, Profile::PteroNew, Profile::Pelican];

struct Api {
    http: Client,
    base: String,
    key: String,
}

impl Api {
    fn new(sim: &aerie_sim::Sim) -> Self {
        let p = &sim.panels()[0];
        Self {
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: p.url.clone(),
            key: p.client_key.clone(),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("Accept", "application/json");
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> reqwest::Response {
        self.call(Method::POST, path, Some(body)).await
    }
}

async fn error_of(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    let e = v["errors"][0].clone();
    assert_eq!(
        e["status"],
        status.as_u16().to_string(),
        "status is a string"
    );
    (status, e)
}

#[tokio::test]
async fn auth_failures_redirect_without_accept_and_are_json_with_it() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let api = Api::new(&sim);
        let resp = api
            .http
            .get(format!("{}/api/client", api.base))
            .bearer_auth("ptlc_nope")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FOUND);
        assert_eq!(
            resp.headers()["location"].to_str().unwrap(),
            format!("{}/auth/login", api.base)
        );
        let resp = api
            .http
            .get(format!("{}/api/client", api.base))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let (status, e) = error_of(resp).await;
        assert_eq!(status, 401);
        assert_eq!(e["code"], "AuthenticationException");
        assert_eq!(e["detail"], "Unauthenticated.");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn key_prefixes_and_application_keys_are_refused() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let p = &sim.panels()[0];
        let (c, a) = if profile == Profile::Pelican {
            ("pacc_", "papp_")
        } else {
            ("ptlc_", "ptla_")
        };
        assert!(p.client_key.starts_with(c) && p.client_key.len() == 48);
        assert!(p.application_key.starts_with(a) && p.application_key.len() == 48);
        let mut api = Api::new(&sim);
        api.key = p.application_key.clone();
        let (status, e) = error_of(api.get("/api/client").await).await;
        assert_eq!(status, 403);
        assert_eq!(
            e["detail"],
            "You are attempting to use an application API key on an endpoint that requires a client API key."
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn server_list_is_a_paginated_fractal_list() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let api = Api::new(&sim);
        let v: Value = api
            .get("/api/client?per_page=1")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["object"], "list");
        assert_eq!(v["data"][0]["object"], "server");
        let attrs = &v["data"][0]["attributes"];
        assert_eq!(attrs["identifier"].as_str().unwrap().len(), 8);
        assert_eq!(attrs["relationships"]["allocations"]["object"], "list");
        assert_eq!(
            attrs["limits"].get("oom_killer").is_some(),
            profile == Profile::Pelican
        );
        let pg = &v["meta"]["pagination"];
        assert_eq!(
            (pg["total"].as_u64(), pg["per_page"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(pg["total_pages"], 2);
        assert!(pg["links"]["next"].is_string());
        let v: Value = api
            .get("/api/client?per_page=500&page=1")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            v["meta"]["pagination"]["per_page"], 100,
            "per_page is capped at 100"
        );
        assert_eq!(
            v["meta"]["pagination"]["links"],
            json!({}),
            "empty object, not array"
        );
        let v: Value = api
            .get("/api/client?type=admin-all")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            v["data"],
            json!([]),
            "non-admins get an empty admin listing"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn account_and_server_details_follow_the_profile() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let api = Api::new(&sim);
        let server = first_server(&sim);
        let v: Value = api.get("/api/client/account").await.json().await.unwrap();
        assert_eq!(v["object"], "user");
        assert_eq!(
            v["attributes"].get("id").is_some(),
            profile != Profile::Pelican
        );
        assert_eq!(
            v["attributes"].get("root_admin").is_some(),
            profile == Profile::Pelican
        );
        for id in [&server.identifier, &server.uuid] {
            let v: Value = api
                .get(&format!("/api/client/servers/{id}"))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(v["attributes"]["uuid"], server.uuid.as_str());
            assert_eq!(v["meta"]["user_permissions"], json!(["*"]));
            assert_eq!(v["meta"]["is_server_owner"], true);
        }
        let (status, e) = error_of(api.get("/api/client/servers/abcdefgh").await).await;
        assert_eq!(status, 404);
        assert_eq!(e["code"], "NotFoundHttpException");
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn resources_are_cached_and_504_when_the_node_is_down() {
    let timings = Timings {
        resources_cache: Duration::from_secs(20),
        ..Timings::fast()
    };
    let sim = sim(Profile::Pelican, timings).await;
    let api = Api::new(&sim);
    let server = first_server(&sim);
    let path = format!("/api/client/servers/{}/resources", server.identifier);
    let a: Value = api.get(&path).await.json().await.unwrap();
    assert_eq!(a["object"], "stats");
    assert_eq!(a["attributes"]["current_state"], "running");
    let b: Value = api.get(&path).await.json().await.unwrap();
    assert_eq!(a, b, "served from the 20 s cache");
    sim.node_down(&server.node).await.unwrap();
    let other = &sim.panels()[0].servers[1];
    let (status, e) = error_of(
        api.get(&format!(
            "/api/client/servers/{}/resources",
            other.identifier
        ))
        .await,
    )
    .await;
    assert_eq!(status, 504);
    assert_eq!(e["code"], "DaemonConnectionException");
    sim.shutdown().await;
}

#[tokio::test]
async fn power_command_and_their_errors() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let api = Api::new(&sim);
        let server = first_server(&sim);
        let base = format!("/api/client/servers/{}", server.identifier);
        let r = api
            .post(&format!("{base}/command"), json!({"command": "say hi"}))
            .await;
        assert_eq!(r.status(), 204);
        let (status, e) = error_of(
            api.post(&format!("{base}/power"), json!({"signal": "explode"}))
                .await,
        )
        .await;
        assert_eq!(
            (status.as_u16(), e["code"].as_str()),
            (422, Some("ValidationException"))
        );
        assert_eq!(e["meta"]["source_field"], "signal");
        let r = api
            .post(&format!("{base}/power"), json!({"signal": "kill"}))
            .await;
        assert_eq!(r.status(), 204);
        assert_eq!(sim.server_state(&server.uuid), Some(PowerState::Offline));
        let (status, e) = error_of(
            api.post(&format!("{base}/command"), json!({"command": "say hi"}))
                .await,
        )
        .await;
        assert_eq!(status, 502);
        assert_eq!(
            e["detail"],
            "Server must be online in order to send commands."
        );
        sim.suspend_server(&server.uuid, true).unwrap();
        let (status, e) = error_of(
            api.post(&format!("{base}/power"), json!({"signal": "start"}))
                .await,
        )
        .await;
        assert_eq!(
            (status.as_u16(), e["code"].as_str()),
            (409, Some("ServerStateConflictException"))
        );
        assert_eq!(
            api.get(&base).await.status(),
            200,
            "details stay readable when suspended"
        );
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn subuser_without_console_permission_is_refused() {
    let sim = sim(Profile::PteroNew, Timings::fast()).await;
    let server = first_server(&sim);
    let key = sim
        .add_subuser(
            0,
            &[(&server.uuid, &["websocket.connect", "control.start"])],
        )
        .unwrap();
    let mut api = Api::new(&sim);
    api.key = key;
    let base = format!("/api/client/servers/{}", server.identifier);
    let v: Value = api.get("/api/client").await.json().await.unwrap();
    assert_eq!(
        v["meta"]["pagination"]["total"], 1,
        "subuser sees only granted servers"
    );
    let v: Value = api.get(&base).await.json().await.unwrap();
    assert_eq!(
        v["meta"]["user_permissions"],
        json!(["websocket.connect", "control.start"])
    );
    let r = api
        .post(&format!("{base}/command"), json!({"command": "list"}))
        .await;
    assert_eq!(r.status(), 403);
    let r = api
        .post(&format!("{base}/power"), json!({"signal": "explode"}))
        .await;
    assert_eq!(
        r.status(),
        403,
        "authorization runs before validation for subusers"
    );
    let other = &sim.panels()[0].servers[1];
    let r = api
        .get(&format!("/api/client/servers/{}", other.identifier))
        .await;
    assert_eq!(r.status(), 404, "no access is a 404, not a 403");
    sim.shutdown().await;
}

#[tokio::test]
async fn websocket_endpoint_mints_a_working_token_and_limits_minting() {
    for profile in PROFILES {
        let sim = sim(profile, Timings::fast()).await;
        let api = Api::new(&sim);
        let server = first_server(&sim);
        let path = format!("/api/client/servers/{}/websocket", server.identifier);
        let v: Value = api.get(&path).await.json().await.unwrap();
        let token = v["data"]["token"].as_str().unwrap().to_string();
        let socket = v["data"]["socket"].as_str().unwrap().to_string();
        assert!(socket.ends_with(&format!("/api/servers/{}/ws", server.uuid)));
        let claims = token.split('.').nth(1).unwrap();
        use base64::Engine as _;
        let claims: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(claims)
                .unwrap(),
        )
        .unwrap();
        assert!(claims["aud"].is_array());
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            600
        );
        assert_eq!(claims["scope"].is_string(), profile != Profile::Ptero111);
        assert_eq!(claims["user_id"].is_number(), profile == Profile::Ptero111);
        let jti_len = if profile == Profile::Ptero111 { 32 } else { 64 };
        assert_eq!(claims["jti"].as_str().unwrap().len(), jti_len);

        let mut ws = Ws::connect(&socket, &sim.panels()[0].url).await;
        ws.send("auth", &[&token]).await;
        ws.expect("auth success").await;

        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(api.get(&path).await.status().as_u16());
        }
        if profile == Profile::Ptero111 {
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        } else {
            assert_eq!(
                statuses,
                [200, 200, 200, 200, 429],
                "5 tokens per minute per server"
            );
            let r = api.get(&path).await;
            assert!(r.headers().get("retry-after").is_some());
        }
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn rate_limit_headers_and_429_with_retry_after() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let api = Api::new(&sim);
    let r = api.get("/api/client/account").await;
    assert_eq!(r.headers()["x-ratelimit-limit"], "256");
    assert_eq!(r.headers()["x-ratelimit-remaining"], "255");
    for _ in 0..255 {
        assert_eq!(api.get("/api/client/account").await.status(), 200);
    }
    let r = api.get("/api/client/account").await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let (_, e) = error_of(r).await;
    assert_eq!(e["detail"], "Too Many Attempts.");
    sim.shutdown().await;
}

#[tokio::test]
async fn panel_faults_and_key_revocation() {
    let sim = sim(Profile::Ptero111, Timings::fast()).await;
    let api = Api::new(&sim);
    sim.panel_fault(0, PanelFault::ServerError, None).unwrap();
    let (status, _) = error_of(api.get("/api/client").await).await;
    assert_eq!(status, 500);
    sim.panel_fault(0, PanelFault::RateLimited, Some(Duration::from_secs(30)))
        .unwrap();
    let r = api.get("/api/client").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().get("retry-after").is_some());
    sim.panel_fault(0, PanelFault::Slow(Duration::from_millis(50)), None)
        .unwrap();
    assert_eq!(api.get("/api/client").await.status(), 200);
    sim.clear_panel_fault(0).unwrap();
    sim.revoke_key(0).unwrap();
    assert_eq!(api.get("/api/client").await.status(), 401);
    sim.shutdown().await;
}
