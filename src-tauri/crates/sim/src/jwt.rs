//! The websocket JWT the panel mints and Wings checks: HS256 over the node secret, with the
//! real header (`jti` repeated there) and claims (`docs/protocols/wings.md` §3.2).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Profile;

type HmacSha256 = Hmac<Sha256>;

/// The claims of a websocket token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the panel URL.
    #[serde(default)]
    pub iss: String,
    /// Audience: an array with the node URL.
    #[serde(default)]
    pub aud: Vec<String>,
    /// Token id (md5 on ptero-1.11, sha256 otherwise).
    #[serde(default)]
    pub jti: String,
    /// Issued at (Unix seconds). Wings requires it.
    pub iat: Option<u64>,
    /// Not before (Unix seconds, now − 5 min).
    #[serde(default)]
    pub nbf: Option<u64>,
    /// Expiry (Unix seconds). Wings requires it.
    pub exp: Option<u64>,
    /// The server this token is for.
    #[serde(default)]
    pub server_uuid: String,
    /// Permission strings (`*`, `websocket.connect`, `control.console`, …).
    #[serde(default)]
    pub permissions: Vec<String>,
    /// The user's uuid.
    #[serde(default)]
    pub user_uuid: String,
    /// Deprecated numeric user id (ptero-1.11 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<u64>,
    /// 16 random characters.
    #[serde(default)]
    pub unique_id: String,
    /// Space-separated scopes (`websocket`), newer profiles only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Claims {
    /// Wings' `HasPermission`: exact match, or `*` for anything not starting with `admin`.
    pub fn has_permission(&self, perm: &str) -> bool {
        self.permissions
            .iter()
            .any(|p| p == perm || (p == "*" && !perm.starts_with("admin")))
    }

    /// Whether `scope` lists `websocket`.
    pub fn has_websocket_scope(&self) -> bool {
        self.scope
            .as_deref()
            .is_some_and(|s| s.split(' ').any(|x| x == "websocket"))
    }
}

/// The token id for a user and server, hashed the way the profile's panel does.
pub fn jti(profile: Profile, user_id: u64, server_uuid: &str) -> String {
    let input = format!("{user_id}{server_uuid}");
    match profile {
        Profile::Ptero111 => hex(&Md5::digest(input.as_bytes())),
        _ => hex(&Sha256::digest(input.as_bytes())),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Signs claims into a compact JWT with the node secret.
pub fn encode(claims: &Claims, secret: &[u8]) -> String {
    let header = serde_json::json!({"typ": "JWT", "alg": "HS256", "jti": claims.jti});
    let head = URL_SAFE_NO_PAD.encode(header.to_string());
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).unwrap_or_default());
    let signing_input = format!("{head}.{body}");
    let sig = URL_SAFE_NO_PAD.encode(
        mac(secret, signing_input.as_bytes())
            .finalize()
            .into_bytes(),
    );
    format!("{signing_input}.{sig}")
}

fn mac(secret: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this never fails.
    let mut m = <HmacSha256 as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m
}

/// Why a token could not even be read. Wings reports these as a generic `daemon error`, not as
/// a `jwt error` (§3.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformed {
    /// Not three base64url parts of JSON.
    Shape,
    /// Header is not HS256.
    Algorithm,
    /// Signature does not match the node secret.
    Signature,
}

/// Verifies the signature and decodes the claims (no time checks: those are Wings' own).
pub fn decode(token: &str, secret: &[u8]) -> Result<Claims, Malformed> {
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Malformed::Shape);
    };
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(head)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Malformed::Shape)?;
    if header.get("alg").and_then(|a| a.as_str()) != Some("HS256") {
        return Err(Malformed::Algorithm);
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| Malformed::Shape)?;
    let signing_input = &token[..head.len() + 1 + body.len()];
    mac(secret, signing_input.as_bytes())
        .verify_slice(&sig)
        .map_err(|_| Malformed::Signature)?;
    URL_SAFE_NO_PAD
        .decode(body)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(Malformed::Shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            iss: "http://127.0.0.1:1".into(),
            aud: vec!["http://127.0.0.1:2".into()],
            jti: jti(Profile::Pelican, 1, "u"),
            iat: Some(10),
            nbf: Some(0),
            exp: Some(610),
            server_uuid: "u".into(),
            permissions: vec!["*".into()],
            user_uuid: "x".into(),
            user_id: None,
            unique_id: "abcdefghijklmnop".into(),
            scope: Some("websocket".into()),
        }
    }

    #[test]
    fn round_trips_and_rejects_other_secret() {
        let t = encode(&claims(), b"secret");
        assert_eq!(decode(&t, b"secret"), Ok(claims()));
        assert_eq!(decode(&t, b"other"), Err(Malformed::Signature));
        assert_eq!(decode("a.b", b"secret"), Err(Malformed::Shape));
    }

    #[test]
    fn jti_length_follows_profile() {
        assert_eq!(jti(Profile::Ptero111, 1, "u").len(), 32);
        assert_eq!(jti(Profile::PteroNew, 1, "u").len(), 64);
    }

    #[test]
    fn star_does_not_grant_admin() {
        let c = claims();
        assert!(c.has_permission("control.console"));
        assert!(!c.has_permission("admin.websocket.errors"));
    }
}
