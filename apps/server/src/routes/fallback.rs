//! What answers when no route does: 405 when the path exists with another
//! method, 404 otherwise — both as problem documents.

use crate::http::ApiError;
use actix_web::HttpRequest;

pub async fn not_found_or_method_not_allowed(req: HttpRequest) -> Result<&'static str, ApiError> {
    if req.resource_map().has_resource(req.path()) {
        Err(ApiError::method_not_allowed())
    } else {
        Err(ApiError::not_found())
    }
}
