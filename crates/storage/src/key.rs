//! Object keys: validated so that a key can be used as a relative path under
//! the local store's directory and as an S3 key without any escaping.

use crate::error::StorageError;
use p2p_kernel::FieldCode;
use std::fmt;

/// The longest key accepted, in bytes.
pub const MAX_KEY_LEN: usize = 512;
/// The longest `/`-separated segment accepted, in bytes.
pub const MAX_SEGMENT_LEN: usize = 200;

/// A validated object key such as `files/0190c1a2-…/report.pdf`.
///
/// Rules: 1 to [`MAX_KEY_LEN`] bytes; `/`-separated segments of 1 to
/// [`MAX_SEGMENT_LEN`] bytes made of ASCII letters, digits, `.`, `_` and `-`,
/// each starting with a letter or a digit. So there is no leading or trailing
/// `/`, no empty segment, no `.` or `..` segment and no hidden file name.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Validates `key`.
    pub fn parse(key: &str) -> Result<Self, StorageError> {
        check(key)
            .map_err(|message| StorageError::invalid("key", FieldCode::InvalidKey, message))?;
        Ok(Self(key.to_owned()))
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The `/`-separated segments of the key.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

fn check(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("must not be empty".to_owned());
    }
    if key.len() > MAX_KEY_LEN {
        return Err(format!("must be at most {MAX_KEY_LEN} bytes"));
    }
    for segment in key.split('/') {
        check_segment(segment)?;
    }
    Ok(())
}

fn check_segment(segment: &str) -> Result<(), String> {
    let Some(first) = segment.bytes().next() else {
        return Err("must not start or end with '/' nor contain '//'".to_owned());
    };
    if segment.len() > MAX_SEGMENT_LEN {
        return Err(format!(
            "each '/'-separated part must be at most {MAX_SEGMENT_LEN} bytes"
        ));
    }
    if !first.is_ascii_alphanumeric() {
        return Err("each '/'-separated part must start with a letter or a digit".to_owned());
    }
    if let Some(bad) = segment
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "may only contain letters, digits, '.', '_', '-' and '/' (found {bad:?})"
        ));
    }
    Ok(())
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectKey({:?})", self.0)
    }
}

impl AsRef<str> for ObjectKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_keys() {
        for key in [
            "a",
            "avatar.png",
            "files/0190c1a2-7e2b-7d4c-9a1e-3f1a2b3c4d5e/report.final.pdf",
            "use-cases/42/media/clip_01.mp4",
            "A/B/C",
        ] {
            assert!(ObjectKey::parse(key).is_ok(), "{key} should be accepted");
        }
    }

    #[test]
    fn refuses_keys_that_could_escape_or_confuse() {
        let long_segment = "a".repeat(MAX_SEGMENT_LEN + 1);
        let long_key = ["abcdefghij"; 60].join("/");
        for key in [
            "",
            "/etc/passwd",
            "..",
            "../x",
            "a/../b",
            "a/./b",
            ".",
            ".hidden",
            "a/.hidden",
            "a//b",
            "a/",
            "a\\b",
            "a b",
            "a\0b",
            "a\nb",
            "é",
            "a?b",
            "a%2e",
            "-rf",
            long_segment.as_str(),
            long_key.as_str(),
        ] {
            let error = ObjectKey::parse(key).err();
            assert!(
                matches!(&error, Some(StorageError::Invalid(f)) if f.field == "key" && f.code == "invalid_key"),
                "{key:?} should be refused, got {error:?}"
            );
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let segment = "a".repeat(MAX_SEGMENT_LEN);
        assert!(ObjectKey::parse(&segment).is_ok());
        let mut key = vec!["a".repeat(MAX_SEGMENT_LEN); 2].join("/");
        key.push('/');
        key.push_str(&"b".repeat(MAX_KEY_LEN - key.len()));
        assert_eq!(key.len(), MAX_KEY_LEN);
        assert!(ObjectKey::parse(&key).is_ok());
    }
}
