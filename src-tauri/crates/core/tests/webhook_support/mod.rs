//! A real HTTP receiver on 127.0.0.1 (axum) that records every request and answers as the
//! test scripts it, and a capture of every log line at TRACE (the `log` crate's too).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use tokio::sync::{mpsc, watch};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// The status with a body that quotes the request's path (as a careless receiver might).
    Echo(u16),
    RetryAfter(&'static str),
    /// No answer until [`Receiver::release`].
    Hang,
}

struct Script {
    replies: Mutex<VecDeque<Reply>>,
    /// Answer when the script is used up.
    then: Reply,
    seen: mpsc::UnboundedSender<Seen>,
    released: watch::Receiver<bool>,
}

pub struct Receiver {
    pub base: String,
    pub seen: mpsc::UnboundedReceiver<Seen>,
    release: watch::Sender<bool>,
}

impl Receiver {
    /// Answers `replies` in order, then `then` for every later request.
    pub async fn start(replies: Vec<Reply>, then: Reply) -> Self {
        let (tx, seen) = mpsc::unbounded_channel();
        let (release, released) = watch::channel(false);
        let script = Arc::new(Script {
            replies: Mutex::new(replies.into()),
            then,
            seen: tx,
            released,
        });
        let app = axum::Router::new()
            .fallback(axum::routing::any(answer))
            .with_state(script);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            base,
            seen,
            release,
        }
    }

    /// Lets every hanging request (and every later one) be answered 200.
    pub fn release(&self) {
        self.release.send_replace(true);
    }

    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(std::time::Duration::from_secs(20), self.seen.recv())
            .await
            .expect("a request within 20 s")
            .expect("receiver running")
    }
}

async fn answer(
    State(script): State<Arc<Script>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let _ = script.seen.send(Seen {
        path: uri.to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let reply = script
        .replies
        .lock()
        .expect("lock")
        .pop_front()
        .unwrap_or_else(|| script.then.clone());
    let status = |code: u16| StatusCode::from_u16(code).expect("status");
    match reply {
        Reply::Status(code) => status(code).into_response(),
        Reply::Echo(code) => (status(code), format!("no webhook at {uri}")).into_response(),
        Reply::RetryAfter(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            [("retry-after", secs)],
            "slow down",
        )
            .into_response(),
        Reply::Hang => {
            let mut released = script.released.clone();
            let _ = released.wait_for(|r| *r).await;
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// Every line logged by this test process, at TRACE, `log` records included.
pub fn logs() -> String {
    let buf = capture();
    String::from_utf8_lossy(&buf.lock().expect("lock")).into_owned()
}

/// Installs the capture once per test process.
pub fn capture() -> Arc<Mutex<Vec<u8>>> {
    static BUF: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Writer(sink.clone()))
            .try_init()
            .expect("the only global subscriber");
        buf
    })
    .clone()
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Fails when `secret` appears in any body or header the receiver saw, or in any log line.
pub fn assert_nowhere(secret: &str, seen: &[Seen]) {
    for s in seen {
        assert!(!s.body.contains(secret), "{secret:?} in a body: {}", s.body);
        for (name, value) in &s.headers {
            assert!(
                !value.contains(secret),
                "{secret:?} in header {name}: {value}"
            );
        }
    }
    let logs = logs();
    assert!(!logs.contains(secret), "{secret:?} in the log:\n{logs}");
}
