//! `S3Store` against the local S3 server (a fresh key prefix per test).

use crate::support::{collect, deterministic_bytes, s3_config, with_s3_store};
use p2p_kernel::ports::HealthProbe;
use p2p_kernel::{ErrorCode, ErrorKind};
use p2p_storage::{
    ObjectStore, PresignedUrl, S3Config, S3Store, StorageError, bytes_body,
    content_disposition_attachment,
};
use std::time::Duration;

contract_tests!(with_s3_store);

/// Sends `body` to a presigned upload URL the way a browser would: with the
/// signed headers (`content_type` for the content type; reqwest sets
/// `content-length` from the body itself).
async fn http_put(
    presigned: &PresignedUrl,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new()
        .put(&presigned.url)
        .header("content-type", content_type);
    for (name, value) in &presigned.required_headers {
        if name != "content-type" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    request
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PUT {} failed: {e}", presigned.url))
        .status()
}

async fn http_get(url: &str) -> reqwest::Response {
    reqwest::get(url)
        .await
        .unwrap_or_else(|e| panic!("GET {url} failed: {e}"))
}

#[tokio::test]
async fn presigned_put_then_presigned_get_over_plain_http() {
    with_s3_store(|store| async move {
        let data = deterministic_bytes(3, 300_000);
        let up = store
            .presign_put(
                "files/p1/report.pdf",
                "application/pdf",
                Some(data.len() as u64),
                Duration::from_secs(300),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = http_put(&up, "application/pdf", data.clone()).await;
        assert!(status.is_success(), "presigned PUT answered {status}");

        let meta = store
            .head("files/p1/report.pdf")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let meta = meta.unwrap_or_else(|| panic!("the uploaded object is missing"));
        assert_eq!(meta.size, data.len() as u64);
        assert_eq!(meta.content_type, "application/pdf");

        let name = "Rapport final é.pdf";
        let down = store
            .presign_get("files/p1/report.pdf", Duration::from_secs(60), Some(name))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let response = http_get(&down.url).await;
        assert!(
            response.status().is_success(),
            "presigned GET answered {}",
            response.status()
        );
        let disposition = response
            .headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.bytes().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(body[..] == data[..], "downloaded bytes differ");
        if let Some(disposition) = disposition {
            assert_eq!(disposition, content_disposition_attachment(name));
        }

        let plain = store
            .presign_get("files/p1/report.pdf", Duration::from_secs(60), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let response = http_get(&plain.url).await;
        assert!(response.status().is_success());
        assert_eq!(
            response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
    })
    .await;
}

#[tokio::test]
async fn presigned_put_enforces_its_signed_headers() {
    with_s3_store(|store| async move {
        let up = store
            .presign_put(
                "files/p2/pic.png",
                "image/png",
                Some(10),
                Duration::from_secs(300),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let other_type = http_put(&up, "text/html", vec![0u8; 10]).await;
        assert_eq!(other_type.as_u16(), 403, "another content type");
        let other_length = http_put(&up, "image/png", vec![0u8; 11]).await;
        assert_eq!(other_length.as_u16(), 403, "another length");
        assert!(
            store
                .head("files/p2/pic.png")
                .await
                .ok()
                .flatten()
                .is_none()
        );

        let ok = http_put(&up, "image/png", vec![0u8; 10]).await;
        assert!(ok.is_success(), "the signed request itself answered {ok}");
    })
    .await;
}

#[tokio::test]
async fn a_presigned_put_stores_bytes_once() {
    with_s3_store(|store| async move {
        let up = store
            .presign_put(
                "uploads/p4/doc.pdf",
                "application/pdf",
                Some(4),
                Duration::from_secs(300),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let first = http_put(&up, "application/pdf", b"%PDF".to_vec()).await;
        assert!(first.is_success(), "first PUT answered {first}");
        let second = http_put(&up, "application/pdf", b"evil".to_vec()).await;
        assert_eq!(second.as_u16(), 412, "a second PUT is refused");
        let object = store
            .get("uploads/p4/doc.pdf")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(collect(object.body).await, b"%PDF");

        // Without the signed `If-None-Match` the signature does not hold.
        let unconditional = reqwest::Client::new()
            .put(&up.url)
            .header("content-type", "application/pdf")
            .body(b"evil".to_vec())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .status();
        assert_eq!(unconditional.as_u16(), 403);
    })
    .await;
}

#[tokio::test]
async fn tampered_presigned_urls_are_refused() {
    with_s3_store(|store| async move {
        store
            .put("files/p3/secret.txt", "text/plain", bytes_body("secret"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .put("files/p3/other.txt", "text/plain", bytes_body("other"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let down = store
            .presign_get("files/p3/secret.txt", Duration::from_secs(60), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));

        let other_object = down.url.replace("secret.txt", "other.txt");
        assert_eq!(
            http_get(&other_object).await.status().as_u16(),
            403,
            "other key"
        );

        let mut forged = down.url.clone();
        let last = forged.pop();
        forged.push(if last == Some('0') { '1' } else { '0' });
        assert_eq!(
            http_get(&forged).await.status().as_u16(),
            403,
            "forged signature"
        );

        let missing = store
            .presign_get("files/p3/missing.txt", Duration::from_secs(60), None)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(http_get(&missing.url).await.status().as_u16(), 404);
    })
    .await;
}

#[tokio::test]
async fn ensure_bucket_is_idempotent_and_health_probe_answers() {
    with_s3_store(|store| async move {
        store
            .ensure_bucket()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.name(), "s3");
        store.check().await.unwrap_or_else(|e| panic!("{e}"));
    })
    .await;
}

#[tokio::test]
async fn ensure_bucket_creates_a_missing_bucket() {
    let name = format!(
        "p2p-contracts-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let config = S3Config {
        bucket: name.clone(),
        ..s3_config("")
    };
    let store = S3Store::new(config).unwrap_or_else(|e| panic!("{e}"));
    store.ensure_bucket().await.unwrap_or_else(|e| {
        panic!(
            "{}",
            p2p_kernel::testenv::missing(
                "S3",
                &p2p_kernel::testenv::s3_endpoint(),
                format!("{e:?}")
            )
        )
    });
    store.check().await.unwrap_or_else(|e| panic!("{e}"));
    store
        .ensure_bucket()
        .await
        .unwrap_or_else(|e| panic!("second ensure: {e}"));
    remove_bucket(&name).await;
}

async fn remove_bucket(name: &str) {
    let credentials = s3::creds::Credentials::new(
        Some(&p2p_kernel::testenv::s3_access_key()),
        Some(&p2p_kernel::testenv::s3_secret_key()),
        None,
        None,
        None,
    );
    let region = s3::Region::Custom {
        region: crate::support::TEST_REGION.to_owned(),
        endpoint: p2p_kernel::testenv::s3_endpoint(),
    };
    if let Ok(bucket) = credentials
        .map_err(|e| e.to_string())
        .and_then(|c| s3::Bucket::new(name, region, c).map_err(|e| e.to_string()))
    {
        let _ = bucket.with_path_style().delete().await;
    }
}

#[tokio::test]
async fn wrong_credentials_are_a_backend_failure_not_a_missing_object() {
    with_s3_store(|_store| async move {
        let config = S3Config {
            secret_key: "not-the-secret".into(),
            ..s3_config("contracts/wrong-credentials")
        };
        let store = S3Store::new(config).unwrap_or_else(|e| panic!("{e}"));
        let head = store.head("any.txt").await;
        assert!(
            matches!(&head, Err(StorageError::Backend { .. })),
            "{head:?}"
        );
        let error = store
            .put("any.txt", "text/plain", bytes_body("x"))
            .await
            .err();
        let error = error.unwrap_or_else(|| panic!("put with a wrong secret succeeded"));
        assert_eq!(error.kind(), ErrorKind::Unavailable);
        assert!(!error.public_detail().contains("not-the-secret"));
        assert!(store.check().await.is_err());
    })
    .await;
}

#[tokio::test]
async fn unreachable_service_is_unavailable() {
    let config = S3Config {
        endpoint: "http://127.0.0.1:1".into(),
        ..s3_config("contracts/unreachable")
    };
    let store = S3Store::new(config).unwrap_or_else(|e| panic!("{e}"));
    let error = store.head("x.txt").await.err();
    let error = error.unwrap_or_else(|| panic!("head against a closed port succeeded"));
    assert_eq!(error.kind().status(), 503);
    assert_eq!(error.public_detail(), "file storage unavailable");
    let probe = store.check().await.err();
    assert!(probe.is_some_and(|e| e.backend == "s3"));
}
