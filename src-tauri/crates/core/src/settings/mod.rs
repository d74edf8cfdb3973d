//! The settings file: TOML in the OS config directory, written atomically, versioned, validated.
