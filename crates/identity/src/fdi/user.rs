//! The user object of FDI responses (SuperTokens' account-linking shape).

use super::TENANT;
use crate::types::UserProfile;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// `user` of the sign-up and sign-in answers: one email-password login method.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FdiUser {
    id: Uuid,
    /// Always false: accounts are not linked.
    is_primary_user: bool,
    /// Always `["public"]`.
    tenant_ids: Vec<&'static str>,
    emails: Vec<String>,
    /// Always empty.
    phone_numbers: Vec<String>,
    /// Always empty.
    #[schema(value_type = Vec<Object>)]
    third_party: Vec<serde_json::Value>,
    webauthn: FdiWebauthn,
    /// Milliseconds since the Unix epoch.
    time_joined: i64,
    login_methods: Vec<FdiLoginMethod>,
}

/// Always `{"credentialIds": []}`.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FdiWebauthn {
    credential_ids: Vec<String>,
}

/// The account's one login method.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FdiLoginMethod {
    tenant_ids: Vec<&'static str>,
    /// The user's id.
    recipe_user_id: Uuid,
    /// Always `emailpassword`.
    recipe_id: &'static str,
    /// Whether the email is verified.
    verified: bool,
    /// Milliseconds since the Unix epoch.
    time_joined: i64,
    email: String,
    webauthn: FdiWebauthn,
}

impl FdiUser {
    pub fn of(user: &UserProfile) -> Self {
        let joined = user.created_at.unix_timestamp() * 1000;
        let no_passkeys = || FdiWebauthn {
            credential_ids: Vec::new(),
        };
        Self {
            id: user.id,
            is_primary_user: false,
            tenant_ids: vec![TENANT],
            emails: vec![user.email.clone()],
            phone_numbers: Vec::new(),
            third_party: Vec::new(),
            webauthn: no_passkeys(),
            time_joined: joined,
            login_methods: vec![FdiLoginMethod {
                tenant_ids: vec![TENANT],
                recipe_user_id: user.id,
                recipe_id: "emailpassword",
                verified: user.email_verified,
                time_joined: joined,
                email: user.email.clone(),
                webauthn: no_passkeys(),
            }],
        }
    }
}
