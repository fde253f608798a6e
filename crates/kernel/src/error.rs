//! The error model shared by every domain.
//!
//! A domain returns [`DomainError`] (or its own type implementing [`ErrorCode`]);
//! the HTTP shell turns it into an RFC 9457 problem document. Only what a
//! client may see goes into `code`, `detail` and `fields`; the underlying cause of
//! an internal or unavailable error stays in `source` and goes to the logs.

pub use crate::code::Code;
use crate::field_code::FieldCode;
use crate::locale::Locale;
use serde::Serialize;
use std::fmt;

/// The class of an error: decides the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    BadRequest,
    Validation,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    /// The request (its body) did not arrive in time: 408.
    RequestTimeout,
    Conflict,
    Gone,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Unavailable,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::RequestTimeout => 408,
            ErrorKind::Conflict => 409,
            ErrorKind::Gone => 410,
            ErrorKind::PayloadTooLarge => 413,
            ErrorKind::UnsupportedMediaType => 415,
            ErrorKind::Validation => 422,
            ErrorKind::RateLimited => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }

    /// The default stable machine code of this kind.
    pub fn default_code(self) -> Code {
        match self {
            ErrorKind::BadRequest => Code::BadRequest,
            ErrorKind::Validation => Code::ValidationFailed,
            ErrorKind::Unauthenticated => Code::Unauthenticated,
            ErrorKind::Forbidden => Code::Forbidden,
            ErrorKind::NotFound => Code::NotFound,
            ErrorKind::MethodNotAllowed => Code::MethodNotAllowed,
            ErrorKind::RequestTimeout => Code::RequestTimeout,
            ErrorKind::Conflict => Code::Conflict,
            ErrorKind::Gone => Code::Gone,
            ErrorKind::PayloadTooLarge => Code::PayloadTooLarge,
            ErrorKind::UnsupportedMediaType => Code::UnsupportedMediaType,
            ErrorKind::RateLimited => Code::RateLimited,
            ErrorKind::Unavailable => Code::ServiceUnavailable,
            ErrorKind::Internal => Code::Internal,
        }
    }

    /// The problem document's `title`: the status's reason phrase, in `locale`.
    pub fn title(self, locale: Locale) -> &'static str {
        match locale {
            Locale::En => self.english_title(),
            Locale::Ar => self.arabic_title(),
        }
    }

    fn english_title(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "Bad Request",
            ErrorKind::Unauthenticated => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::NotFound => "Not Found",
            ErrorKind::MethodNotAllowed => "Method Not Allowed",
            ErrorKind::RequestTimeout => "Request Timeout",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::Gone => "Gone",
            ErrorKind::PayloadTooLarge => "Payload Too Large",
            ErrorKind::UnsupportedMediaType => "Unsupported Media Type",
            ErrorKind::Validation => "Unprocessable Entity",
            ErrorKind::RateLimited => "Too Many Requests",
            ErrorKind::Internal => "Internal Server Error",
            ErrorKind::Unavailable => "Service Unavailable",
        }
    }

    fn arabic_title(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "طلب غير صالح",
            ErrorKind::Unauthenticated => "يلزم تسجيل الدخول",
            ErrorKind::Forbidden => "غير مسموح",
            ErrorKind::NotFound => "غير موجود",
            ErrorKind::MethodNotAllowed => "طريقة غير مسموح بها",
            ErrorKind::RequestTimeout => "انتهت مهلة الطلب",
            ErrorKind::Conflict => "تعارض",
            ErrorKind::Gone => "لم يعد متاحًا",
            ErrorKind::PayloadTooLarge => "حجم الطلب كبير جدًا",
            ErrorKind::UnsupportedMediaType => "نوع محتوى غير مدعوم",
            ErrorKind::Validation => "بيانات غير صالحة",
            ErrorKind::RateLimited => "طلبات كثيرة جدًا",
            ErrorKind::Internal => "خطأ داخلي في الخادم",
            ErrorKind::Unavailable => "الخدمة غير متاحة",
        }
    }

    pub fn is_server_error(self) -> bool {
        matches!(self, ErrorKind::Internal | ErrorKind::Unavailable)
    }
}

/// One invalid field of a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
    /// What is wrong, in the request's language.
    pub message: String,
    /// The limit the broken rule names (a length, a count), for messages in
    /// other languages.
    #[serde(skip)]
    pub limit: Option<u64>,
}

impl FieldError {
    /// A field error with its English `message`.
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
            limit: None,
        }
    }

    /// A list longer than `max` entries (`at most 10 tags`).
    pub fn too_many(field: impl Into<String>, max: usize, what: &str) -> Self {
        Self::new(field, FieldCode::TooMany, format!("at most {max} {what}")).with_limit(max)
    }

    /// Names the limit the rule sets (`at most 200 characters`: 200).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = u64::try_from(limit).ok();
        self
    }

    /// The error as shown to a client speaking `locale`.
    pub fn localized(&self, locale: Locale) -> FieldError {
        let mut shown = self.clone();
        if locale == Locale::Ar {
            shown.message = self.code.arabic_message(self.limit);
        }
        shown
    }
}

/// What the HTTP shell needs to know about any domain error.
pub trait ErrorCode: std::error::Error + Send + Sync + 'static {
    fn kind(&self) -> ErrorKind;
    /// Stable snake_case machine code, from the one registry.
    fn code(&self) -> Code {
        self.kind().default_code()
    }
    /// Human-readable explanation safe to show to the client. Never used for 5xx.
    fn public_detail(&self) -> String;
    fn field_errors(&self) -> &[FieldError] {
        &[]
    }
    /// Seconds after which a rate-limited request may be retried.
    fn retry_after_secs(&self) -> Option<u64> {
        None
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The general-purpose domain error.
pub struct DomainError {
    kind: ErrorKind,
    code: Code,
    detail: String,
    fields: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    source: Option<Source>,
}

impl DomainError {
    pub fn new(kind: ErrorKind, code: Code, detail: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            detail: detail.into(),
            fields: Vec::new(),
            retry_after_secs: None,
            source: None,
        }
    }

    pub fn bad_request(code: Code, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, code, detail)
    }

    /// 422 with one or more field errors.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            ErrorKind::Validation,
            Code::ValidationFailed,
            "the request has invalid fields",
        );
        e.fields = fields;
        e
    }

    /// 422 for a single field.
    pub fn invalid_field(
        field: impl Into<String>,
        code: FieldCode,
        message: impl Into<String>,
    ) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, Code::Unauthenticated, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, Code::Forbidden, detail)
    }

    /// 404 naming what was not found (`"topic"`, `"user"`...).
    pub fn not_found(what: &str) -> Self {
        Self::new(
            ErrorKind::NotFound,
            Code::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn conflict(code: Code, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, detail)
    }

    pub fn gone(code: Code, detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::Gone, code, detail)
    }

    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            ErrorKind::RateLimited,
            Code::RateLimited,
            "too many requests, retry later",
        );
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(ErrorKind::PayloadTooLarge, Code::PayloadTooLarge, detail)
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::UnsupportedMediaType,
            Code::UnsupportedMediaType,
            detail,
        )
    }

    /// A backend (database, cache, store) could not be reached: 503.
    pub fn unavailable(
        backend: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        let mut e = Self::new(
            ErrorKind::Unavailable,
            Code::ServiceUnavailable,
            format!("{backend} unavailable"),
        );
        e.source = Some(source.into());
        e
    }

    /// An unexpected failure: 500; the cause is logged, never shown.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let mut e = Self::new(ErrorKind::Internal, Code::Internal, "internal error");
        e.source = Some(source.into());
        e
    }

    /// A stored value that cannot be read back (a corrupt JSON column, an id
    /// that does not parse, a negative count): 500, naming `what` in the logs.
    pub fn corrupt(what: &str, detail: impl fmt::Display) -> Self {
        Self::internal(std::io::Error::other(format!(
            "stored {what} is not readable: {detail}"
        )))
    }

    /// Tells the client when to retry (`Retry-After`), e.g. for a 429 with its own code.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    /// Renames field errors `{from}…` to `{to}…` (e.g. the files port's
    /// `files[2]` to a domain's `attachments[2]`); the rest stays as it is.
    pub fn rename_fields(mut self, from: &str, to: &str) -> Self {
        for f in &mut self.fields {
            if let Some(rest) = f.field.strip_prefix(from) {
                f.field = format!("{to}{rest}");
            }
        }
        self
    }

    pub fn kind_of(&self) -> ErrorKind {
        self.kind
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Debug for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DomainError")
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("detail", &self.detail)
            .field("fields", &self.fields)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)?;
        if let Some(source) = &self.source {
            write!(f, " ({source})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DomainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl ErrorCode for DomainError {
    fn kind(&self) -> ErrorKind {
        self.kind
    }
    fn code(&self) -> Code {
        self.code
    }
    fn public_detail(&self) -> String {
        self.detail.clone()
    }
    fn field_errors(&self) -> &[FieldError] {
        &self.fields
    }
    fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after_secs
    }
}

impl From<crate::ports::PortError> for DomainError {
    fn from(e: crate::ports::PortError) -> Self {
        let backend = e.backend;
        DomainError::unavailable(backend, e)
    }
}

/// The kernel's database error mapper, kept here under its old path.
pub use crate::persistence::db_error;

impl From<sea_orm::DbErr> for DomainError {
    fn from(e: sea_orm::DbErr) -> Self {
        db_error(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_hide_their_cause() {
        let e = DomainError::internal(std::io::Error::other("disk on fire at /var/secret"));
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert_eq!(e.kind().status(), 500);
        assert!(!e.public_detail().contains("secret"));
        assert!(e.to_string().contains("secret"), "cause kept for the logs");
    }

    #[test]
    fn rate_limited_is_never_zero_seconds() {
        assert_eq!(DomainError::rate_limited(0).retry_after_secs(), Some(1));
    }
}
