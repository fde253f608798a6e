use crate::entity::user;
use crate::service::commit;
use crate::types::UserProfile;
use crate::views::profile;
use crate::views::role_of;
use crate::{Identity, emails, errors, ott, repo};
use p2p_kernel::Code;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_error;
use p2p_kernel::{Actor, DomainError, Role};
use p2p_orgs::{Claim, email_domain};
use sea_orm::DatabaseTransaction;
use time::OffsetDateTime;

impl Identity {
    pub(crate) async fn verify_email(&self, token: &str) -> Result<UserProfile, DomainError> {
        let now = self.now();
        let txn = self.begin().await?;
        let row = ott::consume(&txn, token, ott::Purpose::VerifyEmail, now).await?;
        let mut user = repo::find(&txn, row.user_id)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::invalid_token)?;
        if user.email_verified_at.is_none() {
            user.email_verified_at = Some(now);
            repo::mark_verified(&txn, user.id, now)
                .await
                .map_err(db_error)?;
        }
        self.claim_domain(&txn, &user).await?;
        commit(txn).await?;
        Ok(profile(&user))
    }

    pub(crate) async fn resend_verification(&self, actor: &Actor) -> Result<(), DomainError> {
        let user = self.current_user(actor).await?;
        if user.email_verified_at.is_some() {
            return Err(DomainError::conflict(
                Code::AlreadyVerified,
                "the email address is already verified",
            ));
        }
        self.limit(
            &format!("verify:resend:{}", user.id),
            self.inner.config.rate_limits.resend_verification_per_user,
        )
        .await?;
        let now = self.now();
        let txn = self.begin().await?;
        self.queue_verification(&txn, &user, now).await?;
        commit(txn).await?;
        self.wake_outbox();
        Ok(())
    }

    /// An admin's verified address at the organization's domain claims that
    /// domain for the organization, unless another organization claimed it
    /// first (that one keeps it; this one stays unclaimed) or it is a public
    /// provider's. Run in the transaction that verified the address.
    pub(crate) async fn claim_domain(
        &self,
        txn: &DatabaseTransaction,
        user: &user::Model,
    ) -> Result<(), DomainError> {
        if role_of(user) != Role::Admin || user.email_verified_at.is_none() {
            return Ok(());
        }
        let Some(domain) = email_domain(&user.email) else {
            return Ok(());
        };
        let org = OrgId(user.organization_id);
        let claim = self.inner.orgs.claim_domain_in(txn, org, &domain).await?;
        if claim == Claim::Claimed {
            tracing::info!(organization_id = %org, domain, "domain claimed");
        }
        Ok(())
    }

    /// Issues a verification token for `user` (earlier ones stop working) and
    /// queues the email with its link, in the caller's transaction.
    pub(crate) async fn queue_verification(
        &self,
        txn: &DatabaseTransaction,
        user: &user::Model,
        now: OffsetDateTime,
    ) -> Result<(), DomainError> {
        let token = ott::issue(
            txn,
            user.id,
            ott::Purpose::VerifyEmail,
            self.inner.config.verification_token_ttl,
            now,
        )
        .await
        .map_err(db_error)?;
        let email = emails::verification(&self.inner.config, user, &token);
        self.enqueue_email(txn, &email).await
    }
}
