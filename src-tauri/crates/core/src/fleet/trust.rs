//! Which node certificates the fleet trusts beyond the platform's roots: a pinned certificate
//! per node (trust on first use, after the user saw its fingerprint) and extra CA
//! certificates (a private CA that signs every node). Never "accept any": a node whose
//! certificate matches neither stays refused, and a pinned node that presents another
//! certificate is refused with both fingerprints named.

use std::collections::HashMap;

use rustls::pki_types::CertificateDer;

use crate::Result;
use crate::socket::TlsOptions;

/// The fleet's trust settings for node certificates.
#[derive(Debug, Clone, Default)]
pub struct NodeTrust {
    /// Node (`host:port`, as [`node_of`] names it) → SHA-256 of the one certificate trusted.
    pins: HashMap<String, [u8; 32]>,
    /// CA certificates trusted for every node, besides the platform's.
    extra: TlsOptions,
}

impl NodeTrust {
    /// Trusts exactly the certificate with this SHA-256 `fingerprint` (hex, colons optional)
    /// for `node` (`host:port`), replacing an earlier pin of that node.
    pub fn pin(&mut self, node: &str, fingerprint: &str) -> Result<()> {
        let pinned = TlsOptions::default().with_pinned_fingerprint(fingerprint)?;
        if let Some(sha) = pinned.pinned_sha256 {
            self.pins.insert(node.to_ascii_lowercase(), sha);
        }
        Ok(())
    }

    /// Trusts the CA certificates in `pem` for every node.
    pub fn add_ca_pem(&mut self, pem: &[u8]) -> Result<()> {
        self.extra = std::mem::take(&mut self.extra).with_extra_ca_pem(pem)?;
        Ok(())
    }

    /// Whether nothing beyond the platform's roots is trusted.
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty() && self.extra.extra_roots.is_empty()
    }

    /// What a socket to `node` trusts: its pin if it has one (and then only that), else the
    /// platform's roots and the extra CAs.
    pub(crate) fn tls_for(&self, node: &str) -> TlsOptions {
        match self.pins.get(node) {
            Some(pin) => TlsOptions {
                pinned_sha256: Some(*pin),
                extra_roots: Vec::new(),
            },
            None => self.extra.clone(),
        }
    }

    /// The extra CA certificates (for callers that build their own TLS settings).
    pub fn extra_roots(&self) -> &[CertificateDer<'static>] {
        &self.extra.extra_roots
    }
}

/// The node a socket URL points at, as trust is keyed: lower-case `host:port`, with the
/// scheme's default port filled in (`wss://Node.example.com/x` → `node.example.com:443`).
pub fn node_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    let port = parsed.port_or_known_default().or(match parsed.scheme() {
        "wss" => Some(443),
        "ws" => Some(80),
        _ => None,
    })?;
    Some(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_are_named_by_lower_case_host_and_port() {
        assert_eq!(
            node_of("wss://Node.Example.com/api/servers/x/ws").as_deref(),
            Some("node.example.com:443")
        );
        assert_eq!(
            node_of("ws://127.0.0.1:8080/ws?token=secret").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(node_of("not a url"), None);
    }

    #[test]
    fn a_pinned_node_trusts_its_pin_only_and_other_nodes_the_cas() {
        let mut trust = NodeTrust::default();
        assert!(trust.is_empty());
        trust.pin("Node:8080", &"ab".repeat(32)).expect("valid pin");
        assert!(trust.pin("node:8080", "abcd").is_err(), "too short");
        let pinned = trust.tls_for("node:8080");
        assert_eq!(pinned.pinned_sha256, Some([0xab; 32]));
        assert_eq!(trust.tls_for("other:443"), TlsOptions::default());
    }
}
