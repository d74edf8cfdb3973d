//! Turning panel answers and transport failures into errors a user can act on.

use crate::Error;

/// What a request was about, so a 404 can say "server not found" rather than "not a panel".
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope<'a> {
    Panel,
    Server(&'a str),
}

/// The `detail` of the first entry of `{"errors":[{"code","status","detail"}]}`, if the body
/// has that shape.
fn panel_detail(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let first = v.get("errors")?.get(0)?;
    let detail = first.get("detail").and_then(|d| d.as_str()).unwrap_or("");
    Some(clip(detail))
}

/// Keeps messages short and single-line; panel bodies are untrusted.
fn clip(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    one_line.trim().to_owned()
}

fn looks_like_html(body: &str) -> bool {
    let head = body.trim_start().get(..64).unwrap_or(body.trim_start());
    let head = head.to_ascii_lowercase();
    head.starts_with("<!doctype") || head.starts_with("<html") || head.starts_with('<')
}

/// Maps a non-success HTTP answer to an [`Error`].
pub(super) fn from_status(
    url: &str,
    status: u16,
    body: &str,
    retry_after_secs: Option<u64>,
    scope: Scope<'_>,
) -> Error {
    let detail = panel_detail(body);
    let is_json = detail.is_some();
    let detail = detail.unwrap_or_else(|| {
        if looks_like_html(body) {
            "an HTML page instead of JSON".to_owned()
        } else {
            clip(body)
        }
    });
    let lower = detail.to_ascii_lowercase();
    match status {
        300..=399 => Error::NotAPanel {
            url: url.to_owned(),
            detail: format!("redirected (HTTP {status}), probably to a login page"),
        },
        401 => Error::KeyRejected,
        403 if lower.contains("application api key") => Error::WrongKeyType,
        403 if lower.contains("ip address") => Error::IpNotAllowed { detail },
        400 if lower.contains("two-factor") => Error::TwoFactorRequired,
        403 if is_json => Error::PermissionDenied { detail },
        404 => match scope {
            Scope::Server(s) if is_json => Error::ServerNotFound {
                server: clip(s).chars().take(40).collect(),
            },
            _ => Error::NotAPanel {
                url: url.to_owned(),
                detail: format!("HTTP 404 for the Client API ({detail})"),
            },
        },
        409 => Error::ServerConflict {
            suspended: lower.contains("suspended"),
            detail,
        },
        429 => Error::RateLimited {
            retry_after_secs: retry_after_secs.unwrap_or(60),
        },
        502 if lower.contains("must be online") => Error::ServerOffline { detail },
        504 if is_json => Error::NodeUnreachable,
        500..=599 => Error::PanelServerError { status, detail },
        _ if !is_json => Error::NotAPanel {
            url: url.to_owned(),
            detail: format!("HTTP {status} with {detail}"),
        },
        _ => Error::PanelRejected { status, detail },
    }
}

/// Maps a transport failure. `reqwest` errors can carry the URL; it is removed first (our
/// URLs hold no secrets, but the rule is simple: no URLs with queries in errors).
pub(super) fn from_transport(host: &str, err: reqwest::Error) -> Error {
    let err = err.without_url();
    let mut chain = err.to_string();
    let mut src = std::error::Error::source(&err);
    while let Some(s) = src {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        src = s.source();
    }
    let lower = chain.to_ascii_lowercase();
    let detail = clip(&chain);
    if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        Error::Tls {
            host: host.to_owned(),
            detail,
        }
    } else if err.is_decode() {
        Error::NotAPanel {
            url: host.to_owned(),
            detail: "a response that is not the expected JSON".to_owned(),
        }
    } else {
        Error::Unreachable {
            host: host.to_owned(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, detail: &str) -> String {
        format!(r#"{{"errors":[{{"code":"X","status":"{status}","detail":"{detail}"}}]}}"#)
    }

    #[test]
    fn each_panel_refusal_maps_to_an_actionable_variant() {
        let u = "https://panel.test";
        let p = Scope::Panel;
        assert!(matches!(
            from_status(u, 401, &err(401, "Unauthenticated."), None, p),
            Error::KeyRejected
        ));
        assert!(matches!(
            from_status(
                u,
                403,
                &err(
                    403,
                    "You are attempting to use an application API key on an endpoint that requires a client API key."
                ),
                None,
                p
            ),
            Error::WrongKeyType
        ));
        assert!(matches!(
            from_status(
                u,
                403,
                &err(
                    403,
                    "This IP address (1.2.3.4) does not have permission to access the API using these credentials."
                ),
                None,
                p
            ),
            Error::IpNotAllowed { .. }
        ));
        assert!(matches!(
            from_status(
                u,
                400,
                &err(
                    400,
                    "Two-factor authentication is required on this account in order to access this endpoint."
                ),
                None,
                p
            ),
            Error::TwoFactorRequired
        ));
        assert!(matches!(
            from_status(
                u,
                409,
                &err(
                    409,
                    "This server is currently suspended and the functionality requested is unavailable."
                ),
                None,
                Scope::Server("abcd1234")
            ),
            Error::ServerConflict {
                suspended: true,
                ..
            }
        ));
        assert!(matches!(
            from_status(
                u,
                504,
                &err(504, "Could not establish a connection"),
                None,
                p
            ),
            Error::NodeUnreachable
        ));
        assert!(matches!(
            from_status(u, 429, &err(429, "Too Many Attempts."), Some(12), p),
            Error::RateLimited {
                retry_after_secs: 12
            }
        ));
        assert!(matches!(
            from_status(u, 500, "oops", None, p),
            Error::PanelServerError { status: 500, .. }
        ));
        assert!(matches!(
            from_status(
                u,
                404,
                &err(
                    404,
                    "The requested resource could not be found on the server."
                ),
                None,
                Scope::Server("abcd1234")
            ),
            Error::ServerNotFound { .. }
        ));
        assert!(matches!(
            from_status(
                u,
                502,
                &err(502, "Server must be online in order to send commands."),
                None,
                Scope::Server("abcd1234")
            ),
            Error::ServerOffline { .. }
        ));
    }

    #[test]
    fn html_answers_say_not_a_panel() {
        let e = from_status(
            "https://example.com",
            404,
            "<!DOCTYPE html><html>nope</html>",
            None,
            Scope::Panel,
        );
        assert!(matches!(e, Error::NotAPanel { .. }), "{e}");
        assert!(e.to_string().contains("HTML"));
        let e = from_status("https://example.com", 418, "<html>", None, Scope::Panel);
        assert!(matches!(e, Error::NotAPanel { .. }));
    }
}
