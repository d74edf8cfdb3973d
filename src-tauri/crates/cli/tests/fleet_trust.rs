//! `aerie watch` and a node with a self-signed certificate: refused with a `connection` line
//! naming the certificate, watched with `--trust-cert NODE=SHA256`.
#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Guard against hangs; every wait ends on output.
const GUARD: Duration = Duration::from_secs(60);

/// Runs `aerie watch --json` on panel `url` with `extra` arguments until `done` accepts a
/// line; returns that line.
async fn watch_until(
    url: &str,
    key: &str,
    extra: &[&str],
    mut done: impl FnMut(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args([
            "watch",
            "--json",
            "--panel",
            url,
            "--key-env",
            "AERIE_TEST_KEY",
        ])
        .args(extra)
        .env("AERIE_TEST_KEY", key)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let read = async {
        while let Some(l) = lines.next_line().await.unwrap() {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            if done(&v) {
                return v;
            }
        }
        panic!("aerie watch ended early");
    };
    let line = tokio::time::timeout(GUARD, read)
        .await
        .expect("watch output");
    child.kill().await.unwrap();
    line
}

#[tokio::test]
async fn an_untrusted_node_is_named_and_watched_once_its_certificate_is_trusted() {
    let sim = Sim::start(SimConfig {
        servers_per_node: 2,
        profile: Profile::Pelican,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        tls_nodes: true,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let p = sim.panels()[0].clone();
    let sha = p.nodes[0].certificate_sha256.clone().unwrap();
    let node = p.nodes[0].url.trim_start_matches("https://").to_owned();

    let refused = watch_until(&p.url, &p.client_key, &[], |v| {
        v["type"] == "connection" && v["connection"]["state"] == "untrusted"
    })
    .await;
    assert_eq!(refused["connection"]["node"], node.as_str(), "{refused}");
    assert_eq!(
        refused["connection"]["fingerprint"],
        sha.as_str(),
        "{refused}"
    );

    let trust = format!("{node}={sha}");
    let mut running = std::collections::HashSet::new();
    watch_until(&p.url, &p.client_key, &["--trust-cert", &trust], |v| {
        if v["type"] == "status" && v["state"] == "running" {
            running.insert(v["server"].as_str().unwrap().to_owned());
        }
        running.len() == 2
    })
    .await;

    let out = Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args(["watch", "--panel", &p.url, "--key-env", "AERIE_TEST_KEY"])
        .args(["--trust-cert", "node-without-a-fingerprint"])
        .env("AERIE_TEST_KEY", &p.client_key)
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("expected NODE=SHA256"), "{err}");
    sim.shutdown().await;
}
