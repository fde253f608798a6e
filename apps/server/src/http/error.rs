//! The one error type of the HTTP layer: an RFC 9457 problem document.

use super::{locale, request_id};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use p2p_kernel::{Code, DomainError, ErrorCode, ErrorKind, FieldError, Locale};
use serde::Serialize;
use std::fmt;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem document as sent to clients.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type (`/problems/<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// The status's reason phrase, in the request's language (`Accept-Language`: `ar` or `en`).
    pub title: String,
    pub status: u16,
    /// What went wrong, in the request's language; never internals.
    pub detail: String,
    /// Stable snake_case machine code, the same in every language.
    pub code: Code,
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For SuperTokens SDK clients: `try refresh token` (the access token
    /// expired: refresh and retry), `unauthorised` or `invalid claim`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// For SuperTokens SDK clients: the session claims that failed (403
    /// `invalid claim`), e.g. `[{"id": "st-ev", "reason": {…}}]`.
    #[serde(
        rename = "claimValidationErrors",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Vec<Object>>)]
    pub claim_validation_errors: Option<serde_json::Value>,
}

/// An error on its way to becoming a problem response.
pub struct ApiError {
    kind: ErrorKind,
    code: Code,
    detail: String,
    fields: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    /// Full description for the logs (never sent for 5xx).
    internal: Option<Box<str>>,
    /// SuperTokens SDK fields and `Allow` (rare: boxed), see [`Extras`].
    extras: Option<Box<Extras>>,
}

/// Rare additions to a problem response (boxed): what SuperTokens SDK clients
/// read ([`Problem::message`], [`Problem::claim_validation_errors`]) and the
/// `Allow` header of a 405.
#[derive(Default)]
struct Extras {
    allow: Option<String>,
    message: Option<String>,
    claim_errors: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(kind: ErrorKind, code: Code, detail: impl Into<String>) -> Self {
        DomainError::new(kind, code, detail).into()
    }

    /// Adds the `message` SuperTokens SDKs read.
    pub fn with_message(mut self, message: &str) -> Self {
        self.extras.get_or_insert_with(Default::default).message = Some(message.to_owned());
        self
    }

    /// Adds the failed session claims (`claimValidationErrors`).
    pub fn with_claim_errors(mut self, errors: serde_json::Value) -> Self {
        self.extras
            .get_or_insert_with(Default::default)
            .claim_errors = Some(errors);
        self
    }

    /// The methods the resource does answer (`Allow` of a 405).
    pub fn with_allow(mut self, methods: &str) -> Self {
        self.extras.get_or_insert_with(Default::default).allow = Some(methods.to_owned());
        self
    }

    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound, Code::NotFound, "no such resource")
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorKind::MethodNotAllowed,
            Code::MethodNotAllowed,
            "this method is not allowed on this resource",
        )
    }

    pub fn internal(cause: impl fmt::Display) -> Self {
        let mut e = Self::new(ErrorKind::Internal, Code::Internal, "internal error");
        e.internal = Some(cause.to_string().into());
        e
    }

    pub fn code(&self) -> Code {
        self.code
    }

    fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn problem(&self) -> Problem {
        let language = locale::current();
        let code = self.code;
        let detail = match (language, self.kind) {
            (Locale::Ar, _) => code.arabic_detail().to_owned(),
            (Locale::En, ErrorKind::Internal) => {
                "an internal error occurred; it has been logged".to_owned()
            }
            (Locale::En, _) => self.detail.clone(),
        };
        Problem {
            type_: format!("/problems/{code}"),
            title: self.kind.title(language).to_owned(),
            status: self.status().as_u16(),
            detail,
            code,
            request_id: request_id::current(),
            errors: self.fields.iter().map(|f| f.localized(language)).collect(),
            message: self.extras.as_ref().and_then(|s| s.message.clone()),
            claim_validation_errors: self.extras.as_ref().and_then(|s| s.claim_errors.clone()),
        }
    }
}

impl<E: ErrorCode> From<E> for ApiError {
    fn from(e: E) -> Self {
        let kind = e.kind();
        Self {
            kind,
            code: e.code(),
            detail: e.public_detail(),
            fields: e.field_errors().to_vec(),
            retry_after_secs: e.retry_after_secs(),
            internal: kind.is_server_error().then(|| error_chain(&e).into()),
            extras: None,
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiError({}: {})", self.code, self.detail)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(internal) = &self.internal {
            match self.kind {
                ErrorKind::Unavailable => {
                    metrics::counter!("backend_errors_total", "backend" => backend_of(&self.detail))
                        .increment(1);
                    tracing::warn!(code = %self.code, error = %internal, "backend unavailable");
                }
                _ => tracing::error!(code = %self.code, error = %internal, "internal error"),
            }
        }
        let mut response = HttpResponse::build(self.status());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        response.insert_header((
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(locale::current().as_str()),
        ));
        response.append_header((header::VARY, HeaderValue::from_static("accept-language")));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = self.extras.as_ref().and_then(|s| s.allow.as_deref())
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.insert_header((header::ALLOW, value));
        }
        if self.kind == ErrorKind::Unavailable {
            response.insert_header((header::RETRY_AFTER, "5"));
        }
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        response.body(body)
    }
}

/// The backend named by an unavailable error's detail (`"redis unavailable"`),
/// as a metric label: one of the known backends, else `unknown`.
fn backend_of(detail: &str) -> &'static str {
    const BACKENDS: [&str; 9] = [
        "database",
        "mongodb",
        "redis",
        "pubsub",
        "s3",
        "files",
        "file storage",
        "smtp",
        "mail",
    ];
    let named = detail.strip_suffix(" unavailable").unwrap_or_default();
    BACKENDS
        .into_iter()
        .find(|b| *b == named)
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use p2p_kernel::{DomainError, FieldCode};

    #[test]
    fn internal_detail_never_reaches_the_body() {
        let e: ApiError =
            DomainError::internal(std::io::Error::other("password=hunter2 at /srv")).into();
        let body = serde_json::to_string(&e.problem()).unwrap_or_default();
        assert!(!body.contains("hunter2"));
        assert!(body.contains("\"code\":\"internal\""));
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn validation_errors_list_fields() {
        let e: ApiError =
            DomainError::invalid_field("email", FieldCode::InvalidEmail, "bad").into();
        let p = e.problem();
        assert_eq!(p.status, 422);
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.type_, "/problems/validation_failed");
    }
}
