//! OpenAPI links: from each operation that creates something to the
//! operations that read, change or delete it, with the id taken from the
//! answer. Generated clients can follow them, and the fuzzer's stateful phase
//! builds create → read → update → delete chains from them.

use utoipa::openapi::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::link::Link;
use utoipa::openapi::path::Operation;

/// One link: from an operation's answer (`status`) to another operation,
/// its path parameters taken from the answer (runtime expressions), and
/// fields of its request body when `body` is given (JSON whose strings are
/// runtime expressions; the other fields are the client's).
struct Follow {
    from: &'static str,
    status: &'static str,
    name: &'static str,
    to: &'static str,
    parameters: &'static [(&'static str, &'static str)],
    body: Option<&'static str>,
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
        body: None,
    }
}

impl Follow {
    /// The link with these fields of the target's request body.
    const fn with_body(self, body: &'static str) -> Follow {
        Follow {
            body: Some(body),
            ..self
        }
    }
}

const TOPIC: &[(&str, &str)] = &[("id", "$response.body#/topic/id")];
const FIRST_POST: &[(&str, &str)] = &[("id", "$response.body#/first_post/id")];
const ID: &[(&str, &str)] = &[("id", "$response.body#/id")];
const NONE: &[(&str, &str)] = &[];
const TOPIC_OF_POST: &[(&str, &str)] = &[("id", "$response.body#/topic_id")];
const RECIPIENT: &[(&str, &str)] = &[("user_id", "$response.body#/recipient_id")];
const FIRST_MEMBER: &[(&str, &str)] = &[("id", "$response.body#/items/0/id")];

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
    follow("create_post", "201", "PostRevisions", "list_revisions", ID),
    follow("create_post", "201", "DeletePost", "delete_post", ID),
    follow("create_post", "201", "GetTopic", "get_topic", TOPIC_OF_POST),
    follow("create_post", "201", "AcceptAnswer", "mark_best_answer", ID),
    follow(
        "create_post",
        "201",
        "ClearAnswer",
        "clear_best_answer",
        TOPIC_OF_POST,
    ),
    follow(
        "create_post",
        "201",
        "ReplyToPost",
        "create_post",
        TOPIC_OF_POST,
    )
    .with_body(r#"{"parent_id": "$response.body#/id"}"#),
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
    follow("list_users", "200", "GetMember", "get_user", FIRST_MEMBER),
    follow("list_users", "200", "MessageMember", "send", NONE)
        .with_body(r#"{"recipient_id": "$response.body#/items/0/id"}"#),
    follow("invite", "201", "ResendInvitation", "resend_invitation", ID),
    follow("invite", "201", "RevokeInvitation", "revoke_invitation", ID),
    follow("create_topic", "201", "ReportTopic", "report", NONE)
        .with_body(r#"{"target_type": "topic", "target_id": "$response.body#/topic/id"}"#),
    follow("create_post", "201", "ReportPost", "report", NONE)
        .with_body(r#"{"target_type": "post", "target_id": "$response.body#/id"}"#),
    follow("create_use_case", "201", "ReportUseCase", "report", NONE)
        .with_body(r#"{"target_type": "use_case", "target_id": "$response.body#/id"}"#),
    follow("report", "201", "ResolveReport", "resolve", ID),
    follow("get_user", "200", "MessageUser", "send", NONE)
        .with_body(r#"{"recipient_id": "$response.body#/id"}"#),
    follow("send", "201", "MarkRead", "mark_conversation_read", ID),
    follow("send", "201", "Conversation", "conversation", RECIPIENT),
    follow("upload_file", "201", "Download", "download_file", ID),
    follow("upload_file", "201", "AttachToTopic", "create_topic", NONE)
        .with_body(r#"{"attachments": ["$response.body#/id"]}"#),
    follow(
        "upload_file",
        "201",
        "AttachToUseCase",
        "create_use_case",
        NONE,
    )
    .with_body(r#"{"media": [{"file_id": "$response.body#/id"}]}"#),
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
        let body = link.body.map(serde_json::from_str::<serde_json::Value>);
        match body {
            Some(Ok(body)) => target = target.request_body(Some(body)),
            Some(Err(e)) => {
                missing.push(format!("{} -> {} (its body: {e})", link.from, link.to));
                continue;
            }
            None => {}
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
            // The body's fields are fields of the target's request body.
            let fields: Value = link
                .body
                .map(|b| serde_json::from_str(b).unwrap_or_default())
                .unwrap_or_default();
            for field in fields.as_object().into_iter().flatten().map(|(f, _)| f) {
                let properties = request_schema(&doc, link.to)["properties"].clone();
                assert!(
                    properties.get(field).is_some(),
                    "{} -> {}: no body field {field}",
                    link.from,
                    link.to
                );
            }
            links += 1;
        }
        let topic = &doc["paths"]["/api/v1/forums/topics"]["post"]["responses"]["201"]["links"];
        let get: &Value = &topic["GetTopic"];
        assert_eq!(get["operationId"], "get_topic", "{topic}");
        assert_eq!(get["parameters"]["id"], "$response.body#/topic/id");
        assert!(links >= 20);
    }

    /// The JSON request body schema of the operation `id` (its `$ref` resolved).
    fn request_schema<'a>(doc: &'a Value, id: &str) -> &'a Value {
        let operation = doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(_, item)| item.as_object().into_iter().flatten())
            .map(|(_, operation)| operation)
            .find(|operation| operation["operationId"] == id);
        static NOTHING: Value = Value::Null;
        let Some(operation) = operation else {
            return &NOTHING;
        };
        let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
        match schema["$ref"].as_str().and_then(|r| r.rsplit('/').next()) {
            Some(name) => &doc["components"]["schemas"][name],
            None => schema,
        }
    }
}
