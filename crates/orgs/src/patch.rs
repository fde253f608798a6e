//! Validation and application of [`OrgPatch`].

use crate::OrgRecord;
use crate::types::OrgPatch;
use p2p_kernel::DomainError;
use p2p_kernel::text::UrlKind;
use p2p_kernel::validate::Validator;

/// An optional text field: trimmed, `None` when empty.
fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

pub(crate) fn validate(patch: &OrgPatch) -> Result<(), DomainError> {
    let mut v = Validator::new();
    if let Some(name) = &patch.name {
        v.length("name", name, 1, 200);
        v.plain_text("name", name);
    }
    for (field, value, max) in [
        ("industry", &patch.industry, 100),
        ("size", &patch.size, 50),
        ("country", &patch.country, 100),
        ("city", &patch.city, 100),
    ] {
        if let Some(value) = value.as_deref().map(str::trim) {
            v.optional_length(field, Some(value), max);
            v.plain_text(field, value);
        }
    }
    if let Some(description) = patch.description.as_deref().map(str::trim) {
        v.optional_length("description", Some(description), 5000);
        v.plain_paragraphs("description", description);
    }
    if let Some(website) = patch.website.as_deref().and_then(optional) {
        v.optional_length("website", Some(&website), 2048);
        v.url("website", &website, UrlKind::Web);
    }
    if let Some(logo) = patch.logo_url.as_deref().and_then(optional) {
        v.optional_length("logo_url", Some(&logo), 2048);
        v.url("logo_url", &logo, UrlKind::WebOrServerPath);
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
