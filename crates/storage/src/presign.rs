//! Presigned URLs: the common result type, expiry rules, and the HMAC-signed
//! URLs of the local store (served by the HTTP shell under
//! `/api/v1/files/blob/{key}`).

use crate::error::{SignatureProblem, StorageError};
use crate::key::ObjectKey;
use hmac::{Hmac, Mac};
use p2p_kernel::FieldCode;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;
use url::Url;

/// The longest validity of a presigned URL (7 days, the S3 maximum).
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

/// The path under the public base URL where the HTTP shell serves local blobs.
pub(crate) const LOCAL_BLOB_PATH: &str = "/api/v1/files/blob/";

/// The HTTP method a presigned URL is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BlobMethod {
    /// Download.
    #[serde(rename = "GET")]
    Get,
    /// Upload.
    #[serde(rename = "PUT")]
    Put,
}

impl BlobMethod {
    /// `GET` or `PUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Put => "PUT",
        }
    }
}

impl fmt::Display for BlobMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A URL that grants one kind of access to one object until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PresignedUrl {
    /// The absolute URL.
    pub url: String,
    /// The method the URL must be used with.
    pub method: BlobMethod,
    /// When the URL stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// Headers the request must carry exactly as given (they are signed),
    /// e.g. `content-type` for an upload.
    pub required_headers: Vec<(String, String)>,
}

/// Converts a validity duration to whole seconds, refusing 0 and anything over
/// [`MAX_PRESIGN_EXPIRY`].
pub(crate) fn expiry_secs(expires_in: Duration) -> Result<u32, StorageError> {
    let secs = expires_in.as_secs();
    if secs == 0 || expires_in > MAX_PRESIGN_EXPIRY {
        return Err(StorageError::invalid(
            "expires_in",
            FieldCode::InvalidExpiry,
            format!(
                "must be between 1 second and {} seconds",
                MAX_PRESIGN_EXPIRY.as_secs()
            ),
        ));
    }
    u32::try_from(secs)
        .map_err(|_| StorageError::invalid("expires_in", FieldCode::InvalidExpiry, "too long"))
}

/// The query string of a local presigned URL, as the HTTP shell receives it
/// (`?method=…&expires=…&sig=…`, plus `content_type`/`size` for uploads and
/// `filename` for downloads). Every field is covered by the signature.
///
/// After [`crate::LocalStore::verify_signature`] accepts it, the shell serves
/// a `PUT` by storing the body with `content_type` (refusing a body whose
/// length differs from `size`, when given) and a `GET` by streaming the object,
/// with [`crate::content_disposition_attachment`] of `filename` when given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobQuery {
    /// The method the URL was signed for.
    pub method: BlobMethod,
    /// Expiry as Unix seconds.
    pub expires: i64,
    /// Upload only: the content type to store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Upload only: the exact body length, when it was fixed at signing time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Download only: the file name to offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Hex HMAC-SHA256 of all of the above and the key.
    pub sig: String,
}

/// Signs and verifies local blob URLs with HMAC-SHA256.
#[derive(Clone)]
pub(crate) struct BlobSigner {
    secret: Vec<u8>,
    /// Public base URL without a trailing `/`, e.g. `https://app.example.com`.
    public_base: String,
}

/// Shows where the URLs point, never the secret.
impl fmt::Debug for BlobSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlobSigner")
            .field("public_base", &self.public_base)
            .finish_non_exhaustive()
    }
}

/// The shortest signing secret accepted, in bytes.
pub(crate) const MIN_SECRET_LEN: usize = 32;

impl BlobSigner {
    pub(crate) fn new(public_base: &str, secret: &[u8]) -> Result<Self, StorageError> {
        if secret.len() < MIN_SECRET_LEN {
            return Err(StorageError::Config(format!(
                "the local store signing secret must be at least {MIN_SECRET_LEN} bytes"
            )));
        }
        let parsed = Url::parse(public_base)
            .map_err(|e| StorageError::Config(format!("invalid public base URL: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(StorageError::Config(
                "the public base URL must be http(s) without query or fragment".to_owned(),
            ));
        }
        Ok(Self {
            secret: secret.to_vec(),
            public_base: parsed.as_str().trim_end_matches('/').to_owned(),
        })
    }

    fn mac(&self, key: &ObjectKey, query: &BlobQuery) -> Result<Hmac<Sha256>, StorageError> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret)
            .map_err(|e| StorageError::Config(format!("signing key: {e}")))?;
        let expires = query.expires.to_string();
        let size = query.size.map(|s| s.to_string());
        let fields: [Option<&str>; 7] = [
            Some("p2p-blob-v1"),
            Some(query.method.as_str()),
            Some(key.as_str()),
            Some(&expires),
            query.content_type.as_deref(),
            size.as_deref(),
            query.filename.as_deref(),
        ];
        // Length-prefixed fields: no value can be shifted into its neighbour.
        for field in fields {
            match field {
                Some(value) => {
                    mac.update(format!("S{}:", value.len()).as_bytes());
                    mac.update(value.as_bytes());
                }
                None => mac.update(b"N"),
            }
        }
        Ok(mac)
    }

    /// Builds the signed URL for `query` (whose `sig` is ignored and replaced).
    pub(crate) fn sign(
        &self,
        key: &ObjectKey,
        mut query: BlobQuery,
    ) -> Result<String, StorageError> {
        query.sig = hex::encode(self.mac(key, &query)?.finalize().into_bytes());
        let mut url = Url::parse(&format!("{}{LOCAL_BLOB_PATH}{key}", self.public_base))
            .map_err(|e| StorageError::Config(format!("blob URL: {e}")))?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("method", query.method.as_str());
            pairs.append_pair("expires", &query.expires.to_string());
            if let Some(content_type) = &query.content_type {
                pairs.append_pair("content_type", content_type);
            }
            if let Some(size) = query.size {
                pairs.append_pair("size", &size.to_string());
            }
            if let Some(filename) = &query.filename {
                pairs.append_pair("filename", filename);
            }
            pairs.append_pair("sig", &query.sig);
        }
        Ok(url.into())
    }

    /// Accepts `query` only if it was signed by us for `method` and `key` and has
    /// not expired at `now`. The signature is compared in constant time.
    pub(crate) fn verify(
        &self,
        method: BlobMethod,
        key: &ObjectKey,
        query: &BlobQuery,
        now: OffsetDateTime,
    ) -> Result<(), StorageError> {
        let invalid = StorageError::Signature(SignatureProblem::Invalid);
        if method != query.method {
            return Err(invalid);
        }
        let Ok(sig) = hex::decode(&query.sig) else {
            return Err(invalid);
        };
        if self.mac(key, query)?.verify_slice(&sig).is_err() {
            return Err(invalid);
        }
        if now.unix_timestamp() >= query.expires {
            return Err(StorageError::Signature(SignatureProblem::Expired));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> BlobSigner {
        match BlobSigner::new("https://files.example.com/", &[7u8; 32]) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn debug_shows_the_base_and_hides_the_secret() {
        let shown = format!("{:?}", signer());
        assert!(shown.contains("https://files.example.com"), "{shown}");
        assert!(
            !shown.contains("secret") && !shown.contains("7, 7"),
            "{shown}"
        );
    }

    fn key(s: &str) -> ObjectKey {
        match ObjectKey::parse(s) {
            Ok(k) => k,
            Err(e) => panic!("{e}"),
        }
    }

    /// The query of a presigned URL, read as the HTTP shell's query extractor reads it.
    fn query_of(url: &str) -> BlobQuery {
        let query = Url::parse(url).map(|u| u.query().unwrap_or_default().to_owned());
        match query.map(|q| serde_urlencoded::from_str(&q)) {
            Ok(Ok(q)) => q,
            Ok(Err(e)) => panic!("{e}"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn expiry_bounds() {
        assert!(expiry_secs(Duration::from_secs(0)).is_err());
        assert!(expiry_secs(Duration::from_millis(999)).is_err());
        assert_eq!(expiry_secs(Duration::from_secs(60)).ok(), Some(60));
        assert_eq!(expiry_secs(MAX_PRESIGN_EXPIRY).ok(), Some(604_800));
        assert!(expiry_secs(MAX_PRESIGN_EXPIRY + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn signer_refuses_weak_secret_and_bad_base() {
        assert!(BlobSigner::new("https://x.example", b"short").is_err());
        assert!(BlobSigner::new("not a url", &[1u8; 32]).is_err());
        assert!(BlobSigner::new("ftp://x.example", &[1u8; 32]).is_err());
    }

    #[test]
    fn url_shape_and_round_trip() {
        let s = signer();
        let k = key("files/a b/x.pdf".replace(' ', "-").as_str());
        let query = BlobQuery {
            method: BlobMethod::Get,
            expires: 2_000_000_000,
            content_type: None,
            size: None,
            filename: Some("rapport final é.pdf".into()),
            sig: String::new(),
        };
        let url = match s.sign(&k, query) {
            Ok(u) => u,
            Err(e) => panic!("{e}"),
        };
        assert!(
            url.starts_with("https://files.example.com/api/v1/files/blob/files/a-b/x.pdf?method=GET&expires=2000000000&filename="),
            "{url}"
        );
        let q = query_of(&url);
        let now = OffsetDateTime::from_unix_timestamp(1_900_000_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        assert!(s.verify(BlobMethod::Get, &k, &q, now).is_ok());
        assert!(matches!(
            s.verify(BlobMethod::Put, &k, &q, now),
            Err(StorageError::Signature(SignatureProblem::Invalid))
        ));
        let mut renamed = q.clone();
        renamed.filename = Some("evil.exe".into());
        assert!(s.verify(BlobMethod::Get, &k, &renamed, now).is_err());
        let mut bad_hex = q;
        bad_hex.sig = "zz".into();
        assert!(s.verify(BlobMethod::Get, &k, &bad_hex, now).is_err());
    }
}
