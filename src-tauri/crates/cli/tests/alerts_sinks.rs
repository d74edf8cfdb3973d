//! `aerie alerts sinks add|list|remove` and `aerie alerts test` with the real OS keyring
//! (Secret Service under `cargo xtask test`) and a real webhook receiver on 127.0.0.1.

mod panel_support;
#[path = "../../core/tests/webhook_support/mod.rs"]
mod webhook_support;

use aerie_core::secrets::SecretStore;
use panel_support::{Aerie, require_session_bus};
use webhook_support::{Receiver, Reply};

/// Runs the CLI on this thread while the runtime's other workers keep the receiver serving.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_added_from_the_cli_gets_the_test_alert_and_its_url_stays_in_the_keyring() {
    require_session_bus();
    let mut rx = Receiver::start(vec![], Reply::Status(204)).await;
    let aerie = Aerie::new();
    let token = format!("TOKENcli{}", std::process::id());
    let discord = format!("{}/api/webhooks/4242/{token}", rx.base);
    let ntfy_topic = format!("aerie-{token}-phone");

    let out = blocking(|| {
        aerie.ok(
            &[
                "alerts", "sinks", "add", "--name", "Ops", "--kind", "discord",
            ],
            Some(&format!("{discord}\n")),
            &[],
        )
    });
    assert!(out.contains("Added Ops"), "{out}");
    blocking(|| {
        aerie.ok(
            &[
                "alerts",
                "sinks",
                "add",
                "--name",
                "Phone",
                "--kind",
                "ntfy",
                "--min-severity",
                "critical",
                "--url-env",
                "AERIE_TEST_NTFY",
            ],
            None,
            &[("AERIE_TEST_NTFY", &format!("{}/{ntfy_topic}", rx.base))],
        )
    });
    let listed: Vec<serde_json::Value> = serde_json::from_str(&blocking(|| {
        aerie.ok(&["alerts", "sinks", "list", "--json"], None, &[])
    }))
    .expect("JSON list");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["name"], "Ops");
    assert_eq!(listed[0]["url"], format!("{}/[redacted]", rx.base));
    assert_eq!(listed[1]["min_severity"], "critical");
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    // Another process (this test) reads the URL back from the real keyring.
    let stored = aerie
        .keyring()
        .get(&format!("webhook-{id}"))
        .expect("keyring read");
    assert_eq!(stored.as_ref().map(|s| s.expose()), Some(discord.as_str()));

    // Every sink, whatever its severity filter: both receive the test alert.
    let out = blocking(|| aerie.ok(&["alerts", "test"], None, &[]));
    assert!(out.contains("Ops: delivered"), "{out}");
    assert!(out.contains("Phone: delivered"), "{out}");
    let mut seen = vec![rx.next().await, rx.next().await];
    seen.sort_by(|a, b| a.path.cmp(&b.path));
    let (ntfy, discord_req) = (&seen[0], &seen[1]);
    assert_eq!(discord_req.path, format!("/api/webhooks/4242/{token}"));
    assert_eq!(discord_req.json()["embeds"][0]["title"], "Aerie test alert");
    assert_eq!(ntfy.header("title"), Some("Aerie test alert"));

    // One sink by name; a receiver that refuses it is reported with the reason, and the
    // command fails.
    let mut refusing = Receiver::start(vec![], Reply::Echo(404)).await;
    blocking(|| {
        aerie.ok(
            &["alerts", "sinks", "add", "--name", "Old", "--kind", "json"],
            Some(&format!("{}/hooks/{token}-old\n", refusing.base)),
            &[],
        )
    });
    let out = blocking(|| aerie.run(&["alerts", "test", "Old"], None, &[]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(stdout.contains("Old: FAILED"), "{stdout}");
    assert!(stdout.contains("HTTP 404"), "{stdout}");
    assert_eq!(refusing.next().await.json()["event"], "test");
    assert!(
        rx.seen.try_recv().is_err(),
        "only the named sink was tested"
    );

    // Nothing secret anywhere: settings file, anything the CLI printed (AERIE_LOG=trace),
    // the requests' bodies and headers.
    let settings = std::fs::read_to_string(aerie.settings_file()).expect("settings");
    assert!(
        !settings.contains(&token) && !settings.contains("127.0.0.1"),
        "{settings}"
    );
    for name in ["Ops", "Phone", "Old"] {
        blocking(|| aerie.ok(&["alerts", "sinks", "remove", name], None, &[]));
    }
    assert!(
        aerie
            .keyring()
            .get(&format!("webhook-{id}"))
            .expect("keyring read")
            .is_none(),
        "removing deletes the URL"
    );
    let transcript = aerie.transcript.borrow().clone();
    assert!(!transcript.contains(&token), "{transcript}");
    for s in &seen {
        assert!(!s.body.contains(&token), "{}", s.body);
        for (name, value) in &s.headers {
            assert!(!value.contains(&token), "{name}: {value}");
        }
    }
}

/// `aerie watch` on a headless box pages through the configured webhooks: a crash on the
/// simulator reaches the receiver as a critical JSON alert naming the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_sends_a_crash_to_the_configured_webhook() {
    use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
    use tokio::io::{AsyncBufReadExt, BufReader};

    require_session_bus();
    let mut rx = Receiver::start(vec![], Reply::Status(204)).await;
    let aerie = Aerie::new();
    let token = format!("TOKENwatch{}", std::process::id());
    blocking(|| {
        aerie.ok(
            &["alerts", "sinks", "add", "--name", "Box", "--kind", "json"],
            Some(&format!("{}/hooks/{token}\n", rx.base)),
            &[],
        )
    });
    let sim = Sim::start(SimConfig {
        servers_per_node: 1,
        profile: Profile::PteroNew,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let p = sim.panels()[0].clone();
    let (server, name) = (p.servers[0].identifier.clone(), p.servers[0].name.clone());
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_aerie"))
        .args([
            "watch",
            "--json",
            "--panel",
            &p.url,
            "--key-env",
            "AERIE_TEST_KEY",
        ])
        .current_dir(aerie.home())
        .env("AERIE_HOME", aerie.home())
        .env("AERIE_KEYRING_SERVICE", &aerie.service)
        .env("AERIE_TEST_KEY", &p.client_key)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn aerie watch");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    // Crash only once the server is seen running, so the crash is the watch's to report.
    while let Some(l) = lines.next_line().await.expect("watch output") {
        let v: serde_json::Value = serde_json::from_str(&l).expect("JSON line");
        if v["type"] == "status" && v["state"] == "running" {
            break;
        }
    }
    sim.crash_server(&server).expect("crash");
    let seen = rx.next().await;
    assert_eq!(seen.path, format!("/hooks/{token}"));
    let body = seen.json();
    assert_eq!(body["alert"], "crash", "{body}");
    assert_eq!(body["severity"], "critical", "{body}");
    assert!(body.to_string().contains(&name), "names the server: {body}");
    assert!(!seen.body.contains(&token) && !seen.body.contains(&p.client_key));
    child.kill().await.expect("stop watch");
    sim.shutdown().await;
}
