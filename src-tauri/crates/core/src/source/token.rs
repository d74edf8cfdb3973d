//! Socket credentials: a short-lived token, where to use it, and when it runs out.

use crate::secret::Secret;

/// A websocket credential from `GET /servers/{id}/websocket`.
#[derive(Clone)]
pub struct WsToken {
    /// The JWT (10 minutes on real panels).
    pub token: Secret,
    /// Socket URL (`wss://node:8080/api/servers/<uuid>/ws`).
    pub socket: String,
    /// The JWT's `exp` claim, Unix seconds, when it could be read.
    pub exp_secs: Option<u64>,
}

impl std::fmt::Debug for WsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsToken")
            .field("token", &self.token)
            .field("socket", &self.socket)
            .field("exp_secs", &self.exp_secs)
            .finish()
    }
}

impl WsToken {
    /// Builds a credential, reading `exp` from the JWT payload (without verifying it: only the
    /// daemon can, and we only need to know when to mint again).
    pub fn new(token: Secret, socket: String) -> Self {
        let exp_secs = jwt_exp(token.expose());
        Self {
            token,
            socket,
            exp_secs,
        }
    }

    /// Whether the token is still good for at least `margin_secs` at Unix time `now_secs`.
    /// A token whose `exp` cannot be read is treated as expired, so it is minted again.
    pub fn valid_for(&self, now_secs: u64, margin_secs: u64) -> bool {
        self.exp_secs
            .is_some_and(|exp| exp > now_secs.saturating_add(margin_secs))
    }
}

/// Reads the `exp` claim of a JWT without verifying it.
fn jwt_exp(jwt: &str) -> Option<u64> {
    use base64::Engine;
    let payload = jwt.split('.').nth(1)?;
    if payload.len() > 8192 {
        return None;
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_u64()
}

/// Everything a session needs to open and authenticate a server's socket.
#[derive(Debug, Clone)]
pub struct SocketCredentials {
    /// The token and socket URL.
    pub token: WsToken,
    /// `Origin` header the daemon checks (the panel's base URL for Wings).
    pub origin: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn jwt_with(payload: &str) -> String {
        let b = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", b.encode("{}"), b.encode(payload))
    }

    #[test]
    fn token_expiry_is_read_from_the_jwt_and_garbage_counts_as_expired() {
        let t = WsToken::new(
            Secret::new(jwt_with(r#"{"exp":1000,"iat":400}"#)),
            "ws://x".into(),
        );
        assert_eq!(t.exp_secs, Some(1000));
        assert!(t.valid_for(900, 60));
        assert!(!t.valid_for(950, 60));
        let bad = WsToken::new(Secret::new("not.a-jwt!"), "ws://x".into());
        assert!(!bad.valid_for(0, 0));
        assert!(!format!("{t:?}").contains(&jwt_with(r#"{"exp":1000,"iat":400}"#)));
    }
}
