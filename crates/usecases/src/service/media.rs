//! Media: files from the files service, attached to the use case.

use super::UseCases;
use crate::types::{MediaItem, MediaRef, MediaType, UseCaseView};
use crate::validate::{MEDIA_MAX, optional_caption};
use p2p_kernel::FieldCode;
use p2p_kernel::ids::{FileId, UseCaseId};
use p2p_kernel::ports::{FileInfo, FileUpload};
use p2p_kernel::validate::Validator;
use p2p_kernel::{Actor, DomainError, FieldError};

fn media_type(content_type: &str) -> Option<MediaType> {
    if content_type.starts_with("image/") {
        Some(MediaType::Image)
    } else if content_type.starts_with("video/") {
        Some(MediaType::Video)
    } else {
        None
    }
}

fn item(info: FileInfo, caption: Option<String>) -> Option<MediaItem> {
    Some(MediaItem {
        file_id: info.id,
        media_type: media_type(&info.content_type)?,
        url: info.url,
        caption,
        content_type: info.content_type,
        size: info.size,
    })
}

impl UseCases {
    /// Attaches the referenced files (images and videos only) in order.
    /// Files already on the use case keep their place; new ones must be the caller's uploads.
    pub(crate) async fn attach_media(
        &self,
        actor: &Actor,
        id: UseCaseId,
        refs: &[MediaRef],
        existing: &[MediaItem],
    ) -> Result<Vec<MediaItem>, DomainError> {
        if refs.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<FileId> = refs.iter().map(|r| r.file_id).collect();
        let owner = Self::owner(id);
        let infos = self
            .inner
            .files
            .attach(actor, &owner, &ids)
            .await
            .map_err(|e| rename_fields(e, "media"))?;
        let mut items = Vec::with_capacity(infos.len());
        let mut refused = Vec::new();
        for (i, (info, r)) in infos.into_iter().zip(refs).enumerate() {
            match item(info, r.caption.clone()) {
                Some(item) => items.push(item),
                None => refused.push(FieldError::new(
                    format!("media[{i}].file_id"),
                    FieldCode::NotMedia,
                    "use-case media are images or videos",
                )),
            }
        }
        if !refused.is_empty() {
            let fresh: Vec<FileId> = ids
                .into_iter()
                .filter(|f| !existing.iter().any(|m| m.file_id == *f))
                .collect();
            if let Err(e) = self.inner.files.detach(&owner, &fresh).await {
                tracing::warn!(error = %e, "could not detach refused media");
            }
            return Err(DomainError::validation(refused));
        }
        Ok(items)
    }

    /// Uploads one media file (multipart) and appends it to the use case.
    pub async fn add_media(
        &self,
        actor: &Actor,
        id: UseCaseId,
        caption: Option<String>,
        upload: FileUpload,
    ) -> Result<UseCaseView, DomainError> {
        let doc = self.editable(actor, id).await?;
        let mut v = Validator::new();
        let caption = optional_caption(&mut v, "caption", caption.as_deref());
        if doc.view.media.len() >= MEDIA_MAX {
            v.push(FieldError::too_many("file", MEDIA_MAX, "media files"));
        }
        v.finish()?;
        let info = self.inner.files.upload(actor, upload).await?;
        if media_type(&info.content_type).is_none() {
            return Err(DomainError::unsupported_media_type(
                "use-case media are images or videos",
            ));
        }
        let owner = Self::owner(id);
        let mut refs: Vec<FileId> = doc.view.media.iter().map(|m| m.file_id).collect();
        refs.push(info.id);
        self.inner.files.attach(actor, &owner, &refs).await?;
        // Re-read: another edit may have happened meanwhile.
        let mut view = self.editable(actor, id).await?.view;
        view.media.retain(|m| m.file_id != info.id);
        view.media.extend(item(info, caption));
        view.updated_at = self.now();
        if !self.store_view(&view).await? {
            self.release_files(id).await;
            return Err(DomainError::not_found("use case"));
        }
        self.publish_event("use_case.updated", &view).await;
        Ok(view)
    }

    /// Files of a deleted (or never stored) use case go to the sweeper.
    pub(crate) async fn release_files(&self, id: UseCaseId) {
        if let Err(e) = self.inner.files.release_owner(&Self::owner(id)).await {
            tracing::warn!(error = %e, use_case = %id, "use case files not released; they stay until released");
        }
    }

    /// Files an edit dropped go to the sweeper.
    pub(crate) async fn detach_dropped(
        &self,
        id: UseCaseId,
        before: &[MediaItem],
        after: &[MediaItem],
    ) {
        let dropped: Vec<FileId> = before
            .iter()
            .filter(|m| !after.iter().any(|a| a.file_id == m.file_id))
            .map(|m| m.file_id)
            .collect();
        if let Err(e) = self.inner.files.detach(&Self::owner(id), &dropped).await {
            tracing::warn!(error = %e, "dropped media not detached");
        }
    }
}

/// `files[i]` field errors of the files port become `media[i].file_id`
/// (the error keeps its kind: 404 for unknown files, 422 otherwise).
fn rename_fields(e: DomainError, prefix: &str) -> DomainError {
    // Field errors are only inspectable through ErrorCode.
    use p2p_kernel::ErrorCode;
    if e.field_errors().is_empty() {
        return e;
    }
    let fields = e
        .field_errors()
        .iter()
        .map(|f| {
            let field = match f.field.strip_prefix("files") {
                Some(rest) => format!("{prefix}{rest}.file_id"),
                None => f.field.clone(),
            };
            FieldError { field, ..f.clone() }
        })
        .collect();
    e.with_fields(fields)
}
