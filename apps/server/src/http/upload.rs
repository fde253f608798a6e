//! Streaming an uploaded file into the object store without holding it in
//! memory: actix's request streams are not `Send`, so a bounded channel
//! carries their chunks to the store while the content policy checks the
//! first bytes and the size.

use super::ApiError;
use actix_multipart::Multipart;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use p2p_kernel::Code;
use p2p_kernel::ports::FileUpload;
use p2p_kernel::{DomainError, ErrorKind};
use p2p_storage::{
    AcceptedUpload, ByteStream, LocalStore, ObjectMeta, ObjectStore, SNIFF_LEN, StorageError,
    UploadPolicy, limit_body, peek_head,
};
use std::io;
use tokio::sync::mpsc;

/// Chunks buffered between the request and the store.
const CHANNEL_CHUNKS: usize = 8;

/// A file stored from an upload.
pub struct StoredUpload {
    pub meta: ObjectMeta,
    pub accepted: AcceptedUpload,
    pub filename: Option<String>,
}

/// Feeds a non-`Send` request stream into a `Send` [`ByteStream`] while `consume` runs.
async fn bridged<S, E, F, Fut, T>(source: S, consume: F) -> T
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
    F: FnOnce(ByteStream) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let (tx, mut rx) = mpsc::channel::<Result<Bytes, io::Error>>(CHANNEL_CHUNKS);
    let body: ByteStream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed();
    let pump = async move {
        let mut source = source;
        while let Some(chunk) = source.next().await {
            let chunk = chunk.map_err(|e| io::Error::other(e.to_string()));
            let failed = chunk.is_err();
            if tx.send(chunk).await.is_err() || failed {
                break;
            }
        }
    };
    let (_, result) = futures_util::join!(pump, consume(body));
    result
}

/// Checks the first bytes against `policy`, then streams the rest into `key`
/// with the size limit of the detected kind.
async fn store_checked(
    store: &dyn ObjectStore,
    key: &str,
    declared: Option<&str>,
    policy: &UploadPolicy,
    body: ByteStream,
) -> Result<(ObjectMeta, AcceptedUpload), ApiError> {
    let (head, body) = peek_head(body, SNIFF_LEN)
        .await
        .map_err(|e| ApiError::from(StorageError::from_body(e)))?;
    let accepted = policy.check_content(declared, &head, None)?;
    let meta = store
        .put(
            key,
            accepted.content_type,
            limit_body(body, accepted.max_size),
        )
        .await?;
    Ok((meta, accepted))
}

/// Stores the multipart field named `file` under `key`.
pub async fn store_multipart_file(
    store: &dyn ObjectStore,
    key: &str,
    mut multipart: Multipart,
    policy: &UploadPolicy,
) -> Result<StoredUpload, ApiError> {
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| {
            ApiError::new(
                ErrorKind::BadRequest,
                Code::InvalidMultipart,
                format!("invalid multipart body: {e}"),
            )
        })?;
        if field.name() != Some("file") {
            continue;
        }
        let declared = field.content_type().map(|m| m.essence_str().to_owned());
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(|f| f.chars().take(255).collect::<String>());
        let (meta, accepted) = bridged(field, |body| {
            store_checked(store, key, declared.as_deref(), policy, body)
        })
        .await?;
        return Ok(StoredUpload {
            meta,
            accepted,
            filename,
        });
    }
    Err(DomainError::invalid_field(
        "file",
        "required",
        "send the file in the multipart field `file`",
    )
    .into())
}

/// Stores the raw body of a presigned `PUT` under `key`, at most `limit`
/// bytes, once: a key that holds an object already is 409 `already_uploaded`
/// ([`LocalStore::put_new`]).
pub async fn store_presigned_body<S, E>(
    store: &LocalStore,
    key: &str,
    content_type: &str,
    limit: u64,
    payload: S,
) -> Result<ObjectMeta, ApiError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    bridged(payload, |body| async move {
        store
            .put_new(key, content_type, limit_body(body, limit))
            .await
            .map_err(ApiError::from)
    })
    .await
}

/// Streams the multipart field named `file` into `consume` as a
/// [`FileUpload`] (its declared type and file name included). Other fields
/// before it are skipped.
pub async fn with_multipart_file<F, Fut, T>(
    mut multipart: Multipart,
    consume: F,
) -> Result<T, ApiError>
where
    F: FnOnce(FileUpload) -> Fut,
    Fut: std::future::Future<Output = Result<T, DomainError>>,
{
    while let Some(field) = multipart.next().await {
        let field = field.map_err(|e| {
            ApiError::new(
                ErrorKind::BadRequest,
                Code::InvalidMultipart,
                format!("invalid multipart body: {e}"),
            )
        })?;
        if field.name() != Some("file") {
            continue;
        }
        let content_type = field.content_type().map(|m| m.essence_str().to_owned());
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(str::to_owned);
        return bridged(field, |body| async move {
            consume(FileUpload {
                filename,
                content_type,
                body,
            })
            .await
            .map_err(ApiError::from)
        })
        .await;
    }
    Err(DomainError::invalid_field(
        "file",
        "required",
        "send the file in the multipart field `file`",
    )
    .into())
}
