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
use p2p_kernel::text::defuse_name;
use p2p_kernel::{DomainError, ErrorKind};
use p2p_storage::{ByteStream, LocalStore, ObjectMeta, limit_body};
use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use tokio::sync::mpsc;

/// The multipart form of an upload (the document's schema; the handler
/// streams the part instead of reading this type).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file; its part's `Content-Type` and file name are kept. Its bytes
    /// decide its type (what the operation accepts; else 415).
    #[schema(value_type = String, format = Binary)]
    file: (),
}

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
/// [`FileUpload`] (its declared type and file name included). The form has
/// only that field, as its schema says: another field, before or after it, is
/// refused with 422 `unknown_field` (one after it fails the file's stream
/// before its end, so nothing is kept).
pub async fn with_multipart_file<F, Fut, T>(
    mut multipart: Multipart,
    consume: F,
) -> Result<T, ApiError>
where
    F: FnOnce(FileUpload) -> Fut,
    Fut: std::future::Future<Output = Result<T, DomainError>>,
{
    let Some(field) = multipart.next().await else {
        return Err(DomainError::invalid_field(
            "file",
            FieldCode::Required,
            "send the file in the multipart field `file`",
        )
        .into());
    };
    let field = field.map_err(|e| invalid_multipart(&e))?;
    if field.name() != Some("file") {
        return Err(unknown_field(field.name()));
    }
    let content_type = field.content_type().map(|m| m.essence_str().to_owned());
    let filename = field
        .content_disposition()
        .and_then(|d| d.get_filename())
        .map(str::to_owned);
    // After the file's bytes, the form must end: what follows is an error
    // in the file's own stream, remembered here to answer with.
    let after: Rc<RefCell<Option<ApiError>>> = Rc::default();
    let seen = after.clone();
    let end = futures_util::stream::once(async move {
        let refused = match multipart.next().await {
            None => return None,
            Some(Ok(next)) => unknown_field(next.name()),
            Some(Err(e)) => invalid_multipart(&e),
        };
        let message = refused.to_string();
        *seen.borrow_mut() = Some(refused);
        Some(Err(message))
    })
    .filter_map(std::future::ready);
    let source = field
        .map(|chunk| chunk.map_err(|e| e.to_string()))
        .chain(end)
        .boxed_local();
    let result = bridged(source, |body| async move {
        consume(FileUpload {
            filename,
            content_type,
            body,
        })
        .await
        .map_err(ApiError::from)
    })
    .await;
    match after.take() {
        Some(refused) => Err(refused),
        None => result,
    }
}

fn invalid_multipart(e: &impl std::fmt::Display) -> ApiError {
    ApiError::new(
        ErrorKind::BadRequest,
        Code::InvalidMultipart,
        format!("invalid multipart body: {e}"),
    )
}

/// A form field other than `file` (its name echoed as plain text).
fn unknown_field(name: Option<&str>) -> ApiError {
    DomainError::invalid_field(
        defuse_name(name.unwrap_or_default()).into_owned(),
        FieldCode::UnknownField,
        "the form takes only the field `file`",
    )
    .into()
}
