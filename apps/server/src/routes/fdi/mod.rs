//! The SuperTokens Frontend Driver Interface (FDI 3.x/4.x) under `/auth`, so
//! the unmodified `supertokens-web-js` / `supertokens-auth-react` SDKs sign
//! users up and in against this backend. It shares users and sessions with
//! `/api/v1/auth`: the handlers call the identity service, which issues RS256
//! access tokens for the same session and refresh-token records.
//!
//! These routes are a foreign protocol beside the `/api/v1` contract: their
//! answers follow the FDI (`200 {"status": …}`, typed in [`answers`]), and
//! only errors the FDI has no status for (rate limits, outages, a missing
//! session) are problem documents. [`FdiDoc`] describes them in the OpenAPI
//! document under the `supertokens` tag.

mod answers;
mod emailpassword;
mod forms;
mod session;
pub mod transport;
mod verification;

use crate::state::AppState;
use actix_web::web;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

/// The tag of the FDI operations in the OpenAPI document.
pub const FDI_TAG: &str = "supertokens";

/// The FDI routes of the OpenAPI document (they are routed by [`scope`]).
#[derive(OpenApi)]
#[openapi(
    paths(
        emailpassword::sign_up,
        emailpassword::sign_in,
        emailpassword::email_exists,
        emailpassword::signup_email_exists,
        emailpassword::send_reset_email,
        emailpassword::reset_password,
        verification::send_email,
        verification::verify,
        verification::is_verified,
        session::refresh,
        session::sign_out,
        session::jwks,
    ),
    modifiers(&SessionCookies),
    tags((name = FDI_TAG, description = "The SuperTokens Frontend Driver Interface (FDI 3.x/4.x) for the unmodified `supertokens-web-js` / `supertokens-auth-react` SDKs; the same users and sessions as `/api/v1/auth`. Answers are `200` with a `status` (`OK`, `FIELD_ERROR`, `WRONG_CREDENTIALS_ERROR`…). Tokens travel in headers with `st-auth-mode: header` (`st-access-token`, `st-refresh-token`, sent back as `Authorization: Bearer`), else in the HttpOnly cookies `sAccessToken` (path `/`) and `sRefreshToken` (path `/auth/session/refresh`); `front-token` (base64 JSON `{uid, ate, up}`) comes with every new access token, `front-token: remove` ends the client's session. A cookie-authenticated request that changes state must send the `rid` header (else 401 `csrf_failed`). An expired access token answers 401 with `message: try refresh token`."))
)]
pub struct FdiDoc;

/// The session cookies of the FDI, as security schemes.
struct SessionCookies;

impl utoipa::Modify for SessionCookies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for (scheme, cookie) in [
            ("supertokens_cookie", transport::ACCESS_COOKIE),
            ("supertokens_refresh_cookie", transport::REFRESH_COOKIE),
        ] {
            components.add_security_scheme(
                scheme,
                SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(cookie))),
            );
        }
    }
}

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
            web::get().to(emailpassword::signup_email_exists),
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default()
    }

    /// Every route of [`super::scope`] is in the document with its typed answers.
    #[test]
    fn the_fdi_routes_are_documented() {
        let doc = document();
        let routes = [
            ("/auth/signup", "post", "FdiSignUpAnswer"),
            ("/auth/signin", "post", "FdiSignInAnswer"),
            (
                "/auth/emailpassword/email/exists",
                "get",
                "FdiEmailExistsAnswer",
            ),
            ("/auth/signup/email/exists", "get", "FdiEmailExistsAnswer"),
            (
                "/auth/user/password/reset/token",
                "post",
                "FdiResetEmailAnswer",
            ),
            (
                "/auth/user/password/reset",
                "post",
                "FdiResetPasswordAnswer",
            ),
            (
                "/auth/user/email/verify/token",
                "post",
                "FdiVerificationEmailAnswer",
            ),
            ("/auth/user/email/verify", "post", "FdiVerifyEmailAnswer"),
            ("/auth/user/email/verify", "get", "FdiIsVerifiedAnswer"),
            ("/auth/session/refresh", "post", "FdiOkAnswer"),
            ("/auth/signout", "post", "FdiOkAnswer"),
            ("/auth/jwt/jwks.json", "get", "Jwks"),
        ];
        for (path, method, answer) in routes {
            let operation = &doc["paths"][path][method];
            assert_eq!(operation["tags"][0], super::FDI_TAG, "{method} {path}");
            let ok = &operation["responses"]["200"]["content"]["application/json"]["schema"];
            assert_eq!(
                ok["$ref"],
                format!("#/components/schemas/{answer}"),
                "{method} {path}"
            );
        }
        let refused = &doc["paths"]["/auth/session/refresh"]["post"]["responses"]["401"]["content"];
        assert_eq!(
            refused["application/json"]["schema"]["$ref"],
            "#/components/schemas/FdiRefreshRefused"
        );
        assert_eq!(
            refused["application/problem+json"]["schema"]["$ref"],
            "#/components/schemas/Problem"
        );
        let sign_in = &doc["components"]["schemas"]["FdiSignInAnswer"]["oneOf"];
        let statuses: Vec<&str> = sign_in
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["properties"]["status"]["enum"][0].as_str())
            .collect();
        assert_eq!(statuses, ["OK", "FIELD_ERROR", "WRONG_CREDENTIALS_ERROR"]);
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["supertokens_cookie"]["name"], "sAccessToken");
        assert_eq!(
            schemes["supertokens_refresh_cookie"]["name"],
            "sRefreshToken"
        );
    }
}
