//! Streaming an uploaded file to its consumer without holding it in memory:
//! actix's request streams are not `Send`, so a bounded channel carries
//! their chunks to the service (or store) that reads them.

use super::ApiError;
use actix_multipart::Multipart;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use p2p_kernel::Code;
use p2p_kernel::FieldCode;
use p2p_kernel::ports::FileUpload;
use p2p_kernel::{DomainError, ErrorKind};
use p2p_storage::{ByteStream, LocalStore, ObjectMeta, limit_body};
use std::io;
use tokio::sync::mpsc;

/// Chunks buffered between the request and the store.
const CHANNEL_CHUNKS: usize = 8;

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
        FieldCode::Required,
        "send the file in the multipart field `file`",
    )
    .into())
}
