//! Not API: the fuzz targets' way into the Client API decoders, which are private to `panel`.
//! It runs a body through exactly what [`super::PanelClient`] does with it after reading it,
//! without a socket.

use super::errors::{self, Scope};
use super::model::{AccountAttrs, Item, List, ResourcesAttrs, ServerAttrs, TokenEnvelope, WsToken};
use super::secret::Secret;

/// Decodes `body` as the answer to every Client API call the client makes, as a success
/// (every envelope and its conversion) and as an error with `status` (the error mapper, then
/// the message a user would read). Returns how many decodes succeeded, so the work is not
/// optimised away. Must never panic, whatever the body.
#[doc(hidden)]
pub fn decode_body(status: u16, retry_after_secs: Option<u64>, body: &[u8]) -> usize {
    let mut ok = 0;
    if let Ok(item) = serde_json::from_slice::<Item<AccountAttrs>>(body) {
        ok += item.attributes.username.len().min(1);
    }
    if let Ok(list) = serde_json::from_slice::<List<ServerAttrs>>(body) {
        let total = list.meta.and_then(|m| m.pagination).map(|p| p.total_pages);
        ok += usize::from(total.is_some());
        for i in list.data {
            ok += i
                .attributes
                .into_remote(Vec::new())
                .info()
                .name
                .len()
                .min(1);
        }
    }
    if let Ok(item) = serde_json::from_slice::<Item<ServerAttrs>>(body) {
        let perms = item.meta.map(|m| m.user_permissions).unwrap_or_default();
        ok += usize::from(item.attributes.into_remote(perms).is_suspended());
    }
    if let Ok(item) = serde_json::from_slice::<Item<ResourcesAttrs>>(body) {
        ok += usize::from(item.attributes.into_resources().suspended);
    }
    if let Ok(env) = serde_json::from_slice::<TokenEnvelope>(body) {
        let token = WsToken::new(Secret::new(env.data.token), env.data.socket);
        ok += usize::from(token.valid_for(0, 30));
    }
    let text = String::from_utf8_lossy(body);
    for scope in [Scope::Panel, Scope::Server("abcd1234")] {
        let err = errors::from_status("https://panel.test", status, &text, retry_after_secs, scope);
        ok += err.to_string().len().min(1);
    }
    ok
}
