use crate::Identity;
use crate::entity::user::Column;
use crate::password::check_policy;
use crate::repo::{self, NewUser};
use crate::service::commit;
use crate::types::UserProfile;
use crate::views::profile;
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::{Validator, normalize_email};
use p2p_kernel::{DomainError, Locale, Role};
use p2p_orgs::{CreateOrgError, NewOrganization};

impl Identity {
    pub(crate) async fn create_superuser(
        &self,
        email: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
        locale: Option<Locale>,
    ) -> Result<UserProfile, DomainError> {
        let email = normalize_email(email);
        let mut v = Validator::new();
        v.email("email", &email);
        super::check_names(&mut v, first_name, last_name);
        for f in check_policy("password", password, &email) {
            v.push(f);
        }
        v.finish()?;
        let domain = super::domain_of(&email)?;
        let password_hash = self.passwords().hash(password).await?;
        let now = self.now();
        let txn = self.begin().await?;
        let user = match repo::find_by_email(&txn, &email).await.map_err(db_error)? {
            Some(mut user) => {
                user.is_superuser = true;
                user.is_active = true;
                let mut promotion = vec![
                    (Column::IsSuperuser, true.into()),
                    (Column::IsActive, true.into()),
                ];
                if let Some(locale) = locale {
                    user.locale = locale.as_str().to_owned();
                    promotion.push((Column::Locale, user.locale.clone().into()));
                }
                repo::replace_password(&txn, &mut user, password_hash, now, promotion)
                    .await
                    .map_err(db_error)?;
                self.claim_domain(&txn, &user).await?;
                user
            }
            None => {
                let (org, role) = match self.inner.orgs.find_claimer_in(&txn, &domain).await? {
                    Some(org) => (org, Role::Member),
                    None => {
                        let new = NewOrganization {
                            name: domain.clone(),
                            domain,
                            // The superuser's address counts as verified.
                            claim: true,
                        };
                        match self.inner.orgs.create_in(&txn, new, now).await {
                            Ok(org) => (org, Role::Admin),
                            Err(CreateOrgError::DomainTaken) => {
                                return Err(crate::errors::organization_exists());
                            }
                            Err(CreateOrgError::Db(e)) => return Err(db_error(e)),
                        }
                    }
                };
                repo::insert(
                    &txn,
                    NewUser {
                        organization_id: org.id,
                        email,
                        password_hash,
                        first_name: first_name.to_owned(),
                        last_name: last_name.to_owned(),
                        role,
                        is_superuser: true,
                        email_verified_at: Some(now),
                        locale: locale.unwrap_or_default(),
                    },
                    now,
                )
                .await?
            }
        };
        commit(txn).await?;
        self.sync_user_sessions(user.id).await;
        tracing::info!(user_id = %user.id, "superuser created or promoted");
        Ok(profile(&user))
    }
}
