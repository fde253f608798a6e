//! Extractors whose failures are problem documents with field errors:
//! malformed JSON → 400, well-formed but wrongly typed or missing fields → 422,
//! wrong content type → 415, body over the limit → 413.

use super::ApiError;
use super::allowed_methods::AllowedMethods;
use super::strict_json::Strict;
use actix_web::dev::Payload;
use actix_web::error::{PathError, PayloadError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use p2p_kernel::Code;
use p2p_kernel::text::defuse_name;
use p2p_kernel::{ErrorKind, FieldCode, FieldError};
use serde::de::DeserializeOwned;

/// A JSON request body.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T> ApiJson<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

fn is_json_content_type(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| {
            m.type_() == mime::APPLICATION
                && (m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON))
        })
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json_content_type(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !json {
                return Err(ApiError::new(
                    ErrorKind::UnsupportedMediaType,
                    Code::UnsupportedMediaType,
                    "the body must be application/json",
                ));
            }
            let bytes = body.await.map_err(|e| payload_error(&e))?;
            parse_json(&bytes).map(ApiJson)
        })
    }
}

/// Deserializes JSON, naming the failing field. A struct (at any depth) must
/// be a JSON object, as the document's schemas say (see [`Strict`]).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            ErrorKind::BadRequest,
            Code::MalformedJson,
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    serde_path_to_error::deserialize(Strict(value)).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner().to_string())
    })
}

/// A 422 for a field that failed to deserialize. Serde's message names the
/// missing field itself when the path is the containing object. Keys and
/// values the client sent are echoed only as plain text (`defuse_name`).
fn field_error(path: &str, message: &str) -> ApiError {
    let path = &*defuse_name(path);
    let message = defuse_name(&strip_position(message)).into_owned();
    let (field, code) = match message.strip_prefix("missing field `") {
        Some(rest) => {
            let name = rest.split('`').next().unwrap_or_default();
            let field = if path == "." || path.is_empty() {
                name.to_owned()
            } else {
                format!("{path}.{name}")
            };
            (field, FieldCode::Required)
        }
        None if message.starts_with("unknown field") => (path.to_owned(), FieldCode::UnknownField),
        None => (path.to_owned(), FieldCode::InvalidType),
    };
    ApiError::new(
        ErrorKind::Validation,
        Code::ValidationFailed,
        "the request has invalid fields",
    )
    .with_fields(vec![FieldError::new(field, code, message)])
}

/// Serde JSON appends " at line 1 column 12"; clients do not need it.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn payload_error(e: &actix_web::Error) -> ApiError {
    match e.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::new(
            ErrorKind::PayloadTooLarge,
            Code::PayloadTooLarge,
            "the request body is too large",
        ),
        _ => ApiError::new(
            ErrorKind::BadRequest,
            Code::InvalidBody,
            "the request body could not be read",
        ),
    }
}

/// Query parameters, with field-named errors.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T> ApiQuery<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiQuery<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(ApiQuery))
    }
}

pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded(query));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        field_error(&path, &e.into_inner().to_string())
    })
}

fn form_urlencoded(query: &str) -> url::form_urlencoded::Parse<'_> {
    url::form_urlencoded::parse(query.as_bytes())
}

/// Path parameters: actix's extractor with the error mapped (see [`path_error`]).
pub type ApiPath<T> = web::Path<T>;

/// A path segment that does not parse (a malformed id) names no resource:
/// 404 — unless the segment is a documented literal path that does not take
/// this method (`PATCH /users/invite`, caught by `PATCH /users/{id}`): 405.
pub fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let refused = req
        .app_data::<web::Data<AllowedMethods>>()
        .and_then(|a| a.refusing(req.path(), req.method()));
    if let Some(allow) = refused {
        return ApiError::method_not_allowed().with_allow(allow).into();
    }
    let detail = match err {
        PathError::Deserialize(e) => format!("invalid path parameter: {e}"),
        _ => "invalid path parameter".to_owned(),
    };
    ApiError::new(ErrorKind::NotFound, Code::NotFound, detail).into()
}

/// Errors of actix's own query extractor, for routes that use it.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    field_error("query", &err.to_string()).into()
}

/// Errors of actix's own JSON extractor, for routes that use it.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    match err {
        E::ContentType => ApiError::new(
            ErrorKind::UnsupportedMediaType,
            Code::UnsupportedMediaType,
            "the body must be application/json",
        ),
        E::Overflow { .. } | E::OverflowKnownLength { .. } => ApiError::new(
            ErrorKind::PayloadTooLarge,
            Code::PayloadTooLarge,
            "the request body is too large",
        ),
        E::Deserialize(e) if e.is_data() => field_error("", &e.to_string()),
        other => ApiError::new(
            ErrorKind::BadRequest,
            Code::MalformedJson,
            format!("the body is not valid JSON: {other}"),
        ),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: u32,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    #[test]
    fn json_errors_name_fields() {
        let e = parse_json::<Body>(br#"{"email": "a@b.c", "age": "x"}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::ValidationFailed));
        let e = parse_json::<Body>(br#"{"age": 3}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::ValidationFailed));
        let e = parse_json::<Body>(br#"{"email": "a", "age": 1, "inner": {"n": 300}}"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::ValidationFailed));
        let e = parse_json::<Body>(br#"{"email": "#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::MalformedJson));
        let e = parse_json::<Body>(br#"{"email": "a", "age": 1} trailing"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::MalformedJson));
        let e = parse_json::<Body>(br#"["a", 1, null]"#).err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::ValidationFailed));
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Query {
        limit: Option<u32>,
    }

    #[test]
    fn query_errors_name_fields() {
        assert!(parse_query::<Query>("limit=5").is_ok());
        let e = parse_query::<Query>("limit=abc").err();
        assert_eq!(e.as_ref().map(|e| e.code()), Some(Code::ValidationFailed));
    }
}
