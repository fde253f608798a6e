//! What answers when no route does: 405 when the path exists with another
//! method (with the `Allow` header RFC 9110 §15.5.6 requires), 404 otherwise —
//! both as problem documents.

use crate::http::ApiError;
use crate::http::allowed_methods::AllowedMethods;
use actix_web::{HttpRequest, web};

pub async fn not_found_or_method_not_allowed(
    req: HttpRequest,
    allowed: Option<web::Data<AllowedMethods>>,
) -> Result<&'static str, ApiError> {
    if !req.resource_map().has_resource(req.path()) {
        return Err(ApiError::not_found());
    }
    let error = ApiError::method_not_allowed();
    Err(match allowed.as_deref().and_then(|a| a.of(req.path())) {
        Some(methods) => error.with_allow(methods),
        None => error,
    })
}
