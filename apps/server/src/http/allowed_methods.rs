//! The methods each documented path answers, for the `Allow` header of 405s
//! (RFC 9110 §15.5.6), read from the OpenAPI document the routes produce so it
//! cannot drift from them.

use actix_web::http::Method;
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::PathItem;

/// The methods of every documented path template.
pub struct AllowedMethods {
    routes: Vec<(Vec<Segment>, String)>,
}

enum Segment {
    Literal(String),
    Parameter,
}

impl AllowedMethods {
    pub fn from_document(document: &OpenApi) -> Self {
        let routes = document
            .paths
            .paths
            .iter()
            .map(|(template, item)| (segments(template), methods(item)))
            .filter(|(_, methods)| !methods.is_empty())
            .collect();
        Self { routes }
    }

    /// The `Allow` value for a request path: of the templates it matches, the
    /// most specific one (`/users/me` before `/users/{id}`), as actix routes it.
    pub fn of(&self, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.routes
            .iter()
            .filter(|(template, _)| matches(template, &parts))
            .max_by_key(|(template, _)| {
                template
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|(_, methods)| methods.as_str())
    }

    /// The `Allow` value when the path's most specific template does not
    /// answer `method` (`GET /files/presign` is no download of a file named
    /// `presign`); `None` when it does or no template matches.
    pub fn refusing(&self, path: &str, method: &Method) -> Option<&str> {
        self.of(path)
            .filter(|allow| !allow.split(", ").any(|m| m == method.as_str()))
    }
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_owned())
            }
        })
        .collect()
}

fn matches(template: &[Segment], parts: &[&str]) -> bool {
    template.len() == parts.len()
        && template.iter().zip(parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Parameter => !p.is_empty(),
        })
}

fn methods(item: &PathItem) -> String {
    let operations = [
        ("GET", &item.get),
        ("HEAD", &item.head),
        ("POST", &item.post),
        ("PUT", &item.put),
        ("PATCH", &item.patch),
        ("DELETE", &item.delete),
        ("OPTIONS", &item.options),
    ];
    operations
        .into_iter()
        .filter(|(_, operation)| operation.is_some())
        .map(|(name, _)| name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_documented_path_decides() {
        let allowed = AllowedMethods::from_document(&crate::routes::openapi_document());
        assert_eq!(allowed.of("/api/v1/users/me"), Some("GET, PATCH, DELETE"));
        assert_eq!(
            allowed.of("/api/v1/users/0190a0b0-0000-7000-8000-000000000001"),
            Some("GET, PATCH, DELETE")
        );
        assert_eq!(allowed.of("/health/live"), Some("GET"));
        assert_eq!(allowed.of("/api/v1/nowhere"), None);
        assert_eq!(allowed.of("/api/v1/users//x"), None);
        assert_eq!(
            allowed.refusing("/api/v1/files/presign", &Method::GET),
            Some("POST")
        );
        let file = "/api/v1/files/0190a0b0-0000-7000-8000-000000000001";
        assert_eq!(allowed.refusing(file, &Method::GET), None);
    }
}
