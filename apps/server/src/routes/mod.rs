//! Routes: each handler extracts, calls one service method and maps the result.

pub mod docs;
pub mod fallback;
pub mod health;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes outside `/api/v1`.
pub fn system(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics_text);
}

/// The `/api/v1` routes.
pub fn api_v1(_cfg: &mut ServiceConfig) {}

/// The OpenAPI document of every route, without starting a server.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    use utoipa_actix_web::{AppExt, scope};
    actix_web::App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::ApiDoc::openapi())
        .configure(system)
        .service(scope::scope("/api/v1").configure(api_v1))
        .split_for_parts()
        .1
}
