//! The request id: taken from `x-request-id` when the client sent a safe one,
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

/// Longest client id accepted.
const MAX_LEN: usize = 64;

/// The client's id when it is 1–64 characters of `[A-Za-z0-9._-]` (it goes
/// into a response header, problem bodies and logs); otherwise a new one.
pub fn from_header(value: Option<&HeaderValue>) -> String {
    value
        .map(HeaderValue::as_bytes)
        .filter(|v| !v.is_empty() && v.len() <= MAX_LEN && v.iter().copied().all(is_id_byte))
        .and_then(|v| std::str::from_utf8(v).ok())
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_ids_and_replaces_others() {
        let sane = HeaderValue::from_static("abc-123");
        assert_eq!(from_header(Some(&sane)), "abc-123");
        let dotted = HeaderValue::from_static("Trace_9.a-B");
        assert_eq!(from_header(Some(&dotted)), "Trace_9.a-B");
        let script = HeaderValue::from_static("<script>alert(1)</script>");
        assert_ne!(from_header(Some(&script)), "<script>alert(1)</script>");
        let long = "a".repeat(65);
        let long_value = HeaderValue::from_str(&long).unwrap_or(HeaderValue::from_static("x"));
        assert_ne!(from_header(Some(&long_value)), long);
        let longest = HeaderValue::from_str(&"b".repeat(64)).ok();
        assert_eq!(from_header(longest.as_ref()), "b".repeat(64));
        let spaced = HeaderValue::from_static("has space");
        assert_ne!(from_header(Some(&spaced)), "has space");
        assert_eq!(from_header(None).len(), 36);
    }
}
