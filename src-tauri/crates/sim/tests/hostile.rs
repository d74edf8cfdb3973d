//! Hostile input from the network never panics the simulator or kills a healthy socket.
#![allow(clippy::unwrap_used)]

mod common;

use aerie_sim::{Profile, Timings};
use common::{Ws, first_server, sim};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn garbage_frames_are_dropped_and_the_socket_keeps_working() {
    for profile in [Profile::Ptero111, Profile::Pelican] {
        let sim = sim(profile, Timings::fast()).await;
        let server = first_server(&sim);
        let mut ws = Ws::authed(&sim, &server).await;
        for junk in [
            "",
            "not json",
            "{}",
            "[]",
            "null",
            r#"{"event":5}"#,
            r#"{"event":"auth","args":[1,2]}"#,
            r#"{"event":"set state","args":["explode"]}"#,
            r#"{"event":"send command","args":[null]}"#,
            r#"{"event":"\u0000\uffff","args":["\ud83d\ude00"]}"#,
            r#"{"event":"auth","args":["a.b.c"]}"#,
            r#"{"event":"auth","args":["....."]}"#,
        ] {
            ws.send_raw(junk.to_string()).await;
        }
        ws.inner.send(Message::binary(vec![0u8; 64])).await.unwrap();
        // The limiter may have throttled some of that on Pelican; a fresh socket still works
        // and the old one was not closed by garbage alone.
        let mut again = Ws::authed(&sim, &server).await;
        again.send("send stats", &[]).await;
        again.expect("stats").await;
        sim.shutdown().await;
    }
}

#[tokio::test]
async fn garbage_http_to_panel_and_node_gets_errors_not_crashes() {
    let sim = sim(Profile::Pelican, Timings::fast()).await;
    let p = &sim.panels()[0];
    let http = reqwest::Client::new();
    for path in [
        "/api/client/servers/%00%ff",
        "/api/client/servers/x/power",
        "/api/client?page=-1&per_page=abc",
        "/api/client/servers/../../etc/passwd",
    ] {
        let r = http
            .post(format!("{}{path}", p.url))
            .bearer_auth(&p.client_key)
            .header("Accept", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
    let r = http
        .get(format!(
            "{}/api/servers/{}/ws",
            p.nodes[0].url, p.servers[0].uuid
        ))
        .header("Origin", &p.url)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "plain GET on the socket path");
    // Everything still answers.
    let r = http
        .get(format!("{}/api/client", p.url))
        .bearer_auth(&p.client_key)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    sim.shutdown().await;
}
