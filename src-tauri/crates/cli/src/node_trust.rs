//! `--trust-cert` and `--ca-file`: node certificates trusted beyond the platform's roots, on
//! top of the ones trusted in the app (settings' `trusted_certificates`).

use std::path::PathBuf;

use aerie_core::fleet::NodeTrust;
use aerie_core::settings::{Paths, SettingsFile};
use anyhow::Context;
use clap::Args;

/// Trust options shared by the commands that open sockets.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Trust exactly this certificate for a node with a self-signed or private certificate:
    /// NODE=SHA256, where NODE is the node's host:port and SHA256 the certificate's
    /// fingerprint (hex, colons optional), as Aerie shows it when it refuses the node.
    #[arg(long = "trust-cert", value_name = "NODE=SHA256")]
    pub trust_cert: Vec<String>,
    /// Trust the CA certificates in this PEM file for every node (a private CA).
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_file: Vec<PathBuf>,
}

/// The trust to watch with: the options, plus (when `with_settings`, i.e. for configured
/// accounts) the certificates trusted in the app.
pub fn resolve(args: &TrustArgs, with_settings: bool) -> anyhow::Result<NodeTrust> {
    let mut trust = if with_settings {
        SettingsFile::at(&Paths::from_env("aerie")?)
            .load()?
            .node_trust()
    } else {
        NodeTrust::default()
    };
    for spec in &args.trust_cert {
        let (node, fingerprint) = spec.split_once('=').with_context(|| {
            format!(
                "--trust-cert {spec:?}: expected NODE=SHA256, e.g. node.example.com:8080=AB:CD:…"
            )
        })?;
        trust
            .pin(node.trim(), fingerprint.trim())
            .with_context(|| format!("--trust-cert {spec:?}"))?;
    }
    for path in &args.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("--ca-file {}: cannot read it", path.display()))?;
        trust
            .add_ca_pem(&pem)
            .with_context(|| format!("--ca-file {}", path.display()))?;
    }
    Ok(trust)
}
