//! Frames: `{"event": "<name>", "args": ["<string>", ...]}`.
//!
//! Decoding is total: anything that is not a well-formed frame decodes to `None` and is
//! ignored, like Wings itself ignores what it cannot parse. Structured payloads (`stats`,
//! `backup completed`, `feature match`) arrive JSON-encoded inside `args[0]`; `stats` is also
//! accepted as a plain object (StellarStack's daemon sends that).

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
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
    #[serde(default, borrow)]
    args: Option<Args<'a>>,
}

/// One element of `args`, decoded without building a [`Value`] for strings.
enum Arg<'a> {
    Str(Cow<'a, str>),
    Null,
    /// An object (StellarStack sends `stats` this way).
    Obj(Value),
    /// A number, a bool or an array: Wings would drop the frame.
    Bad,
}

/// `args` as Wings defines it: `[string...]`, `null` elements tolerated, joined when several.
#[derive(Default)]
struct Args<'a> {
    first: Option<Arg<'a>>,
    /// Set when there is more than one element: the strings concatenated.
    joined: Option<String>,
    bad: bool,
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Arg<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Arg<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a frame argument")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Arg<'a>, E> {
                Ok(Arg::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Arg<'a>, E> {
                Ok(Arg::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Arg<'a>, E> {
                Ok(Arg::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Arg<'a>, E> {
                Ok(Arg::Null)
            }
            fn visit_none<E>(self) -> Result<Arg<'a>, E> {
                Ok(Arg::Null)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Arg<'a>, E> {
                Ok(Arg::Bad)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Arg<'a>, E> {
                Ok(Arg::Bad)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Arg<'a>, E> {
                Ok(Arg::Bad)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Arg<'a>, E> {
                Ok(Arg::Bad)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Arg<'a>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Arg::Bad)
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Arg<'a>, M::Error> {
                Value::deserialize(serde::de::value::MapAccessDeserializer::new(m)).map(Arg::Obj)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Args<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Args<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an array of strings or null")
            }
            fn visit_unit<E>(self) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_none<E>(self) -> Result<Args<'a>, E> {
                Ok(Args::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Args<'a>, A::Error> {
                let mut args = Args::default();
                while let Some(arg) = a.next_element::<Arg<'a>>()? {
                    if args.first.is_none() {
                        args.bad |= matches!(arg, Arg::Bad | Arg::Obj(_));
                        args.first = Some(arg);
                        continue;
                    }
                    // Several arguments: Wings concatenates them (only strings and nulls).
                    let joined = match args.joined.as_mut() {
                        Some(j) => j,
                        None => args.joined.insert(match &args.first {
                            Some(Arg::Str(s)) => s.to_string(),
                            _ => String::new(),
                        }),
                    };
                    match arg {
                        Arg::Str(s) => joined.push_str(&s),
                        Arg::Null => {}
                        Arg::Obj(_) | Arg::Bad => args.bad = true,
                    }
                }
                Ok(args)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Decodes one text frame; `None` for anything malformed or unknown.
pub fn parse_frame(text: &str) -> Option<Inbound> {
    // Typed, borrowing decode: no map is built for the envelope and string arguments are
    // borrowed when unescaped (this runs ~6,000 times a second for 1,000 servers).
    let raw: RawFrame<'_> = serde_json::from_str(text).ok()?;
    let event: &str = &raw.event;
    let args = raw.args.unwrap_or_default();
    // `stats` may carry an object (StellarStack); everything else must be strings, like Wings.
    if event == "stats" {
        return match args.first? {
            Arg::Str(s) => parse_stats_str(&s),
            Arg::Obj(v) => parse_stats(&v),
            Arg::Null | Arg::Bad => None,
        }
        .map(Inbound::Stats);
    }
    if args.bad {
        return None;
    }
    let arg = match (args.joined, args.first) {
        (Some(joined), _) => joined,
        (None, Some(Arg::Str(s))) => s.into_owned(),
        (None, None | Some(Arg::Null)) => String::new(),
        (None, Some(Arg::Obj(_) | Arg::Bad)) => return None,
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

/// A number where one is expected, else 0 (the daemon's own fields are numbers; anything
/// else is hostile or broken and counts as nothing rather than dropping the sample).
#[derive(Default, Clone, Copy)]
struct Num(f64, Option<u64>);

impl Num {
    fn to_u64(self) -> u64 {
        self.1.unwrap_or_else(|| {
            if self.0.is_finite() && self.0 > 0.0 {
                self.0 as u64
            } else {
                0
            }
        })
    }
    fn to_f64(self) -> f64 {
        let f = self.1.map_or(self.0, |u| u as f64);
        if f.is_finite() && f >= 0.0 { f } else { 0.0 }
    }
}

impl<'de> serde::Deserialize<'de> for Num {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num(0.0, Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                Ok(Num(v as f64, None))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
                Ok(Num(v, None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
                Ok(Num::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<Num, E> {
                Ok(Num::default())
            }
            fn visit_unit<E>(self) -> Result<Num, E> {
                Ok(Num::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Num, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Num::default())
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Num, M::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Num::default())
            }
        }
        d.deserialize_any(V)
    }
}

/// An object where one is expected; anything else reads as absent.
struct Obj<T>(Option<T>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Obj<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, m: M) -> Result<Obj<T>, M::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(|t| Obj(Some(t)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Obj<T>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Obj(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
            fn visit_unit<E>(self) -> Result<Obj<T>, E> {
                Ok(Obj(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(serde::Deserialize)]
struct WireNet {
    rx_bytes: Option<Num>,
    tx_bytes: Option<Num>,
}

#[derive(serde::Deserialize)]
struct WireDiskIo {
    read_bytes: Option<Num>,
    write_bytes: Option<Num>,
}

/// Wings' stats payload, decoded in one pass from the string inside the frame.
#[derive(serde::Deserialize)]
struct WireStats {
    memory_bytes: Option<Num>,
    memory_limit_bytes: Option<Num>,
    cpu_absolute: Option<Num>,
    network: Option<Obj<WireNet>>,
    network_rx_bytes: Option<Num>,
    network_tx_bytes: Option<Num>,
    uptime: Option<Num>,
    uptime_ms: Option<Num>,
    disk_bytes: Option<Num>,
    disk_io: Option<Obj<WireDiskIo>>,
    disk_read_bytes: Option<Num>,
    disk_write_bytes: Option<Num>,
}

/// Decodes the JSON string Wings puts in `args[0]` of a `stats` frame.
fn parse_stats_str(s: &str) -> Option<Stats> {
    // Only an object is a stats payload (a derived struct would also accept an array).
    if !s.trim_start().starts_with('{') {
        return None;
    }
    let w: WireStats = serde_json::from_str(s).ok()?;
    let n = |v: Option<Num>| v.map_or(0, Num::to_u64);
    let net = w.network.and_then(|o| o.0);
    let disk_io = match w.disk_io.and_then(|o| o.0) {
        Some(d) => Some(DiskIo {
            read_bytes: n(d.read_bytes),
            write_bytes: n(d.write_bytes),
        }),
        None if w.disk_read_bytes.is_some() || w.disk_write_bytes.is_some() => Some(DiskIo {
            read_bytes: n(w.disk_read_bytes),
            write_bytes: n(w.disk_write_bytes),
        }),
        None => None,
    };
    let (rx, tx) = match &net {
        Some(net) => (net.rx_bytes, net.tx_bytes),
        None => (None, None),
    };
    Some(Stats {
        memory_bytes: n(w.memory_bytes),
        memory_limit_bytes: n(w.memory_limit_bytes),
        cpu_absolute: w.cpu_absolute.map_or(0.0, Num::to_f64),
        network_rx_bytes: n(rx.or(w.network_rx_bytes)),
        network_tx_bytes: n(tx.or(w.network_tx_bytes)),
        uptime_ms: n(w.uptime.or(w.uptime_ms)),
        disk_bytes: n(w.disk_bytes),
        disk_io,
    })
}

/// Decodes a stats payload: a JSON string (Wings) or an object (StellarStack).
pub fn parse_stats(arg: &Value) -> Option<Stats> {
    let obj = match arg {
        Value::String(s) => return parse_stats_str(s),
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

    #[test]
    fn stats_fields_of_the_wrong_type_count_as_zero_and_non_objects_are_not_stats() {
        let f = |payload: &str| parse_frame(&encode("stats", &[payload]));
        let Some(Inbound::Stats(st)) = f(
            r#"{"memory_bytes":"lots","cpu_absolute":-3,"network":7,"network_rx_bytes":9,"uptime":[1],"disk_bytes":2.5,"disk_io":{"read_bytes":{},"write_bytes":4}}"#,
        ) else {
            panic!("a sample with odd fields is still a sample")
        };
        assert_eq!(
            (
                st.memory_bytes,
                st.network_rx_bytes,
                st.uptime_ms,
                st.disk_bytes
            ),
            (0, 9, 0, 2)
        );
        assert!(st.cpu_absolute.abs() < 1e-12, "negative cpu reads as 0");
        assert_eq!(
            st.disk_io.map(|d| (d.read_bytes, d.write_bytes)),
            Some((0, 4))
        );
        for bad in ["[1,2,3]", "42", "null", "\"x\"", "{\"memory_bytes\":"] {
            assert_eq!(f(bad), None, "{bad}");
        }
        assert_eq!(parse_frame(r#"{"event":"stats","args":[42]}"#), None);
        assert_eq!(parse_frame(r#"{"event":"stats"}"#), None);
    }

    #[test]
    fn escaped_console_lines_decode_like_plain_ones() {
        let line = "\u{1b}[33m<b>&\"quoted\"\u{1b}[0m";
        assert_eq!(
            parse_frame(&encode("console output", &[line])),
            Some(Inbound::Console(line.to_owned()))
        );
        assert_eq!(
            parse_frame(r#"{"event":"console output","args":[null,"a",null]}"#),
            Some(Inbound::Console("a".into()))
        );
        assert_eq!(
            parse_frame(r#"{"event":"console output","args":["a",{"b":1}]}"#),
            None
        );
        assert_eq!(
            parse_frame(r#"{"event":"console output","args":[{"b":1}]}"#),
            None
        );
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
