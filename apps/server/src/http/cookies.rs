//! The browser session: cookies set by signup, login, accept-invite and refresh.

use actix_web::HttpResponseBuilder;
use actix_web::cookie::time::Duration;
use actix_web::cookie::{Cookie, SameSite};
use base64::Engine;

pub const ACCESS_COOKIE: &str = "p2p_access";
pub const REFRESH_COOKIE: &str = "p2p_refresh";
pub const CSRF_COOKIE: &str = "p2p_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The refresh cookie is only sent to the auth endpoints.
const REFRESH_PATH: &str = "/api/v1/auth";

/// Whether cookies get the `Secure` flag (`Settings::secure_cookies`).
#[derive(Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

pub struct SessionCookies<'a> {
    pub access_token: &'a str,
    pub access_ttl_secs: u64,
    pub refresh_token: &'a str,
    pub refresh_ttl_secs: u64,
}

fn secs(n: u64) -> Duration {
    Duration::seconds(i64::try_from(n).unwrap_or(i64::MAX))
}

fn new_csrf_token() -> String {
    let mut bytes = [0u8; 24];
    rand::fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl CookiePolicy {
    /// Sets the access, refresh and CSRF cookies on a response.
    pub fn set_session(&self, response: &mut HttpResponseBuilder, s: &SessionCookies<'_>) {
        response.cookie(
            Cookie::build(ACCESS_COOKIE, s.access_token.to_owned())
                .path("/")
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(secs(s.access_ttl_secs))
                .finish(),
        );
        response.cookie(
            Cookie::build(REFRESH_COOKIE, s.refresh_token.to_owned())
                .path(REFRESH_PATH)
                .http_only(true)
                .secure(self.secure)
                .same_site(SameSite::Strict)
                .max_age(secs(s.refresh_ttl_secs))
                .finish(),
        );
        response.cookie(
            Cookie::build(CSRF_COOKIE, new_csrf_token())
                .path("/")
                .http_only(false)
                .secure(self.secure)
                .same_site(SameSite::Lax)
                .max_age(secs(s.refresh_ttl_secs))
                .finish(),
        );
    }

    /// Expires the session cookies.
    pub fn clear_session(&self, response: &mut HttpResponseBuilder) {
        for (name, path) in [
            (ACCESS_COOKIE, "/"),
            (REFRESH_COOKIE, REFRESH_PATH),
            (CSRF_COOKIE, "/"),
        ] {
            let mut cookie = Cookie::build(name, "")
                .path(path)
                .secure(self.secure)
                .finish();
            cookie.make_removal();
            response.cookie(cookie);
        }
    }
}
