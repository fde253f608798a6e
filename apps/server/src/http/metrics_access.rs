//! Who may read `/metrics`. Metrics describe the whole deployment (routes,
//! load, backend failures), so production does not serve them to the public:
//! they go to a separate listener (`P2P_METRICS_ADDR`) and/or behind a bearer
//! token (`P2P_METRICS_TOKEN`). On the public listener, production without a
//! token answers 404 as for any unknown path; development without either key
//! serves them openly, as before.

use super::ApiError;
use super::auth::constant_time_eq;
use crate::config::{Environment, Secret, Settings};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use p2p_kernel::Code;
use p2p_kernel::ErrorKind;

/// The rule of one listener.
#[derive(Clone, Debug)]
pub enum MetricsAccess {
    /// Not served here: 404.
    Hidden,
    /// Served to anyone (development without a token).
    Open,
    /// Served to requests carrying `Authorization: Bearer <token>`; others get 401.
    Token(Secret<String>),
}

impl MetricsAccess {
    /// The rule of the public listener.
    pub fn public(settings: &Settings) -> Self {
        match (&settings.metrics.listen, &settings.metrics.token) {
            (Some(_), _) => Self::Hidden,
            (None, Some(token)) => Self::Token(token.clone()),
            (None, None) if settings.environment == Environment::Production => Self::Hidden,
            (None, None) => Self::Open,
        }
    }

    /// The rule of the dedicated metrics listener.
    pub fn dedicated(settings: &Settings) -> Self {
        match &settings.metrics.token {
            Some(token) => Self::Token(token.clone()),
            None => Self::Open,
        }
    }

    fn check(&self, req: &HttpRequest) -> Result<(), ApiError> {
        match self {
            Self::Hidden => Err(ApiError::not_found()),
            Self::Open => Ok(()),
            Self::Token(token) => {
                let presented = req
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .unwrap_or_default();
                if constant_time_eq(presented.as_bytes(), token.expose().as_bytes()) {
                    Ok(())
                } else {
                    Err(ApiError::new(
                        ErrorKind::Unauthenticated,
                        Code::Unauthenticated,
                        "send the metrics token as a bearer token",
                    ))
                }
            }
        }
    }
}

/// Extracted by the `/metrics` handler: present when the listener's
/// [`MetricsAccess`] (app data) lets this request read the metrics.
pub struct MetricsReader;

impl FromRequest for MetricsReader {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let access = req.app_data::<web::Data<MetricsAccess>>();
        let allowed = match access {
            Some(access) => access.check(req),
            None => Err(ApiError::not_found()),
        };
        std::future::ready(allowed.map(|()| MetricsReader))
    }
}
