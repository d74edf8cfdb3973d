//! Panels and accounts: add, validate, rename, re-key, remove, import/export without secrets.
