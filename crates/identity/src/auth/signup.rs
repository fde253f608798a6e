use crate::password::check_policy;
use crate::repo::{self, NewUser};
use crate::service::commit;
use crate::types::{AuthResponse, ClientInfo, SignupRequest};
use crate::views::profile;
use crate::{Identity, errors};
use p2p_kernel::persistence::db_error;
use p2p_kernel::validate::{Validator, normalize_email};
use p2p_kernel::{DomainError, Role};
use p2p_orgs::OrganizationView;
use p2p_orgs::{CreateOrgError, NewOrganization};

impl Identity {
    pub(crate) async fn signup(
        &self,
        req: SignupRequest,
        client: ClientInfo,
    ) -> Result<AuthResponse, DomainError> {
        if let Some(ip) = &client.ip {
            self.limit(
                &format!("signup:ip:{ip}"),
                self.inner.config.rate_limits.signup_per_ip,
            )
            .await?;
        }
        let email = normalize_email(&req.email);
        let mut v = Validator::new();
        v.email("email", &email);
        super::check_names(&mut v, &req.first_name, &req.last_name);
        let organization_name = v.text(
            "organization_name",
            &req.organization_name,
            p2p_orgs::ORGANIZATION_NAME,
        );
        for f in check_policy("password", &req.password, &email) {
            v.push(f);
        }
        v.finish()?;
        let domain = super::domain_of(&email)?;
        let password_hash = self.passwords().hash(&req.password).await?;

        let now = self.now();
        let txn = self.begin().await?;
        // Only a claimed domain refuses (several organizations share an
        // unclaimed one until one's admin verifies; public providers never claim).
        let claimed = self.inner.orgs.find_claimer_in(&txn, &domain).await?;
        let new_org = NewOrganization {
            name: organization_name,
            domain,
            claim: false,
        };
        let created = match claimed {
            Some(_) => Err(CreateOrgError::DomainTaken),
            None => self.inner.orgs.create_in(&txn, new_org, now).await,
        };
        let org = match created {
            Ok(org) => org,
            Err(CreateOrgError::DomainTaken) => {
                txn.rollback().await.map_err(db_error)?;
                // The more specific answer first: the email itself may be taken.
                return Err(
                    if repo::find_by_email(self.db(), &email)
                        .await
                        .map_err(db_error)?
                        .is_some()
                    {
                        errors::email_taken()
                    } else {
                        errors::organization_exists()
                    },
                );
            }
            Err(CreateOrgError::Db(e)) => return Err(db_error(e)),
        };
        let user = repo::insert(
            &txn,
            NewUser {
                organization_id: org.id,
                email,
                password_hash,
                first_name: req.first_name,
                last_name: req.last_name,
                role: Role::Admin,
                is_superuser: false,
                email_verified_at: None,
                locale: client.locale.unwrap_or_default(),
            },
            now,
        )
        .await?;
        let tokens = self.start_session(&txn, &user, &client, now).await?;
        self.queue_verification(&txn, &user, now).await?;
        commit(txn).await?;
        self.wake_outbox();
        self.publish(
            format!("org:{}", org.id),
            "member.joined",
            serde_json::json!({
                "user_id": user.id,
                "role": Role::Admin,
                "first_name": user.first_name,
                "last_name": user.last_name,
            }),
        )
        .await;
        metrics::counter!("signups_total").increment(1);
        tracing::info!(user_id = %user.id, organization_id = %org.id, "organization signed up");
        Ok(AuthResponse::new(
            profile(&user),
            OrganizationView::from_record(org, 1),
            tokens,
        ))
    }
}
