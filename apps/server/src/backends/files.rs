//! File storage: an S3-compatible service or a local directory.

use super::retry::{ConnectError, RetryPolicy, with_retry};
use crate::config::Settings;
use p2p_kernel::ports::HealthProbe;
use p2p_storage::{LocalStore, ObjectStore, S3Config, S3Store};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The configured store, and the same object as a readiness probe.
pub struct FileBackend {
    pub store: Arc<dyn ObjectStore>,
    pub probe: Arc<dyn HealthProbe>,
    /// Set for the local store: it signs URLs that the server itself answers.
    pub local: Option<Arc<LocalStore>>,
}

fn connect_error(e: impl std::fmt::Display) -> ConnectError {
    ConnectError {
        backend: "files",
        attempts: 1,
        last_error: e.to_string(),
    }
}

pub async fn connect(settings: &Settings, retry: RetryPolicy) -> Result<FileBackend, ConnectError> {
    match &settings.s3 {
        Some(s3) => {
            let mut config = S3Config::new(
                s3.endpoint.as_str().trim_end_matches('/'),
                &s3.region,
                &s3.bucket,
                &s3.access_key,
                s3.secret_key.expose(),
            );
            if !s3.path_style {
                config = config.with_virtual_host_addressing();
            }
            config.request_timeout = settings.deadlines.s3;
            let store = Arc::new(S3Store::new(config).map_err(connect_error)?);
            with_retry("s3", retry, || store.ensure_bucket()).await?;
            Ok(FileBackend {
                store: store.clone(),
                probe: store,
                local: None,
            })
        }
        None => {
            let secret = signing_secret(settings);
            let store = Arc::new(
                LocalStore::open(
                    settings.data_dir.join("files"),
                    settings.public_url.as_str().trim_end_matches('/'),
                    &secret,
                )
                .await
                .map_err(connect_error)?,
            );
            Ok(FileBackend {
                store: store.clone(),
                probe: store.clone(),
                local: Some(store),
            })
        }
    }
}

/// A key for signing local file URLs, derived from (and independent of) the JWT secret.
fn signing_secret(settings: &Settings) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(b"p2p-sandbox/local-file-urls/v1");
    if let Some(secret) = &settings.jwt_secret {
        hasher.update(secret.expose());
    }
    hasher.finalize().to_vec()
}
