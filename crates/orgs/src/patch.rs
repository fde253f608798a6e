//! Validation and application of [`OrgPatch`].

use crate::OrgRecord;
use crate::types::OrgPatch;
use p2p_kernel::DomainError;
use p2p_kernel::validate::Validator;

/// An optional text field: trimmed, `None` when empty.
fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn is_http_url(v: &str) -> bool {
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.chars().any(char::is_whitespace))
}

fn is_server_path(v: &str) -> bool {
    v.starts_with('/') && !v.starts_with("//") && !v.chars().any(char::is_whitespace)
}

pub(crate) fn validate(patch: &OrgPatch) -> Result<(), DomainError> {
    let mut v = Validator::new();
    if let Some(name) = &patch.name {
        v.length("name", name, 1, 200);
        v.plain_text("name", name);
    }
    v.optional_length("industry", patch.industry.as_deref().map(str::trim), 100);
    v.optional_length("size", patch.size.as_deref().map(str::trim), 50);
    v.optional_length("country", patch.country.as_deref().map(str::trim), 100);
    v.optional_length("city", patch.city.as_deref().map(str::trim), 100);
    v.optional_length(
        "description",
        patch.description.as_deref().map(str::trim),
        5000,
    );
    if let Some(website) = patch.website.as_deref().and_then(optional) {
        v.optional_length("website", Some(&website), 2048);
        v.check(
            is_http_url(&website),
            "website",
            "invalid_url",
            "must be an http:// or https:// URL",
        );
    }
    if let Some(logo) = patch.logo_url.as_deref().and_then(optional) {
        v.optional_length("logo_url", Some(&logo), 2048);
        v.check(
            is_http_url(&logo) || is_server_path(&logo),
            "logo_url",
            "invalid_url",
            "must be an http(s) URL or a path starting with /",
        );
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
    fn urls() {
        assert!(is_http_url("https://acme.example"));
        assert!(!is_http_url("javascript:alert(1)"));
        assert!(!is_http_url("https://"));
        assert!(is_server_path("/files/1"));
        assert!(!is_server_path("//evil.example/x"));
    }

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
