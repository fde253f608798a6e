//! OpenAPI links: from each operation that creates something to the
//! operations that read, change or delete it, with the id taken from the
//! answer. Generated clients can follow them, and the fuzzer's stateful phase
//! builds create → read → update → delete chains from them.

use utoipa::openapi::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::link::Link;
use utoipa::openapi::path::Operation;

/// One link: from an operation's answer (`status`) to another operation,
/// its path parameters taken from the answer (runtime expressions).
struct Follow {
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
}

const fn follow(
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
) -> Follow {
    Follow {
        from,
        status,
        name,
        to,
        parameters,
    }
}

const TOPIC: &[(&str, &str)] = &[("id", "$response.body#/topic/id")];
const FIRST_POST: &[(&str, &str)] = &[("id", "$response.body#/first_post/id")];
const ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const TOPIC_OF_POST: &[(&str, &str)] = &[("id", "$response.body#/topic_id")];
const RECIPIENT: &[(&str, &str)] = &[("user_id", "$response.body#/recipient_id")];

const LINKS: &[Follow] = &[
    follow("create_topic", "201", "GetTopic", "get_topic", TOPIC),
    follow("create_topic", "201", "UpdateTopic", "update_topic", TOPIC),
    follow("create_topic", "201", "ReplyToTopic", "create_post", TOPIC),
    follow("create_topic", "201", "PinTopic", "pin_topic", TOPIC),
    follow("create_topic", "201", "LockTopic", "lock_topic", TOPIC),
    follow("create_topic", "201", "DeleteTopic", "delete_topic", TOPIC),
    follow(
        "create_topic",
        "201",
        "GetFirstPost",
        "get_post",
        FIRST_POST,
    ),
    follow(
        "create_topic",
        "201",
        "UpdateFirstPost",
        "update_post",
        FIRST_POST,
    ),
    follow("create_post", "201", "GetPost", "get_post", ID),
    follow("create_post", "201", "UpdatePost", "update_post", ID),
    follow("create_post", "201", "DeletePost", "delete_post", ID),
    follow("create_post", "201", "GetTopic", "get_topic", TOPIC_OF_POST),
    follow("create_use_case", "201", "GetUseCase", "get_use_case", ID),
    follow(
        "create_use_case",
        "201",
        "UpdateUseCase",
        "update_use_case",
        ID,
    ),
    follow(
        "create_use_case",
        "201",
        "PublishUseCase",
        "publish_use_case",
        ID,
    ),
    follow(
        "create_use_case",
        "201",
        "UseCaseRevisions",
        "use_case_revisions",
        ID,
    ),
    follow(
        "create_use_case",
        "201",
        "DeleteUseCase",
        "delete_use_case",
        ID,
    ),
    follow("send", "201", "MarkRead", "mark_conversation_read", ID),
    follow("send", "201", "Conversation", "conversation", RECIPIENT),
    follow("upload_file", "201", "Download", "download_file", ID),
];

/// Adds [`LINKS`] to `document`; returns the ones whose operations or
/// answers it does not have.
pub fn add(document: &mut OpenApi) -> Vec<String> {
    let mut missing = Vec::new();
    for link in LINKS {
        if operation(document, link.to).is_none() {
            missing.push(format!("{} -> {} (no such operation)", link.from, link.to));
            continue;
        }
        let response = operation(document, link.from)
            .and_then(|op| op.responses.responses.get_mut(link.status));
        let Some(RefOr::T(response)) = response else {
            missing.push(format!("{} {} (no such answer)", link.from, link.status));
            continue;
        };
        let mut target = Link::builder().operation_id(link.to);
        for (name, expression) in link.parameters {
            target = target.parameter(*name, *expression);
        }
        response
            .links
            .insert(link.name.to_owned(), RefOr::T(target.build()));
    }
    missing
}

/// The operation with `id` as its `operationId`.
pub(crate) fn operation<'a>(document: &'a mut OpenApi, id: &str) -> Option<&'a mut Operation> {
    document.paths.paths.values_mut().find_map(|item| {
        crate::openapi_problems::operations(item).find(|op| op.operation_id.as_deref() == Some(id))
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn every_link_joins_two_operations_and_fills_their_path() {
        let mut document = crate::routes::collected_openapi_document();
        let missing = super::add(&mut document);
        assert!(missing.is_empty(), "{missing:#?}");
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let mut operations = std::collections::HashMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for operation in item.as_object().into_iter().flatten().map(|(_, o)| o) {
                if let Some(id) = operation["operationId"].as_str() {
                    // Operation ids are unique, or links would be ambiguous.
                    assert!(
                        operations.insert(id.to_owned(), path.clone()).is_none(),
                        "{id}"
                    );
                }
            }
        }
        let mut links = 0;
        for link in super::LINKS {
            let path = &operations[link.to];
            let names: Vec<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            let given: Vec<&str> = link.parameters.iter().map(|(n, _)| *n).collect();
            assert_eq!(names, given, "{} -> {}", link.from, link.to);
            links += 1;
        }
        let topic = &doc["paths"]["/api/v1/forums/topics"]["post"]["responses"]["201"]["links"];
        let get: &Value = &topic["GetTopic"];
        assert_eq!(get["operationId"], "get_topic", "{topic}");
        assert_eq!(get["parameters"]["id"], "$response.body#/topic/id");
        assert!(links >= 20);
    }
}
