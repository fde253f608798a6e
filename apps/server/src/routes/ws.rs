//! WebSockets: `GET /ws` (one multiplexed socket per client) and the legacy
//! `GET /ws/forum/{topic_id}` (a socket bound to one topic).
//!
//! The handshake is authenticated before upgrading (`?access_token=`, a Bearer
//! header, or the `p2p_access` cookie; a missing or bad token is a 401 problem
//! document). A cookie-authenticated handshake must carry an allowed `Origin`
//! (`P2P_CORS_ORIGINS` or the server's own, else 403 `origin_not_allowed`). The socket itself is driven by `p2p_realtime::serve` inside
//! the response body (`crate::http::websocket`): small frame limits, a ping
//! every 20 s, closed with a reason after 60 s of silence, on slow consumer,
//! when the session is revoked, when the access token expires
//! (`token_expired`: reconnect with a fresh token and `since`) and on server
//! shutdown. One user holds at most `P2P_WS_MAX_SOCKETS_PER_USER` sockets on
//! an instance (the handshake beyond it is refused with 429
//! `too_many_sockets` and `Retry-After`, before any upgrade); each socket may
//! send `P2P_WS_SUBSCRIBES_PER_MINUTE` subscribes (then `error`
//! `rate_limited`) and a replay sends at most `P2P_WS_MAX_REPLAY_EVENTS`
//! events (a longer one is `resync_required`).

use crate::backends::Backends;
use crate::config::{MemoryBounds, WebSocketSettings};
use crate::http::ApiError;
use crate::http::cookies::ACCESS_COOKIE;
use crate::http::extract::parse_query;
use crate::http::websocket;
use crate::services::Services;
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use p2p_forum::ForumService;
use p2p_identity::IdentityService;
use p2p_kernel::ids::TopicId;
use p2p_kernel::{Actor, DomainError, ErrorKind};
use p2p_realtime::{
    Authenticated, Authenticator, Channel, ChannelRules, ClientFrame, CloseReason, Connection,
    ConnectionLimits, Hub, KnownTopics, LocalTask, Realtime, ReplayConfig, ServerFrame,
    TopicLookup,
};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;

/// The tag of the socket operations in the OpenAPI document.
const SOCKET_TAG: &str = "realtime";

/// The largest message (frame, or frames joined by continuations) a client may send.
const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// This instance's hub: on Redis when configured (its log and fan-out shared
/// with every instance on the same prefix), in process otherwise.
pub async fn start_hub(backends: &Backends, bounds: &MemoryBounds) -> anyhow::Result<Hub> {
    let replay = replay_config(bounds);
    let hub = match &backends.redis {
        Some(redis) => Hub::redis(redis.clone(), replay).await,
        None => Hub::in_memory(replay).await,
    };
    let hub = hub.map_err(|e| anyhow::anyhow!("realtime hub: {e}"))?;
    hub.spawn_shards_with(Arc::new(spawn_on_actix_worker));
    Ok(hub)
}

/// What the replay log keeps, from the configured bounds.
fn replay_config(bounds: &MemoryBounds) -> ReplayConfig {
    ReplayConfig {
        max_events: bounds.replay_max_events,
        retention: bounds.replay_retention,
        max_bytes: bounds.replay_max_bytes,
        max_channels: bounds.replay_max_channels,
        ..ReplayConfig::default()
    }
}

thread_local! {
    /// Whether this thread is an HTTP worker (which can run local tasks).
    static SOCKET_WORKER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Marks the calling thread as an HTTP worker: sockets accepted here get a
/// hub shard on this thread (see `p2p_realtime::registry`).
pub fn serve_sockets_on_this_thread() {
    SOCKET_WORKER.with(|w| w.set(true));
}

/// Runs a task on the calling HTTP worker (where its sockets are served), so
/// that the hub wakes the worker's sockets from the worker itself; other
/// threads cannot run it.
fn spawn_on_actix_worker(task: LocalTask) -> Result<(), LocalTask> {
    if !SOCKET_WORKER.with(std::cell::Cell::get) {
        return Err(task);
    }
    actix_web::rt::spawn(task);
    Ok(())
}

/// What the socket routes need: the hub, the identity service checking
/// handshake tokens, and the channel rules (topics must exist in the forum;
/// the topics found are remembered a minute, see [`KnownTopics`]).
/// Replays carry the current state of what they are about
/// ([`Services::replay_states`]).
/// `limits` bound what one user and one socket may make it do.
pub fn realtime(hub: Hub, services: &Services, limits: &WebSocketSettings) -> Realtime {
    if !hub.resolve_replays_with(services.replay_states()) {
        tracing::warn!("the realtime hub already resolves replays: kept as it was");
    }
    Realtime::new(
        hub,
        Arc::new(IdentityAuthenticator(services.identity.clone())),
        Arc::new(ChannelRules::new(KnownTopics::new(ForumTopics(
            services.forum.clone(),
        )))),
    )
    .with_limits(ConnectionLimits {
        subscribes_per_minute: limits.subscribes_per_minute,
        max_replay_events: limits.max_replay_events,
        ..ConnectionLimits::default()
    })
    .with_max_sockets_per_user(limits.max_sockets_per_user)
}

/// `topic:<id>` channels exist when the forum has the topic.
struct ForumTopics(Arc<dyn ForumService>);

#[async_trait::async_trait]
impl TopicLookup for ForumTopics {
    async fn topic_exists(&self, topic: TopicId) -> Result<bool, DomainError> {
        self.0.topic_exists(topic).await
    }
}

/// Handshake tokens are access tokens checked by the identity service
/// (signature, expiry and the session's state).
pub struct IdentityAuthenticator(pub Arc<dyn IdentityService>);

#[async_trait::async_trait]
impl Authenticator for IdentityAuthenticator {
    async fn authenticate(&self, access_token: &str) -> Result<Authenticated, DomainError> {
        let (actor, expires_at) = self.0.authenticate_until(access_token).await?;
        Ok(Authenticated {
            actor,
            expires_at: Some(expires_at),
        })
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SocketQuery {
    /// The access token; browsers may rely on the `p2p_access` cookie instead.
    access_token: Option<String>,
    /// The last sequence number the client saw on the socket's initial
    /// channel (its own `user:<id>` channel on `/ws`, the topic on
    /// `/ws/forum/{topic_id}`): the events after it are replayed first.
    since: Option<u64>,
}

/// Opens the multiplexed real-time socket.
///
/// Client frames (`WsClientFrame`): `subscribe {channel, since?}`, `unsubscribe {channel}`,
/// `ping`. Server frames (`WsServerFrame`): `event {channel, seq, event, data}`,
/// `subscribed {channel, seq}`, `unsubscribed {channel}`,
/// `error {code, message, channel?}`, `pong`, `resync_required {channel, from_seq}`.
/// The caller's own `user:<id>` channel is subscribed automatically (from
/// `since` when given); other channels replay from their own `since`.
/// The socket closes with code 1008 and reason `session_revoked` when its
/// session ends, or `token_expired` when its access token expires: reconnect
/// with a fresh token and `since` to miss nothing.
/// Limits: a user's open sockets (429 `too_many_sockets` beyond them), the
/// `subscribe` frames of a socket per minute (`error` `rate_limited`), and the
/// events of one replay (`resync_required` beyond them: reload over HTTP).
/// A replayed event carries its object's current state; a deleted object's
/// only `{"id"}`.
#[utoipa::path(tag = SOCKET_TAG, params(SocketQuery), responses(
    (status = 101, description = "switching to the WebSocket protocol"),
    (status = 400, body = crate::http::error::Problem, description = "not a WebSocket handshake"),
    (status = 401, body = crate::http::error::Problem, description = "missing or invalid access token"),
    (status = 403, body = crate::http::error::Problem, description = "origin_not_allowed: authenticated by the session cookie from an origin that is neither P2P_CORS_ORIGINS nor the server's own"),
    (status = 429, body = crate::http::error::Problem, description = "too_many_sockets: the user holds as many open sockets as allowed"),
))]
#[get("/ws")]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query: SocketQuery = parse_query(req.query_string())?;
    let (actor, deadline) = authenticate(&req, &state, query.access_token.as_deref()).await?;
    let mut conn = state.realtime.connect(actor, query.since).await?;
    if let Some(at) = deadline {
        conn.expire_at(at);
    }
    upgrade(&req, body, &state, conn)
}

/// Opens a socket bound to one forum topic (kept for the original plan's clients).
///
/// It receives the topic's `event` frames (after `subscribed`, and after the
/// replay when `since` is given) and answers `ping`; it cannot subscribe to
/// other channels (`subscribe` and `unsubscribe` answer `error` `unsupported`).
/// The frames are those of `/ws`: `WsClientFrame` in, `WsServerFrame` out.
#[utoipa::path(tag = SOCKET_TAG, params(
    ("topic_id" = TopicId, Path, description = "the topic"),
    SocketQuery,
), responses(
    (status = 101, description = "switching to the WebSocket protocol"),
    (status = 400, body = crate::http::error::Problem, description = "not a WebSocket handshake"),
    (status = 401, body = crate::http::error::Problem, description = "missing or invalid access token"),
    (status = 403, body = crate::http::error::Problem, description = "origin_not_allowed: authenticated by the session cookie from an origin that is neither P2P_CORS_ORIGINS nor the server's own"),
    (status = 404, body = crate::http::error::Problem, description = "no such topic"),
    (status = 429, body = crate::http::error::Problem, description = "too_many_sockets: the user holds as many open sockets as allowed"),
))]
#[get("/ws/forum/{topic_id}")]
pub async fn connect_forum(
    req: HttpRequest,
    body: web::Payload,
    path: web::Path<TopicId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query: SocketQuery = parse_query(req.query_string())?;
    let (actor, deadline) = authenticate(&req, &state, query.access_token.as_deref()).await?;
    let channel = Channel::topic(path.into_inner());
    let mut conn = state
        .realtime
        .connect_bound(actor, channel, query.since)
        .await?;
    if let Some(at) = deadline {
        conn.expire_at(at);
    }
    upgrade(&req, body, &state, conn)
}

/// Adds the `x-websocket` extension to every socket operation (tag
/// `realtime`): the schemas of the frames each way, which are the realtime
/// crate's own types, and the close frames the server sends (code and reason).
pub fn describe_protocol(document: &mut OpenApi) {
    let schema = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    let close_frames: Vec<serde_json::Value> = CloseReason::ALL
        .iter()
        .map(|reason| json!({"code": reason.code(), "reason": reason.as_str()}))
        .collect();
    let protocol = json!({
        "client_frames": schema(&ClientFrame::name()),
        "server_frames": schema(&ServerFrame::name()),
        "close_frames": close_frames,
    });
    for item in document.paths.paths.values_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        let is_socket = operation.tags.iter().flatten().any(|tag| tag == SOCKET_TAG);
        if is_socket {
            let extension = ExtensionsBuilder::new()
                .add("x-websocket", protocol.clone())
                .build();
            operation
                .extensions
                .get_or_insert_with(Default::default)
                .merge(extension);
        }
    }
}

fn unauthenticated() -> ApiError {
    DomainError::unauthenticated("a valid access token is required (access_token query parameter, Bearer header or session cookie)").into()
}

/// The handshake's access token, and whether it came from the session cookie
/// (which any page can make the browser send) rather than the query or the
/// `Authorization: Bearer` header (which only the client itself can set).
fn access_token(req: &HttpRequest, from_query: Option<&str>) -> Option<(String, bool)> {
    explicit_token(req, from_query)
        .map(|token| (token, false))
        .or_else(|| {
            req.cookie(ACCESS_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|t| !t.is_empty())
                .map(|token| (token, true))
        })
}

/// The token from the query or the `Authorization: Bearer` header.
fn explicit_token(req: &HttpRequest, from_query: Option<&str>) -> Option<String> {
    if let Some(token) = from_query.map(str::trim).filter(|t| !t.is_empty()) {
        return Some(token.to_owned());
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    bearer.map(str::to_owned)
}

/// The caller and when the socket must end (its access token's expiry). A
/// handshake authenticated by the cookie must come from an allowed origin.
async fn authenticate(
    req: &HttpRequest,
    state: &AppState,
    from_query: Option<&str>,
) -> Result<(Actor, Option<tokio::time::Instant>), ApiError> {
    let (token, by_cookie) = access_token(req, from_query).ok_or_else(unauthenticated)?;
    if by_cookie {
        websocket::require_allowed_origin(req, &state.settings)?;
    }
    state
        .realtime
        .authenticate(&token)
        .await
        .map_err(|e| match e.kind_of() {
            ErrorKind::Unauthenticated => unauthenticated(),
            _ => e.into(),
        })
}

fn upgrade(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
    conn: Connection,
) -> Result<HttpResponse, ApiError> {
    let heartbeat = state.realtime.heartbeat();
    let shutdown = state.shutdown.clone();
    let user = conn.actor().user_id;
    websocket::upgrade(req, body, MAX_MESSAGE_BYTES, move |transport| async move {
        let reason = p2p_realtime::serve(conn, transport, heartbeat, shutdown).await;
        tracing::debug!(%user, reason = reason.as_str(), "websocket closed");
    })
}
