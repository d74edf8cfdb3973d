//! The power actions a user can ask of a server, whatever its source kind.

/// A power action for `POST /servers/{id}/power` or the `set state` socket event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerSignal {
    /// Start the server.
    Start,
    /// Stop it with the egg's stop command.
    Stop,
    /// Stop, then start.
    Restart,
    /// Kill the process.
    Kill,
}

impl PowerSignal {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Stop => "stop",
            Self::Restart => "restart",
            Self::Kill => "kill",
        }
    }

    /// The panel permission this signal needs (`kill` is covered by `control.stop`).
    pub fn permission(self) -> &'static str {
        match self {
            Self::Start => "control.start",
            Self::Stop | Self::Kill => "control.stop",
            Self::Restart => "control.restart",
        }
    }

    /// Whether this signal takes a running server down (so the next offline is not a crash).
    pub fn stops(self) -> bool {
        !matches!(self, Self::Start)
    }
}

impl std::str::FromStr for PowerSignal {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "start" => Ok(Self::Start),
            "stop" => Ok(Self::Stop),
            "restart" => Ok(Self::Restart),
            "kill" => Ok(Self::Kill),
            _ => Err(crate::Error::UnknownPowerSignal(
                s.chars().take(32).collect(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn power_signals_parse_case_insensitively_and_reject_others_with_help() {
        assert_eq!("Stop".parse::<PowerSignal>().ok(), Some(PowerSignal::Stop));
        let err = "explode"
            .parse::<PowerSignal>()
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("start, stop, restart or kill")));
    }
}
