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
    components(schemas(crate::http::error::Problem, p2p_forum::TopicSort, p2p_usecases::Sort)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness, readiness and metrics"),
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
