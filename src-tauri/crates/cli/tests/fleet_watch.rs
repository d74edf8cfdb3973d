//! `aerie watch --json` against the simulator and `aerie demo --json` from a clean home: the
//! JSON lines a script would read.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::process::Stdio;
use std::time::Duration;

use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Guard against hangs; every wait ends on output.
const GUARD: Duration = Duration::from_secs(60);

fn check_line(v: &serde_json::Value) {
    let ty = v["type"].as_str().unwrap();
    assert!(
        [
            "server",
            "status",
            "stats",
            "console",
            "connection",
            "alert"
        ]
        .contains(&ty),
        "unexpected type {ty}"
    );
    // Fleet-wide alert engine outputs (health, summaries) name no server.
    let fleet_wide = ty == "alert"
        && ["health", "summary", "snooze_ended"].contains(&v["event"].as_str().unwrap_or(""));
    if fleet_wide {
        assert!(v["panel"].is_null() && v["server"].is_null(), "{v}");
    } else {
        assert!(v["panel"].is_string() && v["server"].is_string(), "{v}");
    }
    let ts = v["ts"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(ts).is_ok(), "ts {ts}");
}

#[tokio::test]
async fn watch_json_prints_every_server_and_its_live_state() {
    let sim = Sim::start(SimConfig {
        servers_per_node: 3,
        profile: Profile::PteroNew,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let p = sim.panels()[0].clone();
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args([
            "watch",
            "--json",
            "--panel",
            &p.url,
            "--key-env",
            "AERIE_TEST_KEY",
        ])
        .env("AERIE_TEST_KEY", &p.client_key)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut servers = HashSet::new();
    let mut running = HashSet::new();
    let read = async {
        while let Some(l) = lines.next_line().await.unwrap() {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            check_line(&v);
            let id = v["server"].as_str().unwrap().to_owned();
            match v["type"].as_str().unwrap() {
                "server" => {
                    servers.insert(id);
                }
                "status" if v["state"] == "running" => {
                    running.insert(id);
                }
                _ => {}
            }
            if servers.len() == 3 && running.len() == 3 {
                return;
            }
        }
        panic!("aerie watch ended early");
    };
    tokio::time::timeout(GUARD, read)
        .await
        .expect("watch output");
    child.kill().await.unwrap();
    let stderr = child.wait_with_output().await.unwrap().stderr;
    assert!(
        !String::from_utf8_lossy(&stderr).contains(&p.client_key),
        "key leaked to stderr"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_without_a_key_says_what_to_do() {
    let out = Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args([
            "watch",
            "--json",
            "--panel",
            "http://127.0.0.1:9",
            "--key-env",
            "AERIE_UNSET_KEY_VAR",
        ])
        .env_remove("AERIE_UNSET_KEY_VAR")
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("AERIE_UNSET_KEY_VAR"), "{err}");
}

#[tokio::test]
async fn demo_json_runs_from_a_clean_home() {
    let home = tempfile::tempdir().unwrap();
    let out = tokio::time::timeout(
        GUARD,
        Command::new(env!("CARGO_BIN_EXE_aerie"))
            .args(["demo", "--json", "--seconds", "4"])
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_DATA_HOME", home.path())
            .output(),
    )
    .await
    .expect("demo ends")
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut types = HashSet::new();
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        check_line(&v);
        types.insert(v["type"].as_str().unwrap().to_owned());
    }
    for t in ["server", "connection", "status", "stats"] {
        assert!(types.contains(t), "no {t} line in the demo: {types:?}");
    }
}

#[tokio::test]
async fn demo_json_prints_the_alert_engines_crash_alert_with_the_server_name() {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args(["demo", "--json", "--seconds", "50"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // The demo crashes one server a few seconds in; wait for the engine's decision about it.
    let fired = tokio::time::timeout(GUARD, async {
        while let Some(l) = lines.next_line().await.unwrap() {
            let v: serde_json::Value = serde_json::from_str(&l).unwrap();
            check_line(&v);
            if v["type"] == "alert" && v["event"] == "fire" {
                return v;
            }
        }
        panic!("the demo ended without an alert");
    })
    .await
    .expect("an alert fires within the guard");
    let title = fired["alert"]["title"].as_str().unwrap();
    let name = fired["alert"]["name"].as_str().unwrap();
    assert!(title.contains("crashed"), "a crash alert: {fired}");
    assert!(
        !name.is_empty() && title.contains(name),
        "named after the server: {fired}"
    );
    assert!(fired["server"].is_string(), "names the server: {fired}");
}
