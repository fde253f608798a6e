//! `/api/v1/messages`: private conversations, read state and blocks.

use super::params::PageQuery;
use crate::http::error::Problem;
use crate::http::{ApiError, ApiJson, ApiQuery, Authenticated};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use p2p_kernel::Page;
use p2p_kernel::ids::{MessageId, UserId};
use p2p_messaging::{BlockView, ConversationView, MessageView, NewMessage, ReadState};

/// The caller's conversations, most recently active first, with the other
/// participant, the last message and the unread count.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = Page<ConversationView>), (status = 422, body = Problem)))]
#[get("/messages")]
pub async fn conversations(
    state: web::Data<AppState>,
    auth: Authenticated,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<ConversationView>>, ApiError> {
    let page = page.0.page()?;
    let messaging = &state.services.messaging;
    Ok(web::Json(messaging.conversations(&auth.0, page).await?))
}

/// Sends a private message (delivered live as `message.created`).
#[utoipa::path(tag = "messages", security(("bearer" = [])), request_body = NewMessage,
    responses((status = 201, body = MessageView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
#[post("/messages")]
pub async fn send(
    state: web::Data<AppState>,
    auth: Authenticated,
    body: ApiJson<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let message = state.services.messaging.send(&auth.0, body.0).await?;
    Ok(HttpResponse::Created().json(message))
}

/// The users the caller blocked.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = Vec<BlockView>)))]
#[get("/messages/blocks")]
pub async fn blocks(
    state: web::Data<AppState>,
    auth: Authenticated,
) -> Result<web::Json<Vec<BlockView>>, ApiError> {
    Ok(web::Json(state.services.messaging.blocks(&auth.0).await?))
}

/// Blocks a user: their messages are refused and the conversation is hidden.
#[utoipa::path(tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = BlockView), (status = 404, body = Problem),
        (status = 422, body = Problem)), params(("user_id" = UserId, Path, description = "the other user")))]
#[put("/messages/blocks/{user_id}")]
pub async fn block(
    state: web::Data<AppState>,
    auth: Authenticated,
    user: web::Path<UserId>,
) -> Result<web::Json<BlockView>, ApiError> {
    let messaging = &state.services.messaging;
    Ok(web::Json(
        messaging.block(&auth.0, user.into_inner()).await?,
    ))
}

/// Unblocks a user.
#[utoipa::path(tag = "messages", security(("bearer" = [])), responses((status = 204)), params(("user_id" = UserId, Path, description = "the other user")))]
#[delete("/messages/blocks/{user_id}")]
pub async fn unblock(
    state: web::Data<AppState>,
    auth: Authenticated,
    user: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let messaging = &state.services.messaging;
    messaging.unblock(&auth.0, user.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's conversation with a user, newest first.
#[utoipa::path(tag = "messages", security(("bearer" = [])), params(("user_id" = UserId, Path, description = "the other user"), PageQuery),
    responses((status = 200, body = Page<MessageView>), (status = 404, body = Problem)))]
#[get("/messages/{user_id}")]
pub async fn conversation(
    state: web::Data<AppState>,
    auth: Authenticated,
    user: web::Path<UserId>,
    page: ApiQuery<PageQuery>,
) -> Result<web::Json<Page<MessageView>>, ApiError> {
    let page = page.0.page()?;
    let messaging = &state.services.messaging;
    Ok(web::Json(
        messaging
            .conversation(&auth.0, user.into_inner(), page)
            .await?,
    ))
}

/// Marks the conversation read up to this message (announced as `message.read`).
#[utoipa::path(operation_id = "mark_conversation_read", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = ReadState), (status = 404, body = Problem)), params(("id" = MessageId, Path, description = "the message")))]
#[patch("/messages/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<MessageId>,
) -> Result<web::Json<ReadState>, ApiError> {
    let messaging = &state.services.messaging;
    Ok(web::Json(
        messaging.mark_read(&auth.0, id.into_inner()).await?,
    ))
}
