//! Blocking: a blocked user's messages are refused and the conversation is
//! hidden from the blocker's list.

use super::Messaging;
use crate::entity::block;
use crate::types::BlockView;
use p2p_kernel::FieldCode;
use p2p_kernel::ids::UserId;
use p2p_kernel::persistence::db_now;
use p2p_kernel::{Actor, DomainError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

impl Messaging {
    /// Blocks `user` (idempotent). 404 for an unknown user, 422 for oneself.
    pub async fn block(&self, actor: &Actor, user: UserId) -> Result<BlockView, DomainError> {
        if user == actor.user_id {
            return Err(DomainError::invalid_field(
                "user_id",
                FieldCode::SelfTarget,
                "you cannot block yourself",
            ));
        }
        let users = self.summaries(&[user]).await;
        if !users.contains_key(&user) {
            return Err(DomainError::not_found("user"));
        }
        let row = block::ActiveModel {
            blocker_id: Set(actor.user_id.0),
            blocked_id: Set(user.0),
            created_at: Set(db_now()),
        };
        block::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([block::Column::BlockerId, block::Column::BlockedId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(self.db())
            .await?;
        let stored = block::Entity::find_by_id((actor.user_id.0, user.0))
            .one(self.db())
            .await?
            .ok_or_else(|| DomainError::not_found("user"))?;
        Ok(BlockView {
            user_id: user,
            user: users.get(&user).cloned(),
            created_at: stored.created_at,
        })
    }

    /// Unblocks `user` (idempotent).
    pub async fn unblock(&self, actor: &Actor, user: UserId) -> Result<(), DomainError> {
        block::Entity::delete_by_id((actor.user_id.0, user.0))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The users the caller blocked, most recent first.
    pub async fn blocks(&self, actor: &Actor) -> Result<Vec<BlockView>, DomainError> {
        let rows = block::Entity::find()
            .filter(block::Column::BlockerId.eq(actor.user_id.0))
            .order_by_desc(block::Column::CreatedAt)
            .all(self.db())
            .await?;
        let ids: Vec<UserId> = rows.iter().map(|b| UserId(b.blocked_id)).collect();
        let users = self.summaries(&ids).await;
        Ok(rows
            .into_iter()
            .map(|b| BlockView {
                user_id: UserId(b.blocked_id),
                user: users.get(&UserId(b.blocked_id)).cloned(),
                created_at: b.created_at,
            })
            .collect())
    }
}
