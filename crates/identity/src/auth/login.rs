use crate::entity::user;
use crate::repo;
use crate::service::commit;
use crate::types::{AuthResponse, ClientInfo, LoginRequest};
use crate::views::profile;
use crate::{Identity, errors};
use p2p_kernel::DomainError;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::normalize_email;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

impl Identity {
    pub(crate) async fn login(
        &self,
        req: LoginRequest,
        client: ClientInfo,
    ) -> Result<AuthResponse, DomainError> {
        let email = normalize_email(&req.email);
        let attempt = self.login_attempt(&email, &client).await?;

        let found = repo::find_by_email(self.db(), &email)
            .await
            .map_err(db_error)?;
        let matches = self
            .passwords()
            .verify(
                &req.password,
                found.as_ref().map(|u| u.password_hash.as_str()),
            )
            .await?;
        let mut user = match found {
            Some(u) if matches && u.is_active => u,
            _ => {
                metrics::counter!("logins_total", "outcome" => "failed").increment(1);
                self.login_failed(&attempt).await;
                return Err(errors::invalid_credentials());
            }
        };
        self.login_succeeded(&attempt).await;

        let now = self.now();
        let txn = self.begin().await?;
        user::Entity::update_many()
            .col_expr(user::Column::LastLoginAt, Expr::value(Some(now)))
            .filter(user::Column::Id.eq(user.id))
            .exec(&txn)
            .await
            .map_err(db_error)?;
        let tokens = self.start_session(&txn, &user, &client, now).await?;
        commit(txn).await?;
        user.last_login_at = Some(now);
        metrics::counter!("logins_total", "outcome" => "ok").increment(1);
        let org = self
            .org_view(self.db(), OrgId(user.organization_id))
            .await?;
        Ok(AuthResponse::new(profile(&user), org, tokens))
    }
}
