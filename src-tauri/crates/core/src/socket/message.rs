//! The data messages a socket carries (control frames stay inside the socket).

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{SocketErrorKind, err};

pub use tokio_tungstenite::tungstenite::Utf8Bytes;

/// A WebSocket data message. Cloning is cheap (reference-counted buffers).
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A UTF-8 text message.
    Text(Utf8Bytes),
    /// A binary message.
    Binary(Bytes),
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<Utf8Bytes>) -> Self {
        Self::Text(text.into())
    }

    /// A binary message.
    pub fn binary(data: impl Into<Bytes>) -> Self {
        Self::Binary(data.into())
    }

    /// A text message holding `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> crate::Result<Self> {
        serde_json::to_string(value)
            .map(Self::text)
            .map_err(|e| err(SocketErrorKind::Json, e.to_string()))
    }

    /// Decodes this message (text or binary) as JSON.
    pub fn parse_json<T: DeserializeOwned>(&self) -> crate::Result<T> {
        let bytes: &[u8] = match self {
            Self::Text(t) => t.as_bytes(),
            Self::Binary(b) => b,
        };
        serde_json::from_slice(bytes).map_err(|e| err(SocketErrorKind::Json, e.to_string()))
    }

    /// The text, if this is a text message.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(t.as_str()),
            Self::Binary(_) => None,
        }
    }

    /// Payload length in bytes.
    pub fn len(&self) -> usize {
        match self {
            Self::Text(t) => t.len(),
            Self::Binary(b) => b.len(),
        }
    }

    /// Whether the payload is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Self::text(s.to_owned())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Self::text(s)
    }
}

impl From<Message> for tokio_tungstenite::tungstenite::Message {
    fn from(m: Message) -> Self {
        match m {
            Message::Text(t) => Self::Text(t),
            Message::Binary(b) => Self::Binary(b),
        }
    }
}
