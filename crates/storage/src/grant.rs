//! What a presigned URL grants, checked once for every store: a store only
//! signs a grant (see [`crate::ObjectStore::sign_upload`] and
//! [`crate::ObjectStore::sign_download`]).

use crate::error::StorageError;
use crate::key::ObjectKey;
use crate::meta::check_content_type;
use crate::presign::{BlobMethod, PresignedUrl, expiry_secs};
use p2p_kernel::FieldCode;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, IF_NONE_MATCH};
use std::time::Duration;
use time::OffsetDateTime;

/// Longest download file name accepted in a presigned URL, in bytes.
const MAX_DOWNLOAD_NAME_LEN: usize = 255;

/// How long a URL lives: validated seconds and the instant they end.
#[derive(Clone, Copy, Debug)]
struct Expiry {
    secs: u32,
    at: OffsetDateTime,
}

impl Expiry {
    /// Now plus `expires_in` (1 s to [`crate::MAX_PRESIGN_EXPIRY`]), to the whole second.
    fn from_now(expires_in: Duration) -> Result<Self, StorageError> {
        let secs = expiry_secs(expires_in)?;
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Ok(Self {
            secs,
            at: now + time::Duration::seconds(i64::from(secs)),
        })
    }
}

/// A checked request for an upload URL: one object, one content type,
/// optionally an exact length, until it expires.
#[derive(Clone, Debug)]
pub struct UploadGrant {
    key: ObjectKey,
    content_type: String,
    content_length: Option<u64>,
    expiry: Expiry,
}

impl UploadGrant {
    pub(crate) fn new(
        key: &str,
        content_type: &str,
        content_length: Option<u64>,
        expires_in: Duration,
    ) -> Result<Self, StorageError> {
        let key = ObjectKey::parse(key)?;
        check_content_type(content_type)?;
        Ok(Self {
            key,
            content_type: content_type.to_owned(),
            content_length,
            expiry: Expiry::from_now(expires_in)?,
        })
    }

    pub fn key(&self) -> &ObjectKey {
        &self.key
    }

    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// Validity in whole seconds.
    pub fn expires_in_secs(&self) -> u32 {
        self.expiry.secs
    }

    pub fn expires_at(&self) -> OffsetDateTime {
        self.expiry.at
    }

    /// The headers the upload must carry exactly (they are signed): the
    /// content type, `If-None-Match: *` (S3 then stores the object only while
    /// none exists and answers a second `PUT` with 412; the local store refuses
    /// it too, see `LocalStore::put_new`) and, when fixed, the length.
    pub fn required_headers(&self) -> Vec<(String, String)> {
        let mut headers = vec![
            (CONTENT_TYPE.as_str().to_owned(), self.content_type.clone()),
            (IF_NONE_MATCH.as_str().to_owned(), "*".to_owned()),
        ];
        if let Some(length) = self.content_length {
            headers.push((CONTENT_LENGTH.as_str().to_owned(), length.to_string()));
        }
        headers
    }

    pub(crate) fn into_url(self, url: String) -> PresignedUrl {
        PresignedUrl {
            required_headers: self.required_headers(),
            url,
            method: BlobMethod::Put,
            expires_at: self.expiry.at,
        }
    }
}

/// A checked request for a download URL, optionally asking the browser to
/// save the file under a name.
#[derive(Clone, Debug)]
pub struct DownloadGrant {
    key: ObjectKey,
    download_name: Option<String>,
    expiry: Expiry,
}

impl DownloadGrant {
    pub(crate) fn new(
        key: &str,
        expires_in: Duration,
        download_name: Option<&str>,
    ) -> Result<Self, StorageError> {
        let key = ObjectKey::parse(key)?;
        if download_name.is_some_and(|n| n.len() > MAX_DOWNLOAD_NAME_LEN) {
            return Err(StorageError::invalid(
                "download_name",
                FieldCode::TooLong,
                format!("must be at most {MAX_DOWNLOAD_NAME_LEN} bytes"),
            ));
        }
        Ok(Self {
            key,
            download_name: download_name.map(str::to_owned),
            expiry: Expiry::from_now(expires_in)?,
        })
    }

    pub fn key(&self) -> &ObjectKey {
        &self.key
    }

    pub fn download_name(&self) -> Option<&str> {
        self.download_name.as_deref()
    }

    /// Validity in whole seconds.
    pub fn expires_in_secs(&self) -> u32 {
        self.expiry.secs
    }

    pub fn expires_at(&self) -> OffsetDateTime {
        self.expiry.at
    }

    pub(crate) fn into_url(self, url: String) -> PresignedUrl {
        PresignedUrl {
            url,
            method: BlobMethod::Get,
            expires_at: self.expiry.at,
            required_headers: Vec::new(),
        }
    }
}
