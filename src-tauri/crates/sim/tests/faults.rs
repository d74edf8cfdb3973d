//! Runtime fault injection through the Rust API and the HTTP control endpoint.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use aerie_sim::{PowerState, Profile, Timings};
use common::{Ws, first_server, sim, ws_url};
use serde_json::{Value, json};

#[tokio::test]
async fn dropping_node_sockets_closes_them_abruptly() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let server = first_server(&sim);
    let mut ws = Ws::authed(&sim, &server).await;
    assert_eq!(sim.ws_connections(&server.node), 1);
    sim.drop_node_sockets(&server.node).unwrap();
    assert_eq!(
        ws.close_code().await,
        None,
        "no close frame: the client sees 1006"
    );
    let _again = Ws::authed(&sim, &server).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn node_down_refuses_and_up_listens_on_the_same_port() {
    let sim = sim(Profile::PteroNew, Timings::fast()).await;
    let server = first_server(&sim);
    let url = ws_url(&sim, &server);
    let mut ws = Ws::authed(&sim, &server).await;
    sim.node_down(&server.node).await.unwrap();
    assert_eq!(ws.close_code().await, None);
    assert!(
        tokio_tungstenite::connect_async(url.as_str())
            .await
            .is_err()
    );
    sim.node_up(&server.node).await.unwrap();
    let mut ws = Ws::connect(&url, &sim.panels()[0].url).await;
    let token = sim.mint_token(&server.uuid, Default::default()).unwrap();
    ws.send("auth", &[&token]).await;
    ws.expect("auth success").await;
    assert_eq!(
        ws.expect("status").await.arg(),
        "running",
        "containers outlive Wings"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn stalled_node_accepts_tcp_but_never_answers() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let server = first_server(&sim);
    let url = ws_url(&sim, &server);
    let node = sim.panels()[0].nodes[0].url.replace("http://", "");
    // An open socket goes silent too (offline server: no periodic stats already in flight).
    let mut open = Ws::authed(&sim, &server).await;
    sim.power(&server.uuid, aerie_sim::PowerAction::Kill)
        .unwrap();
    open.statuses_until("offline").await;
    open.expect("stats").await;
    sim.stall_node(&server.node, true).unwrap();
    let attempt = tokio::time::timeout(
        Duration::from_millis(300),
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await;
    assert!(attempt.is_err(), "the handshake never completes");
    let tcp = tokio::net::TcpStream::connect(&node).await;
    assert!(tcp.is_ok(), "TCP is still accepted");
    open.send("send stats", &[]).await;
    let silent = tokio::time::timeout(Duration::from_millis(300), open.next()).await;
    assert!(silent.is_err(), "no frame while stalled: {silent:?}");
    sim.stall_node(&server.node, false).unwrap();
    let _ws = Ws::authed(&sim, &server).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_drives_faults_over_http() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let server = first_server(&sim);
    let mut ws = Ws::authed(&sim, &server).await;
    assert_eq!(ws.expect("status").await.arg(), "running");
    let http = reqwest::Client::new();
    let control = sim.control_url();
    let world: Value = http
        .get(format!("{control}/control/world"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        world["panels"][0]["servers"][0]["uuid"],
        server.uuid.as_str()
    );
    let r = http
        .post(format!(
            "{control}/control/servers/{}/crash",
            server.identifier
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(ws.expect("status").await.arg(), "offline");
    ws.statuses_until("running").await;
    let r = http
        .post(format!("{control}/control/servers/{}/suspend", server.uuid))
        .json(&json!({"suspended": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(sim.server_state(&server.uuid), Some(PowerState::Offline));
    let r = http
        .post(format!("{control}/control/panels/0/fault"))
        .json(&json!({"kind": "server_error", "for_ms": 60000}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let p = &sim.panels()[0];
    let r = http
        .get(format!("{}/api/client", p.url))
        .bearer_auth(&p.client_key)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    let r = http
        .post(format!("{control}/control/nodes/{}/drop", server.node))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(ws.close_code().await, None);
    let r = http
        .post(format!("{control}/control/nodes/nope/drop"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_world() {
    let a = sim(Profile::Pelican, Timings::fast()).await;
    let b = sim(Profile::Pelican, Timings::fast()).await;
    let (pa, pb) = (&a.panels()[0], &b.panels()[0]);
    assert_eq!(pa.servers, pb.servers);
    assert_eq!(pa.client_key, pb.client_key);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn deleted_servers_vanish_from_the_panel_and_their_sockets_end() {
    for profile in [Profile::Ptero111, Profile::Pelican] {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        sim.delete_server(&server.identifier).unwrap();
        let ev = ws.expect("deleted").await;
        assert_eq!(ev.arg(), "null", "nil data stringified");
        let code = ws.close_code().await;
        let want = (profile == Profile::Ptero111).then_some(1001);
        assert_eq!(code, want, "{profile:?}");
        let p = &sim.panels()[0];
        assert_eq!(p.servers.len(), 1);
        let r = reqwest::Client::new()
            .get(format!(
                "{}/api/client/servers/{}",
                p.url, server.identifier
            ))
            .bearer_auth(&p.client_key)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        sim.shutdown().await;
    }
}
