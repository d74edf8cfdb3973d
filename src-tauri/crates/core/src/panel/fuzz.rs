//! Not API: the fuzz targets' way into the Client API decoders, which are private to `panel`.
//! It runs a body through exactly what [`super::PanelClient`] does with it after reading it,
//! without a socket.

use super::errors::{self, Scope};
use super::model::{AccountAttrs, Item, List, ResourcesAttrs, ServerAttrs, TokenEnvelope};
use crate::secret::Secret;
use crate::source::WsToken;

/// Decodes `body` as the answer to every Client API call the client makes, as a success
/// (every envelope and its conversion) and as an error with `status` (the error mapper, then
/// the message a user would read). Returns how many envelopes it decoded as (0 to 5). Must
/// never panic, whatever the body.
#[doc(hidden)]
pub fn decode_body(status: u16, retry_after_secs: Option<u64>, body: &[u8]) -> usize {
    use std::hint::black_box;
    let mut decoded = 0;
    if let Ok(item) = serde_json::from_slice::<Item<AccountAttrs>>(body) {
        decoded += 1;
        black_box(item.attributes.admin || item.attributes.root_admin);
    }
    if let Ok(list) = serde_json::from_slice::<List<ServerAttrs>>(body) {
        decoded += 1;
        black_box(
            list.meta
                .and_then(|m| m.pagination)
                .map(|p| p.total_pages.max(p.current_page)),
        );
        for i in list.data {
            black_box(i.attributes.into_remote(Vec::new()).info());
        }
    }
    if let Ok(item) = serde_json::from_slice::<Item<ServerAttrs>>(body) {
        decoded += 1;
        let perms = item.meta.map(|m| m.user_permissions).unwrap_or_default();
        black_box(item.attributes.into_remote(perms));
    }
    if let Ok(item) = serde_json::from_slice::<Item<ResourcesAttrs>>(body) {
        decoded += 1;
        black_box(item.attributes.into_resources());
    }
    if let Ok(env) = serde_json::from_slice::<TokenEnvelope>(body) {
        decoded += 1;
        let token = WsToken::new(Secret::new(env.data.token), env.data.socket);
        black_box(token.valid_for(0, 30));
    }
    let text = String::from_utf8_lossy(body);
    for scope in [Scope::Panel, Scope::Server("abcd1234")] {
        let err = errors::from_status("https://panel.test", status, &text, retry_after_secs, scope);
        black_box(err.to_string());
    }
    decoded
}
