//! The OS keyring through the keyring crate (v3).

use super::{Secret, SecretStore};
use crate::{Error, Result};

/// Entry used to check, at startup, that the keyring is real and reachable.
const PROBE_USER: &str = "aerie-keyring-probe";

/// The OS keyring, one entry per account under a service name.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

fn map_err(e: keyring::Error) -> Error {
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            tracing::warn!(error = %inner, "OS keyring not accessible");
            Error::KeyringLocked
        }
        keyring::Error::PlatformFailure(inner) => Error::KeyringUnavailable {
            detail: inner.to_string(),
        },
        // The remaining variants describe names and encodings, never the secret itself.
        other => Error::Keyring {
            detail: other.to_string(),
        },
    }
}

impl KeyringStore {
    /// Opens the OS keyring under `service` and checks it is usable.
    ///
    /// Fails with [`Error::KeyringMock`] when the keyring crate would use its in-memory mock
    /// (a build without a native store), [`Error::KeyringUnavailable`] when no keyring answers
    /// and [`Error::KeyringLocked`] when it is locked. All three are worth a "retry" button
    /// except the first.
    pub fn open(service: &str) -> Result<Self> {
        let probe = keyring::Entry::new(service, PROBE_USER).map_err(map_err)?;
        if probe
            .get_credential()
            .downcast_ref::<keyring::mock::MockCredential>()
            .is_some()
        {
            return Err(Error::KeyringMock);
        }
        // A read round trip reaches the platform store, so a missing D-Bus or Secret Service
        // shows up now rather than when the user saves an account.
        match probe.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => {}
            Err(e) => return Err(map_err(e)),
        }
        Ok(Self {
            service: service.to_owned(),
        })
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(map_err)
    }
}

impl SecretStore for KeyringStore {
    fn set(&self, account: &str, secret: &Secret) -> Result<()> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(map_err)?;
        // Read back through a fresh entry: a store that accepted the write but cannot return
        // it (a mock, a broken backend) must fail here, not when the fleet starts.
        match self.entry(account)?.get_password() {
            Ok(v) if v == secret.expose() => Ok(()),
            Ok(_) | Err(keyring::Error::NoEntry) => Err(Error::Keyring {
                detail: "the keyring did not keep the key that was just saved".into(),
            }),
            Err(e) => Err(map_err(e)),
        }
    }

    fn get(&self, account: &str) -> Result<Option<Secret>> {
        match self.entry(account)?.get_password() {
            Ok(v) => Ok(Some(Secret::new(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    fn delete(&self, account: &str) -> Result<()> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}
