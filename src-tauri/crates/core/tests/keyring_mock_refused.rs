//! With no native store, keyring v3 silently keeps secrets in memory and loses them at exit.
//! Aerie must refuse to start on it. (Its own test binary: the mock is process-wide.)

use aerie_core::Error;
use aerie_core::secrets::KeyringStore;

#[test]
fn the_keyring_crates_silent_mock_store_is_refused() {
    keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    let err = KeyringStore::open("aerie-test-mock").err();
    assert!(matches!(err, Some(Error::KeyringMock)), "{err:?}");
    let msg = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("lose them"), "{msg}");
}
