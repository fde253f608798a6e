use crate::entity::user::{Column, Entity};
use crate::types::PublicProfile;
use crate::views::public_profile;
use crate::{Identity, repo};
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

impl Identity {
    pub(crate) async fn get_user(
        &self,
        actor: &Actor,
        id: UserId,
    ) -> Result<PublicProfile, DomainError> {
        let user = repo::find(self.db(), id.0)
            .await
            .map_err(db_error)?
            .ok_or_else(|| DomainError::not_found("user"))?;
        let org_name = self
            .inner
            .orgs
            .find(OrgId(user.organization_id))
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        let show_email = actor.is_superuser || actor.org_id.0 == user.organization_id;
        Ok(public_profile(&user, org_name, show_email))
    }

    pub(crate) async fn public_profiles_after(
        &self,
        actor: &Actor,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<PublicProfile>, DomainError> {
        if !actor.is_system() {
            return Err(DomainError::forbidden(
                "only the platform lists every account",
            ));
        }
        let users = Entity::find()
            .filter(Column::Id.gt(after.map_or(Uuid::nil(), |a| a.0)))
            .order_by_asc(Column::Id)
            .limit(limit)
            .all(self.db())
            .await
            .map_err(db_error)?;
        let mut org_ids: Vec<OrgId> = users.iter().map(|u| OrgId(u.organization_id)).collect();
        org_ids.sort_unstable_by_key(|o| o.0);
        org_ids.dedup();
        let names: HashMap<Uuid, String> = self
            .inner
            .orgs
            .find_many(&org_ids)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        Ok(users
            .iter()
            .map(|u| {
                let org_name = names.get(&u.organization_id).cloned().unwrap_or_default();
                public_profile(u, org_name, false)
            })
            .collect())
    }
}
