//! A string that must never reach logs, errors, panics or `Debug` output.

/// An API key, JWT or password. `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The raw value, for the one place that must send it (a header, an `auth` frame).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value looks like an application key (`ptla_`, `papp_`), which the Client API
    /// refuses.
    pub fn is_application_key(&self) -> bool {
        self.0.starts_with("ptla_") || self.0.starts_with("papp_")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("ptlc_supersecretvalue");
        assert!(!format!("{s:?} {s}").contains("supersecret"));
        assert_eq!(s.expose(), "ptlc_supersecretvalue");
        assert!(Secret::new("papp_x").is_application_key());
        assert!(!s.is_application_key());
    }
}
