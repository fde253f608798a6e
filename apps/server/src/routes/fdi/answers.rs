//! The bodies the FDI routes answer 200 with, typed so that the OpenAPI
//! document describes exactly what the handlers send. Each enum is one
//! route's set of answers, told apart by `status` as the SDKs expect.

use p2p_identity::fdi::FdiUser;
use serde::Serialize;
use utoipa::ToSchema;

/// One field's error in a `FIELD_ERROR` answer.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FdiFormFieldError)]
pub struct FormFieldError {
    /// The form field's `id`.
    pub id: String,
    /// Why the value was refused (English, as the SDKs show it).
    pub error: String,
}

/// `POST /auth/signup`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiSignUpAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignUpAnswer {
    Ok {
        user: FdiUser,
    },
    FieldError {
        #[serde(rename = "formFields")]
        form_fields: Vec<FormFieldError>,
    },
}

/// `POST /auth/signin`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiSignInAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignInAnswer {
    Ok {
        user: FdiUser,
    },
    FieldError {
        #[serde(rename = "formFields")]
        form_fields: Vec<FormFieldError>,
    },
    /// A wrong email or password (the same answer for both).
    WrongCredentialsError,
}

/// `GET /auth/emailpassword/email/exists` and `GET /auth/signup/email/exists`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiEmailExistsAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EmailExistsAnswer {
    Ok { exists: bool },
}

/// `POST /auth/user/password/reset/token`: `OK` whether or not the account exists.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiResetEmailAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResetEmailAnswer {
    Ok,
    FieldError {
        #[serde(rename = "formFields")]
        form_fields: Vec<FormFieldError>,
    },
}

/// `POST /auth/user/password/reset`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiResetPasswordAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResetPasswordAnswer {
    Ok,
    /// The token is unknown, used or expired.
    ResetPasswordInvalidTokenError,
    FieldError {
        #[serde(rename = "formFields")]
        form_fields: Vec<FormFieldError>,
    },
}

/// `POST /auth/user/email/verify/token`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiVerificationEmailAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerificationEmailAnswer {
    Ok,
    EmailAlreadyVerifiedError,
}

/// `POST /auth/user/email/verify`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiVerifyEmailAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyEmailAnswer {
    Ok,
    /// The token is unknown, used or expired.
    EmailVerificationInvalidTokenError,
}

/// `GET /auth/user/email/verify`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiIsVerifiedAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IsVerifiedAnswer {
    Ok {
        #[serde(rename = "isVerified")]
        is_verified: bool,
    },
}

/// `POST /auth/session/refresh` and `POST /auth/signout`.
#[derive(Serialize, ToSchema)]
#[schema(as = FdiOkAnswer)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OkAnswer {
    Ok,
}

/// The 401 of `POST /auth/session/refresh` (the client's tokens are cleared).
#[derive(Serialize, ToSchema)]
#[schema(as = FdiRefreshRefused)]
pub struct RefreshRefused {
    pub message: RefreshRefusal,
}

/// Why a refresh was refused.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[schema(as = FdiRefreshRefusal)]
pub enum RefreshRefusal {
    /// No refresh token, or one that is unknown, expired or revoked.
    #[serde(rename = "unauthorised")]
    Unauthorised,
    /// The refresh token was already rotated: the session is revoked.
    #[serde(rename = "token theft detected")]
    TokenTheftDetected,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_carry_the_sdk_statuses() {
        let field = || FormFieldError {
            id: "email".into(),
            error: "Field is not optional".into(),
        };
        let cases = [
            (
                serde_json::to_value(SignInAnswer::WrongCredentialsError),
                json!({"status": "WRONG_CREDENTIALS_ERROR"}),
            ),
            (
                serde_json::to_value(SignUpAnswer::FieldError {
                    form_fields: vec![field()],
                }),
                json!({"status": "FIELD_ERROR", "formFields": [{"id": "email", "error": "Field is not optional"}]}),
            ),
            (
                serde_json::to_value(ResetPasswordAnswer::ResetPasswordInvalidTokenError),
                json!({"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"}),
            ),
            (
                serde_json::to_value(VerifyEmailAnswer::EmailVerificationInvalidTokenError),
                json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}),
            ),
            (
                serde_json::to_value(VerificationEmailAnswer::EmailAlreadyVerifiedError),
                json!({"status": "EMAIL_ALREADY_VERIFIED_ERROR"}),
            ),
            (
                serde_json::to_value(IsVerifiedAnswer::Ok { is_verified: true }),
                json!({"status": "OK", "isVerified": true}),
            ),
            (
                serde_json::to_value(EmailExistsAnswer::Ok { exists: false }),
                json!({"status": "OK", "exists": false}),
            ),
            (serde_json::to_value(OkAnswer::Ok), json!({"status": "OK"})),
            (
                serde_json::to_value(RefreshRefused {
                    message: RefreshRefusal::TokenTheftDetected,
                }),
                json!({"message": "token theft detected"}),
            ),
        ];
        for (answer, expected) in cases {
            assert_eq!(answer.ok(), Some(expected));
        }
    }
}
