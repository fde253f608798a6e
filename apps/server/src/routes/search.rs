//! `/api/v1/search`: one index over users, topics, posts and use cases.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{get, web};
use p2p_kernel::Page;
use p2p_search::{SearchHit, SearchParams, SearchScope};

async fn run(
    state: &AppState,
    auth: &Authenticated,
    scope: SearchScope,
    params: SearchParams,
    page: &PageQuery,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    let page = page.page()?;
    let search = &state.services.discovery.search;
    Ok(web::Json(
        search.search(&auth.0, scope, params, page).await?,
    ))
}

/// Searches every kind: users, topics, posts and use cases; best match first.
#[utoipa::path(tag = "search", security(("bearer" = [])), params(SearchParams, PageQuery),
    responses((status = 200, body = Page<SearchHit>), (status = 422, body = Problem)))]
#[get("/search")]
pub async fn search_all(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: ApiQuery<SearchParams>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    run(&state, &auth, SearchScope::All, params.0, &page.0).await
}

/// Searches users (active users' names, job titles, bios).
#[utoipa::path(tag = "search", security(("bearer" = [])), params(SearchParams, PageQuery),
    responses((status = 200, body = Page<SearchHit>), (status = 422, body = Problem)))]
#[get("/search/users")]
pub async fn search_users(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: ApiQuery<SearchParams>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    run(&state, &auth, SearchScope::Users, params.0, &page.0).await
}

/// Searches forum topics and posts.
#[utoipa::path(tag = "search", security(("bearer" = [])), params(SearchParams, PageQuery),
    responses((status = 200, body = Page<SearchHit>), (status = 422, body = Problem)))]
#[get("/search/forums")]
pub async fn search_forums(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: ApiQuery<SearchParams>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    run(&state, &auth, SearchScope::Forums, params.0, &page.0).await
}

/// Searches use cases (published ones, and the caller's organization's drafts).
#[utoipa::path(tag = "search", security(("bearer" = [])), params(SearchParams, PageQuery),
    responses((status = 200, body = Page<SearchHit>), (status = 422, body = Problem)))]
#[get("/search/use-cases")]
pub async fn search_use_cases(
    state: web::Data<AppState>,
    auth: Authenticated,
    params: ApiQuery<SearchParams>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<SearchHit>>, ApiError> {
    run(&state, &auth, SearchScope::UseCases, params.0, &page.0).await
}

/// Each search operation's `kind` parameter lists only the kinds that
/// operation searches (another kind is refused with 422).
pub fn state_kinds(document: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let scopes = [
        ("search_all", SearchScope::All),
        ("search_users", SearchScope::Users),
        ("search_forums", SearchScope::Forums),
        ("search_use_cases", SearchScope::UseCases),
    ];
    for (id, scope) in scopes {
        let Some(operation) = crate::openapi_links::operation(document, id) else {
            continue;
        };
        for parameter in operation.parameters.iter_mut().flatten() {
            if let RefOr::T(parameter) = parameter
                && parameter.name == "kind"
            {
                let kinds = scope.kinds().iter().map(|kind| kind.as_str());
                let schema = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(kinds));
                parameter.schema = Some(RefOr::T(schema.build().into()));
            }
        }
    }
}
