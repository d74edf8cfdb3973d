//! TLS for `wss://`: platform roots by default, plus per-endpoint extra CAs or a pinned
//! certificate for self-signed nodes. There is deliberately no "accept any certificate".

use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};

use super::error::{SocketErrorKind, err};

/// Trust settings of one endpoint.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Extra trusted CA certificates (DER), added to the platform roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// SHA-256 of the one server certificate (DER) to accept. When set, only that exact
    /// certificate is accepted, whatever its issuer, name or dates: this is how a node with a
    /// self-signed certificate is trusted.
    pub pinned_sha256: Option<[u8; 32]>,
}

impl std::fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("extra_roots", &self.extra_roots.len())
            .field("pinned_sha256", &self.pinned_sha256.map(|p| hex(&p)))
            .finish()
    }
}

impl TlsOptions {
    /// Adds every certificate of a PEM bundle as an extra trusted CA.
    pub fn with_extra_ca_pem(mut self, pem: &[u8]) -> crate::Result<Self> {
        let before = self.extra_roots.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| err(SocketErrorKind::Tls, format!("bad CA PEM: {e}")))?;
            self.extra_roots.push(cert);
        }
        if self.extra_roots.len() == before {
            return Err(err(SocketErrorKind::Tls, "no certificate in CA PEM"));
        }
        Ok(self)
    }

    /// Pins a certificate by its SHA-256 fingerprint, written as hex with or without `:`
    /// separators (the form browsers and `openssl x509 -fingerprint -sha256` print).
    pub fn with_pinned_fingerprint(mut self, fingerprint: &str) -> crate::Result<Self> {
        self.pinned_sha256 = Some(parse_fingerprint(fingerprint)?);
        Ok(self)
    }
}

/// SHA-256 fingerprint of a DER certificate, as a pin for [`TlsOptions::pinned_sha256`].
pub fn fingerprint(cert_der: &[u8]) -> [u8; 32] {
    Sha256::digest(cert_der).into()
}

fn parse_fingerprint(text: &str) -> crate::Result<[u8; 32]> {
    let digits: Vec<u8> = text.bytes().filter(|b| !matches!(b, b':' | b' ')).collect();
    let bad = || err(SocketErrorKind::Tls, "pin must be 64 hex digits (SHA-256)");
    if digits.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, pair) in digits.chunks(2).enumerate() {
        let s = std::str::from_utf8(pair).map_err(|_| bad())?;
        out[i] = u8::from_str_radix(s, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A SHA-256 fingerprint as people compare them: upper-case hex pairs joined by colons
/// (`AB:CD:…`), the form browsers and `openssl x509 -fingerprint` show.
pub fn fingerprint_text(sha256: &[u8; 32]) -> String {
    let pairs: Vec<String> = sha256.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// What to tell the user about a node whose certificate `seen` the trust settings `opts`
/// refused: either never trusted, or different from the one they trusted (a changed
/// certificate is never re-trusted silently).
pub fn untrusted_message(opts: &TlsOptions, seen: &[u8; 32]) -> String {
    match opts.pinned_sha256 {
        Some(pin) if pin != *seen => format!(
            "node certificate changed: trusted SHA-256 {}, the node now presents SHA-256 {}; \
             refused (trust the new certificate only if its owner replaced it)",
            fingerprint_text(&pin),
            fingerprint_text(seen)
        ),
        _ => format!(
            "node certificate not trusted: SHA-256 {}",
            fingerprint_text(seen)
        ),
    }
}

/// Reads the fingerprint of the certificate a TLS server at `host:port` presents, without
/// trusting it: the handshake is always refused right after the certificate arrives, so
/// nothing is ever sent to that server. `None` when no certificate could be read in 5 s.
pub(crate) async fn presented_certificate(host: &str, port: u16) -> Option<[u8; 32]> {
    let seen = Arc::new(Mutex::new(None));
    let provider = provider();
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordAndRefuse {
            seen: seen.clone(),
            algorithms: provider.signature_verification_algorithms,
        }))
        .with_no_client_auth();
    let name = ServerName::try_from(host.to_owned()).ok()?;
    let attempt = async {
        let tcp = tokio::net::TcpStream::connect((host, port)).await.ok()?;
        // Always an error: the verifier refuses every certificate.
        let _ = tokio_rustls::TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await;
        Some(())
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), attempt)
        .await
        .ok()??;
    *seen.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A verifier that notes the fingerprint of the certificate presented, then refuses it.
#[derive(Debug)]
struct RecordAndRefuse {
    seen: Arc<Mutex<Option<[u8; 32]>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for RecordAndRefuse {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(fingerprint(end_entity.as_ref()));
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("refused".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("refused".into()))
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn provider() -> Arc<CryptoProvider> {
    static PROVIDER: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    PROVIDER
        .get_or_init(|| Arc::new(rustls::crypto::ring::default_provider()))
        .clone()
}

/// Platform roots, loaded once per process (reading them is slow, and 1,000 sockets share).
fn platform_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "could not load some platform certificates");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::debug!(added, ignored, "platform roots loaded");
        roots
    })
}

/// The rustls client configuration for these options. The default (no extras) is built once
/// and shared; others are shared by every socket with equal options while any uses them.
/// Sharing matters: a configuration carries its own root store copy and session cache, and a
/// watcher may hold a thousand sockets to one self-signed node. A shared session cache also
/// lets those sockets resume TLS sessions when they reconnect together.
pub(crate) fn client_config(opts: &TlsOptions) -> crate::Result<Arc<ClientConfig>> {
    static DEFAULT: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    static SHARED: Mutex<Vec<(TlsOptions, Weak<ClientConfig>)>> = Mutex::new(Vec::new());
    if opts.extra_roots.is_empty() && opts.pinned_sha256.is_none() {
        if let Some(c) = DEFAULT.get() {
            return Ok(c.clone());
        }
        let config = build(opts)?;
        return Ok(DEFAULT.get_or_init(|| config).clone());
    }
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(c) = shared
        .iter()
        .find(|(o, _)| o == opts)
        .and_then(|(_, c)| c.upgrade())
    {
        return Ok(c);
    }
    let config = build(opts)?;
    // Options no socket uses any more are forgotten here, so the list stays as short as the
    // number of distinct trust settings in use.
    shared.retain(|(o, c)| c.strong_count() > 0 && o != opts);
    shared.push((opts.clone(), Arc::downgrade(&config)));
    Ok(config)
}

fn build(opts: &TlsOptions) -> crate::Result<Arc<ClientConfig>> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| err(SocketErrorKind::Tls, e.to_string()))?;
    let config = if let Some(pin) = opts.pinned_sha256 {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCert {
                pin,
                algorithms: provider.signature_verification_algorithms,
            }))
            .with_no_client_auth()
    } else {
        let mut roots = platform_roots().clone();
        for cert in &opts.extra_roots {
            roots
                .add(cert.clone())
                .map_err(|e| err(SocketErrorKind::Tls, format!("bad extra CA: {e}")))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// Accepts exactly one certificate, identified by its SHA-256. The handshake signature is
/// still verified, so the peer must hold that certificate's private key.
#[derive(Debug)]
struct PinnedCert {
    pin: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if fingerprint(end_entity.as_ref()) == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_trust_settings_share_one_configuration_while_in_use() {
        let pinned = TlsOptions {
            pinned_sha256: Some([1; 32]),
            ..TlsOptions::default()
        };
        let a = client_config(&pinned).expect("config");
        let b = client_config(&pinned.clone()).expect("config");
        assert!(Arc::ptr_eq(&a, &b));
        let other = TlsOptions {
            pinned_sha256: Some([2; 32]),
            ..TlsOptions::default()
        };
        assert!(!Arc::ptr_eq(&a, &client_config(&other).expect("config")));
        drop((a, b));
        // Nobody holds it any more: a fresh one is built (and the stale entry dropped).
        let c = client_config(&pinned).expect("config");
        assert_eq!(Arc::strong_count(&c), 1);
    }

    #[test]
    fn fingerprint_parses_with_and_without_colons() {
        let plain = "00".repeat(31) + "ff";
        let colons = plain
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_uppercase())
            .collect::<Vec<_>>()
            .join(":");
        let a = parse_fingerprint(&plain).expect("plain hex");
        let b = parse_fingerprint(&colons).expect("colon hex");
        assert_eq!(a, b);
        assert_eq!(a[31], 0xff);
        assert!(parse_fingerprint("abcd").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
    }
}
