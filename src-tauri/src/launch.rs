//! How this process was launched: command-line flags and the profile they select.
//!
//! A profile decides everything that must never leak between a user's real setup and a demo or
//! a test run: the app identifier (single-instance lock, window-state and config directories),
//! the data directory and the keyring namespace.

use clap::Parser;
use std::path::PathBuf;

/// Command-line flags of `aerie-desktop`.
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "aerie-desktop",
    version,
    about = "Aerie: watch your game servers"
)]
pub struct Args {
    /// Open on the embedded simulator, with a throw-away data directory and keyring namespace.
    #[arg(long)]
    pub demo: bool,
    /// Run as a separate instance (its own identifier, lock, data and keyring namespace), e.g.
    /// `e2e` for the end-to-end tests.
    #[arg(long, env = "AERIE_INSTANCE", value_parser = parse_instance)]
    pub instance: Option<String>,
    /// Keep data here instead of the OS data directory.
    #[arg(long, env = "AERIE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Start hidden in the tray (used by start-at-login).
    #[arg(long)]
    pub hidden: bool,
    /// Simulator seed for `--demo` (same seed, same world).
    #[arg(long, default_value_t = 7)]
    pub demo_seed: u64,
}

fn parse_instance(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 32
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(s.to_string())
    } else {
        Err("use 1-32 characters: a-z, 0-9 and '-'".into())
    }
}

/// Where this run keeps its state, derived from [`Args`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The app identifier (reverse DNS); a suffix per instance.
    pub identifier: String,
    /// Keyring service name: `aerie`, `aerie-demo`, `aerie-e2e`, ...
    pub keyring_service: String,
    /// Data directory override; `None` means the OS data directory for `identifier`.
    pub data_dir: Option<PathBuf>,
    /// Whether the embedded simulator runs.
    pub demo: bool,
}

impl Profile {
    /// Derives the profile. `base` is the identifier from `tauri.conf.json`.
    ///
    /// `--demo` without `--instance` is the `demo` instance; a demo never shares the user's
    /// identifier or keyring namespace.
    pub fn from_args(args: &Args, base: &str) -> Self {
        let instance = args
            .instance
            .clone()
            .or_else(|| args.demo.then(|| "demo".to_string()));
        match instance {
            Some(name) => Self {
                identifier: format!("{base}.{}", name.replace('-', "")),
                keyring_service: format!("aerie-{name}"),
                data_dir: args.data_dir.clone(),
                demo: args.demo,
            },
            None => Self {
                identifier: base.to_string(),
                keyring_service: "aerie".to_string(),
                data_dir: args.data_dir.clone(),
                demo: false,
            },
        }
    }

    /// True for the user's own profile (no demo, no named instance).
    pub fn is_default(&self) -> bool {
        self.keyring_service == "aerie"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_never_shares_the_users_identifier_or_keyring() {
        let args = Args::parse_from(["aerie-desktop", "--demo"]);
        let p = Profile::from_args(&args, "dev.aerie.app");
        assert_eq!(p.identifier, "dev.aerie.app.demo");
        assert_eq!(p.keyring_service, "aerie-demo");
        assert!(p.demo && !p.is_default());
    }

    #[test]
    fn named_instance_gets_its_own_identifier_and_data_dir() {
        let args = Args::parse_from(["aerie-desktop", "--instance", "e2e", "--data-dir", "/tmp/x"]);
        let p = Profile::from_args(&args, "dev.aerie.app");
        assert_eq!(p.identifier, "dev.aerie.app.e2e");
        assert_eq!(p.keyring_service, "aerie-e2e");
        assert_eq!(p.data_dir, Some(PathBuf::from("/tmp/x")));
    }

    #[test]
    fn plain_launch_is_the_users_profile() {
        let p = Profile::from_args(&Args::parse_from(["aerie-desktop"]), "dev.aerie.app");
        assert!(p.is_default());
        assert_eq!(p.identifier, "dev.aerie.app");
    }

    #[test]
    fn instance_names_are_restricted() {
        assert!(Args::try_parse_from(["aerie-desktop", "--instance", "../x"]).is_err());
    }
}
