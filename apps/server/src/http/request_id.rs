//! The request id: taken from `x-request-id` when the client sent a sane one,
//! generated otherwise; echoed on every response and available to error bodies.

use actix_web::http::header::HeaderValue;

pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    /// The id of the request being handled on this task.
    pub static CURRENT: String;
}

/// The current request's id, if called while handling a request.
pub fn current() -> Option<String> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The client's id when it is 1–128 visible ASCII characters; otherwise a new one.
pub fn from_header(value: Option<&HeaderValue>) -> String {
    value
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_ids_and_replaces_others() {
        let sane = HeaderValue::from_static("abc-123");
        assert_eq!(from_header(Some(&sane)), "abc-123");
        let spaced = HeaderValue::from_static("has space");
        assert_ne!(from_header(Some(&spaced)), "has space");
        assert_eq!(from_header(None).len(), 36);
    }
}
