//! The one WebSocket transport under every socket: dial (TCP, TLS by [`super::TlsOptions`],
//! upgrade with the caller's headers and subprotocols, within a timeout) and a frame reader
//! that costs a 1,000-socket fleet as little as it can.
//!
//! tungstenite runs here directly on the socket's readiness rather than through
//! tokio-tungstenite's adapter, whose wake-up proxies a fleet pays for on every frame. A frame
//! costs one `recv`: a short read tells tokio the socket is drained, so finding nothing more
//! costs no system call, and once a read has said "would block" the link asks the socket's
//! readiness before reading again.
//!
//! A link is one connection: reconnecting, heartbeats and queues belong to its owner (the
//! socket task of [`super::SocketHandle`], or a fleet server task that drives its link inline).

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::HandshakeError;
use tokio_tungstenite::tungstenite::http::header::{
    HeaderName, HeaderValue, SEC_WEBSOCKET_PROTOCOL,
};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message, WebSocket};
use tokio_util::either::Either;

use super::error::SocketErrorKind;
use super::tls::{self, TlsOptions};

/// What to dial: everything about one connection attempt except the URL's secrets, which the
/// caller keeps out of [`ConnectFailure`] texts.
#[derive(Clone, Copy)]
pub(crate) struct Dial<'a> {
    /// `ws://` or `wss://` URL.
    pub url: &'a str,
    /// Extra upgrade headers (`Origin`, `Authorization`...); values are marked sensitive.
    pub headers: &'a [(String, String)],
    /// Offered `Sec-WebSocket-Protocol` values, in order of preference.
    pub subprotocols: &'a [String],
    /// Whom `wss://` trusts.
    pub tls: &'a TlsOptions,
    /// Frame, message and buffer limits.
    pub config: WebSocketConfig,
    /// TCP + TLS + upgrade, all together.
    pub timeout: Duration,
}

/// Why a connect failed, without secrets (callers scrub the URL's query from `detail`).
#[derive(Debug)]
pub(crate) struct ConnectFailure {
    /// Which stage failed, as the socket reports it.
    pub kind: SocketErrorKind,
    /// HTTP status of a refused upgrade (403 origin, 404 unknown server, 400 too many sockets).
    pub status: Option<u16>,
    /// The certificate the node presented, when TLS refused it as untrusted: what a user is
    /// asked to trust (never trusted silently).
    pub untrusted: Option<[u8; 32]>,
    /// For logs and status text: clipped to 200 characters, except a refused certificate's
    /// message, which names whole fingerprints.
    pub detail: String,
}

/// The byte stream under the WebSocket: plain TCP or TLS over it. The link must reach the TCP
/// socket of either to wait on its readiness (tokio-tungstenite's `MaybeTlsStream` is
/// non-exhaustive, so it cannot).
type Stream = Either<TcpStream, Box<TlsStream<TcpStream>>>;

/// The stream as blocking-style I/O that answers `WouldBlock` instead of waiting, which is
/// what tungstenite expects of a non-blocking socket. The task waits on the TCP socket's
/// readiness itself ([`Link::poll_next`]).
///
/// Reads go through tokio's `poll_read` rather than `try_read`: a read shorter than the buffer
/// tells tokio the socket is drained, so the next read costs no `recv` that would only say
/// "would block" (at one frame per wake, that halves the fleet's system calls).
struct Nb {
    stream: Stream,
    /// The direction that last answered `WouldBlock`, for the handshake to wait on.
    blocked: Interest,
}

impl Nb {
    fn tcp(&self) -> &TcpStream {
        match &self.stream {
            Either::Left(s) => s,
            Either::Right(s) => s.get_ref().0,
        }
    }

    /// Polls the stream once. Its own waits register a no-op waker: the task registers itself
    /// on the TCP socket's readiness afterwards.
    fn poll_once<T>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(Pin<&mut Stream>, &mut Context<'_>) -> Poll<io::Result<T>>,
    ) -> io::Result<T> {
        let mut cx = Context::from_waker(Waker::noop());
        match f(Pin::new(&mut self.stream), &mut cx) {
            Poll::Ready(r) => r,
            Poll::Pending => {
                self.blocked = interest;
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
    }
}

impl Read for Nb {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.poll_once(Interest::READABLE, |s, cx| {
            let mut rb = ReadBuf::new(buf);
            s.poll_read(cx, &mut rb).map_ok(|()| rb.filled().len())
        })
    }
}

impl Write for Nb {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.poll_once(Interest::WRITABLE, |s, cx| s.poll_write(cx, buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.poll_once(Interest::WRITABLE, |s, cx| s.poll_flush(cx))
    }
}

fn would_block(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if io.kind() == io::ErrorKind::WouldBlock)
}

/// An open WebSocket connection.
pub(crate) struct Link {
    ws: WebSocket<Nb>,
    /// Something written is still in tungstenite's buffer, waiting for the socket to take it.
    unflushed: bool,
    /// The last read answered "would block" (see [`Link::poll_next`]).
    drained: bool,
    /// The socket holds the task's waker for readability from a check that found it not
    /// ready, and nothing has read since (a read may leave another waker there).
    waiting: bool,
}

impl Link {
    /// The next message the socket already holds, without waiting: `Ok(None)` when there is
    /// none yet, `Err(ConnectionClosed)` once the socket has ended.
    pub(crate) fn try_next(&mut self) -> Result<Option<Message>, tungstenite::Error> {
        self.waiting = false;
        match self.ws.read() {
            Ok(m) => {
                self.drained = false;
                Ok(Some(m))
            }
            Err(e) if would_block(&e) => {
                self.drained = true;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Waits for the next message. Also finishes a write the socket could not take at once.
    pub(crate) fn poll_next(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Message, tungstenite::Error>> {
        if self.unflushed
            && self.ws.get_ref().tcp().poll_write_ready(cx).is_ready()
            && let Err(e) = self.flush()
        {
            return Poll::Ready(Err(e));
        }
        loop {
            // Once a read has answered "would block", tungstenite holds no whole frame: only
            // the socket can bring one, and asking its readiness costs no read (a read zeroes
            // tungstenite's read buffer first). Readiness that arrived since that read shows
            // here, so nothing is missed between the two.
            if self.drained && self.wait_readable(cx)?.is_pending() {
                return Poll::Pending;
            }
            if let Some(m) = self.try_next()? {
                return Poll::Ready(Ok(m));
            }
        }
    }

    /// Whether the socket has become readable; registers the task to hear when it does.
    ///
    /// A wake polls this twice (at the end of the frames it handled, and again in the task's
    /// select): the second time the task's waker is already there, and only readiness, an
    /// atomic load, is checked. Tokio takes the waker only when it marks the socket readable,
    /// which that load sees.
    fn wait_readable(&mut self, cx: &mut Context<'_>) -> io::Result<Poll<()>> {
        let tcp = self.ws.get_ref().tcp();
        if self.waiting {
            // `Ok(())` from the closure leaves the readiness as it is.
            return match tcp.try_io(Interest::READABLE, || Ok(())) {
                Ok(()) => Ok(Poll::Ready(())),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Poll::Pending),
                Err(e) => Err(e),
            };
        }
        match tcp.poll_read_ready(cx) {
            Poll::Ready(r) => r.map(Poll::Ready),
            Poll::Pending => {
                self.waiting = true;
                Ok(Poll::Pending)
            }
        }
    }

    fn flush(&mut self) -> Result<(), tungstenite::Error> {
        // Writing goes through the same stream (and, under TLS, may touch its reading side).
        self.waiting = false;
        match self.ws.flush() {
            Ok(()) => {
                self.unflushed = false;
                Ok(())
            }
            Err(e) if would_block(&e) => {
                self.unflushed = true;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Queues `msg` and writes what the socket takes now; the rest goes out from
    /// [`Link::poll_next`] as the socket drains.
    pub(crate) fn send(&mut self, msg: Message) -> Result<(), tungstenite::Error> {
        self.waiting = false;
        match self.ws.write(msg) {
            Ok(()) => self.flush(),
            Err(e) if would_block(&e) => {
                self.unflushed = true;
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Whether something written still waits for the peer to take it.
    pub(crate) fn unflushed(&self) -> bool {
        self.unflushed
    }

    /// Starts the closing handshake, best effort: the socket is dropped right after.
    pub(crate) fn close(mut self) {
        if self.ws.close(None).is_ok() {
            let _ = self.ws.flush();
        }
    }

    /// Sends a close frame and waits up to `grace` for the peer's, so the peer sees a clean
    /// close with `code` and `reason`.
    pub(crate) async fn close_gracefully(&mut self, code: u16, reason: &str, grace: Duration) {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        };
        if self.ws.close(Some(frame)).is_err() {
            return;
        }
        let _ = self.flush();
        let _ = tokio::time::timeout(grace, async {
            while std::future::poll_fn(|cx| self.poll_next(cx)).await.is_ok() {}
        })
        .await;
    }

    /// Pushes out what tungstenite has queued (the reply to a peer's close, say), waiting up
    /// to `grace` for the socket to take it.
    pub(crate) async fn drain_writes(&mut self, grace: Duration) {
        let _ = tokio::time::timeout(grace, async {
            loop {
                match self.ws.flush() {
                    Err(e) if would_block(&e) => {
                        let tcp = self.ws.get_ref().tcp();
                        if tcp.writable().await.is_err() {
                            return;
                        }
                    }
                    _ => return,
                }
            }
        })
        .await;
    }
}

/// Connects as `dial` says, within its timeout. Returns the link and the subprotocol the
/// peer chose.
pub(crate) async fn connect(dial: Dial<'_>) -> Result<(Link, Option<String>), ConnectFailure> {
    match tokio::time::timeout(dial.timeout, open(dial)).await {
        Err(_) => Err(fail(
            SocketErrorKind::ConnectTimeout,
            None,
            format!("no connection within {:?}", dial.timeout),
        )),
        Ok(r) => r,
    }
}

fn fail(
    kind: SocketErrorKind,
    status: Option<u16>,
    detail: impl std::fmt::Display,
) -> ConnectFailure {
    ConnectFailure {
        kind,
        status,
        untrusted: None,
        detail: detail.to_string().chars().take(200).collect(),
    }
}

fn request(dial: &Dial<'_>) -> Result<tungstenite::handshake::client::Request, ConnectFailure> {
    let mut req = dial.url.into_client_request().map_err(|e| {
        fail(
            SocketErrorKind::InvalidUrl,
            None,
            format!("bad socket URL: {e}"),
        )
    })?;
    let headers = req.headers_mut();
    for (name, value) in dial.headers {
        // The value may be secret: name it, never quote it.
        let bad = || {
            fail(
                SocketErrorKind::InvalidHeader,
                None,
                format!("header {name:?}"),
            )
        };
        let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| bad())?;
        let mut v = HeaderValue::from_str(value).map_err(|_| bad())?;
        v.set_sensitive(true);
        headers.append(n, v);
    }
    if !dial.subprotocols.is_empty() {
        let v = HeaderValue::from_str(&dial.subprotocols.join(", "))
            .map_err(|_| fail(SocketErrorKind::InvalidHeader, None, "subprotocols"))?;
        headers.insert(SEC_WEBSOCKET_PROTOCOL, v);
    }
    Ok(req)
}

async fn open(dial: Dial<'_>) -> Result<(Link, Option<String>), ConnectFailure> {
    let req = request(&dial)?;
    let uri = req.uri().clone();
    let tls = match uri.scheme_str() {
        Some("wss") => true,
        Some("ws") => false,
        _ => {
            return Err(fail(
                SocketErrorKind::InvalidUrl,
                None,
                "bad socket URL: not ws:// or wss://",
            ));
        }
    };
    let host = uri
        .host()
        .ok_or_else(|| fail(SocketErrorKind::InvalidUrl, None, "bad socket URL: no host"))?;
    // `http::Uri` keeps IPv6 literals bracketed; resolvers and TLS want them bare.
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    let connect_err = |e: io::Error| fail(SocketErrorKind::Connect, None, e);
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(connect_err)?;
    // Frames are small and each should leave at once.
    tcp.set_nodelay(true).map_err(connect_err)?;
    let stream = if tls {
        let config =
            tls::client_config(dial.tls).map_err(|e| fail(SocketErrorKind::Tls, None, e))?;
        let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| {
            fail(
                SocketErrorKind::InvalidUrl,
                None,
                format!("bad host name: {e}"),
            )
        })?;
        match TlsConnector::from(config).connect(name, tcp).await {
            Ok(s) => Either::Right(Box::new(s)),
            Err(e) => return Err(tls_failure(e, &host, port, dial.tls).await),
        }
    } else {
        Either::Left(tcp)
    };
    let nb = Nb {
        stream,
        blocked: Interest::READABLE,
    };
    let mut step = tungstenite::client::client_with_config(req, nb, Some(dial.config));
    loop {
        match step {
            Ok((ws, resp)) => {
                let protocol = resp
                    .headers()
                    .get(SEC_WEBSOCKET_PROTOCOL)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let link = Link {
                    ws,
                    unflushed: false,
                    // The handshake may have read frames past its response.
                    drained: false,
                    waiting: false,
                };
                return Ok((link, protocol));
            }
            Err(HandshakeError::Interrupted(mid)) => {
                let nb = mid.get_ref().get_ref();
                nb.tcp().ready(nb.blocked).await.map_err(connect_err)?;
                step = mid.handshake();
            }
            Err(HandshakeError::Failure(tungstenite::Error::Http(resp))) => {
                let status = resp.status().as_u16();
                let body = resp
                    .body()
                    .as_deref()
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(120)]).into_owned())
                    .unwrap_or_default();
                return Err(fail(
                    SocketErrorKind::Connect,
                    Some(status),
                    format!("upgrade refused with HTTP {status} {body}").trim_end(),
                ));
            }
            Err(HandshakeError::Failure(e)) => {
                return Err(fail(SocketErrorKind::Protocol, None, e));
            }
        }
    }
}

/// Describes a failed TLS handshake; for a certificate the trust settings refuse, also reads
/// the certificate the node presents (see [`tls::presented_certificate`]) so the user can be
/// shown its fingerprint.
async fn tls_failure(e: io::Error, host: &str, port: u16, opts: &TlsOptions) -> ConnectFailure {
    let refused_cert = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
    let mut f = fail(SocketErrorKind::Tls, None, format!("TLS: {e}"));
    if refused_cert {
        f.untrusted = tls::presented_certificate(host, port).await;
        if let Some(seen) = f.untrusted {
            f.detail = tls::untrusted_message(opts, &seen);
        }
    }
    f
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use futures_util::{SinkExt, StreamExt};
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    use tokio::net::TcpListener;
    use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

    use super::*;

    const WAIT: Duration = Duration::from_secs(10);

    /// Opens a link to `url` sending `Origin: origin`, trusting what `tls` says.
    async fn open_url(url: &str, origin: &str, tls: &TlsOptions) -> Result<Link, ConnectFailure> {
        let headers = [("Origin".to_owned(), origin.to_owned())];
        let dial = Dial {
            url,
            headers: &headers,
            subprotocols: &[],
            tls,
            // Bounded like the fleet's, for the send-queue test.
            config: WebSocketConfig::default().max_write_buffer_size(4 << 20),
            timeout: WAIT,
        };
        connect(dial).await.map(|(link, _)| link)
    }

    /// Opens a link to the plain `ws://` node on `port`, trusting the platform's roots.
    async fn open_plain(port: u16) -> Result<Link, ConnectFailure> {
        let url = format!("ws://127.0.0.1:{port}/ws");
        open_url(&url, "https://p", &TlsOptions::default()).await
    }

    async fn next(link: &mut Link) -> Message {
        let wait = std::future::poll_fn(|cx| link.poll_next(cx));
        tokio::time::timeout(WAIT, wait).await.unwrap().unwrap()
    }

    /// A node that records the upgrade's `Origin`, then sends `burst` numbered lines and echoes
    /// every text it receives with its length. `refuse` answers the upgrade with that status.
    async fn node(
        tls: Option<Arc<rustls::ServerConfig>>,
        burst: usize,
        refuse: Option<u16>,
    ) -> (u16, Arc<Mutex<Option<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let origin = Arc::new(Mutex::new(None));
        let seen = origin.clone();
        tokio::spawn(async move {
            // More than one connection: a refused certificate is read again by a second one.
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let seen = seen.clone();
                let tls = tls.clone();
                tokio::spawn(accept_one(tcp, tls, seen, burst, refuse));
            }
        });
        (port, origin)
    }

    async fn accept_one(
        tcp: tokio::net::TcpStream,
        tls: Option<Arc<rustls::ServerConfig>>,
        seen: Arc<Mutex<Option<String>>>,
        burst: usize,
        refuse: Option<u16>,
    ) {
        // The callback's signature is tungstenite's.
        #[allow(clippy::result_large_err)]
        let check = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
            let o = req.headers().get("Origin").and_then(|v| v.to_str().ok());
            *seen.lock().unwrap() = o.map(str::to_owned);
            match refuse {
                Some(code) => {
                    let mut e = ErrorResponse::new(None);
                    *e.status_mut() = code.try_into().unwrap();
                    Err(e)
                }
                None => Ok(resp),
            }
        };
        match tls {
            Some(config) => {
                let Ok(tls) = tokio_rustls::TlsAcceptor::from(config).accept(tcp).await else {
                    return;
                };
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tls, check).await {
                    serve(ws, burst).await;
                }
            }
            None => {
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, check).await {
                    serve(ws, burst).await;
                }
            }
        }
    }

    async fn serve<S>(mut ws: tokio_tungstenite::WebSocketStream<S>, burst: usize)
    where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        for i in 0..burst {
            ws.feed(Message::text(format!("line {i}"))).await.unwrap();
        }
        ws.flush().await.unwrap();
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                let reply = format!("got {}", t.len());
                if ws.send(Message::text(reply)).await.is_err() {
                    return;
                }
            }
        }
    }

    fn self_signed() -> (Arc<rustls::ServerConfig>, TlsOptions) {
        let rcgen::CertifiedKey { cert, key_pair } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .unwrap();
        let pin = TlsOptions {
            pinned_sha256: Some(crate::socket::fingerprint(cert.der())),
            ..TlsOptions::default()
        };
        (Arc::new(config), pin)
    }

    async fn burst_and_echo(url: &str, tls: &TlsOptions, origin: &Mutex<Option<String>>) {
        let mut link = open_url(url, "https://panel.example", tls).await.unwrap();
        for i in 0..200 {
            assert_eq!(next(&mut link).await, Message::text(format!("line {i}")));
        }
        link.send(Message::text("hello")).unwrap();
        assert_eq!(next(&mut link).await, Message::text("got 5"));
        assert_eq!(
            origin.lock().unwrap().as_deref(),
            Some("https://panel.example")
        );
    }

    #[tokio::test]
    async fn plain_link_sends_origin_reads_a_burst_in_order_and_writes() {
        let (port, origin) = node(None, 200, None).await;
        let url = format!("ws://127.0.0.1:{port}/api/servers/x/ws");
        burst_and_echo(&url, &TlsOptions::default(), &origin).await;
    }

    #[tokio::test]
    async fn tls_link_reads_a_burst_in_order_and_writes() {
        let (config, pin) = self_signed();
        let (port, origin) = node(Some(config), 200, None).await;
        let url = format!("wss://localhost:{port}/api/servers/x/ws");
        burst_and_echo(&url, &pin, &origin).await;
    }

    #[tokio::test]
    async fn tls_link_refuses_an_untrusted_certificate_and_names_its_fingerprint() {
        let (config, pin) = self_signed();
        let (port, _) = node(Some(config), 0, None).await;
        let url = format!("wss://localhost:{port}/ws");
        let f = open_url(&url, "https://p", &TlsOptions::default())
            .await
            .err()
            .unwrap();
        assert_eq!(f.status, None);
        assert_eq!(f.kind, SocketErrorKind::Tls);
        let seen = f
            .untrusted
            .expect("the presented certificate's fingerprint");
        assert_eq!(Some(seen), pin.pinned_sha256, "the node's own certificate");
        assert!(
            f.detail
                .starts_with("node certificate not trusted: SHA-256 "),
            "{}",
            f.detail
        );
        assert!(
            f.detail.contains(&tls::fingerprint_text(&seen)),
            "{}",
            f.detail
        );
    }

    #[tokio::test]
    async fn tls_link_refuses_a_changed_certificate_naming_both_fingerprints() {
        let (config, presented) = self_signed();
        let (_, trusted) = self_signed();
        let (port, _) = node(Some(config), 0, None).await;
        let url = format!("wss://localhost:{port}/ws");
        let f = open_url(&url, "https://p", &trusted).await.err().unwrap();
        let was = tls::fingerprint_text(&trusted.pinned_sha256.unwrap());
        let now = tls::fingerprint_text(&presented.pinned_sha256.unwrap());
        assert!(f.detail.contains("changed"), "{}", f.detail);
        assert!(
            f.detail.contains(&was) && f.detail.contains(&now),
            "{}",
            f.detail
        );
    }

    #[tokio::test]
    async fn refused_upgrade_reports_its_status() {
        let (port, _) = node(None, 0, Some(403)).await;
        let f = open_plain(port).await.err().unwrap();
        assert_eq!(f.status, Some(403), "{}", f.detail);
    }

    #[tokio::test]
    async fn writes_the_socket_cannot_take_at_once_go_out_while_reading() {
        let (port, _) = node(None, 0, None).await;
        let mut link = open_plain(port).await.unwrap();
        // On this single-threaded runtime the node cannot read until the test awaits, so
        // sending overruns loopback's socket buffers.
        let big = "x".repeat(200_000);
        let mut sent = 0;
        while !link.unflushed {
            link.send(Message::text(big.clone())).unwrap();
            sent += 1;
            assert!(sent < 1000, "the socket never filled");
        }
        // One more, wholly queued behind the part the socket did not take.
        link.send(Message::text(big.clone())).unwrap();
        for _ in 0..=sent {
            assert_eq!(next(&mut link).await, Message::text("got 200000"));
        }
    }

    /// A node that completes the upgrade, then writes `raw` bytes as they are.
    async fn raw_node(raw: Vec<u8>) -> u16 {
        use tokio::io::AsyncWriteExt;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
            ws.get_mut().write_all(&raw).await.unwrap();
            // Keep the socket open: the link must notice the bytes, not a close.
            std::future::pending::<()>().await;
        });
        port
    }

    #[tokio::test]
    async fn hostile_frames_end_the_link_with_an_error_not_a_panic() {
        let huge_len = [0x81, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0];
        let mut long_ping = vec![0x89, 0x7e, 0x01, 0x00];
        long_ping.extend([0u8; 256]);
        for raw in [
            vec![0x83, 0x00],                         // reserved opcode
            vec![0xf1, 0x00],                         // reserved bits set
            vec![0x81, 0x02, 0xff, 0xfe],             // text that is not UTF-8
            huge_len.to_vec(), // a 4 GiB frame announced: refused before any buffer
            long_ping,         // a ping longer than control frames may be
            vec![0x01, 0x01, b'a', 0x01, 0x01, b'b'], // a continuation where none may follow
        ] {
            let port = raw_node(raw.clone()).await;
            let mut link = open_plain(port).await.unwrap();
            let wait = std::future::poll_fn(|cx| link.poll_next(cx));
            let got = tokio::time::timeout(WAIT, wait).await.unwrap();
            assert!(got.is_err(), "{raw:?} gave {got:?}");
        }
    }

    #[tokio::test]
    async fn a_node_that_stops_reading_cannot_grow_the_send_queue_without_bound() {
        let (port, _) = node(None, 0, None).await;
        let mut link = open_plain(port).await.unwrap();
        // The node cannot read while this loop runs (single-threaded runtime).
        let big = "x".repeat(200_000);
        let refused = (0..1000).find_map(|_| link.send(Message::text(big.clone())).err());
        assert!(
            matches!(refused, Some(tungstenite::Error::WriteBufferFull(_))),
            "{refused:?}"
        );
    }
}
