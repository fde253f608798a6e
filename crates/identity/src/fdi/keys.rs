//! The RS256 key pair of the SuperTokens-compatible access tokens, and its JWKS.
//!
//! The key comes from a PEM (configured), from a file (read, or generated and
//! written with mode 0600 when missing: the development default), or is
//! generated in memory. It is loaded on first use, so servers and tests that
//! never serve the FDI never pay for RSA key generation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p2p_kernel::DomainError;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const KEY_BITS: usize = 2048;

/// Where the RS256 signing key comes from.
#[derive(Clone)]
pub enum SigningKeySource {
    /// A PKCS#8 PEM private key.
    Pem(String),
    /// A PKCS#8 PEM file, generated (0600) when it does not exist.
    File(PathBuf),
    /// A new key per process (tests; tokens do not survive a restart).
    Ephemeral,
}

/// One key of the JWKS document (RFC 7517): an RS256 signing key.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwk {
    pub kty: &'static str,
    pub kid: String,
    pub n: String,
    pub e: String,
    pub alg: &'static str,
    #[serde(rename = "use")]
    pub use_: &'static str,
}

/// `GET /auth/jwt/jwks.json`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// A loaded key pair.
pub(crate) struct RsaKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    kid: String,
    jwk: Jwk,
}

impl RsaKeys {
    pub fn load(source: &SigningKeySource) -> Result<Self, DomainError> {
        let key = match source {
            SigningKeySource::Pem(pem) => {
                RsaPrivateKey::from_pkcs8_pem(pem).map_err(DomainError::internal)?
            }
            SigningKeySource::File(path) => from_file(path)?,
            SigningKeySource::Ephemeral => generate()?,
        };
        Self::from_key(&key)
    }

    fn from_key(key: &RsaPrivateKey) -> Result<Self, DomainError> {
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(DomainError::internal)?;
        let public = RsaPublicKey::from(key);
        let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
        let kid = format!(
            "s-{}",
            hex::encode(&Sha256::digest(format!("{n}.{e}").as_bytes())[..8])
        );
        Ok(Self {
            encoding: EncodingKey::from_rsa_pem(pem.as_bytes()).map_err(DomainError::internal)?,
            decoding: DecodingKey::from_rsa_components(&n, &e).map_err(DomainError::internal)?,
            jwk: Jwk {
                kty: "RSA",
                kid: kid.clone(),
                n,
                e,
                alg: "RS256",
                use_: "sig",
            },
            kid,
        })
    }

    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: vec![self.jwk.clone()],
        }
    }

    pub fn sign(&self, claims: &impl Serialize) -> Result<String, DomainError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(DomainError::internal)
    }

    /// The claims of a token signed by this key, whatever its expiry.
    pub fn decode<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_exp = false;
        validation.required_spec_claims = ["exp", "sub"].iter().map(|s| s.to_string()).collect();
        jsonwebtoken::decode::<T>(token.trim(), &self.decoding, &validation)
            .ok()
            .map(|d| d.claims)
    }
}

fn generate() -> Result<RsaPrivateKey, DomainError> {
    let mut rng = rsa::rand_core::OsRng;
    RsaPrivateKey::new(&mut rng, KEY_BITS).map_err(DomainError::internal)
}

fn from_file(path: &Path) -> Result<RsaPrivateKey, DomainError> {
    match std::fs::read_to_string(path) {
        Ok(pem) => RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| {
            DomainError::internal(std::io::Error::other(format!(
                "signing key {}: {e}",
                path.display()
            )))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = generate()?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(DomainError::internal)?;
            write_private(path, pem.as_bytes()).map_err(DomainError::internal)?;
            tracing::warn!(path = %path.display(), "generated an RS256 signing key for the FDI access tokens");
            Ok(key)
        }
        Err(e) => Err(DomainError::internal(e)),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
    }
    #[cfg(not(unix))]
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct C {
        sub: String,
        exp: i64,
    }

    #[test]
    fn file_keys_persist_sign_and_publish_their_jwk() {
        let dir = std::env::temp_dir().join(format!("fdi-key-{}", uuid::Uuid::new_v4()));
        let path = dir.join("key.pem");
        let first = RsaKeys::load(&SigningKeySource::File(path.clone())).expect("generated");
        let again = RsaKeys::load(&SigningKeySource::File(path.clone())).expect("read back");
        assert_eq!(first.jwks(), again.jwks());
        let claims = C {
            sub: "u".into(),
            exp: 1,
        };
        let token = first.sign(&claims).expect("signed");
        assert_eq!(again.decode::<C>(&token), Some(claims));
        let header = jsonwebtoken::decode_header(&token).expect("header");
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(
            header.kid.as_deref(),
            Some(first.jwks().keys[0].kid.as_str())
        );
        let other = RsaKeys::load(&SigningKeySource::Ephemeral).expect("generated");
        assert_eq!(other.decode::<C>(&token), None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
