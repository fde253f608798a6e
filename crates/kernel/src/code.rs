//! The one registry of problem codes: every `code` a problem document can carry.
//!
//! A client switches on `code`, so the set is part of the API contract: a code is added
//! here, never spelled as a string literal elsewhere, and never renamed. [`Code::ALL`]
//! lists them for the OpenAPI document.

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// A stable, snake_case machine code of a problem document.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as it appears in problem documents.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    // The default code of each error kind.
    BadRequest = "bad_request",
    ValidationFailed = "validation_failed",
    Unauthenticated = "unauthenticated",
    Forbidden = "forbidden",
    NotFound = "not_found",
    MethodNotAllowed = "method_not_allowed",
    RequestTimeout = "request_timeout",
    Conflict = "conflict",
    Gone = "gone",
    PayloadTooLarge = "payload_too_large",
    UnsupportedMediaType = "unsupported_media_type",
    RateLimited = "rate_limited",
    ServiceUnavailable = "service_unavailable",
    Internal = "internal",

    // Requests the HTTP shell refuses before any domain sees them.
    /// The body is not well-formed JSON.
    MalformedJson = "malformed_json",
    /// The body could not be read (a broken or truncated stream).
    InvalidBody = "invalid_body",
    /// A multipart upload without exactly one `file` part.
    InvalidMultipart = "invalid_multipart",
    /// A cookie-authenticated write without the anti-CSRF header.
    CsrfFailed = "csrf_failed",
    /// A WebSocket handshake from a browser origin that is not allowed.
    OriginNotAllowed = "origin_not_allowed",
    /// A WebSocket handshake that is not a valid upgrade.
    WebsocketHandshakeFailed = "websocket_handshake_failed",
    /// The user already holds as many open WebSockets as allowed.
    TooManySockets = "too_many_sockets",

    // Identity: accounts, sessions, tokens, invitations.
    EmailTaken = "email_taken",
    OrganizationExists = "organization_exists",
    InvitationPending = "invitation_pending",
    InvitationRevoked = "invitation_revoked",
    LastAdmin = "last_admin",
    AlreadyVerified = "already_verified",
    EmailNotVerified = "email_not_verified",
    InvalidCredentials = "invalid_credentials",
    InvalidRefreshToken = "invalid_refresh_token",
    RefreshTokenReused = "refresh_token_reused",
    InvalidToken = "invalid_token",
    TokenExpired = "token_expired",
    TokenUsed = "token_used",

    // Forum.
    /// 409: the topic is locked and takes no new posts.
    TopicLocked = "topic_locked",
    /// 409: the post was deleted (it cannot be edited, voted on or accepted).
    PostDeleted = "post_deleted",
    /// 409: authors cannot upvote their own posts.
    CannotUpvoteOwnPost = "cannot_upvote_own_post",
    /// 409: the first post of a topic cannot be the accepted answer.
    FirstPostCannotBeAnswer = "first_post_cannot_be_answer",
    /// 409: the first post of a topic is deleted with its topic, not alone.
    FirstPostNotDeletable = "first_post_not_deletable",

    // Messaging.
    /// 403: the recipient blocked the sender.
    Blocked = "blocked",
    /// 409: the sender blocked the recipient (unblock to write).
    RecipientBlocked = "recipient_blocked",

    // Use cases.
    AlreadyPublished = "already_published",

    // Moderation.
    /// 409: the report was already resolved.
    ReportAlreadyResolved = "report_already_resolved",

    // Files.
    UploadFailed = "upload_failed",
    AlreadyUploaded = "already_uploaded",
    UploadIncomplete = "upload_incomplete",
    InvalidSignature = "invalid_signature",
    ExpiredSignature = "expired_signature",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_snake_case() {
        let mut seen = HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} is listed twice");
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text} is not snake_case"
            );
        }
    }

    #[test]
    fn serializes_as_its_text() {
        assert_eq!(
            serde_json::to_string(&Code::TopicLocked).ok().as_deref(),
            Some("\"topic_locked\"")
        );
        assert_eq!(Code::EmailTaken, "email_taken");
    }
}
