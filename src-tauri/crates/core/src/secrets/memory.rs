//! An in-memory [`SecretStore`] for unit tests of code that needs one. Never used by the app.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Secret, SecretStore};
use crate::Result;

/// Secrets in a map; gone when dropped.
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, Secret>>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.map.lock().map(|m| m.len()).unwrap_or(0);
        f.debug_struct("MemoryStore").field("entries", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        self.lock().insert(account.to_owned(), secret.clone());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        Ok(self.lock().get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<()> {
        self.lock().remove(account);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_replaces_and_deletes_and_debug_shows_no_value() {
        let s = MemoryStore::new();
        s.set("a", &Secret::new("ptlc_one")).expect("set");
        s.set("a", &Secret::new("ptlc_two")).expect("replace");
        assert_eq!(
            s.get("a").expect("get").map(|k| k.expose().to_owned()),
            Some("ptlc_two".into())
        );
        assert!(!format!("{s:?}").contains("ptlc_two"));
        s.delete("a").expect("delete");
        s.delete("a").expect("deleting twice is fine");
        assert!(s.get("a").expect("get").is_none());
    }
}
