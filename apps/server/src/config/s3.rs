//! S3 storage settings: all or nothing once an endpoint or bucket is named.

use super::settings::{S3Settings, non_empty, parse_url};
use super::{ConfigError, Secret};

pub(super) struct RawS3 {
    endpoint: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    access_key: Option<String>,
    secret_key: Option<String>,
}

pub(super) fn raw_s3(
    endpoint: Option<String>,
    bucket: Option<String>,
    region: Option<String>,
    access_key: Option<String>,
    secret_key: Option<String>,
) -> RawS3 {
    RawS3 {
        endpoint: non_empty(endpoint),
        bucket: non_empty(bucket),
        region: non_empty(region),
        access_key: non_empty(access_key),
        secret_key: non_empty(secret_key),
    }
}

pub(super) fn s3_settings(
    raw: &RawS3,
    path_style: Option<bool>,
) -> Result<Option<S3Settings>, ConfigError> {
    if raw.endpoint.is_none() && raw.bucket.is_none() {
        return Ok(None);
    }
    let require = |field: &str, v: &Option<String>| {
        v.clone()
            .ok_or_else(|| ConfigError::new(field, "required when S3 storage is configured"))
    };
    let endpoint = require("s3_endpoint", &raw.endpoint)?;
    let endpoint = parse_url("s3_endpoint", &endpoint, &["http", "https"])?;
    let bucket = require("s3_bucket", &raw.bucket)?;
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
        region: raw.region.clone().unwrap_or_else(|| "us-east-1".into()),
        access_key: require("s3_access_key", &raw.access_key)?,
        secret_key: Secret::new(require("s3_secret_key", &raw.secret_key)?),
        path_style: path_style.unwrap_or(true),
    }))
}
