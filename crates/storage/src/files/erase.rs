//! [`PersonalFiles`]: an erased account's avatar and never-attached uploads.

use super::FileManager;
use super::avatar::avatar_key;
use super::entity::{self, Column};
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ids::UserId;
use p2p_kernel::persistence::{db_error, db_now};
use p2p_kernel::ports::PersonalFiles;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

#[async_trait]
impl PersonalFiles for FileManager {
    async fn erase_person(
        &self,
        user: UserId,
        avatar_version: Option<Uuid>,
    ) -> Result<(), DomainError> {
        if let Some(version) = avatar_version {
            self.delete_object(&avatar_key(user.0, version)).await;
        }
        // Unattached uploads expire now; the sweep deletes their bytes and rows.
        entity::Entity::update_many()
            .col_expr(Column::ExpiresAt, Expr::value(Some(db_now())))
            .filter(Column::UploaderId.eq(user.0))
            .filter(Column::OwnerId.is_null())
            .exec(self.db())
            .await
            .map_err(db_error)?;
        self.sweep_expired().await.map(|_| ())
    }

    async fn delete_avatar(&self, user: UserId, avatar_version: Uuid) -> Result<(), DomainError> {
        self.delete_object(&avatar_key(user.0, avatar_version))
            .await;
        Ok(())
    }
}
