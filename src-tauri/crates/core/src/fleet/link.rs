//! Opening one Wings socket: the `Origin` header Wings checks, frame-size limits, a timeout.
//!
//! Reconnecting is the server task's job (it needs to decide about tokens between attempts).

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An open Wings socket.
pub(super) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Largest inbound message accepted. Wings caps console lines at 64 KiB; stats are small.
const MAX_MESSAGE: usize = 256 * 1024;

/// Why a connect failed, without secrets (Wings URLs carry none, but the text is clipped).
#[derive(Debug)]
pub(super) struct ConnectFailure {
    /// HTTP status of a refused upgrade (403 origin, 404 unknown server, 400 too many sockets).
    pub status: Option<u16>,
    /// For logs and status text.
    pub detail: String,
}

/// Connects to `url` sending `Origin: origin`, within `timeout`.
pub(super) async fn connect(
    url: &str,
    origin: &str,
    timeout: Duration,
) -> Result<Ws, ConnectFailure> {
    let fail = |status, detail: String| ConnectFailure {
        status,
        detail: detail.chars().take(200).collect(),
    };
    let mut req = url
        .into_client_request()
        .map_err(|e| fail(None, format!("bad socket URL: {e}")))?;
    let origin = HeaderValue::from_str(origin).map_err(|_| fail(None, "bad origin".into()))?;
    req.headers_mut().insert("Origin", origin);
    // The default 128 KiB read buffer per socket would cost 128 MB for 1,000 servers.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let attempt = tokio_tungstenite::connect_async_with_config(req, Some(config), true);
    match tokio::time::timeout(timeout, attempt).await {
        Err(_) => Err(fail(None, "timed out".into())),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(resp))) => {
            let status = resp.status().as_u16();
            Err(fail(
                Some(status),
                format!("upgrade refused with HTTP {status}"),
            ))
        }
        Ok(Err(e)) => Err(fail(None, e.to_string())),
        Ok(Ok((ws, _))) => Ok(ws),
    }
}
