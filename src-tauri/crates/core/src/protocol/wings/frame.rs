//! Frames: `{"event": "<name>", "args": ["<string>", ...]}`.
//!
//! Decoding is total: anything that is not a well-formed frame decodes to `None` and is
//! ignored, like Wings itself ignores what it cannot parse. Structured payloads (`stats`,
//! `backup completed`, `feature match`) arrive JSON-encoded inside `args[0]`; `stats` is also
//! accepted as a plain object (StellarStack's daemon sends that).

use serde_json::Value;

use crate::event::{DiskIo, PowerState, Stats};

/// Longest console line kept; Wings itself caps lines at 64 KiB.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// A decoded frame from Wings.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// `auth success` (also after every refresh).
    AuthSuccess,
    /// `token expiring`: mint a new token and re-auth on the same socket.
    TokenExpiring,
    /// `token expired` (rare; usually a `jwt error` arrives instead).
    TokenExpired,
    /// `jwt error` with its message, `Error Event [..]: ` prefix removed.
    JwtError(String),
    /// `daemon error` with its message, prefix removed.
    DaemonError(String),
    /// `throttled` with the bucket name (`global` or an event name).
    Throttled(String),
    /// `status`.
    Status(PowerState),
    /// `stats`.
    Stats(Stats),
    /// `console output` (one line, may contain ANSI and embedded line breaks).
    Console(String),
    /// `install output`.
    InstallOutput(String),
    /// `daemon message`.
    DaemonMessage(String),
    /// `transfer logs`.
    TransferLogs(String),
    /// `transfer status` (`pending`, `processing`, `completed`, `failure`, ...).
    TransferStatus(String),
    /// Pelican's `feature match`.
    FeatureMatch {
        /// Feature key, e.g. `eula`.
        key: String,
        /// The console line that matched.
        line: String,
    },
    /// Install, backup and deletion notices: wire name and argument.
    Lifecycle {
        /// Wire event name.
        event: &'static str,
        /// Its argument.
        detail: String,
    },
}

#[derive(serde::Deserialize)]
struct RawFrame<'a> {
    #[serde(borrow)]
    event: std::borrow::Cow<'a, str>,
    #[serde(default)]
    args: Option<Value>,
}

/// Decodes one text frame; `None` for anything malformed or unknown.
pub fn parse_frame(text: &str) -> Option<Inbound> {
    // Typed, borrowing decode: no map is built for the envelope (this runs ~6,000 times a
    // second for 1,000 servers).
    let raw: RawFrame<'_> = serde_json::from_str(text).ok()?;
    let event: &str = &raw.event;
    let args = raw.args;
    // `stats` may carry an object (StellarStack); everything else must be strings, like Wings.
    if event == "stats" {
        let first = match &args {
            Some(Value::Array(a)) => a.first()?,
            _ => return None,
        };
        return parse_stats(first).map(Inbound::Stats);
    }
    let arg = match args {
        None | Some(Value::Null) => String::new(),
        Some(Value::Array(mut a)) if a.len() == 1 => match a.pop() {
            Some(Value::String(s)) => s,
            Some(Value::Null) | None => String::new(),
            Some(_) => return None,
        },
        Some(Value::Array(a)) => {
            let mut joined = String::new();
            for item in a {
                match item {
                    Value::String(s) => joined.push_str(&s),
                    Value::Null => {}
                    _ => return None,
                }
            }
            joined
        }
        Some(_) => return None,
    };
    Some(match event {
        "auth success" => Inbound::AuthSuccess,
        "token expiring" => Inbound::TokenExpiring,
        "token expired" => Inbound::TokenExpired,
        "jwt error" => Inbound::JwtError(strip_error_prefix(&arg).to_owned()),
        "daemon error" => Inbound::DaemonError(strip_error_prefix(&arg).to_owned()),
        "throttled" => Inbound::Throttled(arg),
        "status" => Inbound::Status(PowerState::parse(arg.trim())?),
        "console output" => Inbound::Console(cap_line(arg)),
        "install output" => Inbound::InstallOutput(cap_line(arg)),
        "daemon message" => Inbound::DaemonMessage(cap_line(arg)),
        "transfer logs" => Inbound::TransferLogs(cap_line(arg)),
        "transfer status" => Inbound::TransferStatus(arg),
        "feature match" => {
            let v: Value = serde_json::from_str(&arg).ok()?;
            Inbound::FeatureMatch {
                key: v.get("key")?.as_str()?.to_owned(),
                line: cap_line(
                    v.get("line")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                ),
            }
        }
        "install started" => lifecycle("install started", arg),
        "install completed" => lifecycle("install completed", arg),
        "backup completed" => lifecycle("backup completed", arg),
        "backup restore completed" => lifecycle("backup restore completed", arg),
        "deleted" => lifecycle("deleted", arg),
        _ => return None,
    })
}

fn lifecycle(event: &'static str, detail: String) -> Inbound {
    Inbound::Lifecycle {
        event,
        detail: cap_line(detail),
    }
}

/// Removes `Error Event [<uuid>]: ` from error texts.
fn strip_error_prefix(s: &str) -> &str {
    if let Some(rest) = s.strip_prefix("Error Event [")
        && let Some(i) = rest.find("]: ")
    {
        return &rest[i + 3..];
    }
    s
}

/// Truncates an over-long line at a character boundary.
fn cap_line(mut s: String) -> String {
    if s.len() > MAX_LINE_BYTES {
        let mut end = MAX_LINE_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn num_u64(v: Option<&Value>) -> u64 {
    match v {
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && *f > 0.0)
                    .map(|f| f as u64)
            })
            .unwrap_or(0),
        _ => 0,
    }
}

/// Decodes a stats payload: a JSON string (Wings) or an object (StellarStack).
pub fn parse_stats(arg: &Value) -> Option<Stats> {
    let owned;
    let obj = match arg {
        Value::String(s) => {
            owned = serde_json::from_str::<Value>(s).ok()?;
            owned.as_object()?
        }
        Value::Object(o) => o,
        _ => return None,
    };
    let net = obj.get("network");
    let cpu = obj
        .get("cpu_absolute")
        .and_then(Value::as_f64)
        .filter(|f| f.is_finite() && *f >= 0.0)
        .unwrap_or(0.0);
    let disk_io = match obj.get("disk_io") {
        Some(Value::Object(d)) => Some(DiskIo {
            read_bytes: num_u64(d.get("read_bytes")),
            write_bytes: num_u64(d.get("write_bytes")),
        }),
        _ if obj.contains_key("disk_read_bytes") || obj.contains_key("disk_write_bytes") => {
            Some(DiskIo {
                read_bytes: num_u64(obj.get("disk_read_bytes")),
                write_bytes: num_u64(obj.get("disk_write_bytes")),
            })
        }
        _ => None,
    };
    Some(Stats {
        memory_bytes: num_u64(obj.get("memory_bytes")),
        memory_limit_bytes: num_u64(obj.get("memory_limit_bytes")),
        cpu_absolute: cpu,
        network_rx_bytes: num_u64(
            net.and_then(|n| n.get("rx_bytes"))
                .or(obj.get("network_rx_bytes")),
        ),
        network_tx_bytes: num_u64(
            net.and_then(|n| n.get("tx_bytes"))
                .or(obj.get("network_tx_bytes")),
        ),
        uptime_ms: num_u64(obj.get("uptime").or(obj.get("uptime_ms"))),
        disk_bytes: num_u64(obj.get("disk_bytes")),
        disk_io,
    })
}

/// Builds an outbound frame. `args` is always an array, like the official frontend sends.
pub fn encode(event: &str, args: &[&str]) -> String {
    serde_json::json!({ "event": event, "args": args }).to_string()
}

/// `auth` with a token.
pub fn auth(token: &str) -> String {
    encode("auth", &[token])
}

/// `send logs` (backfill of the last 150 lines).
pub fn send_logs() -> String {
    encode("send logs", &[])
}

/// `send stats` (one snapshot).
pub fn send_stats() -> String {
    encode("send stats", &[])
}

/// `set state` with a power signal.
pub fn set_state(signal: &str) -> String {
    encode("set state", &[signal])
}

/// `send command`.
pub fn send_command(command: &str) -> String {
    encode("send command", &[command])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn arg_less_and_prefixed_frames_decode() {
        assert_eq!(
            parse_frame(r#"{"event":"auth success"}"#),
            Some(Inbound::AuthSuccess)
        );
        assert_eq!(
            parse_frame(
                r#"{"event":"jwt error","args":["Error Event [1-2]: jwt: exp claim is invalid"]}"#
            ),
            Some(Inbound::JwtError("jwt: exp claim is invalid".into()))
        );
        assert_eq!(
            parse_frame(r#"{"event":"status","args":["running"]}"#),
            Some(Inbound::Status(PowerState::Running))
        );
        assert_eq!(
            parse_frame(r#"{"event":"console output","args":["a",null,"b"]}"#),
            Some(Inbound::Console("ab".into()))
        );
    }

    #[test]
    fn garbage_and_non_string_args_are_ignored() {
        for f in [
            "",
            "nope",
            "[]",
            r#"{"event":5}"#,
            r#"{"event":"console output","args":[5]}"#,
            r#"{"event":"console output","args":"x"}"#,
            r#"{"event":"status","args":["exploded"]}"#,
            r#"{"event":"stats","args":["{not json"]}"#,
            r#"{"event":"unknown thing","args":["x"]}"#,
            r#"{"event":"feature match","args":["{}"]}"#,
        ] {
            assert_eq!(parse_frame(f), None, "{f}");
        }
    }

    #[test]
    fn stats_come_as_a_string_or_an_object() {
        let s = r#"{"event":"stats","args":["{\"memory_bytes\":10,\"memory_limit_bytes\":20,\"cpu_absolute\":150.5,\"network\":{\"rx_bytes\":7,\"tx_bytes\":8},\"uptime\":1000,\"state\":\"running\",\"disk_bytes\":3,\"disk_io\":{\"read_bytes\":1,\"write_bytes\":2}}"]}"#;
        let Some(Inbound::Stats(st)) = parse_frame(s) else {
            panic!("stats not decoded")
        };
        assert_eq!(
            (st.memory_bytes, st.network_rx_bytes, st.uptime_ms),
            (10, 7, 1000)
        );
        assert_eq!(st.disk_io.map(|d| d.write_bytes), Some(2));
        assert!((st.cpu_absolute - 150.5).abs() < 1e-9);
        let o =
            r#"{"event":"stats","args":[{"memory_bytes":5,"uptime_ms":9,"disk_read_bytes":4}]}"#;
        let Some(Inbound::Stats(st)) = parse_frame(o) else {
            panic!("object stats not decoded")
        };
        assert_eq!((st.memory_bytes, st.uptime_ms), (5, 9));
        assert_eq!(st.disk_io.map(|d| d.read_bytes), Some(4));
    }

    #[test]
    fn outbound_frames_always_carry_an_args_array() {
        let v: Value = serde_json::from_str(&send_logs()).expect("json");
        assert_eq!(v["event"], "send logs");
        assert!(v["args"].is_array());
        let v: Value = serde_json::from_str(&auth("t.o.k")).expect("json");
        assert_eq!(v["event"], "auth");
        assert_eq!(v["args"][0], "t.o.k");
        let v: Value = serde_json::from_str(&send_command("say \"hi\"")).expect("json");
        assert_eq!(v["args"][0], "say \"hi\"");
    }

    #[test]
    fn huge_lines_are_capped() {
        let long = "é".repeat(MAX_LINE_BYTES);
        let f = encode("console output", &[&long]);
        let Some(Inbound::Console(l)) = parse_frame(&f) else {
            panic!("not decoded")
        };
        assert!(l.len() <= MAX_LINE_BYTES);
    }

    proptest! {
        #[test]
        fn decoding_never_panics(s in ".{0,400}") {
            let _ = parse_frame(&s);
        }

        #[test]
        fn decoding_frames_with_random_args_never_panics(ev in "[a-z ]{0,20}", arg in ".{0,200}") {
            let _ = parse_frame(&encode(&ev, &[&arg]));
            let _ = parse_frame(&format!(r#"{{"event":"stats","args":[{arg:?}]}}"#));
        }
    }
}
