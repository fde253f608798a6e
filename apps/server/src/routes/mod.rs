//! Routes: each handler extracts, calls one service method and maps the result.

pub mod auth;
pub mod avatar;
pub mod blobs;
pub mod dashboard;
pub mod docs;
pub mod export;
pub mod fallback;
pub mod fdi;
pub mod files;
pub mod forum;
pub mod health;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod orgs;
pub mod params;
pub mod search;
pub mod usecases;
pub mod users;
pub mod ws;

use utoipa_actix_web::service_config::ServiceConfig;

/// Routes outside `/api/v1`.
pub fn system(cfg: &mut ServiceConfig) {
    cfg.service(health::live)
        .service(health::ready)
        .service(health::metrics_text)
        .service(ws::connect)
        .service(ws::connect_forum);
}

/// The `/api/v1` routes.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::signup)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::verify_email)
        .service(auth::resend_verification)
        .service(auth::reset_password)
        .service(auth::confirm_reset_password)
        .service(auth::accept_invite)
        .service(auth::list_sessions)
        .service(auth::revoke_session)
        // `/users/me`, `/users/invite` and `/users/invitations` before `/users/{id}`.
        .service(users::me)
        .service(users::update_me)
        .service(users::erase_me)
        .service(export::export_me)
        .service(avatar::upload)
        .service(avatar::download)
        .service(users::list)
        .service(users::invite)
        .service(users::invitations)
        .service(users::revoke_invitation)
        .service(users::resend_invitation)
        .service(users::get)
        .service(users::update)
        .service(users::deactivate)
        .service(orgs::current)
        .service(orgs::update_current)
        .service(orgs::members)
        .service(orgs::stats)
        .service(moderation::audit_log)
        .service(moderation::report)
        .service(moderation::reports)
        .service(moderation::resolve)
        .service(moderation::unhide)
        .service(forum::list_topics)
        .service(forum::create_topic)
        .service(forum::get_topic)
        .service(forum::update_topic)
        .service(forum::delete_topic)
        .service(forum::pin_topic)
        .service(forum::lock_topic)
        .service(forum::create_post)
        .service(forum::clear_best_answer)
        .service(forum::get_post)
        .service(forum::update_post)
        .service(forum::delete_post)
        .service(forum::list_revisions)
        .service(forum::upvote)
        .service(forum::remove_upvote)
        .service(forum::mark_best_answer)
        // `/messages/blocks` before `/messages/{user_id}`.
        .service(messages::conversations)
        .service(messages::send)
        .service(messages::blocks)
        .service(messages::block)
        .service(messages::unblock)
        .service(messages::conversation)
        .service(messages::mark_read)
        .service(notifications::list)
        .service(notifications::unread_count)
        .service(notifications::mark_read)
        .service(notifications::preferences)
        .service(notifications::set_preferences)
        .service(blobs::download)
        .service(blobs::upload)
        .service(dashboard::stats)
        .service(dashboard::activity)
        .service(dashboard::trending)
        .service(search::search_all)
        .service(search::search_users)
        .service(search::search_forums)
        .service(search::search_use_cases)
        .service(files::upload)
        .service(files::presign)
        .service(files::download)
        // `/use-cases/export` before `/use-cases/{id}`.
        .service(usecases::list)
        .service(usecases::create)
        .service(usecases::export)
        .service(usecases::get)
        .service(usecases::update)
        .service(usecases::remove)
        .service(usecases::publish)
        .service(usecases::add_media)
        .service(usecases::revisions);
}

/// The OpenAPI document of every route, without starting a server.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    let mut document = collected_openapi_document();
    // A constraint or a link that names nothing fails their tests.
    crate::openapi_rules::state(&mut document);
    crate::openapi_links::add(&mut document);
    search::state_kinds(&mut document);
    usecases::state_caption(&mut document);
    document
}

/// The document of the routes and the shell's answers, before the domains'
/// request rules and the links are written into it.
pub(crate) fn collected_openapi_document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi;
    use utoipa_actix_web::{AppExt, scope};
    let mut document = actix_web::App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::ApiDoc::openapi())
        .configure(system)
        .service(scope::scope("/api/v1").configure(api_v1))
        .split_for_parts()
        .1;
    document.merge(fdi::FdiDoc::openapi());
    crate::openapi_problems::complete(&mut document);
    ws::describe_protocol(&mut document);
    document
}
