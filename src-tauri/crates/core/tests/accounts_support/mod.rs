//! A tiny HTTP panel for account tests: answers `GET /api/client/account` and the server
//! list like Pterodactyl does, for the keys it is told about. Plain std, one thread, real
//! TCP, so the real `PanelClient` (reqwest) is exercised end to end.
//!
//! Shared by `aerie-core` and `aerie-cli` tests (the CLI includes this file by path).
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// A 48-character key with the given prefix; `n` makes it unique.
pub fn key(prefix: &str, n: u32) -> String {
    let body = format!("{n:011}S3cr3tPart{n:022}");
    format!("{prefix}{}", &body[..43])
}

/// The fake panel. Dropping it leaves the thread serving until the process exits.
#[derive(Clone)]
pub struct FakePanel {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    keys: Arc<Mutex<HashMap<String, String>>>,
    servers: Arc<Mutex<Vec<String>>>,
    seen_auth: Arc<Mutex<Vec<String>>>,
}

impl FakePanel {
    /// Starts a panel on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let panel = Self {
            url,
            keys: Arc::default(),
            servers: Arc::new(Mutex::new(vec!["aaaa1111".into(), "bbbb2222".into()])),
            seen_auth: Arc::default(),
        };
        let p = panel.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = p.serve(stream);
            }
        });
        panel
    }

    /// Makes `key` valid for user `username`.
    pub fn allow(&self, key: &str, username: &str) {
        self.keys
            .lock()
            .expect("lock")
            .insert(key.into(), username.into());
    }

    /// Revokes `key` (the panel answers 401 from now on).
    pub fn revoke(&self, key: &str) {
        self.keys.lock().expect("lock").remove(key);
    }

    /// How many requests carried a bearer token.
    pub fn requests(&self) -> usize {
        self.seen_auth.lock().expect("lock").len()
    }

    fn serve(&self, stream: std::net::TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        let mut bearer = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h == "\r\n" {
                break;
            }
            if let Some((name, value)) = h.split_once(':')
                && name.eq_ignore_ascii_case("authorization")
            {
                bearer = value.trim().strip_prefix("Bearer ").map(str::to_owned);
            }
        }
        let path = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        let (status, body) = self.route(&path, bearer.as_deref());
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            _ => "Not Found",
        };
        let mut out = stream;
        write!(
            out,
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        out.flush()
    }

    fn route(&self, path: &str, bearer: Option<&str>) -> (u16, String) {
        let Some(key) = bearer else {
            return (401, r#"{"errors":[{"code":"AuthenticationException","status":"401","detail":"Unauthenticated."}]}"#.into());
        };
        self.seen_auth.lock().expect("lock").push(String::new());
        if key.starts_with("ptla_") || key.starts_with("papp_") {
            return (403, r#"{"errors":[{"code":"AccessDeniedHttpException","status":"403","detail":"You are attempting to use an application API key on an endpoint that requires a client API key."}]}"#.into());
        }
        let user = self.keys.lock().expect("lock").get(key).cloned();
        let Some(user) = user else {
            return (401, r#"{"errors":[{"code":"AuthenticationException","status":"401","detail":"Unauthenticated."}]}"#.into());
        };
        if path == "/api/client/account" {
            return (
                200,
                format!(
                    r#"{{"object":"user","attributes":{{"id":1,"admin":false,"username":"{user}","email":"{user}@example.com","first_name":"A","last_name":"B","language":"en"}}}}"#
                ),
            );
        }
        if path.starts_with("/api/client?") || path == "/api/client" {
            let data: Vec<String> = self
                .servers
                .lock()
                .expect("lock")
                .iter()
                .map(|id| {
                    format!(
                        r#"{{"object":"server","attributes":{{"identifier":"{id}","uuid":"{id}-0000-0000-0000-000000000000","name":"srv {id}","node":"n1","limits":{{"memory":1024,"disk":0,"cpu":100}},"status":null}}}}"#
                    )
                })
                .collect();
            return (
                200,
                format!(
                    r#"{{"object":"list","data":[{}],"meta":{{"pagination":{{"total":{n},"count":{n},"per_page":100,"current_page":1,"total_pages":1,"links":{{}}}}}}}}"#,
                    data.join(","),
                    n = data.len()
                ),
            );
        }
        (
            404,
            r#"{"errors":[{"code":"NotFoundHttpException","status":"404","detail":"not found"}]}"#
                .into(),
        )
    }
}
