//! Validation and application of [`OrgPatch`].

use crate::OrgRecord;
use crate::types::OrgPatch;
use p2p_kernel::DomainError;
use p2p_kernel::text::{FieldConstraint, TextRule, UrlKind};
use p2p_kernel::validate::Validator;

/// An organization's name (also at sign-up).
pub const ORGANIZATION_NAME: TextRule = TextRule::line(1, 200);
const INDUSTRY: TextRule = TextRule::line(0, 100);
const SIZE: TextRule = TextRule::line(0, 50);
const PLACE: TextRule = TextRule::line(0, 100);
const DESCRIPTION: TextRule = TextRule::paragraphs(0, 5000);
const WEBSITE: TextRule = TextRule::line(0, 2048).with_url(UrlKind::Web);
const LOGO: TextRule = TextRule::line(0, 2048).with_url(UrlKind::WebOrServerPath);

/// The rules above, as the OpenAPI document states them.
pub const REQUEST_CONSTRAINTS: &[FieldConstraint] = &[
    FieldConstraint::text("OrgPatch", "name", ORGANIZATION_NAME),
    FieldConstraint::text("OrgPatch", "industry", INDUSTRY),
    FieldConstraint::text("OrgPatch", "size", SIZE),
    FieldConstraint::text("OrgPatch", "country", PLACE),
    FieldConstraint::text("OrgPatch", "city", PLACE),
    FieldConstraint::text("OrgPatch", "description", DESCRIPTION),
    FieldConstraint::text("OrgPatch", "website", WEBSITE),
    FieldConstraint::text("OrgPatch", "logo_url", LOGO),
];

/// An optional text field: trimmed, `None` when empty.
fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

pub(crate) fn validate(patch: &OrgPatch) -> Result<(), DomainError> {
    let mut v = Validator::new();
    if let Some(name) = &patch.name {
        v.text("name", name, ORGANIZATION_NAME);
    }
    for (field, value, rule) in [
        ("industry", &patch.industry, INDUSTRY),
        ("size", &patch.size, SIZE),
        ("country", &patch.country, PLACE),
        ("city", &patch.city, PLACE),
        ("description", &patch.description, DESCRIPTION),
        ("website", &patch.website, WEBSITE),
        ("logo_url", &patch.logo_url, LOGO),
    ] {
        v.optional_text(field, value.as_deref(), rule);
    }
    v.finish()
}

pub(crate) fn apply(org: &mut OrgRecord, patch: OrgPatch) {
    if let Some(name) = patch.name {
        org.name = name.trim().to_owned();
    }
    let fields = [
        (patch.industry, &mut org.industry),
        (patch.size, &mut org.size),
        (patch.country, &mut org.country),
        (patch.city, &mut org.city),
        (patch.description, &mut org.description),
        (patch.website, &mut org.website),
        (patch.logo_url, &mut org.logo_url),
    ];
    for (new, slot) in fields {
        if let Some(value) = new {
            *slot = optional(&value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_fields_are_all_reported() {
        let patch = OrgPatch {
            name: Some(" ".into()),
            website: Some("ftp://x".into()),
            ..OrgPatch::default()
        };
        let fields: Vec<String> = validate(&patch)
            .err()
            .map(|e| {
                use p2p_kernel::ErrorCode;
                e.field_errors().iter().map(|f| f.field.clone()).collect()
            })
            .unwrap_or_default();
        assert_eq!(fields, vec!["name".to_string(), "website".to_string()]);
    }
}
