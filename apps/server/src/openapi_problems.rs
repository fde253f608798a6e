//! Completes every operation's error responses in the OpenAPI document.
//!
//! Handlers declare the answers their domain gives (404 for a missing topic,
//! 409 for a locked one…). The shell adds answers to any request of a kind,
//! whatever the handler: a body can be malformed (400), too large (413), of
//! another type (415), late (408) or invalid (422); a bearer token can be
//! missing (401) and a cookie-authenticated write lack its anti-CSRF header
//! (403); a path id can name nothing (404); a backend can fail (500, 503).
//! This module declares those from the shape of each operation, and serves
//! every problem as `application/problem+json`, so the document lists every
//! status the server can return.

use crate::http::error::PROBLEM_JSON;
use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::response::Response;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

/// Adds the shell's error answers to every operation of `document`.
pub fn complete(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        for operation in operations(item) {
            complete_operation(operation);
        }
    }
}

/// The operations of a path.
pub(crate) fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
        &mut item.head,
        &mut item.options,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn complete_operation(operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = operation.request_body.is_some();
    let parameters = operation.parameters.iter().flatten();
    let (mut in_path, mut in_query) = (false, false);
    for parameter in parameters {
        if let RefOr::T(p) = parameter {
            in_path |= matches!(p.parameter_in, ParameterIn::Path);
            in_query |= matches!(p.parameter_in, ParameterIn::Query);
        }
    }

    let mut statuses: Vec<u16> = vec![500, 503];
    if secured {
        statuses.push(401);
    }
    if secured && has_body {
        statuses.push(403);
    }
    if has_body {
        statuses.extend([400, 408, 413, 415, 422]);
    }
    if in_path {
        statuses.push(404);
    }
    if in_query {
        statuses.push(422);
    }

    let responses = &mut operation.responses.responses;
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            serve_problems_as_problem_json(response);
        }
    }
    for status in statuses {
        responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(problem_response(status)));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = reason(status).to_owned();
        }
    }
}

/// A response whose JSON body is a `Problem` is declared as problem+json.
fn serve_problems_as_problem_json(response: &mut Response) {
    let is_problem = |content: &RefOr<Content>| matches!(content, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
    if response
        .content
        .get("application/json")
        .is_some_and(is_problem)
        && let Some(content) = response.content.shift_remove("application/json")
    {
        response.content.insert(PROBLEM_JSON.to_owned(), content);
    }
}

fn problem_response(status: u16) -> Response {
    let mut response = Response::new(reason(&status.to_string()));
    response.content.insert(
        PROBLEM_JSON.to_owned(),
        RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
    );
    response
}

/// The description of a response: its reason phrase.
fn reason(status: &str) -> &'static str {
    let code = status.parse::<u16>().ok();
    code.and_then(|c| actix_web::http::StatusCode::from_u16(c).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Response")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn document() -> Value {
        serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default()
    }

    #[test]
    fn shell_answers_are_declared_as_problem_json() {
        let doc = document();
        let create_topic = &doc["paths"]["/api/v1/forums/topics"]["post"]["responses"];
        for status in [
            "400", "401", "403", "408", "413", "415", "422", "500", "503",
        ] {
            let schema = &create_topic[status]["content"]["application/problem+json"]["schema"];
            assert_eq!(
                schema["$ref"], "#/components/schemas/Problem",
                "{status}: {}",
                create_topic[status]
            );
        }
        assert!(create_topic["201"]["content"]["application/json"].is_object());
        let get_topic = &doc["paths"]["/api/v1/forums/topics/{id}"]["get"]["responses"];
        assert!(get_topic["404"]["content"]["application/problem+json"].is_object());
        assert!(get_topic["415"].is_null(), "no body, no 415");
        let live = &doc["paths"]["/health/live"]["get"]["responses"];
        assert!(live["401"].is_null(), "not secured, no 401");
    }

    #[test]
    fn every_response_is_described_and_no_problem_is_plain_json() {
        let doc = document();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                    assert!(
                        response["description"]
                            .as_str()
                            .is_some_and(|d| !d.is_empty()),
                        "{method} {path} {status} has no description"
                    );
                    let plain = &response["content"]["application/json"]["schema"]["$ref"];
                    assert_ne!(
                        plain, "#/components/schemas/Problem",
                        "{method} {path} {status} serves a problem as application/json"
                    );
                }
            }
        }
    }
}
