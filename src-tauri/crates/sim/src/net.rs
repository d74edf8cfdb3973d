//! A loopback HTTP endpoint that can be taken down and brought back on the same port, and
//! stalled (TCP accepted, never answered). Nodes, panels and the control API all use it.
//!
//! A stall stops calling `accept`: the kernel still completes TCP handshakes into the listen
//! backlog, so clients connect and then hear nothing, like a hung process. Nothing piles up in
//! the simulator however long the stall lasts.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::serve::Listener;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;

use crate::tls::NodeTls;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// An HTTP server on 127.0.0.1 with fault switches.
#[derive(Debug)]
pub struct Endpoint {
    port: u16,
    router: Router,
    task: Mutex<Option<JoinHandle<()>>>,
    stalled: Arc<watch::Sender<bool>>,
    /// Serves HTTPS (and `wss://`) with this node's certificate when set.
    tls: Option<Arc<NodeTls>>,
}

impl Endpoint {
    /// Binds `127.0.0.1:port` (0 = any free port) and serves `router`.
    pub fn start(port: u16, router: Router) -> io::Result<Self> {
        Self::serve_on(bind(port)?, router, Arc::new(watch::channel(false).0))
    }

    /// Serves `router` on an already bound listener, with a stall switch the caller may also
    /// watch.
    pub fn serve_on(
        listener: TcpListener,
        router: Router,
        stalled: Arc<watch::Sender<bool>>,
    ) -> io::Result<Self> {
        Self::serve_tls_on(listener, router, stalled, None)
    }

    /// Like [`Endpoint::serve_on`], over TLS with `tls`'s certificate when given.
    pub fn serve_tls_on(
        listener: TcpListener,
        router: Router,
        stalled: Arc<watch::Sender<bool>>,
        tls: Option<Arc<NodeTls>>,
    ) -> io::Result<Self> {
        let port = listener.local_addr()?.port();
        let ep = Self {
            port,
            router,
            task: Mutex::new(None),
            stalled,
            tls,
        };
        ep.serve(listener);
        Ok(ep)
    }

    fn serve(&self, inner: TcpListener) {
        let listener = StallableListener {
            inner,
            stalled: self.stalled.subscribe(),
            tls: self.tls.clone(),
        };
        let router = self.router.clone();
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::warn!(error = %e, "endpoint stopped serving");
            }
        });
        *lock(&self.task) = Some(task);
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether the endpoint is listening.
    pub fn is_up(&self) -> bool {
        lock(&self.task).is_some()
    }

    /// Stalls or un-stalls. Connections that queued up meanwhile are served late.
    pub fn stall(&self, on: bool) {
        self.stalled.send_replace(on);
    }

    /// Stops listening (the port refuses connections).
    pub async fn down(&self) {
        let task = lock(&self.task).take();
        if let Some(task) = task {
            task.abort();
            // Wait until the listener is dropped so the port is really closed.
            let _ = task.await;
        }
    }

    /// Listens again on the same port.
    pub async fn up(&self) -> io::Result<()> {
        if self.is_up() {
            return Ok(());
        }
        let listener = bind(self.port)?;
        self.serve(listener);
        Ok(())
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Binds `127.0.0.1:port` with `SO_REUSEADDR`.
pub fn bind(port: u16) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    // Rebinding the same port right after `down` must not wait out TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    socket.listen(1024)
}

struct StallableListener {
    inner: TcpListener,
    stalled: watch::Receiver<bool>,
    tls: Option<Arc<NodeTls>>,
}

/// How long a TLS client may take over its handshake before it is dropped. Handshakes run in
/// the accept loop (a simulator's nodes see few), so a client that never says hello must not
/// hold it for long.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(5);

/// An accepted connection, plain or TLS.
pub type Conn = Either<TcpStream, TlsStream<TcpStream>>;

impl Listener for StallableListener {
    type Io = Conn;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            while *self.stalled.borrow_and_update() {
                if self.stalled.changed().await.is_err() {
                    // The endpoint is gone; nothing will ever be accepted again.
                    std::future::pending::<()>().await;
                }
            }
            // `accept` is cancel-safe: a stall that begins while waiting takes effect at once.
            let accepted = tokio::select! {
                r = self.inner.accept() => r,
                changed = self.stalled.changed() => {
                    if changed.is_err() {
                        std::future::pending::<()>().await;
                    }
                    continue;
                }
            };
            match accepted {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let Some(tls) = &self.tls else {
                        return (Either::Left(stream), addr);
                    };
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.config());
                    match tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream)).await {
                        Ok(Ok(s)) => return (Either::Right(s), addr),
                        // A client that refused the certificate, or never finished: next.
                        _ => continue,
                    }
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::debug!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}
