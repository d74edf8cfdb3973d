//! Where API keys live: the OS keyring (and an in-memory store for unit tests of other code).
