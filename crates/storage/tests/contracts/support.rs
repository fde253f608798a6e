//! Test helpers: deterministic content, body streams, isolated stores.

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use p2p_kernel::testenv;
use p2p_storage::{ByteStream, LocalStore, S3Config, S3Store};
use s3::creds::Credentials;
use s3::{Bucket, Region};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::io;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

/// The bucket the contract suite works in (each test under its own prefix).
pub const TEST_BUCKET: &str = "p2p-storage-contracts";
pub const TEST_REGION: &str = "us-east-1";
pub const PUBLIC_BASE: &str = "http://127.0.0.1:8000";
pub const SIGNING_SECRET: &[u8] = b"contract-suite-signing-secret-0123456789";

/// `len` pseudo-random bytes, the same for the same `seed`.
pub fn deterministic_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `data` as a stream of `chunk`-byte pieces.
pub fn chunked(data: &[u8], chunk: usize) -> ByteStream {
    let pieces: Vec<Result<Bytes, io::Error>> = data
        .chunks(chunk)
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    stream::iter(pieces).boxed()
}

/// A body that yields `good` bytes and then fails like a dropped connection.
pub fn failing_after(good: &[u8], chunk: usize) -> ByteStream {
    chunked(good, chunk)
        .chain(stream::once(async {
            Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "client went away",
            ))
        }))
        .boxed()
}

pub async fn collect(body: ByteStream) -> Vec<u8> {
    body.try_fold(Vec::new(), |mut acc, chunk| async move {
        acc.extend_from_slice(&chunk);
        Ok(acc)
    })
    .await
    .unwrap_or_else(|e| panic!("reading the body failed: {e}"))
}

/// A fresh directory removed (with everything in it) when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir()
            .join("p2p-storage-contracts")
            .join(uuid::Uuid::new_v4().simple().to_string());
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn local_store(dir: &TempDir) -> LocalStore {
    LocalStore::open(&dir.0, PUBLIC_BASE, SIGNING_SECRET)
        .await
        .unwrap_or_else(|e| panic!("opening the local store failed: {e}"))
}

pub fn s3_config(prefix: &str) -> S3Config {
    S3Config::new(
        testenv::s3_endpoint(),
        TEST_REGION,
        TEST_BUCKET,
        testenv::s3_access_key(),
        testenv::s3_secret_key(),
    )
    .with_key_prefix(prefix)
}

/// Runs `test` against an S3 store under a fresh key prefix, then deletes
/// whatever is left under that prefix, whether the test passed or not.
pub async fn with_s3_store<F, Fut>(test: F)
where
    F: FnOnce(S3Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let prefix = format!("contracts/{}", uuid::Uuid::new_v4().simple());
    let store = S3Store::new(s3_config(&prefix))
        .unwrap_or_else(|e| panic!("building the S3 store failed: {e}"));
    if let Err(e) = store.ensure_bucket().await {
        panic!(
            "{}",
            testenv::missing("S3", &testenv::s3_endpoint(), format!("{e:?}"))
        );
    }
    let outcome = AssertUnwindSafe(test(store)).catch_unwind().await;
    remove_prefix(&prefix).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Deletes every object under `prefix` in the test bucket.
async fn remove_prefix(prefix: &str) {
    let credentials = Credentials::new(
        Some(&testenv::s3_access_key()),
        Some(&testenv::s3_secret_key()),
        None,
        None,
        None,
    );
    let region = Region::Custom {
        region: TEST_REGION.to_owned(),
        endpoint: testenv::s3_endpoint(),
    };
    let Ok(bucket) = credentials
        .map_err(|e| e.to_string())
        .and_then(|c| Bucket::new(TEST_BUCKET, region, c).map_err(|e| e.to_string()))
    else {
        return;
    };
    let bucket = bucket.with_path_style();
    let Ok(pages) = bucket.list(format!("{prefix}/"), None).await else {
        return;
    };
    for object in pages.iter().flat_map(|page| page.contents.iter()) {
        let _ = bucket.delete_object(&object.key).await;
    }
}
