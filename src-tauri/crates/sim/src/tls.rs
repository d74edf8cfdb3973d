//! TLS for simulated nodes: each gets its own self-signed certificate, the kind self-hosted
//! Wings nodes often run with, so clients can be tested on trust on first use, pinning and a
//! certificate that changes later ([`NodeTls::rotate`]).

use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use crate::{Result, SimError as Error};

/// A node's current certificate and the server settings that present it.
#[derive(Debug)]
pub struct NodeTls {
    current: RwLock<(Arc<ServerConfig>, String)>,
}

impl NodeTls {
    /// A fresh self-signed certificate for `localhost` and `127.0.0.1`.
    pub fn generate() -> Result<Self> {
        Ok(Self {
            current: RwLock::new(issue()?),
        })
    }

    /// Replaces the certificate with a new self-signed one (a node whose certificate was
    /// re-issued, or one being impersonated). New connections see it at once.
    pub fn rotate(&self) -> Result<()> {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = issue()?;
        Ok(())
    }

    /// SHA-256 of the certificate presented now, `AB:CD:…`.
    pub fn sha256(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// The server settings for the next handshake.
    pub fn config(&self) -> Arc<ServerConfig> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }
}

fn issue() -> Result<(Arc<ServerConfig>, String)> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let rcgen::CertifiedKey { cert, key_pair } = rcgen::generate_simple_self_signed(names)
        .map_err(|e| Error::Config(format!("cannot make a node certificate: {e}")))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .map_err(|e| Error::Config(e.to_string()))?;
    let digest = Sha256::digest(cert.der());
    let text: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    Ok((Arc::new(config), text.join(":")))
}
