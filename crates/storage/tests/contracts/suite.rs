//! The checks every `ObjectStore` must pass.

use crate::support::{chunked, collect, deterministic_bytes, failing_after, sha256_hex};
use p2p_kernel::{ErrorCode, ErrorKind};
use p2p_storage::{MIB, ObjectMeta, ObjectStore, StorageError, bytes_body, limit_body};
use std::time::Duration;

const CHUNK: usize = 64 * 1024;

async fn put(store: &dyn ObjectStore, key: &str, content_type: &str, data: &[u8]) -> ObjectMeta {
    store
        .put(key, content_type, chunked(data, CHUNK))
        .await
        .unwrap_or_else(|e| panic!("put {key} failed: {e}"))
}

async fn get_bytes(store: &dyn ObjectStore, key: &str) -> (ObjectMeta, Vec<u8>) {
    let object = store
        .get(key)
        .await
        .unwrap_or_else(|e| panic!("get {key} failed: {e}"));
    (object.meta, collect(object.body).await)
}

async fn head(store: &dyn ObjectStore, key: &str) -> Option<ObjectMeta> {
    store
        .head(key)
        .await
        .unwrap_or_else(|e| panic!("head {key} failed: {e}"))
}

/// The checksum a store reports must be the right one when it reports one.
fn assert_checksum_if_known(meta: &ObjectMeta, data: &[u8]) {
    if let Some(sha) = &meta.sha256 {
        assert_eq!(sha, &sha256_hex(data), "checksum of {}", meta.key);
    }
}

pub async fn small_round_trip(store: &dyn ObjectStore) {
    let data = b"hello, peers";
    let meta = put(store, "docs/hello.txt", "text/plain; charset=utf-8", data).await;
    assert_eq!(meta.key, "docs/hello.txt");
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(meta.content_type, "text/plain; charset=utf-8");
    assert_eq!(meta.sha256.as_deref(), Some(sha256_hex(data).as_str()));

    let (got, bytes) = get_bytes(store, "docs/hello.txt").await;
    assert_eq!(bytes, data);
    assert_eq!(got.size, data.len() as u64);
    assert_eq!(got.content_type, "text/plain; charset=utf-8");
    assert_checksum_if_known(&got, data);

    let described = head(store, "docs/hello.txt").await;
    let described = described.unwrap_or_else(|| panic!("head found nothing"));
    assert_eq!(described.size, data.len() as u64);
    assert_eq!(described.content_type, "text/plain; charset=utf-8");
    assert_checksum_if_known(&described, data);

    store.delete("docs/hello.txt").await.ok();
}

/// 12 MiB and a bit, streamed in 64 KiB chunks: large enough for S3 to switch
/// to a multipart upload.
pub async fn large_round_trip(store: &dyn ObjectStore) {
    let data = deterministic_bytes(42, 12 * MIB as usize + 12_345);
    let meta = put(store, "media/clip.mp4", "video/mp4", &data).await;
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(meta.sha256.as_deref(), Some(sha256_hex(&data).as_str()));

    let (got, bytes) = get_bytes(store, "media/clip.mp4").await;
    assert_eq!(got.size, data.len() as u64);
    assert_eq!(got.content_type, "video/mp4");
    assert!(bytes == data, "the large object came back different");
    assert_checksum_if_known(&got, &data);

    store.delete("media/clip.mp4").await.ok();
}

pub async fn empty_object(store: &dyn ObjectStore) {
    let meta = put(store, "empty.bin", "application/octet-stream", b"").await;
    assert_eq!(meta.size, 0);
    assert_eq!(meta.sha256.as_deref(), Some(sha256_hex(b"").as_str()));
    let (got, bytes) = get_bytes(store, "empty.bin").await;
    assert_eq!(got.size, 0);
    assert!(bytes.is_empty());
    store.delete("empty.bin").await.ok();
}

pub async fn overwrite_replaces(store: &dyn ObjectStore) {
    put(store, "avatar/u1.png", "image/png", b"first version").await;
    put(store, "avatar/u1.png", "image/webp", b"second").await;
    let (meta, bytes) = get_bytes(store, "avatar/u1.png").await;
    assert_eq!(bytes, b"second");
    assert_eq!(meta.content_type, "image/webp");
    assert_eq!(meta.size, 6);
    assert_checksum_if_known(&meta, b"second");
    store.delete("avatar/u1.png").await.ok();
}

pub async fn nested_keys_are_independent(store: &dyn ObjectStore) {
    put(store, "a/b/one.txt", "text/plain", b"one").await;
    put(store, "a/b/two.txt", "text/plain", b"two").await;
    put(store, "a/three.txt", "text/plain", b"three").await;
    assert_eq!(get_bytes(store, "a/b/one.txt").await.1, b"one");
    assert_eq!(get_bytes(store, "a/b/two.txt").await.1, b"two");
    assert_eq!(get_bytes(store, "a/three.txt").await.1, b"three");
    for key in ["a/b/one.txt", "a/b/two.txt", "a/three.txt"] {
        store.delete(key).await.ok();
    }
}

pub async fn missing_objects(store: &dyn ObjectStore) {
    let error = store.get("never/written.pdf").await.err();
    assert!(
        matches!(&error, Some(e) if e.is_not_found() && e.kind() == ErrorKind::NotFound && e.code() == "not_found"),
        "get of a missing object: {error:?}"
    );
    assert!(head(store, "never/written.pdf").await.is_none());
    assert!(
        store.delete("never/written.pdf").await.is_ok(),
        "delete is idempotent"
    );
}

pub async fn delete_removes(store: &dyn ObjectStore) {
    put(store, "tmp/gone.txt", "text/plain", b"bye").await;
    store
        .delete("tmp/gone.txt")
        .await
        .unwrap_or_else(|e| panic!("delete failed: {e}"));
    assert!(head(store, "tmp/gone.txt").await.is_none());
    assert!(matches!(
        store.get("tmp/gone.txt").await,
        Err(StorageError::NotFound { .. })
    ));
    assert!(store.delete("tmp/gone.txt").await.is_ok(), "second delete");
}

fn assert_invalid(result: Result<(), StorageError>, field: &str, what: &str) {
    match result {
        Err(StorageError::Invalid(f)) => assert_eq!(f.field, field, "{what}"),
        other => panic!("{what}: expected an invalid {field}, got {other:?}"),
    }
}

pub async fn invalid_keys_are_refused(store: &dyn ObjectStore) {
    let minute = Duration::from_secs(60);
    for key in [
        "",
        "/abs",
        "../escape",
        "a/../../b",
        "a//b",
        ".hidden",
        "a b",
        "a\\b",
    ] {
        let what = format!("key {key:?}");
        assert_invalid(
            store
                .put(key, "text/plain", bytes_body("x"))
                .await
                .map(drop),
            "key",
            &what,
        );
        assert_invalid(store.get(key).await.map(drop), "key", &what);
        assert_invalid(store.head(key).await.map(drop), "key", &what);
        assert_invalid(store.delete(key).await, "key", &what);
        assert_invalid(
            store
                .presign_put(key, "image/png", None, minute)
                .await
                .map(drop),
            "key",
            &what,
        );
        assert_invalid(
            store.presign_get(key, minute, None).await.map(drop),
            "key",
            &what,
        );
    }
    let error = store.get("../x").await.err();
    assert_eq!(error.map(|e| e.kind().status()), Some(422));
}

pub async fn invalid_arguments_are_refused(store: &dyn ObjectStore) {
    assert_invalid(
        store
            .put("x.bin", "not a type", bytes_body("x"))
            .await
            .map(drop),
        "content_type",
        "put with a bad content type",
    );
    assert_invalid(
        store
            .presign_put("x.bin", "image/png\r\nx: y", None, Duration::from_secs(60))
            .await
            .map(drop),
        "content_type",
        "presign with a bad content type",
    );
    for expiry in [Duration::ZERO, Duration::from_secs(8 * 24 * 3600)] {
        assert_invalid(
            store.presign_get("x.bin", expiry, None).await.map(drop),
            "expires_in",
            "presign with a bad expiry",
        );
    }
    assert!(head(store, "x.bin").await.is_none());
}

pub async fn failed_body_stores_nothing(store: &dyn ObjectStore) {
    let result = store
        .put(
            "broken/small.bin",
            "application/pdf",
            failing_after(b"%PDF-1.7", 4),
        )
        .await;
    match result {
        Err(e @ StorageError::Body(_)) => {
            assert_eq!(e.kind(), ErrorKind::BadRequest);
            assert_eq!(e.code(), "upload_failed");
        }
        other => panic!("expected a body error, got {other:?}"),
    }
    assert!(head(store, "broken/small.bin").await.is_none());

    let big = deterministic_bytes(7, 9 * MIB as usize);
    let result = store
        .put("broken/big.bin", "video/mp4", failing_after(&big, CHUNK))
        .await;
    assert!(matches!(result, Err(StorageError::Body(_))), "{result:?}");
    assert!(head(store, "broken/big.bin").await.is_none());
}

pub async fn size_limit_stops_uploads(store: &dyn ObjectStore) {
    let data = deterministic_bytes(9, 3 * MIB as usize);
    let result = store
        .put(
            "limited/too-big.png",
            "image/png",
            limit_body(chunked(&data, CHUNK), MIB),
        )
        .await;
    match result {
        Err(e @ StorageError::TooLarge { limit }) => {
            assert_eq!(limit, MIB);
            assert_eq!(e.kind().status(), 413);
            assert_eq!(e.code(), "payload_too_large");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert!(head(store, "limited/too-big.png").await.is_none());

    let fits = &data[..MIB as usize];
    let meta = store
        .put(
            "limited/fits.png",
            "image/png",
            limit_body(chunked(fits, CHUNK), MIB),
        )
        .await
        .unwrap_or_else(|e| panic!("an upload at the limit failed: {e}"));
    assert_eq!(meta.size, MIB);
    store.delete("limited/fits.png").await.ok();
}

pub async fn presigned_urls_describe_themselves(store: &dyn ObjectStore) {
    let put = store
        .presign_put(
            "up/file.pdf",
            "application/pdf",
            Some(1234),
            Duration::from_secs(300),
        )
        .await
        .unwrap_or_else(|e| panic!("presign_put failed: {e}"));
    assert_eq!(put.method, p2p_storage::BlobMethod::Put);
    assert!(put.url.starts_with("http"), "{}", put.url);
    assert!(
        put.required_headers
            .contains(&("content-type".to_owned(), "application/pdf".to_owned()))
    );
    assert!(
        put.required_headers
            .contains(&("content-length".to_owned(), "1234".to_owned()))
    );
    assert!(
        put.required_headers
            .contains(&("if-none-match".to_owned(), "*".to_owned())),
        "an upload URL creates its object once"
    );
    let now = time::OffsetDateTime::now_utc();
    let left = put.expires_at - now;
    assert!(
        left > time::Duration::seconds(290) && left <= time::Duration::seconds(300),
        "expires_at {} is not about 5 minutes from now",
        put.expires_at
    );

    let get = store
        .presign_get("up/file.pdf", Duration::from_secs(60), Some("report.pdf"))
        .await
        .unwrap_or_else(|e| panic!("presign_get failed: {e}"));
    assert_eq!(get.method, p2p_storage::BlobMethod::Get);
    assert!(get.required_headers.is_empty());
}

/// One `#[tokio::test]` per check of this suite, each with a fresh store from
/// `$make`, so a failure names the backend (module) and the check.
macro_rules! contract_tests {
    ($make:path) => {
        contract_tests!(
            $make,
            [
                small_round_trip,
                large_round_trip,
                empty_object,
                overwrite_replaces,
                nested_keys_are_independent,
                missing_objects,
                delete_removes,
                invalid_keys_are_refused,
                invalid_arguments_are_refused,
                failed_body_stores_nothing,
                size_limit_stops_uploads,
                presigned_urls_describe_themselves,
            ]
        );
    };
    ($make:path, [$($check:ident),* $(,)?]) => {
        $(
            #[tokio::test]
            async fn $check() {
                $make(|store| async move { $crate::suite::$check(&store).await }).await;
            }
        )*
    };
}
