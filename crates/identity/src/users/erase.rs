//! Erasure of one's own account (`DELETE /users/me`): the personal fields are
//! wiped, the sessions end, the avatar and never-attached uploads are deleted
//! from storage and the email address is freed. The row stays (an inactive
//! account without a name) so that what the person wrote stays, by a deleted user.

use crate::auth::revoke_all_sessions;
use crate::entity::one_time_token;
use crate::entity::user::Column;
use crate::service::commit;
use crate::views::role_of;
use crate::{Identity, errors, invites, repo, token};
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, Code, DomainError, ErrorKind, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// The domain of erased accounts' placeholder addresses (reserved: never deliverable).
pub(crate) const ERASED_DOMAIN: &str = "erased.invalid";

impl Identity {
    pub(crate) async fn erase_me(&self, actor: &Actor, password: &str) -> Result<(), DomainError> {
        let user = self.current_user(actor).await?;
        let proven = self
            .passwords()
            .verify(password, Some(&user.password_hash))
            .await?;
        if !proven {
            return Err(DomainError::new(
                ErrorKind::Forbidden,
                Code::InvalidCredentials,
                "the password is not right",
            ));
        }
        // No one knows this password: the account can never sign in again.
        let unusable = self.passwords().hash(&token::generate().token).await?;
        let now = self.now();
        let org = user.organization_id;
        let txn = self.begin().await?;
        self.inner.orgs.lock_in(&txn, OrgId(org)).await?;
        if role_of(&user) == Role::Admin {
            let others = repo::count_active(&txn, org).await.map_err(db_error)?;
            let admins = repo::other_active_admins(&txn, org, user.id)
                .await
                .map_err(db_error)?;
            if others > 1 && admins == 0 {
                return Err(errors::last_admin());
            }
        }
        let none = Option::<String>::None;
        let wiped = vec![
            (
                Column::Email,
                format!("erased-{}@{ERASED_DOMAIN}", user.id).into(),
            ),
            (Column::PasswordHash, unusable.into()),
            (Column::FirstName, String::new().into()),
            (Column::LastName, String::new().into()),
            (Column::Handle, String::new().into()),
            (Column::HandleKey, String::new().into()),
            (Column::SearchName, String::new().into()),
            (Column::JobTitle, none.clone().into()),
            (Column::Bio, none.clone().into()),
            (Column::Phone, none.clone().into()),
            (Column::AvatarUrl, none.into()),
            (Column::AvatarFileId, Option::<uuid::Uuid>::None.into()),
            (Column::Role, Role::Member.as_str().into()),
            (Column::IsActive, false.into()),
            (Column::IsSuperuser, false.into()),
            (Column::SecurityStamp, token::security_stamp().into()),
            (Column::UpdatedAt, now.into()),
        ];
        repo::set(&txn, user.id, wiped).await.map_err(db_error)?;
        if repo::count_active(&txn, org).await.map_err(db_error)? == 0 {
            // Nobody is left to speak for the domain: the company may sign up again.
            self.inner.orgs.release_domain_in(&txn, OrgId(org)).await?;
        }
        invites::revoke_sent_by(&txn, &user, actor.user_id, "inviter_erased", now).await?;
        one_time_token::Entity::delete_many()
            .filter(one_time_token::Column::UserId.eq(user.id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let ended = revoke_all_sessions(&txn, user.id, now).await?;
        commit(txn).await?;
        self.after_sessions_revoked(user.id, &ended).await;
        self.sync_user_sessions(user.id).await;
        if let Some(files) = &self.inner.config.personal_files {
            let avatar = user.avatar_file_id;
            if let Err(e) = files.erase_person(UserId(user.id), avatar).await {
                tracing::error!(error = %e, user_id = %user.id, "files of an erased account not deleted");
            }
        }
        // Search re-reads the profile and drops it; the organization sees a member leave.
        self.publish(
            format!("user:{}", user.id),
            "user.updated",
            serde_json::json!({ "user_id": user.id }),
        )
        .await;
        self.publish(
            format!("org:{org}"),
            "member.updated",
            serde_json::json!({ "user_id": user.id, "is_active": false }),
        )
        .await;
        tracing::info!(user_id = %user.id, sessions = ended.len(), "account erased");
        Ok(())
    }
}
