//! Wings frames as they appear on the wire: `{"event","args":[strings]}` written by Go's JSON
//! encoder (HTML characters escaped, `args` omitted when empty, a trailing newline).

use serde::{Deserialize, Serialize};

/// One frame for the socket, encoded once and shared by every viewer of a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Event name.
    pub event: &'static str,
    /// Encoded text as sent.
    pub text: String,
}

/// Event name of an injected frame sent as a binary message (Wings never sends binary).
pub const INJECTED_BINARY: &str = "<injected binary>";
/// Event name of an injected text frame sent verbatim, whatever it contains.
pub const INJECTED_TEXT: &str = "<injected text>";

/// A hostile or broken frame to push at viewers, for client robustness tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Injected {
    /// A text message with exactly this content (need not be JSON).
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Frame {
    /// Encodes an event with at most one argument, the way Wings does.
    pub fn new(event: &'static str, arg: Option<&str>) -> Self {
        Self {
            event,
            text: encode(event, arg),
        }
    }
}

#[derive(Serialize)]
struct Outbound<'a> {
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    args: Option<[&'a str; 1]>,
}

/// Go `encoding/json` style: `<`, `>`, `&`, U+2028 and U+2029 are escaped, newline appended.
pub fn encode(event: &str, arg: Option<&str>) -> String {
    let json = serde_json::to_string(&Outbound {
        event,
        args: arg.map(|a| [a]),
    })
    .unwrap_or_default();
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

/// An inbound frame. Wings' `args` is `[]string`: a non-string element fails the whole decode
/// (the message is dropped), `null` becomes `""`.
#[derive(Debug, Deserialize)]
pub struct Inbound {
    /// Event name.
    #[serde(default)]
    pub event: String,
    /// Arguments.
    #[serde(default)]
    pub args: Option<Vec<Option<String>>>,
}

impl Inbound {
    /// Decodes a text frame; `None` for anything Wings would drop.
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }

    /// The arguments joined with `""`, as Wings does for `auth`, `set state`, `send command`.
    pub fn joined(&self) -> String {
        self.args
            .iter()
            .flatten()
            .map(|a| a.as_deref().unwrap_or(""))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_go() {
        assert_eq!(
            encode("auth success", None),
            "{\"event\":\"auth success\"}\n"
        );
        assert_eq!(
            encode("console output", Some("<a> & \u{1b}")),
            "{\"event\":\"console output\",\"args\":[\"\\u003ca\\u003e \\u0026 \\u001b\"]}\n"
        );
    }

    #[test]
    fn inbound_drops_non_strings_and_joins() {
        assert!(Inbound::parse(r#"{"event":"auth","args":[1]}"#).is_none());
        let m = Inbound::parse(r#"{"event":"send command","args":["a",null,"b"]}"#);
        assert_eq!(m.map(|m| m.joined()).as_deref(), Some("ab"));
    }
}
