use super::refresh::revoke_all_sessions;
use crate::password::check_policy;
use crate::service::commit;
use crate::{Identity, emails, errors, ott, repo};
use p2p_kernel::DomainError;
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::{Validator, normalize_email};

impl Identity {
    pub(crate) async fn request_password_reset(
        &self,
        email: &str,
        client: crate::types::ClientInfo,
    ) -> Result<(), DomainError> {
        let limits = self.inner.config.rate_limits;
        if let Some(ip) = &client.ip {
            self.limit(&format!("reset:ip:{ip}"), limits.reset_per_ip)
                .await?;
        }
        let email = normalize_email(email);
        let mut v = Validator::new();
        v.email("email", &email);
        v.finish()?;
        let Some(user) = repo::find_by_email(self.db(), &email)
            .await
            .map_err(db_error)?
            .filter(|u| u.is_active)
        else {
            return Ok(());
        };
        if self
            .hit(
                &format!("reset:account:{email}"),
                limits.reset_emails_per_account,
            )
            .await
            .is_some()
        {
            tracing::info!(user_id = %user.id, "password reset email suppressed by the per-account limit");
            return Ok(());
        }
        let now = self.now();
        let txn = self.begin().await?;
        let token = ott::issue(
            &txn,
            user.id,
            ott::Purpose::ResetPassword,
            self.inner.config.reset_token_ttl,
            now,
        )
        .await
        .map_err(db_error)?;
        let mail = emails::password_reset(&self.inner.config, &user, &token);
        self.enqueue_email(&txn, &mail).await?;
        commit(txn).await?;
        self.wake_outbox();
        Ok(())
    }

    pub(crate) async fn confirm_password_reset(
        &self,
        token: &str,
        new_password: &str,
    ) -> Result<(), DomainError> {
        let now = self.now();
        let row = ott::check(self.db(), token, ott::Purpose::ResetPassword, now).await?;
        let user = repo::find(self.db(), row.user_id)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::invalid_token)?;
        let problems = check_policy("new_password", new_password, &user.email);
        if !problems.is_empty() {
            return Err(DomainError::validation(problems));
        }
        let password_hash = self.passwords().hash(new_password).await?;

        let txn = self.begin().await?;
        ott::consume(&txn, token, ott::Purpose::ResetPassword, now).await?;
        let mut user = repo::find(&txn, row.user_id)
            .await
            .map_err(db_error)?
            .ok_or_else(errors::invalid_token)?;
        repo::replace_password(&txn, &mut user, password_hash, now, Vec::new())
            .await
            .map_err(db_error)?;
        // The link proved the address: like a verification link, it may claim the domain.
        self.claim_domain(&txn, &user).await?;
        ott::retire(&txn, user.id, ott::Purpose::ResetPassword, now)
            .await
            .map_err(db_error)?;
        let ended = revoke_all_sessions(&txn, user.id, now).await?;
        commit(txn).await?;
        self.after_sessions_revoked(user.id, &ended).await;
        self.reset_limit(&format!("login:account:{}", user.email))
            .await;
        tracing::info!(user_id = %user.id, sessions = ended.len(), "password reset");
        Ok(())
    }
}
