//! States the request rules of every domain in the OpenAPI document.
//!
//! Each domain lists its request fields with the very rules its validator
//! checks ([`FieldConstraint`]: a text rule, a list size); this module writes
//! them into the component schemas as lengths, patterns, item counts and
//! descriptions. A constraint that names no schema or field fails the tests
//! below, so a renamed field cannot silently lose its rules.

use p2p_kernel::text::{Constraint, FieldConstraint};
use utoipa::openapi::schema::{
    AdditionalProperties, AllOf, AnyOf, ArrayItems, Object, Schema, Type,
};
use utoipa::openapi::{OpenApi, Ref, RefOr};

/// Every domain's request constraints.
pub fn all() -> impl Iterator<Item = &'static FieldConstraint> {
    [
        p2p_identity::REQUEST_CONSTRAINTS,
        p2p_orgs::REQUEST_CONSTRAINTS,
        p2p_forum::REQUEST_CONSTRAINTS,
        p2p_usecases::REQUEST_CONSTRAINTS,
        p2p_messaging::REQUEST_CONSTRAINTS,
        p2p_messaging::NOTIFICATION_CONSTRAINTS,
        p2p_moderation::REQUEST_CONSTRAINTS,
        p2p_storage::REQUEST_CONSTRAINTS,
    ]
    .into_iter()
    .flatten()
}

/// Writes every constraint into `document`; the ones that name nothing are returned.
pub fn state(document: &mut OpenApi) -> Vec<FieldConstraint> {
    let mut unplaced = Vec::new();
    let schemas = document.components.as_mut().map(|c| &mut c.schemas);
    let Some(schemas) = schemas else {
        return all().copied().collect();
    };
    for constraint in all() {
        let target = schemas
            .get_mut(constraint.schema)
            .and_then(|schema| field(schema, constraint.field));
        let placed = match (target, constraint.constraint) {
            (Some(target), Constraint::Component { name, rule }) => {
                let mut shared = refer(target, name);
                let stated = shared.as_mut().is_some_and(|s| apply(s, *rule));
                if let Some(shared) = shared.filter(|_| stated) {
                    schemas.insert(name.to_owned(), shared);
                }
                stated
            }
            (Some(target), rule) => apply(target, rule),
            (None, _) => false,
        };
        if !placed {
            unplaced.push(*constraint);
        }
    }
    unplaced
}

/// Makes the field `target` a reference to the component schema `name`
/// (keeping its own description); returns the field's schema without its
/// description, for the component (`None` when it is no inline schema).
fn refer(target: &mut RefOr<Schema>, name: &str) -> Option<RefOr<Schema>> {
    let RefOr::T(Schema::Object(object)) = target else {
        return None;
    };
    let mut shared = object.clone();
    let own = shared.description.take().unwrap_or_default();
    let mut reference = Ref::from_schema_name(name);
    reference.description = own;
    *target = RefOr::Ref(reference);
    Some(RefOr::T(Schema::Object(shared)))
}

/// The schema of the property at `path` (`vendor_info.website`, `tags[]`;
/// empty: the schema itself).
fn field<'a>(schema: &'a mut RefOr<Schema>, path: &str) -> Option<&'a mut RefOr<Schema>> {
    let mut at = schema;
    for step in path.split('.').filter(|step| !step.is_empty()) {
        let (name, items) = match step.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (step, false),
        };
        let RefOr::T(Schema::Object(object)) = at else {
            return None;
        };
        at = object.properties.get_mut(name)?;
        if items {
            let RefOr::T(Schema::Array(array)) = at else {
                return None;
            };
            let ArrayItems::RefOrSchema(item) = &mut array.items else {
                return None;
            };
            at = item.as_mut();
        }
    }
    Some(at)
}

/// Writes `constraint` into the schema of a string or a list; false when the
/// schema is of another kind.
fn apply(schema: &mut RefOr<Schema>, constraint: Constraint) -> bool {
    match (schema, constraint) {
        (RefOr::T(target @ Schema::Object(_)), Constraint::Text(rule)) => {
            let Schema::Object(string) = std::mem::take(target) else {
                return false;
            };
            *target = rule.constrain(string);
            true
        }
        (
            RefOr::T(Schema::Object(string)),
            Constraint::Pattern {
                min,
                max,
                pattern,
                description,
            },
        ) => {
            string.min_length = (min > 0).then_some(min);
            string.max_length = (max < usize::MAX).then_some(max);
            string.pattern = Some(pattern());
            string.description = Some(match string.description.take() {
                Some(own) if !own.is_empty() => format!("{own}\n\n{description}"),
                _ => description.to_owned(),
            });
            true
        }
        (RefOr::T(Schema::Array(array)), Constraint::Items { max, unique }) => {
            array.max_items = Some(max);
            array.unique_items = unique;
            true
        }
        (RefOr::T(Schema::Object(map)), Constraint::Entries { max, name, value }) => {
            let text = || Object::with_type(Type::String);
            map.max_properties = Some(max);
            map.property_names = Some(Box::new(name.constrain(text())));
            map.additional_properties = Some(Box::new(AdditionalProperties::RefOr(RefOr::T(
                value.constrain(text()),
            ))));
            true
        }
        (
            RefOr::T(target @ Schema::Object(_)),
            Constraint::Choice {
                choices,
                description,
            },
        ) => {
            let Schema::Object(object) = std::mem::take(target) else {
                return false;
            };
            let mut any_of = AnyOf::new();
            any_of.items = choices().into_iter().map(RefOr::T).collect();
            let mut all_of = AllOf::new();
            all_of.description = Some(match &object.description {
                Some(own) if !own.is_empty() => format!("{own}\n\n{description}"),
                _ => description.to_owned(),
            });
            all_of.items = vec![
                RefOr::T(Schema::Object(object)),
                RefOr::T(Schema::AnyOf(any_of)),
            ];
            *target = Schema::AllOf(all_of);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    #[test]
    fn every_constraint_names_a_field() {
        let mut document = crate::routes::collected_openapi_document();
        let unplaced = super::state(&mut document);
        assert!(unplaced.is_empty(), "constraints on nothing: {unplaced:#?}");
    }

    /// The password's rule (its pattern writes out every letter) is one
    /// component schema that the password fields refer to.
    #[test]
    fn the_password_rule_is_stated_once() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let schemas = &doc["components"]["schemas"];
        let password = &schemas["Password"];
        assert_eq!(password["minLength"], 10, "{password}");
        assert_eq!(password["maxLength"], 128, "{password}");
        let pattern = password["pattern"].to_string();
        assert!(pattern.len() > 1000, "{pattern}");
        for (schema, field) in [
            ("SignupRequest", "password"),
            ("AcceptInviteRequest", "password"),
            ("PasswordResetConfirm", "new_password"),
        ] {
            let at = &schemas[schema]["properties"][field];
            assert_eq!(
                at["$ref"], "#/components/schemas/Password",
                "{schema}: {at}"
            );
        }
        assert_eq!(doc.to_string().matches(&pattern).count(), 1);
    }

    #[test]
    fn text_fields_state_their_rules() {
        let doc = serde_json::to_value(crate::routes::openapi_document()).unwrap_or_default();
        let title = &doc["components"]["schemas"]["NewTopic"]["properties"]["title"];
        assert_eq!(title["allOf"][0]["maxLength"], 200, "{title}");
        assert_eq!(title["allOf"][0]["minLength"], 5, "{title}");
        let tags = &doc["components"]["schemas"]["NewTopic"]["properties"]["tags"];
        assert_eq!(tags["maxItems"], 10, "{tags}");
        assert_eq!(tags["items"]["allOf"][0]["maxLength"], 40, "{tags}");
        let content: &Value = &doc["components"]["schemas"]["NewPost"]["properties"]["content"];
        assert_eq!(content["maxLength"], 20_000, "{content}");
    }
}
