//! Cross-site WebSocket hijacking: the browser attaches the session cookie to
//! a WebSocket handshake whatever page opens it, and the same-origin policy
//! does not apply to WebSockets. A handshake authenticated by the cookie is
//! therefore accepted only from the origins the deployment trusts: those of
//! `P2P_CORS_ORIGINS` and the server's own (`P2P_PUBLIC_URL`). Browsers always
//! send `Origin` on a WebSocket handshake; one without it, or with an opaque
//! one (`null`), is refused too.

use crate::config::Settings;
use crate::http::ApiError;
use actix_web::HttpRequest;
use actix_web::http::header;
use p2p_kernel::Code;
use p2p_kernel::ErrorKind;
use url::Url;

/// Refuses (403 `origin_not_allowed`) a handshake whose `Origin` is not allowed.
pub fn require_allowed_origin(req: &HttpRequest, settings: &Settings) -> Result<(), ApiError> {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Url::parse(v.trim()).ok())
        .map(|url| url.origin())
        .filter(url::Origin::is_tuple)
        .map(|origin| origin.ascii_serialization());
    let allowed = origin.as_deref().is_some_and(|origin| {
        origin == settings.public_url.origin().ascii_serialization()
            || settings.cors_origins.iter().any(|o| o == origin)
    });
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorKind::Forbidden,
            Code::OriginNotAllowed,
            "a WebSocket authenticated by the session cookie must be opened from an allowed \
             origin; other clients send the access token instead",
        ))
    }
}
