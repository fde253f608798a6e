//! The one registry of problem codes: every `code` a problem document can carry.
//!
//! A client switches on `code`, so the set is part of the API contract: a code is added
//! here, with the Arabic `detail` of its problem documents, never spelled as a string
//! literal elsewhere, and never renamed. The OpenAPI document lists them as an enum.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal => $arabic:literal, )*) => {
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

            /// The Arabic `detail` of a problem document with this code (the
            /// English one comes from the domain, which knows the specifics).
            pub const fn arabic_detail(self) -> &'static str {
                match self {
                    $(Code::$variant => $arabic,)*
                }
            }
        }
    };
}

codes! {
    // The default code of each error kind.
    BadRequest = "bad_request" => "الطلب غير صالح.",
    ValidationFailed = "validation_failed" => "في الطلب حقول غير صالحة.",
    Unauthenticated = "unauthenticated" => "يلزم تسجيل الدخول للوصول إلى هذا المورد.",
    Forbidden = "forbidden" => "لا تملك صلاحية تنفيذ هذا الإجراء.",
    NotFound = "not_found" => "المورد المطلوب غير موجود.",
    MethodNotAllowed = "method_not_allowed" => "هذه الطريقة غير مسموح بها على هذا المورد.",
    RequestTimeout = "request_timeout" => "لم يكتمل وصول الطلب في الوقت المحدد.",
    Conflict = "conflict" => "يتعارض الطلب مع الحالة الحالية للمورد.",
    Gone = "gone" => "لم يعد هذا المورد متاحًا.",
    PayloadTooLarge = "payload_too_large" => "حجم الطلب أكبر من المسموح به.",
    UnsupportedMediaType = "unsupported_media_type" => "نوع المحتوى غير مدعوم.",
    RateLimited = "rate_limited" => "طلبات كثيرة خلال وقت قصير؛ أعد المحاولة بعد قليل.",
    ServiceUnavailable = "service_unavailable" => "الخدمة غير متاحة مؤقتًا؛ أعد المحاولة بعد قليل.",
    Internal = "internal" => "حدث خطأ داخلي وتم تسجيله.",

    // Requests the HTTP shell refuses before any domain sees them.
    /// The body is not well-formed JSON.
    MalformedJson = "malformed_json" => "نص الطلب ليس JSON صالحًا.",
    /// The body could not be read (a broken or truncated stream).
    InvalidBody = "invalid_body" => "تعذّرت قراءة نص الطلب.",
    /// A multipart upload without exactly one `file` part.
    InvalidMultipart = "invalid_multipart" => "يجب أن يحتوي الرفع على جزء واحد فقط باسم file.",
    /// A cookie-authenticated write without the anti-CSRF header.
    CsrfFailed = "csrf_failed" => "ينقص الطلب ترويسة الحماية من تزوير الطلبات (anti-CSRF).",
    /// A WebSocket handshake from a browser origin that is not allowed.
    OriginNotAllowed = "origin_not_allowed" => "مصدر الاتصال غير مسموح به.",
    /// A WebSocket handshake that is not a valid upgrade.
    WebsocketHandshakeFailed = "websocket_handshake_failed" => "طلب ترقية WebSocket غير صالح.",
    /// The user already holds as many open WebSockets as allowed.
    TooManySockets = "too_many_sockets" => "لديك العدد الأقصى المسموح به من الاتصالات المفتوحة.",

    // Frames a WebSocket refuses (`error` frames; the socket stays open).
    /// A client frame that is not a `subscribe`, `unsubscribe` or `ping` object.
    InvalidFrame = "invalid_frame" => "الإطار المرسل غير صالح؛ المتوقع كائن JSON من نوع subscribe أو unsubscribe أو ping.",
    /// A channel name that is not `forum`, `topic:<id>`, `user:<id>` or `org:<id>`.
    InvalidChannel = "invalid_channel" => "اسم القناة غير صالح.",
    /// The socket is subscribed to as many channels as allowed.
    TooManySubscriptions = "too_many_subscriptions" => "بلغت العدد الأقصى من القنوات على هذا الاتصال؛ ألغِ الاشتراك في إحداها أولًا.",
    /// What a socket bound to one topic cannot do (choosing channels).
    Unsupported = "unsupported" => "هذا الاتصال مخصص لموضوع واحد؛ استخدم /ws لاختيار القنوات.",

    // Identity: accounts, sessions, tokens, invitations.
    EmailTaken = "email_taken" => "هذا البريد الإلكتروني مسجّل مسبقًا.",
    OrganizationExists = "organization_exists" => "توجد منشأة مسجّلة بهذا الاسم أو النطاق.",
    InvitationPending = "invitation_pending" => "توجد دعوة معلّقة لهذا البريد الإلكتروني.",
    InvitationRevoked = "invitation_revoked" => "أُلغيت هذه الدعوة.",
    LastAdmin = "last_admin" => "لا يمكن إزالة آخر مسؤول في المنشأة.",
    AlreadyVerified = "already_verified" => "تم تأكيد البريد الإلكتروني مسبقًا.",
    EmailNotVerified = "email_not_verified" => "يجب تأكيد البريد الإلكتروني أولًا.",
    InvalidCredentials = "invalid_credentials" => "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
    InvalidRefreshToken = "invalid_refresh_token" => "رمز التحديث غير صالح؛ سجّل الدخول من جديد.",
    RefreshTokenReused = "refresh_token_reused" => "استُخدم رمز التحديث من قبل، فأُنهيت الجلسة احتياطًا؛ سجّل الدخول من جديد.",
    InvalidToken = "invalid_token" => "الرمز غير صالح.",
    TokenExpired = "token_expired" => "انتهت صلاحية الرمز.",
    TokenUsed = "token_used" => "استُخدم هذا الرمز من قبل.",

    // Forum.
    /// 409: the topic is locked and takes no new posts.
    TopicLocked = "topic_locked" => "الموضوع مقفل ولا يقبل ردودًا جديدة.",
    /// 409: the post was deleted (it cannot be edited, voted on or accepted).
    PostDeleted = "post_deleted" => "حُذفت هذه المشاركة.",
    /// 409: authors cannot upvote their own posts.
    CannotUpvoteOwnPost = "cannot_upvote_own_post" => "لا يمكنك التصويت لمشاركتك.",
    /// 409: the first post of a topic cannot be the accepted answer.
    FirstPostCannotBeAnswer = "first_post_cannot_be_answer" => "لا يمكن اعتماد المشاركة الأولى في الموضوع إجابةً.",
    /// 409: the first post of a topic is deleted with its topic, not alone.
    FirstPostNotDeletable = "first_post_not_deletable" => "تُحذف المشاركة الأولى مع موضوعها فقط.",

    // Messaging.
    /// 403: the recipient blocked the sender.
    Blocked = "blocked" => "حظرك المستلم، فلا يمكنك مراسلته.",
    /// 409: the sender blocked the recipient (unblock to write).
    RecipientBlocked = "recipient_blocked" => "أنت تحظر هذا المستخدم؛ ألغِ الحظر لمراسلته.",

    // Use cases.
    AlreadyPublished = "already_published" => "نُشرت حالة الاستخدام هذه من قبل.",

    // Moderation.
    /// 409: the report was already resolved.
    ReportAlreadyResolved = "report_already_resolved" => "عولج هذا البلاغ من قبل.",

    // Files.
    UploadFailed = "upload_failed" => "تعذّر رفع الملف.",
    AlreadyUploaded = "already_uploaded" => "رُفع هذا الملف من قبل.",
    UploadIncomplete = "upload_incomplete" => "لم يكتمل رفع الملف.",
    InvalidSignature = "invalid_signature" => "توقيع الرابط غير صالح.",
    ExpiredSignature = "expired_signature" => "انتهت صلاحية الرابط.",
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

/// Reads a code back from its text (clients of the realtime frames); an
/// unknown text is an error.
impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown problem code `{text}`")))
    }
}

/// A string schema allowing exactly `values` (for the code registries).
pub(crate) fn string_enum<'a>(
    values: impl Iterator<Item = &'a str>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        string_enum(Code::ALL.iter().map(|c| c.as_str()))
    }
}

impl utoipa::ToSchema for Code {}

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
            assert!(
                code.arabic_detail()
                    .chars()
                    .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                "{text} has no Arabic detail"
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

    #[test]
    fn deserializes_from_its_text_and_refuses_unknown_ones() {
        for code in Code::ALL {
            let text = serde_json::to_string(code).unwrap_or_default();
            assert_eq!(serde_json::from_str::<Code>(&text).ok(), Some(*code));
        }
        assert!(serde_json::from_str::<Code>("\"no_such_code\"").is_err());
    }
}
