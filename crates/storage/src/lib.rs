//! File storage for the platform: the [`ObjectStore`] port, its two backends
//! ([`S3Store`] for an S3-compatible service, [`LocalStore`] for a directory),
//! presigned URLs, and the upload content policy ([`UploadPolicy`], [`sniff`]).
//!
//! Bodies travel as [`ByteStream`]s in both directions so that large files are
//! never held in memory as a whole.

mod body;
mod disposition;
mod error;
mod files;
mod grant;
mod key;
mod local;
mod meta;
mod policy;
mod presign;
mod s3;
mod sniff;
mod store;

pub use body::{BodyTooLarge, ByteStream, bytes_body, limit_body, peek_head};
pub use disposition::content_disposition_attachment;
pub use error::{SignatureProblem, StorageError};
pub use files::{
    AVATAR_MAX_BYTES, DownloadLink, FileAttachment, FileManager, FileService, FileSweeper,
    FilesConfig, OwnFile, PresignRequest, PresignedUpload, REQUEST_CONSTRAINTS, StoredAvatar,
};
pub use grant::{DownloadGrant, UploadGrant};
pub use key::{MAX_KEY_LEN, MAX_SEGMENT_LEN, ObjectKey};
pub use local::LocalStore;
pub use meta::{ObjectMeta, StoredObject};
pub use policy::{AcceptedUpload, FileKind, MIB, UploadPolicy};
pub use presign::{BlobMethod, BlobQuery, MAX_PRESIGN_EXPIRY, PresignedUrl};
pub use s3::{S3Config, S3Store};
pub use sniff::{SNIFF_LEN, SniffedType, sniff};
pub use store::ObjectStore;
