//! The SuperTokens Frontend Driver Interface (FDI 3.x/4.x) under `/auth`, so
//! the unmodified `supertokens-web-js` / `supertokens-auth-react` SDKs sign
//! users up and in against this backend. It shares users and sessions with
//! `/api/v1/auth`: the handlers call the identity service, which issues RS256
//! access tokens for the same session and refresh-token records.
//!
//! These routes are a foreign protocol, not part of the `/api/v1` contract,
//! so they are not in the OpenAPI document; their answers follow the FDI
//! (`200 {"status": …}`), and only errors the FDI has no status for (rate
//! limits, outages) are problem documents.

mod emailpassword;
mod forms;
mod session;
pub mod transport;
mod verification;

use crate::state::AppState;
use actix_web::web;

/// Cookie settings (Secure in production or when the public URL is https).
pub fn cookie_settings(state: &AppState) -> transport::CookieSettings {
    transport::CookieSettings {
        secure: state.settings.secure_cookies(),
    }
}

/// The `/auth` scope.
pub fn scope() -> actix_web::Scope {
    web::scope("/auth")
        .route("/signup", web::post().to(emailpassword::sign_up))
        .route("/signin", web::post().to(emailpassword::sign_in))
        .route(
            "/emailpassword/email/exists",
            web::get().to(emailpassword::email_exists),
        )
        .route(
            "/signup/email/exists",
            web::get().to(emailpassword::email_exists),
        )
        .route(
            "/user/password/reset/token",
            web::post().to(emailpassword::send_reset_email),
        )
        .route(
            "/user/password/reset",
            web::post().to(emailpassword::reset_password),
        )
        .route(
            "/user/email/verify/token",
            web::post().to(verification::send_email),
        )
        .route("/user/email/verify", web::post().to(verification::verify))
        .route(
            "/user/email/verify",
            web::get().to(verification::is_verified),
        )
        .route("/session/refresh", web::post().to(session::refresh))
        .route("/signout", web::post().to(session::sign_out))
        .route("/jwt/jwks.json", web::get().to(session::jwks))
}
