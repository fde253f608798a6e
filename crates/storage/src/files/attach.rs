//! The kernel's `Files` port: how other domains attach files to their content.

use super::FileManager;
use super::entity::{self, Column, Model};
use p2p_kernel::FieldCode;
use p2p_kernel::ids::FileId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::persistence::db_now;
use p2p_kernel::ports::{FileInfo, FileOwner, FileUpload, Files};
use p2p_kernel::{Actor, DomainError, ErrorKind, FieldError};
use sea_orm::sea_query::{Expr, Value};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// Most files one piece of content may hold.
pub const MAX_FILES_PER_OWNER: usize = 20;

fn owned_by(owner: &FileOwner) -> Condition {
    Condition::all()
        .add(Column::OwnerKind.eq(owner.kind.clone()))
        .add(Column::OwnerId.eq(owner.id))
}

impl FileManager {
    async fn rows(&self, ids: &[FileId]) -> Result<HashMap<Uuid, Model>, DomainError> {
        let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
        Ok(entity::Entity::find()
            .filter(Column::Id.is_in(ids))
            .all(self.db())
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect())
    }

    /// Checks one file for `attach`: a field error, or the row ready to attach.
    async fn attachable(
        &self,
        actor: &Actor,
        owner: &FileOwner,
        field: String,
        row: Option<Model>,
    ) -> Result<Result<Model, FieldError>, DomainError> {
        let now = db_now();
        let unknown =
            |field: String| FieldError::new(field, FieldCode::UnknownFile, "no such file");
        let Some(row) = row else {
            return Ok(Err(unknown(field)));
        };
        let here = row.owner_kind.as_deref() == Some(owner.kind.as_str())
            && row.owner_id == Some(owner.id);
        if !here {
            // Someone else's file is "no such file" whatever its state: the
            // answer must not tell whether it exists or is attached elsewhere.
            if row.uploader_id != actor.user_id.0 {
                return Ok(Err(unknown(field)));
            }
            if row.owner_id.is_some() {
                return Ok(Err(FieldError::new(
                    field,
                    FieldCode::AlreadyAttached,
                    "the file belongs to other content",
                )));
            }
            if row.expires_at.is_some_and(|at| at <= now) {
                return Ok(Err(unknown(field)));
            }
        }
        match self.ensure_ready(row).await {
            Ok(row) => Ok(Ok(row)),
            Err(e) if e.kind_of() == ErrorKind::Conflict => Ok(Err(FieldError::new(
                field,
                FieldCode::NotUploaded,
                "the file's bytes have not been uploaded yet",
            ))),
            Err(e) if e.kind_of().is_server_error() => Err(e),
            Err(e) => Ok(Err(FieldError::new(
                field,
                FieldCode::RejectedFile,
                e.detail(),
            ))),
        }
    }
}

#[async_trait::async_trait]
impl Files for FileManager {
    async fn upload(&self, actor: &Actor, upload: FileUpload) -> Result<FileInfo, DomainError> {
        FileManager::upload(self, actor, upload).await
    }

    async fn attach(
        &self,
        actor: &Actor,
        owner: &FileOwner,
        files: &[FileId],
    ) -> Result<Vec<FileInfo>, DomainError> {
        if files.len() > MAX_FILES_PER_OWNER {
            return Err(DomainError::validation(vec![FieldError::too_many(
                "files",
                MAX_FILES_PER_OWNER,
                "files",
            )]));
        }
        let mut rows = self.rows(files).await?;
        let mut ready = Vec::with_capacity(files.len());
        let mut errors = Vec::new();
        for (i, id) in files.iter().enumerate() {
            let field = format!("files[{i}]");
            if files[..i].contains(id) {
                errors.push(FieldError::new(
                    field,
                    FieldCode::Duplicate,
                    "the file is listed twice",
                ));
                continue;
            }
            match self
                .attachable(actor, owner, field, rows.remove(&id.0))
                .await?
            {
                Ok(row) => ready.push(row),
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            // Ids that name no file the caller may attach: 404, each named;
            // any other refusal (listed twice, attached elsewhere…): 422.
            let unknown = errors.iter().all(|e| e.code == FieldCode::UnknownFile);
            return Err(match unknown {
                true => DomainError::not_found("file").with_fields(errors),
                false => DomainError::validation(errors),
            });
        }
        let now = db_now();
        let mut attached = Vec::with_capacity(ready.len());
        for (position, row) in ready.into_iter().enumerate() {
            // Conditional, so two owners racing for one file cannot both win.
            let result = entity::Entity::update_many()
                .col_expr(Column::OwnerKind, Expr::value(owner.kind.clone()))
                .col_expr(Column::OwnerId, Expr::value(owner.id))
                .col_expr(Column::Position, Expr::value(position as i32))
                .col_expr(
                    Column::ExpiresAt,
                    Expr::value(Value::TimeDateTimeWithTimeZone(None)),
                )
                .col_expr(Column::UpdatedAt, Expr::value(now))
                .filter(Column::Id.eq(row.id))
                .filter(
                    Condition::any()
                        .add(Column::OwnerId.is_null())
                        .add(owned_by(owner)),
                )
                .exec(self.db())
                .await
                .map_err(db_error)?;
            if result.rows_affected == 0 {
                return Err(DomainError::invalid_field(
                    format!("files[{position}]"),
                    FieldCode::AlreadyAttached,
                    "the file belongs to other content",
                ));
            }
            attached.push(self.info(&row)?);
        }
        Ok(attached)
    }

    async fn describe(
        &self,
        owner: &FileOwner,
        files: &[FileId],
    ) -> Result<Vec<FileInfo>, DomainError> {
        let ids: Vec<Uuid> = files.iter().map(|id| id.0).collect();
        let rows: HashMap<Uuid, Model> = entity::Entity::find()
            .filter(Column::Id.is_in(ids))
            .filter(owned_by(owner))
            .all(self.db())
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        files
            .iter()
            .filter_map(|id| rows.get(&id.0))
            .map(|row| self.info(row))
            .collect()
    }

    async fn detach(&self, owner: &FileOwner, files: &[FileId]) -> Result<(), DomainError> {
        if files.is_empty() {
            return Ok(());
        }
        let ids: Vec<Uuid> = files.iter().map(|id| id.0).collect();
        entity::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::value(db_now()))
            .col_expr(Column::UpdatedAt, Expr::value(db_now()))
            .filter(Column::Id.is_in(ids))
            .filter(owned_by(owner))
            .exec(self.db())
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn release_owner(&self, owner: &FileOwner) -> Result<(), DomainError> {
        entity::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::value(db_now()))
            .col_expr(Column::UpdatedAt, Expr::value(db_now()))
            .filter(owned_by(owner))
            .exec(self.db())
            .await
            .map_err(db_error)?;
        Ok(())
    }

    fn download_url(&self, file: FileId) -> String {
        FileManager::download_url(self, file)
    }
}
