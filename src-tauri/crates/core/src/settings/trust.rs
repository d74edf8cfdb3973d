//! The node certificates the user trusted, as the fleet takes them: one place that turns the
//! settings' `trusted_certificates` into [`NodeTrust`] and records a new one, for the desktop
//! app and the CLI alike.

use super::{Settings, SettingsFile};
use crate::Result;
use crate::fleet::NodeTrust;

impl Settings {
    /// The pinned node certificates. An entry that is not a SHA-256 fingerprint (a hand edit
    /// gone wrong) is skipped with a warning rather than stopping every other node.
    pub fn node_trust(&self) -> NodeTrust {
        let mut trust = NodeTrust::default();
        for (node, fingerprint) in &self.trusted_certificates {
            if let Err(e) = trust.pin(node, fingerprint) {
                tracing::warn!(%node, error = %e, "ignoring a trusted certificate in the settings");
            }
        }
        trust
    }
}

impl SettingsFile {
    /// Trusts exactly the certificate `fingerprint` for `node` from now on (replacing the one
    /// trusted before, if any) and returns the whole trust to hand to the fleet.
    pub fn trust_certificate(&self, node: &str, fingerprint: &str) -> Result<NodeTrust> {
        // Refuse a malformed fingerprint before anything is written.
        NodeTrust::default().pin(node, fingerprint)?;
        self.update(|s| {
            s.trusted_certificates
                .insert(node.to_ascii_lowercase(), fingerprint.to_ascii_uppercase());
            Ok(s.node_trust())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trusted_certificate_is_saved_and_a_malformed_one_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = SettingsFile::new(dir.path().join("settings.toml"));
        let fp = "ab:".repeat(31) + "ab";
        let trust = file
            .trust_certificate("Node.Example:8080", &fp)
            .expect("saved");
        assert!(!trust.is_empty());
        let saved = file.load().expect("load");
        assert_eq!(
            saved
                .trusted_certificates
                .get("node.example:8080")
                .map(String::as_str),
            Some(fp.to_ascii_uppercase().as_str())
        );
        assert!(
            file.trust_certificate("node:1", "not a fingerprint")
                .is_err()
        );
        assert_eq!(file.load().expect("load").trusted_certificates.len(), 1);
    }
}
