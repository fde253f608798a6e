//! [`S3Store`]: objects in an S3-compatible service (rust-s3).

use crate::body::ByteStream;
use crate::disposition::content_disposition_attachment;
use crate::error::StorageError;
use crate::grant::{DownloadGrant, UploadGrant};
use crate::key::ObjectKey;
use crate::meta::{ObjectMeta, StoredObject, check_content_type};
use crate::store::ObjectStore;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use p2p_kernel::FieldCode;
use p2p_kernel::ports::{HealthProbe, PortError};
use p2p_kernel::round_trips::{observe_call, timed};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use s3::creds::Credentials;
use s3::error::S3Error;
use s3::{Bucket, BucketConfiguration, Region};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};
use tokio_util::io::StreamReader;

const BACKEND: &str = "s3";
const FALLBACK_CONTENT_TYPE: &str = "application/octet-stream";
/// Parts of a multipart upload sent at the same time (each holds 8 MiB).
const UPLOAD_CONCURRENCY: usize = 2;
/// How long `check` waits for the service.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(5);

/// How to reach the S3 service.
#[derive(Clone)]
pub struct S3Config {
    /// Service URL, e.g. `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`.
    pub endpoint: String,
    /// Region name used for signing, e.g. `us-east-1`.
    pub region: String,
    /// Bucket name.
    pub bucket: String,
    /// Access key id.
    pub access_key: String,
    /// Secret access key (never printed by `Debug`).
    pub secret_key: String,
    /// `true`: `endpoint/bucket/key` URLs; `false`: `bucket.endpoint/key`.
    pub path_style: bool,
    /// Prepended to every key (e.g. `tests/3f2a…/`), so that several users can
    /// share a bucket; empty for none. Must itself be a valid key path.
    pub key_prefix: String,
    /// Limit for each request and for the wait until a download's first byte;
    /// a download whose body stalls for this long is cut.
    pub request_timeout: Duration,
}

impl S3Config {
    /// Path-style addressing, no key prefix, 30 s request timeout.
    pub fn new(
        endpoint: impl Into<String>,
        region: impl Into<String>,
        bucket: impl Into<String>,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            region: region.into(),
            bucket: bucket.into(),
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            path_style: true,
            key_prefix: String::new(),
            request_timeout: Duration::from_secs(30),
        }
    }

    /// Sets the key prefix.
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Uses virtual-host addressing (`bucket.endpoint`).
    pub fn with_virtual_host_addressing(mut self) -> Self {
        self.path_style = false;
        self
    }
}

impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Config")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("bucket", &self.bucket)
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("path_style", &self.path_style)
            .field("key_prefix", &self.key_prefix)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

/// A store in an S3 bucket. Uploads and downloads are streamed; uploads larger
/// than 8 MiB go through a multipart upload.
#[derive(Clone)]
pub struct S3Store {
    /// For everything but downloads: every request bounded by the timeout.
    bucket: Box<Bucket>,
    /// For downloads: no overall timeout (a large body may take long), see `get`.
    download_bucket: Box<Bucket>,
    config: S3Config,
    /// Normalised key prefix: empty or ending with `/`.
    prefix: String,
}

impl std::fmt::Debug for S3Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn backend(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StorageError {
    StorageError::backend(BACKEND, error)
}

fn status(error: &S3Error) -> Option<u16> {
    match error {
        S3Error::HttpFailWithBody(status, _) => Some(*status),
        _ => None,
    }
}

fn normalise_prefix(prefix: &str) -> Result<String, StorageError> {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    ObjectKey::parse(trimmed)
        .map_err(|e| StorageError::Config(format!("invalid S3 key prefix: {e}")))?;
    Ok(format!("{trimmed}/"))
}

impl S3Store {
    /// Builds the client; makes no request (see [`S3Store::ensure_bucket`]).
    pub fn new(config: S3Config) -> Result<Self, StorageError> {
        let endpoint = url::Url::parse(&config.endpoint)
            .map_err(|e| StorageError::Config(format!("invalid S3 endpoint: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(StorageError::Config(
                "the S3 endpoint must be an http(s) URL".to_owned(),
            ));
        }
        let prefix = normalise_prefix(&config.key_prefix)?;
        let credentials = Credentials::new(
            Some(&config.access_key),
            Some(&config.secret_key),
            None,
            None,
            None,
        )
        .map_err(|e| StorageError::Config(format!("S3 credentials: {e}")))?;
        let region = Region::Custom {
            region: config.region.clone(),
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
        };
        let mut bucket = Bucket::new(&config.bucket, region, credentials)
            .map_err(|e| StorageError::Config(format!("S3 bucket: {e}")))?;
        if config.path_style {
            bucket.set_path_style();
        } else {
            bucket.set_subdomain_style();
        }
        let mut download_bucket = bucket.clone();
        bucket.set_request_timeout(Some(config.request_timeout));
        download_bucket.set_request_timeout(None);
        Ok(Self {
            bucket,
            download_bucket,
            config,
            prefix,
        })
    }

    /// The settings this store was built with.
    pub fn config(&self) -> &S3Config {
        &self.config
    }

    /// Creates the bucket unless it exists already (owned by these credentials).
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        match self.probe().await {
            Ok(()) => return Ok(()),
            Err(e) if status(&e) == Some(404) => {}
            Err(e) => return Err(backend(e)),
        }
        let created = if self.config.path_style {
            Bucket::create_with_path_style(
                &self.bucket.name(),
                self.bucket.region(),
                self.credentials()?,
                BucketConfiguration::default(),
            )
            .await
        } else {
            Bucket::create(
                &self.bucket.name(),
                self.bucket.region(),
                self.credentials()?,
                BucketConfiguration::default(),
            )
            .await
        };
        match created {
            Ok(response) if response.success() => {
                tracing::info!(bucket = %self.config.bucket, "created the S3 bucket");
                Ok(())
            }
            Ok(response) => Err(backend(format!(
                "creating bucket: HTTP {}: {}",
                response.response_code, response.response_text
            ))),
            Err(S3Error::HttpFailWithBody(409, body))
                if body.contains("BucketAlreadyOwnedByYou") =>
            {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }

    fn credentials(&self) -> Result<Credentials, StorageError> {
        Credentials::new(
            Some(&self.config.access_key),
            Some(&self.config.secret_key),
            None,
            None,
            None,
        )
        .map_err(|e| StorageError::Config(format!("S3 credentials: {e}")))
    }

    /// Lists at most one key under the prefix: proves the service answers, the
    /// credentials are accepted and the bucket exists.
    async fn probe(&self) -> Result<(), S3Error> {
        self.bucket
            .list_page(self.prefix.clone(), None, None, None, Some(1))
            .await
            .map(|_| ())
    }

    fn path(&self, key: &ObjectKey) -> String {
        format!("{}{}", self.prefix, key)
    }
}

/// Ends a download whose body produces nothing for `idle`.
fn with_idle_timeout(body: ByteStream, idle: Duration) -> ByteStream {
    stream::unfold(Some(body), move |state| async move {
        let mut body = state?;
        match tokio::time::timeout(idle, body.next()).await {
            Ok(Some(item)) => Some((item, Some(body))),
            Ok(None) => None,
            Err(_) => Some((
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "S3 download stalled",
                )),
                None,
            )),
        }
    })
    .boxed()
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream,
    ) -> Result<ObjectMeta, StorageError> {
        let key = ObjectKey::parse(key)?;
        check_content_type(content_type)?;

        let mut hasher = Sha256::new();
        let mut size = 0u64;
        // The body's own error, kept to tell it apart from S3 failures.
        let mut body_error: Option<io::Error> = None;
        let counted = body.map(|item| match item {
            Ok(chunk) => {
                hasher.update(&chunk);
                size += chunk.len() as u64;
                Ok::<Bytes, io::Error>(chunk)
            }
            Err(e) => {
                body_error = Some(e);
                Err(io::Error::other("upload body failed"))
            }
        });
        let mut reader = StreamReader::new(counted);
        let result = timed(
            "s3",
            "put",
            self.bucket
                .put_object_stream_builder(self.path(&key))
                .with_content_type(content_type)
                .with_max_concurrent_chunks(UPLOAD_CONCURRENCY)
                .execute_stream(&mut reader),
        )
        .await;
        drop(reader);

        if let Some(e) = body_error {
            return Err(StorageError::from_body(e));
        }
        let response = result.map_err(backend)?;
        if !(200..300).contains(&response.status_code()) {
            return Err(backend(format!("put: HTTP {}", response.status_code())));
        }
        Ok(ObjectMeta {
            key: key.as_str().to_owned(),
            size,
            content_type: content_type.to_owned(),
            sha256: Some(hex::encode(hasher.finalize())),
        })
    }

    /// Two requests: `HEAD` for the description, then a streamed `GET`.
    async fn get(&self, key: &str) -> Result<StoredObject, StorageError> {
        let object_key = ObjectKey::parse(key)?;
        let not_found = || StorageError::NotFound {
            key: key.to_owned(),
        };
        let meta = self.head(key).await?.ok_or_else(not_found)?;
        let timeout = self.config.request_timeout;
        let sent = Instant::now();
        let started = tokio::time::timeout(
            timeout,
            self.download_bucket
                .get_object_stream(self.path(&object_key)),
        )
        .await;
        let failed = !matches!(&started, Ok(Ok(_)))
            && !matches!(&started, Ok(Err(e)) if status(e) == Some(404));
        observe_call("s3", "get", sent.elapsed(), failed);
        let started = started.map_err(|_| backend("get: no response in time"))?;
        let response = match started {
            Ok(response) => response,
            Err(e) if status(&e) == Some(404) => return Err(not_found()),
            Err(e) => return Err(backend(e)),
        };
        let body = response.bytes.map_err(io::Error::other).boxed();
        Ok(StoredObject {
            meta,
            body: with_idle_timeout(body, timeout),
        })
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError> {
        let key = ObjectKey::parse(key)?;
        let sent = Instant::now();
        let answer = self.bucket.head_object(self.path(&key)).await;
        let failed = matches!(&answer, Err(e) if status(e) != Some(404));
        observe_call("s3", "head", sent.elapsed(), failed);
        let (head, code) = match answer {
            Ok(found) => found,
            Err(e) if status(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(backend(e)),
        };
        if code == 404 {
            return Ok(None);
        }
        let size = head
            .content_length
            .and_then(|len| u64::try_from(len).ok())
            .ok_or_else(|| backend("head: no content length"))?;
        Ok(Some(ObjectMeta {
            key: key.as_str().to_owned(),
            size,
            content_type: head
                .content_type
                .unwrap_or_else(|| FALLBACK_CONTENT_TYPE.to_owned()),
            sha256: None,
        }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let key = ObjectKey::parse(key)?;
        let sent = Instant::now();
        let answer = self.bucket.delete_object(self.path(&key)).await;
        let failed = matches!(&answer, Err(e) if status(e) != Some(404));
        observe_call("s3", "delete", sent.elapsed(), failed);
        match answer {
            Ok(_) => Ok(()),
            Err(e) if status(&e) == Some(404) => Ok(()),
            Err(e) => Err(backend(e)),
        }
    }

    async fn sign_upload(&self, grant: &UploadGrant) -> Result<String, StorageError> {
        // Signed, so the client must send exactly these.
        let mut headers = HeaderMap::new();
        for (name, value) in grant.required_headers() {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(backend)?;
            let value = HeaderValue::from_str(&value).map_err(|_| {
                StorageError::invalid(
                    "content_type",
                    FieldCode::InvalidContentType,
                    "not a header value",
                )
            })?;
            headers.insert(name, value);
        }
        let secs = grant.expires_in_secs();
        let path = self.path(grant.key());
        let url = self.bucket.presign_put(path, secs, Some(headers), None);
        url.await.map_err(backend)
    }

    async fn sign_download(&self, grant: &DownloadGrant) -> Result<String, StorageError> {
        let queries = grant.download_name().map(|name| {
            HashMap::from([(
                "response-content-disposition".to_owned(),
                content_disposition_attachment(name),
            )])
        });
        let secs = grant.expires_in_secs();
        let url = self
            .bucket
            .presign_get(self.path(grant.key()), secs, queries);
        url.await.map_err(backend)
    }
}

#[async_trait]
impl HealthProbe for S3Store {
    fn name(&self) -> &'static str {
        BACKEND
    }

    async fn check(&self) -> Result<(), PortError> {
        match tokio::time::timeout(HEALTH_TIMEOUT, self.probe()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(PortError::new(BACKEND, e)),
            Err(_) => Err(PortError::new(BACKEND, "no answer in time")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_normalised_and_validated() {
        assert_eq!(normalise_prefix("").ok(), Some(String::new()));
        assert_eq!(normalise_prefix("/").ok(), Some(String::new()));
        assert_eq!(
            normalise_prefix("tests/abc").ok(),
            Some("tests/abc/".into())
        );
        assert_eq!(
            normalise_prefix("/tests/abc/").ok(),
            Some("tests/abc/".into())
        );
        assert!(normalise_prefix("../x").is_err());
    }

    #[test]
    fn debug_hides_the_secret() {
        let config = S3Config::new(
            "http://127.0.0.1:9000",
            "us-east-1",
            "b",
            "ak",
            "very-secret",
        );
        assert!(!format!("{config:?}").contains("very-secret"));
        let store = S3Store::new(config).ok();
        assert!(!format!("{store:?}").contains("very-secret"));
    }

    #[test]
    fn bad_settings_are_refused() {
        let config = S3Config::new("ftp://x", "us-east-1", "b", "ak", "sk");
        assert!(matches!(S3Store::new(config), Err(StorageError::Config(_))));
        let config =
            S3Config::new("http://x", "us-east-1", "b", "ak", "sk").with_key_prefix("a//b");
        assert!(matches!(S3Store::new(config), Err(StorageError::Config(_))));
    }
}
