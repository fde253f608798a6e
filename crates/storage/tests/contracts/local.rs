//! `LocalStore` (a temporary directory per test).

use crate::support::{PUBLIC_BASE, TempDir, collect, failing_after, local_store};
use p2p_kernel::ErrorCode;
use p2p_kernel::ports::HealthProbe;
use p2p_storage::{
    BlobMethod, BlobQuery, LocalStore, ObjectStore, SignatureProblem, StorageError, bytes_body,
};
use std::future::Future;
use std::time::Duration;
use time::OffsetDateTime;

async fn with_local_store<F, Fut>(test: F)
where
    F: FnOnce(LocalStore) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = TempDir::new();
    test(local_store(&dir).await).await;
}

contract_tests!(with_local_store);

/// Splits a local presigned URL into its key and query, as the HTTP shell does.
fn parse_blob_url(url: &str) -> (String, BlobQuery) {
    let prefix = format!("{PUBLIC_BASE}/api/v1/files/blob/");
    let rest = url
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{url} does not start with {prefix}"));
    let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let key = rest.split('?').next().unwrap_or_default().to_owned();
    // As the HTTP shell's query extractor reads it.
    let query = serde_urlencoded::from_str(parsed.query().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    (key, query)
}

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or_else(|e| panic!("{e}"))
}

fn refused(result: Result<(), StorageError>) -> Option<SignatureProblem> {
    match result {
        Err(StorageError::Signature(problem)) => Some(problem),
        _ => None,
    }
}

#[tokio::test]
async fn presigned_put_is_accepted_until_it_expires() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    let presigned = store
        .presign_put(
            "files/f1/doc.pdf",
            "application/pdf",
            Some(5),
            Duration::from_secs(600),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        presigned.url.starts_with(&format!(
            "{PUBLIC_BASE}/api/v1/files/blob/files/f1/doc.pdf?method=PUT&expires="
        )),
        "{}",
        presigned.url
    );
    let (key, query) = parse_blob_url(&presigned.url);
    assert_eq!(key, "files/f1/doc.pdf");
    assert_eq!(query.expires, presigned.expires_at.unix_timestamp());
    assert_eq!(query.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(query.size, Some(5));
    assert_eq!(query.sig.len(), 64, "hex HMAC-SHA256");

    let now = OffsetDateTime::now_utc();
    assert!(
        store
            .verify_signature(BlobMethod::Put, &key, &query, now)
            .is_ok()
    );
    assert!(
        store
            .verify_signature(BlobMethod::Put, &key, &query, at(query.expires - 1))
            .is_ok()
    );
    let expired = store.verify_signature(BlobMethod::Put, &key, &query, at(query.expires));
    assert_eq!(refused(expired), Some(SignatureProblem::Expired));
    let expired = store.verify_signature(BlobMethod::Put, &key, &query, at(query.expires + 3600));
    let expired = expired
        .err()
        .unwrap_or_else(|| panic!("accepted after expiry"));
    assert_eq!(expired.kind().status(), 403);
    assert_eq!(expired.code(), "expired_signature");
}

#[tokio::test]
async fn tampered_urls_are_refused() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    let presigned = store
        .presign_put(
            "files/f2/a.png",
            "image/png",
            Some(10),
            Duration::from_secs(600),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (key, query) = parse_blob_url(&presigned.url);
    let now = OffsetDateTime::now_utc();

    let mut flipped = query.sig.clone();
    let last = if flipped.ends_with('0') { "1" } else { "0" };
    flipped.replace_range(63.., last);

    let tampered: Vec<(&str, BlobQuery)> = vec![
        (
            "later expiry",
            BlobQuery {
                expires: query.expires + 86_400,
                ..query.clone()
            },
        ),
        (
            "other type",
            BlobQuery {
                content_type: Some("text/html".into()),
                ..query.clone()
            },
        ),
        (
            "no type",
            BlobQuery {
                content_type: None,
                ..query.clone()
            },
        ),
        (
            "bigger size",
            BlobQuery {
                size: Some(10_000_000),
                ..query.clone()
            },
        ),
        (
            "no size",
            BlobQuery {
                size: None,
                ..query.clone()
            },
        ),
        (
            "added filename",
            BlobQuery {
                filename: Some("x.exe".into()),
                ..query.clone()
            },
        ),
        (
            "flipped signature",
            BlobQuery {
                sig: flipped,
                ..query.clone()
            },
        ),
        (
            "empty signature",
            BlobQuery {
                sig: String::new(),
                ..query.clone()
            },
        ),
        (
            "not hex",
            BlobQuery {
                sig: "zz".repeat(32),
                ..query.clone()
            },
        ),
        (
            "short signature",
            BlobQuery {
                sig: query.sig[..32].to_owned(),
                ..query.clone()
            },
        ),
        (
            "other method",
            BlobQuery {
                method: BlobMethod::Get,
                ..query.clone()
            },
        ),
    ];
    for (what, q) in tampered {
        let outcome = store.verify_signature(q.method, &key, &q, now);
        assert_eq!(refused(outcome), Some(SignatureProblem::Invalid), "{what}");
    }
    let other_key = store.verify_signature(BlobMethod::Put, "files/f2/b.png", &query, now);
    assert_eq!(
        refused(other_key),
        Some(SignatureProblem::Invalid),
        "other key"
    );
    let used_for_get = store.verify_signature(BlobMethod::Get, &key, &query, now);
    assert_eq!(
        refused(used_for_get),
        Some(SignatureProblem::Invalid),
        "PUT URL used to GET"
    );
    let bad_key = store.verify_signature(BlobMethod::Put, "../etc/passwd", &query, now);
    assert!(matches!(bad_key, Err(StorageError::Invalid(_))));

    let other_dir = TempDir::new();
    let other_store = LocalStore::open(&other_dir.0, PUBLIC_BASE, &[9u8; 32])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let foreign = other_store.verify_signature(BlobMethod::Put, &key, &query, now);
    assert_eq!(
        refused(foreign),
        Some(SignatureProblem::Invalid),
        "other secret"
    );
}

/// What the HTTP shell does with local presigned URLs, end to end.
#[tokio::test]
async fn presigned_upload_then_download() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    let up = store
        .presign_put(
            "files/f3/photo.jpg",
            "image/jpeg",
            None,
            Duration::from_secs(60),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (key, query) = parse_blob_url(&up.url);
    let now = OffsetDateTime::now_utc();
    store
        .verify_signature(BlobMethod::Put, &key, &query, now)
        .unwrap_or_else(|e| panic!("{e}"));
    let content_type = query
        .content_type
        .unwrap_or_else(|| panic!("no content type"));
    store
        .put(
            &key,
            &content_type,
            bytes_body(&b"\xff\xd8\xff\xe0 jpeg"[..]),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let down = store
        .presign_get(&key, Duration::from_secs(60), Some("Holiday photo.jpg"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (key, query) = parse_blob_url(&down.url);
    assert_eq!(query.filename.as_deref(), Some("Holiday photo.jpg"));
    store
        .verify_signature(BlobMethod::Get, &key, &query, now)
        .unwrap_or_else(|e| panic!("{e}"));
    let object = store.get(&key).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(object.meta.content_type, "image/jpeg");
    assert_eq!(collect(object.body).await, b"\xff\xd8\xff\xe0 jpeg");
}

/// A presigned `PUT` is served with `put_new`: its object is written once.
#[tokio::test]
async fn put_new_writes_an_object_once() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    store
        .put_new(
            "uploads/u1/doc.pdf",
            "application/pdf",
            bytes_body("%PDF-1"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let again = store
        .put_new(
            "uploads/u1/doc.pdf",
            "application/pdf",
            bytes_body("<html>"),
        )
        .await;
    let Err(e) = again else {
        panic!("a second put_new was accepted")
    };
    assert!(matches!(e, StorageError::AlreadyExists { .. }), "{e}");
    assert_eq!(e.kind().status(), 409);
    let object = store
        .get("uploads/u1/doc.pdf")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(object.meta.content_type, "application/pdf");
    assert_eq!(collect(object.body).await, b"%PDF-1");
    let leftovers = std::fs::read_dir(dir.0.join("tmp"))
        .map(|entries| entries.count())
        .unwrap_or(usize::MAX);
    assert_eq!(leftovers, 0, "temporary files left behind");

    // Two writers at once: exactly one wins.
    let (a, b) = tokio::join!(
        store.put_new("uploads/u2/x.bin", "application/pdf", bytes_body("one")),
        store.put_new("uploads/u2/x.bin", "application/pdf", bytes_body("two")),
    );
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1);
    let winner = if a.is_ok() { &b"one"[..] } else { &b"two"[..] };
    let object = store
        .get("uploads/u2/x.bin")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(collect(object.body).await, winner);
}

#[tokio::test]
async fn objects_stay_inside_the_directory_and_leave_no_temporaries() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    store
        .put("x/y/z.txt", "text/plain", bytes_body("content"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let stored = std::fs::read(dir.0.join("objects/x/y/z.txt")).unwrap_or_default();
    assert_eq!(stored, b"content");
    assert!(dir.0.join("meta/x/y/z.txt.json").is_file());

    let _ = store
        .put("x/broken.bin", "text/plain", failing_after(b"partial", 3))
        .await;
    let leftovers = std::fs::read_dir(dir.0.join("tmp"))
        .map(|entries| entries.count())
        .unwrap_or(usize::MAX);
    assert_eq!(leftovers, 0, "temporary files left behind");
    assert!(!dir.0.join("objects/x/broken.bin").exists());
}

#[tokio::test]
async fn a_key_cannot_be_both_object_and_folder() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    store
        .put("clash", "text/plain", bytes_body("file"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let result = store
        .put("clash/inner", "text/plain", bytes_body("x"))
        .await;
    assert!(
        matches!(&result, Err(StorageError::Invalid(f)) if f.code == "key_conflict"),
        "{result:?}"
    );
    assert_eq!(
        collect(
            store
                .get("clash")
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .body
        )
        .await,
        b"file"
    );

    let result = store
        .put("deeper/inner", "text/plain", bytes_body("x"))
        .await;
    assert!(result.is_ok(), "{result:?}");
    let result = store.put("deeper", "text/plain", bytes_body("x")).await;
    assert!(
        matches!(&result, Err(StorageError::Invalid(f)) if f.code == "key_conflict"),
        "{result:?}"
    );
    // A folder is not an object (s3s-fs answers 500 here, so this is local only).
    assert!(store.head("deeper").await.ok().flatten().is_none());
    assert!(matches!(
        store.get("deeper").await,
        Err(StorageError::NotFound { .. })
    ));
}

#[tokio::test]
async fn health_probe_reports_a_missing_directory() {
    let dir = TempDir::new();
    let store = local_store(&dir).await;
    assert_eq!(store.name(), "files");
    assert!(store.check().await.is_ok());
    std::fs::remove_dir_all(&dir.0).unwrap_or_else(|e| panic!("{e}"));
    assert!(store.check().await.is_err());
}

#[tokio::test]
async fn construction_refuses_a_weak_secret() {
    let dir = TempDir::new();
    let result = LocalStore::open(&dir.0, PUBLIC_BASE, b"too short").await;
    assert!(matches!(result, Err(StorageError::Config(_))));
}
