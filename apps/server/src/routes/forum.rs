//! `/api/v1/forums`: topics, threaded posts, votes, best answers, pin and lock.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use p2p_forum::{
    NewPost, NewTopic, PostPatch, PostView, RevisionView, TopicDetail, TopicFilter, TopicPatch,
    TopicView, TopicWithFirstPost, VoteView,
};
use p2p_kernel::Page;
use p2p_kernel::ids::{PostId, TopicId};
use serde::Deserialize;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
pub struct PinRequest {
    pub pinned: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct LockRequest {
    pub locked: bool,
}

/// Topics, pinned first, then by `sort`; filtered by category, tag, author and words.
#[utoipa::path(tag = "forums", security(("bearer" = [])), params(TopicFilter, PageQuery),
    responses((status = 200, body = Page<TopicView>), (status = 422, body = Problem)))]
#[get("/forums/topics")]
pub async fn list_topics(
    state: web::Data<AppState>,
    auth: Authenticated,
    filter: ApiQuery<TopicFilter>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<TopicView>>, ApiError> {
    let page = page.0.page()?;
    let forum = &state.services.forum;
    Ok(web::Json(forum.list_topics(&auth.0, filter.0, page).await?))
}

/// Opens a topic with its first post (Markdown).
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = NewTopic,
    responses((status = 201, body = TopicWithFirstPost), (status = 422, body = Problem),
        (status = 404, body = Problem, description = "`not_found`: an attachment names no file the caller may attach (each one named in `errors`, `unknown_file`)")))]
#[post("/forums/topics")]
pub async fn create_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<NewTopic>,
) -> Result<HttpResponse, ApiError> {
    let topic = state.services.forum.create_topic(&auth.0, body.0).await?;
    Ok(HttpResponse::Created().json(topic))
}

/// A topic with a page of its posts in thread order.
#[utoipa::path(tag = "forums", security(("bearer" = [])), params(("id" = TopicId, Path, description = "the topic"), PageQuery),
    responses((status = 200, body = TopicDetail), (status = 404, body = Problem)))]
#[get("/forums/topics/{id}")]
pub async fn get_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<TopicDetail>, ApiError> {
    let page = page.0.page()?;
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.get_topic(&auth.0, id.into_inner(), page).await?,
    ))
}

/// Edits a topic (its author, or an admin of its organization).
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = TopicPatch,
    responses((status = 200, body = TopicView), (status = 403, body = Problem), (status = 404, body = Problem)), params(("id" = TopicId, Path, description = "the topic")))]
#[patch("/forums/topics/{id}")]
pub async fn update_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
    body: ApiJson<TopicPatch>,
) -> Result<web::Json<TopicView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.update_topic(&auth.0, id.into_inner(), body.0).await?,
    ))
}

/// Deletes a topic and its posts (its author, or an admin of its organization).
#[utoipa::path(tag = "forums", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), params(("id" = TopicId, Path, description = "the topic")))]
#[delete("/forums/topics/{id}")]
pub async fn delete_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
) -> Result<HttpResponse, ApiError> {
    let forum = &state.services.forum;
    forum.delete_topic(&auth.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Pins or unpins a topic (admin of its organization).
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = PinRequest,
    responses((status = 200, body = TopicView), (status = 403, body = Problem)), params(("id" = TopicId, Path, description = "the topic")))]
#[post("/forums/topics/{id}/pin")]
pub async fn pin_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
    body: ApiJson<PinRequest>,
) -> Result<web::Json<TopicView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum
            .set_pinned(&auth.0, id.into_inner(), body.0.pinned)
            .await?,
    ))
}

/// Locks or unlocks a topic (admin of its organization); a locked topic takes no new posts.
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = LockRequest,
    responses((status = 200, body = TopicView), (status = 403, body = Problem)), params(("id" = TopicId, Path, description = "the topic")))]
#[post("/forums/topics/{id}/lock")]
pub async fn lock_topic(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
    body: ApiJson<LockRequest>,
) -> Result<web::Json<TopicView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum
            .set_locked(&auth.0, id.into_inner(), body.0.locked)
            .await?,
    ))
}

/// Replies to a topic; `parent_id` makes it a threaded reply.
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = NewPost, responses(
    (status = 201, body = PostView), (status = 409, body = Problem, description = "`topic_locked`"),
    (status = 404, body = Problem), (status = 422, body = Problem),
), params(("id" = TopicId, Path, description = "the topic")))]
#[post("/forums/topics/{id}/posts")]
pub async fn create_post(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
    body: ApiJson<NewPost>,
) -> Result<HttpResponse, ApiError> {
    let post = state
        .services
        .forum
        .create_post(&auth.0, id.into_inner(), body.0)
        .await?;
    Ok(HttpResponse::Created().json(post))
}

/// Clears the accepted answer of a topic (its author, or an admin).
#[utoipa::path(tag = "forums", security(("bearer" = [])),
    responses((status = 200, body = TopicView), (status = 403, body = Problem)), params(("id" = TopicId, Path, description = "the topic")))]
#[delete("/forums/topics/{id}/best-answer")]
pub async fn clear_best_answer(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<TopicId>,
) -> Result<web::Json<TopicView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.clear_best_answer(&auth.0, id.into_inner()).await?,
    ))
}

/// One post; a deleted one is 404 (its tombstone stays in the topic's thread).
#[utoipa::path(tag = "forums", security(("bearer" = [])),
    responses((status = 200, body = PostView), (status = 404, body = Problem)), params(("id" = PostId, Path, description = "the post")))]
#[get("/forums/posts/{id}")]
pub async fn get_post(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<web::Json<PostView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(forum.get_post(&auth.0, id.into_inner()).await?))
}

/// Edits a post (its author, or an admin); the previous content is kept as a revision.
#[utoipa::path(tag = "forums", security(("bearer" = [])), request_body = PostPatch,
    responses((status = 200, body = PostView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "`post_deleted` (a deleted post, kept as the tombstone of its replies), `topic_locked` (only a moderator edits the posts of a locked topic)")),
    params(("id" = PostId, Path, description = "the post")))]
#[patch("/forums/posts/{id}")]
pub async fn update_post(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
    body: ApiJson<PostPatch>,
) -> Result<web::Json<PostView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.update_post(&auth.0, id.into_inner(), body.0).await?,
    ))
}

/// Deletes a post (its author, or an admin); replies stay under a tombstone.
#[utoipa::path(tag = "forums", security(("bearer" = [])),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), params(("id" = PostId, Path, description = "the post")))]
#[delete("/forums/posts/{id}")]
pub async fn delete_post(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<HttpResponse, ApiError> {
    let forum = &state.services.forum;
    forum.delete_post(&auth.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The edit history of a post, oldest first (a deleted post: 404).
#[utoipa::path(tag = "forums", security(("bearer" = [])),
    responses((status = 200, body = Page<RevisionView>), (status = 404, body = Problem)), params(("id" = PostId, Path, description = "the post")))]
#[get("/forums/posts/{id}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<web::Json<Page<RevisionView>>, ApiError> {
    let items = state
        .services
        .forum
        .list_revisions(&auth.0, id.into_inner())
        .await?;
    Ok(web::Json(Page {
        items,
        next_cursor: None,
    }))
}

/// Upvotes a post (idempotent).
#[utoipa::path(tag = "forums", security(("bearer" = [])), responses(
    (status = 200, body = VoteView), (status = 409, body = Problem, description = "`cannot_upvote_own_post`"),
), params(("id" = PostId, Path, description = "the post")))]
#[put("/forums/posts/{id}/upvote")]
pub async fn upvote(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<web::Json<VoteView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(forum.upvote(&auth.0, id.into_inner()).await?))
}

/// Removes the caller's upvote (idempotent).
#[utoipa::path(tag = "forums", security(("bearer" = [])), responses((status = 200, body = VoteView)), params(("id" = PostId, Path, description = "the post")))]
#[delete("/forums/posts/{id}/upvote")]
pub async fn remove_upvote(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<web::Json<VoteView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.remove_upvote(&auth.0, id.into_inner()).await?,
    ))
}

/// Marks the accepted answer of its topic (the topic's author, or an admin); moves it if set.
#[utoipa::path(tag = "forums", security(("bearer" = [])), responses(
    (status = 200, body = TopicView), (status = 403, body = Problem),
    (status = 409, body = Problem, description = "`first_post_cannot_be_answer`"),
), params(("id" = PostId, Path, description = "the post")))]
#[post("/forums/posts/{id}/best-answer")]
pub async fn mark_best_answer(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<PostId>,
) -> Result<web::Json<TopicView>, ApiError> {
    let forum = &state.services.forum;
    Ok(web::Json(
        forum.mark_best_answer(&auth.0, id.into_inner()).await?,
    ))
}
