//! The `aerie-sim serve` binary prints one JSON line describing the world, then serves it.
#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn serve_prints_one_json_line_with_urls_and_keys_then_serves() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_aerie-sim"))
        .args(["serve", "--panels", "2", "--nodes-per-panel", "2"])
        .args([
            "--servers-per-node",
            "3",
            "--profile",
            "ptero-new",
            "--seed",
            "9",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["profile"], "ptero-new");
    let panels = v["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 2);
    assert_eq!(panels[0]["nodes"].as_array().unwrap().len(), 2);
    assert_eq!(panels[0]["servers"].as_array().unwrap().len(), 6);
    assert!(
        panels[0]["client_key"]
            .as_str()
            .unwrap()
            .starts_with("ptlc_")
    );
    assert!(
        panels[0]["application_key"]
            .as_str()
            .unwrap()
            .starts_with("ptla_")
    );
    let control = v["control_url"].as_str().unwrap();
    let world: Value = reqwest::get(format!("{control}/control/world"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(world["panels"], v["panels"]);
    let panel = panels[0]["url"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(format!("{panel}/api/client"))
        .bearer_auth(panels[0]["client_key"].as_str().unwrap())
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    child.kill().await.unwrap();
}
