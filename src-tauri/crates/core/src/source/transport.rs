//! Whether a socket's credentials travel encrypted: the address checks the panel side and the
//! socket side share.

/// Whether `host` (as [`url::Url::host_str`] gives it) is this machine: `localhost`, 127.0.0.0/8
/// or `::1`. Plain http to these never leaves the machine (the simulator and SSH tunnels).
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How a node's WebSocket address compares with its panel's (the panel hands it out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeTransport {
    /// `wss://`: the node token is encrypted.
    Encrypted,
    /// `ws://` from a plain-http panel (the user already accepted plain http), or to a
    /// loopback address.
    PlainAsAccepted,
    /// `ws://` from an `https://` panel, to another machine: the node token travels in clear
    /// text although the user chose an encrypted panel. Say so to the user.
    Downgraded,
}

/// Classifies the node address `socket_url` the panel at `panel_url` handed out.
pub fn node_transport(panel_url: &str, socket_url: &str) -> NodeTransport {
    let Ok(socket) = url::Url::parse(socket_url) else {
        return NodeTransport::Downgraded;
    };
    if socket.scheme() == "wss" {
        return NodeTransport::Encrypted;
    }
    let panel_https = url::Url::parse(panel_url).is_ok_and(|p| p.scheme() == "https");
    if panel_https && !socket.host_str().is_some_and(is_loopback) {
        NodeTransport::Downgraded
    } else {
        NodeTransport::PlainAsAccepted
    }
}

/// What to tell the user when a server's socket credentials travel in clear text although its
/// panel is encrypted ([`NodeTransport::Downgraded`]); `None` otherwise. Names the node by
/// host and port only: the URL's path is the server's and its query may hold a token.
pub fn downgrade_notice(panel_url: &str, socket_url: &str) -> Option<String> {
    if node_transport(panel_url, socket_url) != NodeTransport::Downgraded {
        return None;
    }
    let node = url::Url::parse(socket_url)
        .ok()
        .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)))
        .unwrap_or_else(|| "an unreadable address".to_owned());
    Some(format!(
        "[Aerie] This server's node ({node}) takes its socket over plain ws://, so the socket's access token crosses the network unencrypted although the panel uses https. Ask the host to enable SSL on the node."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_node_behind_an_encrypted_panel_is_named_without_its_path() {
        let notice = downgrade_notice(
            "https://panel.example.com",
            "ws://node1.example.com:8080/api/servers/uuid-1/ws?token=abc",
        )
        .expect("downgraded");
        assert!(notice.contains("node1.example.com:8080"), "{notice}");
        assert!(
            !notice.contains("uuid-1") && !notice.contains("abc"),
            "{notice}"
        );
        for (panel, socket) in [
            (
                "https://panel.example.com",
                "wss://node1.example.com:8080/ws",
            ),
            ("http://192.168.1.5", "ws://192.168.1.6:8080/ws"),
            ("https://panel.example.com", "ws://127.0.0.1:8080/ws"),
        ] {
            assert_eq!(downgrade_notice(panel, socket), None, "{panel} {socket}");
        }
    }
}
