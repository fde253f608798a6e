//! URLs written by users: which scheme a browser would see, and the one
//! check every URL field goes through.
//!
//! A browser reads a URL after dropping leading and trailing spaces and
//! control characters and every tab and line break inside it, without regard
//! to case, so `  JaVa\tScRiPt:alert(1)` is a `javascript:` URL. [`scheme`]
//! reads it the same way; the fields then accept what they name and nothing
//! else.

/// What a URL field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlKind {
    /// An absolute `http` or `https` URL with a host (a website).
    Web,
    /// A [`UrlKind::Web`] URL or a path on this server (`/files/…`), for
    /// images and links shown on the page: never `//host` or `/\host`, which
    /// browsers read as another host.
    WebOrServerPath,
    /// How to reach someone: free text (a name, an email address, a phone
    /// number), but when it starts like a URL (`scheme:`), an `http`,
    /// `https` or `mailto:` one.
    Contact,
}

impl UrlKind {
    /// What the field accepts, for the field error's message.
    pub fn expected(self) -> &'static str {
        match self {
            Self::Web => "must be an http:// or https:// URL",
            Self::WebOrServerPath => "must be an http(s) URL or a path starting with /",
            Self::Contact => {
                "a link here must be an http://, https:// or mailto: URL (write a phone number or a name without a `word:` prefix)"
            }
        }
    }

    /// Whether `value` (already trimmed) is acceptable.
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Self::Web => is_web_url(value),
            Self::WebOrServerPath => is_web_url(value) || is_server_path(value),
            Self::Contact => match scheme(value).as_deref() {
                None => true,
                Some("mailto") => value
                    .get("mailto:".len()..)
                    .is_some_and(|to| crate::validate::is_valid_email(to.trim())),
                Some(_) => is_web_url(value),
            },
        }
    }
}

/// The scheme a browser reads at the start of `value`, lower-cased; `None`
/// for a relative reference (`/path`, `#anchor`, `page.html`).
pub fn scheme(value: &str) -> Option<String> {
    let cleaned: String = value
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (name, _) = cleaned.split_once(':')?;
    let mut chars = name.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| name.to_ascii_lowercase())
}

/// Whether a link may point at `dest`: relative, or `http`, `https` or
/// `mailto`. Never `javascript:`, `vbscript:`, `data:` or any other scheme.
pub fn is_safe_link(dest: &str) -> bool {
    scheme(dest).is_none_or(|s| matches!(s.as_str(), "http" | "https" | "mailto"))
}

/// Nothing a browser would drop or reinterpret: no whitespace, no control
/// characters, no backslashes (read as `/` in http URLs).
fn is_literal(value: &str) -> bool {
    !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// An absolute `http`/`https` URL with a host and no user name or password
/// (`https://bank.example@evil.example` reads as a bank's address).
pub fn is_web_url(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    let Some(rest) = ["http://", "https://"]
        .iter()
        .find(|p| lower.starts_with(*p))
        .and_then(|p| value.get(p.len()..))
    else {
        return false;
    };
    if !is_literal(value) || rest.starts_with('/') {
        return false;
    }
    url::Url::parse(value).is_ok_and(|u| {
        u.host_str().is_some_and(|h| !h.is_empty())
            && u.username().is_empty()
            && u.password().is_none()
    })
}

/// A path on this server: one leading `/`, not followed by `/` or `\`.
pub fn is_server_path(value: &str) -> bool {
    is_literal(value) && value.starts_with('/') && !value.starts_with("//")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_as_a_browser_reads_them() {
        assert_eq!(scheme("https://a.example").as_deref(), Some("https"));
        assert_eq!(
            scheme("  JaVaScRiPt:alert(1)").as_deref(),
            Some("javascript")
        );
        assert_eq!(scheme("java\tscript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("\u{1}vbscript:x").as_deref(), Some("vbscript"));
        assert_eq!(scheme("jav\nascript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("/path:x"), None);
        assert_eq!(scheme("#a"), None);
        assert_eq!(scheme("1http:x"), None);
        assert!(is_safe_link("/relative"));
        assert!(is_safe_link("mailto:a@b.example"));
        for bad in [
            "javascript:x",
            "data:text/html,x",
            "vbscript:x",
            "file:///etc",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }

    #[test]
    fn web_urls() {
        assert!(is_web_url("https://acme.example/about?x=1"));
        assert!(is_web_url("HTTP://acme.example"));
        for bad in [
            "javascript:alert(1)",
            "  JaVaScRiPt:alert(1)",
            "https://",
            "https:///x",
            "https://a.example/ x",
            "https:\\\\evil.example",
            "https://bank.example@evil.example/",
            "ftp://acme.example",
            "//evil.example",
            "acme.example",
        ] {
            assert!(!is_web_url(bad), "{bad}");
        }
    }

    #[test]
    fn server_paths_and_contacts() {
        let img = UrlKind::WebOrServerPath;
        assert!(img.accepts("/api/v1/files/1"));
        assert!(img.accepts("https://cdn.example/logo.png"));
        for bad in [
            "//evil.example/x",
            "/\\evil.example",
            "/a\\b",
            "\\\\evil",
            "javascript:x",
        ] {
            assert!(!img.accepts(bad), "{bad}");
        }
        let contact = UrlKind::Contact;
        for ok in [
            "sales@vendor.example",
            "+966 11 555 0100",
            "Ahmed Al-Saud",
            "أحمد: 0555",
            "mailto:sales@vendor.example",
            "https://vendor.example/contact",
        ] {
            assert!(contact.accepts(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "  JaVaScRiPt:alert(1)",
            "vbscript:msgbox(1)",
            "data:text/html,x",
            "mailto:javascript:alert(1)",
            "tel:1",
        ] {
            assert!(!contact.accepts(bad), "{bad}");
        }
    }
}
