//! Helpers that create accounts through the public API.

use crate::TestApp;
use serde_json::{Value, json};

pub const PASSWORD: &str = "Correct-horse-42";

/// A signed-in user as the API returned it.
#[derive(Clone, Debug)]
pub struct Session {
    pub email: String,
    pub access: String,
    pub refresh: String,
    pub user_id: String,
    pub org_id: String,
    pub body: Value,
}

impl Session {
    pub fn from_auth(email: &str, body: Value) -> Self {
        Self {
            email: email.to_owned(),
            access: body["access_token"]
                .as_str()
                .expect("access_token")
                .to_owned(),
            refresh: body["refresh_token"]
                .as_str()
                .expect("refresh_token")
                .to_owned(),
            user_id: body["user"]["id"].as_str().expect("user.id").to_owned(),
            org_id: body["user"]["organization_id"]
                .as_str()
                .expect("organization_id")
                .to_owned(),
            body,
        }
    }

    pub fn token(&self) -> Option<&str> {
        Some(&self.access)
    }
}

/// A unique email at a unique company domain.
pub fn unique_email(name: &str) -> String {
    let id = &uuid::Uuid::new_v4().simple().to_string()[..10];
    format!("{name}@factory-{id}.sa")
}

impl TestApp {
    /// Signs up a new organization and its admin.
    pub async fn signup(&self, email: &str) -> Session {
        self.signup_as(email, "Nora", "Al-Harbi", "Harbi Steel Works")
            .await
    }

    /// Signs up a new organization `organization` and its admin `first last`.
    pub async fn signup_as(
        &self,
        email: &str,
        first: &str,
        last: &str,
        organization: &str,
    ) -> Session {
        let resp = self
            .post(
                "/api/v1/auth/signup",
                None,
                &json!({
                    "email": email,
                    "password": PASSWORD,
                    "first_name": first,
                    "last_name": last,
                    "organization_name": organization,
                }),
            )
            .await;
        resp.assert_status(201);
        Session::from_auth(email, resp.json)
    }

    /// `POST /auth/logout` with the session's bearer token.
    pub async fn logout(&self, session: &Session) -> crate::Response {
        self.request(
            reqwest::Method::POST,
            "/api/v1/auth/logout",
            session.token(),
            None,
        )
        .await
    }

    /// `POST /auth/refresh` with `refresh_token`.
    pub async fn refresh(&self, refresh_token: &str) -> crate::Response {
        self.post(
            "/api/v1/auth/refresh",
            None,
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> crate::Response {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"email": email, "password": password}),
        )
        .await
    }

    /// A new organization's admin and a member who joined by invitation; the labels
    /// start their (unique) email addresses.
    pub async fn admin_and_member(&self, admin: &str, member: &str) -> (Session, Session) {
        let admin = self.signup(&unique_email(admin)).await;
        let member = self
            .invite_and_join(&admin, &unique_email(member), "member")
            .await;
        (admin, member)
    }

    /// Invites `email` into the admin's organization and accepts the invitation.
    pub async fn invite_and_join(&self, admin: &Session, email: &str, role: &str) -> Session {
        self.post(
            "/api/v1/users/invite",
            admin.token(),
            &json!({"email": email, "role": role}),
        )
        .await
        .assert_status(201);
        let token = self.token_from_email(email, 1, "/accept-invite").await;
        let resp = self
            .post(
                "/api/v1/auth/accept-invite",
                None,
                &json!({
                    "token": token,
                    "password": PASSWORD,
                    "first_name": "Omar",
                    "last_name": "Qahtani",
                }),
            )
            .await;
        resp.assert_status(201);
        Session::from_auth(email, resp.json)
    }
}

impl TestApp {
    /// A platform superuser, made as the `p2p-server create-superuser` CLI
    /// makes one (the identity service's `create_superuser`, on this test's
    /// database), then signed in over the API. Superusers have no HTTP route.
    pub async fn superuser(&self, label: &str) -> Session {
        let email = unique_email(label);
        self.state()
            .services
            .identity
            .create_superuser(&email, PASSWORD, "Platform", "Operator", None)
            .await
            .unwrap_or_else(|e| panic!("create-superuser: {e}"));
        let resp = self.login(&email, PASSWORD).await;
        resp.assert_status(200);
        Session::from_auth(&email, resp.json)
    }
}
