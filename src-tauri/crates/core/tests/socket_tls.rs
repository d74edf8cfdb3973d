//! `wss://` against a self-signed node on loopback: refused by default, accepted only when
//! pinned (or when its CA is added), never by a blanket "accept invalid".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod socket_support;

use std::sync::Arc;

use aerie_core::socket::{
    Endpoint, SocketErrorKind, SocketEvent, SocketEvents, SocketHandle, SocketOptions, TlsOptions,
    fingerprint,
};
use futures_util::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use socket_support::next;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A TLS WebSocket echo node serving `cert`; returns its port.
async fn tls_node(cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
}

fn options(port: u16, tls: TlsOptions) -> SocketOptions {
    let mut endpoint = Endpoint::new(format!("wss://localhost:{port}/ws"));
    endpoint.tls = tls;
    let mut o = SocketOptions::new(endpoint);
    o.reconnect.enabled = false;
    o
}

/// Connects and reports whether the connection opened (and echoes), or the error kind.
async fn outcome(opts: SocketOptions) -> Result<(), (SocketErrorKind, String)> {
    let (socket, mut events) = SocketHandle::connect(opts);
    let result = first_outcome(&mut events).await;
    if result.is_ok() {
        socket.send("over tls").unwrap();
        loop {
            if let SocketEvent::Message(m) = next(&mut events).await {
                assert_eq!(m.as_text(), Some("over tls"));
                break;
            }
        }
    }
    result
}

async fn first_outcome(events: &mut SocketEvents) -> Result<(), (SocketErrorKind, String)> {
    loop {
        match next(events).await {
            SocketEvent::Open { .. } => return Ok(()),
            SocketEvent::Error { kind, detail } => return Err((kind, detail)),
            _ => {}
        }
    }
}

#[tokio::test]
async fn self_signed_node_is_accepted_only_with_the_right_pin() {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let der = cert.der().clone();
    let port = tls_node(der.clone(), key_der(&key_pair)).await;

    let (kind, detail) = outcome(options(port, TlsOptions::default()))
        .await
        .expect_err("platform roots must not trust a self-signed cert");
    assert_eq!(kind, SocketErrorKind::Tls);
    let seen = aerie_core::socket::fingerprint_text(&aerie_core::socket::fingerprint(&der));
    assert!(
        detail.contains(&format!("node certificate not trusted: SHA-256 {seen}")),
        "the message names the certificate the user is asked to trust: {detail}"
    );

    let wrong = TlsOptions {
        pinned_sha256: Some([7; 32]),
        ..TlsOptions::default()
    };
    assert!(outcome(options(port, wrong)).await.is_err(), "wrong pin");

    let hex: String = fingerprint(&der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let pinned = TlsOptions::default().with_pinned_fingerprint(&hex).unwrap();
    outcome(options(port, pinned))
        .await
        .expect("pinned cert accepted");
}

#[tokio::test]
async fn extra_ca_is_trusted_for_its_leaves_only() {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &ca, &ca_key)
        .unwrap();
    let port = tls_node(leaf.der().clone(), key_der(&leaf_key)).await;

    assert!(outcome(options(port, TlsOptions::default())).await.is_err());
    let tls = TlsOptions::default()
        .with_extra_ca_pem(ca.pem().as_bytes())
        .unwrap();
    outcome(options(port, tls))
        .await
        .expect("CA-signed leaf accepted");
}
