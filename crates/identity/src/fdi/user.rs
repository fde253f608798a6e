//! The user object of FDI responses (SuperTokens' account-linking shape).

use super::TENANT;
use crate::types::UserProfile;
use serde_json::{Value, json};

/// `user` of the sign-up and sign-in answers: one email-password login method.
pub fn fdi_user_json(user: &UserProfile) -> Value {
    let joined = user.created_at.unix_timestamp() * 1000;
    json!({
        "id": user.id,
        "isPrimaryUser": false,
        "tenantIds": [TENANT],
        "emails": [user.email],
        "phoneNumbers": [],
        "thirdParty": [],
        "webauthn": { "credentialIds": [] },
        "timeJoined": joined,
        "loginMethods": [{
            "tenantIds": [TENANT],
            "recipeUserId": user.id,
            "recipeId": "emailpassword",
            "verified": user.email_verified,
            "timeJoined": joined,
            "email": user.email,
            "webauthn": { "credentialIds": [] },
        }],
    })
}
