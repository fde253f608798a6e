//! Security headers on every response (a handler's own value wins):
//! `nosniff`, no referrer, no framing, a Content-Security-Policy, and in
//! production HSTS.
//!
//! The API answers JSON and files, never pages, so its policy allows nothing
//! at all. Swagger UI under `/docs/` is vendored and served from this origin:
//! its policy allows scripts, styles, fonts and the OpenAPI document from
//! `'self'` and `data:` images (the icons in its stylesheet), with no inline
//! script, no `eval`, and one inline style allowed by its hash.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const API_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/// The one inline style Swagger UI renders is the `<style>` of its logo's SVG
/// (`.logo_small_svg__cls-2{fill:#fff}…`), allowed by its hash; a Swagger UI
/// upgrade that changes it only loses the logo's colours.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self' 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
    base-uri 'none'; form-action 'none'";
/// Two years, subdomains included: production is served over HTTPS only.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The middleware (`from_fn(move |req, next| security_headers(hsts, req, next))`).
pub async fn security_headers<B: MessageBody + 'static>(
    hsts: bool,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let docs = is_docs(req.path());
    match next.call(req).await {
        Ok(mut response) => {
            secure(response.headers_mut(), docs, hsts);
            Ok(response)
        }
        // An error no inner layer turned into a response (a request cut at its deadline, a
        // body cut off) comes back without its request: its response is rendered here, still
        // inside the request's language and id, and given the same headers.
        Err(error) => {
            let mut response = error.error_response();
            secure(response.headers_mut(), docs, hsts);
            Err(InternalError::from_response(error.to_string(), response).into())
        }
    }
}

fn secure(headers: &mut HeaderMap, docs: bool, hsts: bool) {
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    let policy = if docs { DOCS_POLICY } else { API_POLICY };
    set_default(headers, header::CONTENT_SECURITY_POLICY, policy);
    if hsts {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
}

fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docs_policy_allows_no_inline_code() {
        for directive in DOCS_POLICY.split(';') {
            assert!(!directive.contains("unsafe"), "{directive}");
        }
        assert!(is_docs("/docs/swagger-ui-bundle.js"));
        assert!(!is_docs("/docsearch"));
    }
}
