use crate::entity::user::Column;
use crate::password::check_policy;
use crate::repo::{self, NewUser};
use crate::service::commit;
use crate::types::{AcceptInviteRequest, AuthResponse, ClientInfo};
use crate::views::profile;
use crate::{Identity, invites};
use p2p_kernel::ids::{OrgId, UserId};
use p2p_kernel::ports::{NotificationRequest, NotificationText};
use p2p_kernel::validate::Validator;
use p2p_kernel::{DomainError, Role};

impl Identity {
    pub(crate) async fn accept_invite(
        &self,
        req: AcceptInviteRequest,
        client: ClientInfo,
    ) -> Result<AuthResponse, DomainError> {
        let now = self.now();
        let invitation = invites::check(self.db(), &req.token, now).await?;
        let mut v = Validator::new();
        super::check_names(&mut v, &req.first_name, &req.last_name);
        for f in check_policy("password", &req.password, &invitation.email) {
            v.push(f);
        }
        v.finish()?;
        let password_hash = self.passwords().hash(&req.password).await?;

        let txn = self.begin().await?;
        let invitation = invites::consume(&txn, &req.token, now).await?;
        let role = Role::parse(&invitation.role).unwrap_or(Role::Member);
        let mut user = repo::insert(
            &txn,
            NewUser {
                organization_id: invitation.organization_id,
                email: invitation.email.clone(),
                password_hash,
                first_name: req.first_name,
                last_name: req.last_name,
                role,
                is_superuser: false,
                email_verified_at: Some(now),
                // The invitee's browser first, else the invitation's language.
                locale: client
                    .locale
                    .unwrap_or_else(|| crate::emails::locale_of(&invitation.locale)),
            },
            now,
        )
        .await?;
        user.last_login_at = Some(now);
        repo::set(
            &txn,
            user.id,
            vec![(Column::LastLoginAt, user.last_login_at.into())],
        )
        .await
        .map_err(p2p_kernel::persistence::db_error)?;
        self.claim_domain(&txn, &user).await?;
        let tokens = self.start_session(&txn, &user, &client, now).await?;
        commit(txn).await?;
        let org = self
            .org_view(self.db(), OrgId(user.organization_id))
            .await?;
        self.publish(
            format!("org:{}", org.id),
            "member.joined",
            serde_json::json!({
                "user_id": user.id,
                "role": role,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }),
        )
        .await;
        self.notify_inviter(invitation.invited_by, &user).await;
        tracing::info!(user_id = %user.id, organization_id = %org.id, "invitation accepted");
        Ok(AuthResponse::new(profile(&user), org, tokens))
    }

    /// Tells whoever sent the invitation that it was accepted.
    async fn notify_inviter(&self, inviter: Option<uuid::Uuid>, user: &crate::entity::user::Model) {
        let (Some(inviter), Some(notifier)) = (inviter, &self.inner.config.notifier) else {
            return;
        };
        let name = format!("{} {}", user.first_name, user.last_name);
        let request = NotificationRequest::to_user(
            UserId(inviter),
            NotificationText::InvitationAccepted {
                person: name.trim().to_owned(),
            },
        )
        .by(UserId(user.id))
        .link(format!("/users/{}", user.id))
        .data(serde_json::json!({ "user_id": user.id }));
        notifier.notify(vec![request]).await;
    }
}
