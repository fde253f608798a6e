//! The OpenAPI document: metadata here, paths and schemas collected from the
//! registered handlers by construction.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "P2P Sandbox API",
        description = "Peer collaboration for industrial SMEs: organizations, forums, use cases, messaging and dashboards. Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    // Enums used only as query parameters are referenced, not inlined: list them here.
    // The WebSocket frames (`WsClientFrame`, `WsServerFrame`) are no operation's body:
    // the socket operations name them in their `x-websocket` extension.
    components(schemas(
        crate::http::error::Problem,
        p2p_forum::TopicSort,
        p2p_usecases::Sort,
        p2p_realtime::ClientFrame,
        p2p_realtime::ServerFrame,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness, readiness and metrics"),
        (name = "realtime", description = "WebSockets. The frames are JSON text messages: the client sends `WsClientFrame`s, the server sends `WsServerFrame`s (both schemas are in `components`; each socket operation names them in its `x-websocket` extension: `client_frames`, `server_frames`, and the `close_frames` the server ends a socket with, as code and reason)."),
        (name = "auth", description = "Accounts, sessions and tokens. Browsers may use the HttpOnly cookies set by signup/login/refresh; a state-changing request authenticated by cookie must send the `p2p_csrf` cookie's value in `x-csrf-token`."),
        (name = "users", description = "Profiles, members, invitations"),
        (name = "organizations", description = "The caller's organization"),
        (name = "files", description = "File storage"),
        (name = "forums", description = "Topics, threaded posts, votes and accepted answers. Post `content` is the Markdown source; render `content_html` (sanitized)."),
        (name = "dashboard", description = "Statistics, activity feed and trending topics and use cases (with the components of each score)"),
        (name = "search", description = "Full-text search over users, topics, posts and use cases: weighted ranking with a recency boost, one-typo tolerance for words of 5+ letters, highlighted snippets"),
        (name = "messages", description = "Private 1:1 conversations between any two users of the platform, read state and blocks. New messages arrive live on the recipient's `user:<id>` channel as `message.created`; reads as `message.read`."),
        (name = "moderation", description = "Reports of topics, posts, use cases, messages (by their recipient) and users; moderators (platform superusers, admins of the author's organization) resolve them (dismiss, hide, delete) and unhide content. Hidden content is visible only to its author and moderators."),
        (name = "notifications", description = "Replies, mentions, best answers, messages, invitations and published use cases; live as `notification.created` on `user:<id>`; emailed in batched digests per the user's preferences. Replies in one topic are grouped: while the user's notification about that topic is unread and its first reply is younger than `P2P_NOTIFICATION_GROUP_SECS` (default 600 s), each new reply adds one to its `count` (title `10 new replies in \"<topic>\"`, `actor_id`, `link` and `data` of the latest reply) and is announced as `notification.updated` with the whole notification (same `id`, new `count`, `title`, `updated_at`); it stays one unread notification. Once it is read, or the window has passed, the next reply creates a new notification."),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    /// Every `$ref` names a schema of the document (a dangling one breaks the
    /// docs page and `cargo xtask codegen`): register it in `components` above.
    #[test]
    fn every_schema_reference_resolves() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let schemas = &doc["components"]["schemas"];
        let text = doc.to_string();
        let prefix = "\"#/components/schemas/";
        let dangling: Vec<&str> = text
            .match_indices(prefix)
            .filter_map(|(at, _)| text[at + prefix.len()..].split('"').next())
            .filter(|name| schemas.get(*name).is_none())
            .collect();
        assert!(dangling.is_empty(), "unregistered schemas: {dangling:?}");
    }

    /// Every `{name}` of a path is declared as a path parameter of each of its
    /// operations (generated clients build their URLs from the declarations).
    #[test]
    fn every_path_parameter_is_declared() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let mut undeclared = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            for (method, operation) in item.as_object().into_iter().flatten() {
                let declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                for name in names.iter().filter(|n| !declared.contains(n)) {
                    undeclared.push(format!("{method} {path}: {name}"));
                }
            }
        }
        assert!(undeclared.is_empty(), "undeclared: {undeclared:#?}");
    }

    /// Operation ids are unique: generated clients key their operations by
    /// id (a repeated one is a duplicate member that no longer type-checks).
    #[test]
    fn operation_ids_are_unique() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let mut seen = std::collections::BTreeMap::<String, String>::new();
        let mut repeated = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let Some(id) = operation["operationId"].as_str() else {
                    continue;
                };
                let here = format!("{method} {path}");
                if let Some(first) = seen.insert(id.to_owned(), here.clone()) {
                    repeated.push(format!("{id}: {first} and {here}"));
                }
            }
        }
        assert!(repeated.is_empty(), "repeated operation ids: {repeated:#?}");
        assert!(seen.len() > 80, "only {} operations", seen.len());
    }

    /// The socket operations name the frame schemas, which list every frame
    /// type the realtime crate serializes.
    #[test]
    fn sockets_name_their_frames() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        for path in ["/ws", "/ws/forum/{topic_id}"] {
            let protocol = &doc["paths"][path]["get"]["x-websocket"];
            assert_eq!(
                protocol["client_frames"]["$ref"], "#/components/schemas/WsClientFrame",
                "{path}"
            );
            assert_eq!(
                protocol["server_frames"]["$ref"], "#/components/schemas/WsServerFrame",
                "{path}"
            );
            let closes = protocol["close_frames"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            assert!(
                closes
                    .iter()
                    .any(|c| c["reason"] == "token_expired" && c["code"] == 1008),
                "{path}: {closes:?}"
            );
        }
        let frame_types = |schema: &str| {
            let mut types: Vec<String> = doc["components"]["schemas"][schema]["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v["properties"]["type"]["enum"][0].as_str())
                .map(str::to_owned)
                .collect();
            types.sort();
            types
        };
        assert_eq!(
            frame_types("WsServerFrame"),
            [
                "error",
                "event",
                "pong",
                "resync_required",
                "subscribed",
                "unsubscribed"
            ]
        );
        assert_eq!(
            frame_types("WsClientFrame"),
            ["ping", "subscribe", "unsubscribe"]
        );
    }

    /// A page size the server refuses is outside the documented range.
    #[test]
    fn page_limits_state_their_range() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let get = &item["get"]["parameters"];
            for limit in get.as_array().into_iter().flatten() {
                if limit["name"] == "limit" {
                    assert_eq!(limit["schema"]["minimum"], 1, "{path}");
                    assert_eq!(limit["schema"]["maximum"], 100, "{path}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 10, "only {checked} paged lists");
    }
}
