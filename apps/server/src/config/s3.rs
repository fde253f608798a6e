//! S3 storage settings: all or nothing once an endpoint or bucket is named.

use super::settings::{S3Settings, parse_url};
use super::{ConfigError, S3Config};

pub(super) fn s3_settings(s3: &S3Config) -> Result<Option<S3Settings>, ConfigError> {
    if s3.endpoint.is_none() && s3.bucket.is_none() {
        return Ok(None);
    }
    fn require<T: Clone>(field: &str, v: &Option<T>) -> Result<T, ConfigError> {
        v.clone()
            .ok_or_else(|| ConfigError::new(field, "required when S3 storage is configured"))
    }
    let endpoint = require("s3_endpoint", &s3.endpoint)?;
    let endpoint = parse_url("s3_endpoint", &endpoint, &["http", "https"])?;
    let bucket = require("s3_bucket", &s3.bucket)?;
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
    if !valid_bucket {
        return Err(ConfigError::new(
            "s3_bucket",
            "3-63 lowercase letters, digits, dots or hyphens",
        ));
    }
    Ok(Some(S3Settings {
        endpoint,
        bucket,
        region: s3.region.clone(),
        access_key: require("s3_access_key", &s3.access_key)?,
        secret_key: require("s3_secret_key", &s3.secret_key)?,
        path_style: s3.path_style,
    }))
}
