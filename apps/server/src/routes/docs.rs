//! The OpenAPI document and the interactive docs page.

use actix_web::{HttpResponse, get, http::header};
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// Serves the generated document at [`OPENAPI_PATH`] and Swagger UI under `/docs/`.
pub fn swagger(openapi: OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}").url(OPENAPI_PATH, openapi)
}

#[get("/docs")]
pub async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/docs/"))
        .finish()
}
