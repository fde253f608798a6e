//! [`IdentityService`]: what the HTTP shell, the CLI and the other domains'
//! wiring may ask of the identity domain. [`Identity`] implements it; each
//! flow lives in `auth/`, `users/`, `fdi/` or `maintenance.rs`.

use crate::Identity;
use crate::fdi::{FdiClaims, FdiTokens, Jwks};
use crate::maintenance::PurgeReport;
use crate::types::{
    AcceptInviteRequest, AdminUserPatch, AuthResponse, ClientInfo, InvitationView, InviteRequest,
    LoginRequest, ProfilePatch, PublicProfile, SessionView, SignupRequest, TokenPair, UserProfile,
};
use async_trait::async_trait;
use p2p_kernel::ids::{SessionId, UserId};
use p2p_kernel::{Actor, DomainError, Locale, Page, PageRequest};
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

/// Declares [`IdentityService`] and implements it for [`Identity`] by calling
/// the flow of the same name, so that each signature is written once.
macro_rules! identity_service {
    ($($(#[$doc:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty;)*) => {
        /// Accounts, sessions, tokens, invitations and users. The caller's
        /// [`Actor`] comes from [`IdentityService::authenticate`]; errors are
        /// [`DomainError`]s with the codes of [`crate::errors`]. The server holds
        /// an `Arc<dyn IdentityService>`.
        #[async_trait]
        pub trait IdentityService: Send + Sync + 'static {
            $($(#[$doc])* async fn $name(&self $(, $arg: $ty)*) -> $ret;)*
        }

        #[async_trait]
        impl IdentityService for Identity {
            $(async fn $name(&self $(, $arg: $ty)*) -> $ret {
                Identity::$name(self $(, $arg)*).await
            })*
        }
    };
}

identity_service! {
    /// Creates an organization (its domain is the email's domain) and its first
    /// user, an admin with an unverified email, signs them in and queues the
    /// verification email — all in one transaction.
    ///
    /// Errors: 422 field errors (`email`, `password`, `first_name`,
    /// `last_name`, `organization_name`); 409 `email_taken`; 409
    /// `organization_exists` when the domain is registered; 429 per IP.
    /// Unique indexes decide races between concurrent signups.
    fn signup(&self, req: SignupRequest, client: ClientInfo) -> Result<AuthResponse, DomainError>;

    /// Signs in with email and password and starts a session.
    ///
    /// An unknown email, a wrong password and a deactivated account all answer
    /// 401 `invalid_credentials` after one password verification (against a
    /// dummy hash when there is no account), so neither the answer nor its
    /// timing tells them apart. 429 beyond a limit of the login throttle
    /// (see `auth/throttle.rs`): never for the right password from an address
    /// that has not failed on this account.
    fn login(&self, req: LoginRequest, client: ClientInfo) -> Result<AuthResponse, DomainError>;

    /// Exchanges a refresh token for a new pair (rotation): the presented token
    /// is used up and a new one is returned.
    ///
    /// Presenting a token that was already rotated means it was copied: the
    /// whole session is revoked and the answer is 401 `refresh_token_reused`.
    /// An unknown or expired token, or one of an ended session or deactivated
    /// account, is 401 `invalid_refresh_token`.
    fn refresh(&self, refresh_token: &str, client: ClientInfo) -> Result<TokenPair, DomainError>;

    /// Checks an access token and returns the caller.
    ///
    /// Besides the signature and expiry, every call checks the session's state
    /// through the cache (falling back to the database): a revoked session, a
    /// deactivated account, or a token issued before the account's security
    /// stamp changed (password reset, role change) is 401 `unauthenticated`
    /// at once, on every server instance.
    fn authenticate(&self, access_token: &str) -> Result<Actor, DomainError>;

    /// [`IdentityService::authenticate`], with the token's expiry (a socket
    /// opened with it ends then).
    fn authenticate_until(
        &self,
        access_token: &str,
    ) -> Result<(Actor, OffsetDateTime), DomainError>;

    /// Ends the caller's session: its refresh token stops working and its
    /// access tokens are refused from now on. Idempotent.
    fn logout(&self, actor: &Actor) -> Result<(), DomainError>;

    /// The caller's open sessions, most recently seen first.
    fn list_sessions(&self, actor: &Actor) -> Result<Vec<SessionView>, DomainError>;

    /// Revokes one of the caller's own sessions; 404 for any other id
    /// (someone else's, unknown or already revoked).
    fn revoke_session(&self, actor: &Actor, id: SessionId) -> Result<(), DomainError>;

    /// Confirms an email address with the token from the verification link.
    ///
    /// Errors: 400 `invalid_token`, 410 `token_used` (also for a link
    /// superseded by a resend), 410 `token_expired`.
    fn verify_email(&self, token: &str) -> Result<UserProfile, DomainError>;

    /// Sends a new verification link to the caller (earlier links stop
    /// working). 409 `already_verified`; 429 beyond the per-user limit.
    fn resend_verification(&self, actor: &Actor) -> Result<(), DomainError>;

    /// Starts a password reset. Always `Ok` for a well-formed email (the HTTP
    /// layer answers 202): the reset link is emailed only when an active
    /// account exists, at most `reset_emails_per_account` times per window.
    /// 422 for a malformed email; 429 beyond the per-IP limit.
    fn request_password_reset(&self, email: &str, client: ClientInfo) -> Result<(), DomainError>;

    /// Sets a new password with the token from the reset link, marks the email
    /// verified (the link proved it) and ends every session of the account.
    ///
    /// Errors: 400 `invalid_token`, 410 `token_used` / `token_expired`, 422
    /// with a field error on `new_password`.
    fn confirm_password_reset(&self, token: &str, new_password: &str) -> Result<(), DomainError>;

    /// Creates the invitee's account in the inviting organization with the
    /// invited role (the email counts as verified) and signs them in. Emits
    /// `member.joined` on `org:<id>`.
    ///
    /// Errors: 400 `invalid_token`, 410 `token_used` / `token_expired` /
    /// `invitation_revoked`, 422 field errors (`password`, `first_name`,
    /// `last_name`), 409 `email_taken` (the email got an account meanwhile).
    /// The token (256 random bits, checked before any password hashing) is
    /// the proof: no limit per client address, so colleagues behind one NAT
    /// address all get in.
    fn accept_invite(
        &self,
        req: AcceptInviteRequest,
        client: ClientInfo,
    ) -> Result<AuthResponse, DomainError>;

    /// The caller's own profile.
    fn me(&self, actor: &Actor) -> Result<UserProfile, DomainError>;

    /// Changes the caller's profile (names, job title, bio, phone, the
    /// language of their emails); 422 with field errors for invalid values.
    /// Emits `user.updated` on `user:<id>`.
    fn update_me(&self, actor: &Actor, patch: ProfilePatch) -> Result<UserProfile, DomainError>;

    /// Erases the caller's account once `password` proves it is them (403
    /// `invalid_credentials` otherwise): names, job title, bio, phone and
    /// avatar are wiped, the email address is freed (replaced by a
    /// placeholder at `erased.invalid`), every session ends and the account
    /// can never sign in again; the avatar and the uploads never attached to
    /// content are deleted from storage. What the person wrote stays, by a
    /// user without a name (`erased` in the profile). 409 `last_admin` for
    /// the only active admin of an organization with other active members.
    /// The last active member leaving releases the organization's domain claim.
    /// Emits `user.updated` (search drops the profile) and `member.updated`.
    fn erase_me(&self, actor: &Actor, password: &str) -> Result<(), DomainError>;

    /// Records the caller's new avatar, already stored by the file storage
    /// (the HTTP layer checks type and size and uploads it).
    fn set_avatar(
        &self,
        actor: &Actor,
        avatar_url: String,
        file_id: Option<Uuid>,
    ) -> Result<UserProfile, DomainError>;

    /// Any user's public profile, for any signed-in caller (the platform is a
    /// cross-company network). The email is included only for callers of the
    /// same organization and platform operators. 404 for an unknown id.
    fn get_user(&self, actor: &Actor, id: UserId) -> Result<PublicProfile, DomainError>;

    /// Every account's public profile, without its email (deactivated ones
    /// included), with an id greater than `after`, by id, at most `limit`: for
    /// the platform's own background work ([`Actor::system`]; 403 for anyone
    /// else), e.g. a search index rebuild. Two queries per page.
    fn public_profiles_after(
        &self,
        actor: &Actor,
        after: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<PublicProfile>, DomainError>;

    /// Every account of the caller's organization, deactivated ones included,
    /// oldest first (stable by created_at, id); `q` filters on a
    /// case-insensitive substring of first name, last name or email. Admins
    /// only (403 otherwise).
    fn list_members(
        &self,
        actor: &Actor,
        page: PageRequest,
        q: Option<String>,
    ) -> Result<Page<UserProfile>, DomainError>;

    /// Changes a user's role or active flag: admins of that user's
    /// organization and superusers only (another organization's user → 404, a
    /// member → 403). A change that would leave the organization without an
    /// active admin is 409 `last_admin`. A role change and a deactivation take
    /// effect at once: existing access tokens are refused (clients refresh to
    /// get the new role); deactivation ends every session. An admin who stops
    /// being an active admin loses the invitations they sent and that were not
    /// accepted yet (their links answer 410 `invitation_revoked`; each is
    /// recorded in the audit log as withdrawn by the caller). Emits
    /// `member.updated` on `org:<id>`.
    fn update_user(
        &self,
        actor: &Actor,
        id: UserId,
        patch: AdminUserPatch,
    ) -> Result<UserProfile, DomainError>;

    /// Deactivates a user (same rules as [`IdentityService::update_user`]):
    /// their sessions end at once, their content stays.
    fn deactivate(&self, actor: &Actor, id: UserId) -> Result<(), DomainError>;

    /// Invites someone into the caller's organization with `role` and emails
    /// them a link (`/accept-invite?token=…`, valid `invitation_ttl`), in the
    /// request's `locale`, else the inviting admin's own language. Admins
    /// only (403). 429 beyond the per-admin or per-organization limit (every
    /// attempt counts, so it also bounds probing which emails have accounts).
    /// 422 for a malformed email; 409 `email_taken` if the email
    /// already has an account; 409 `invitation_pending` if an unexpired
    /// invitation to this organization exists (an expired one is replaced).
    /// Emits `invitation.created` on `org:<id>` (id, role and inviter; not the email).
    fn invite(&self, actor: &Actor, req: InviteRequest) -> Result<InvitationView, DomainError>;

    /// The pending invitations of the caller's organization (neither
    /// accepted, withdrawn nor expired), newest first. Admins only (403).
    fn list_invitations(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<InvitationView>, DomainError>;

    /// Withdraws one of the caller's organization's invitations: its link
    /// then answers 410 `invitation_revoked`. Admins only (403); 404 for an
    /// unknown id, another organization's, or one accepted or already
    /// withdrawn. Recorded in the audit log; emits `invitation.revoked` on
    /// `org:<id>`.
    fn revoke_invitation(&self, actor: &Actor, id: Uuid) -> Result<(), DomainError>;

    /// Emails an invitation again with a new link and a new lifetime (an
    /// expired one too); the old link stops working (400 `invalid_token`).
    /// Counts against the same per-admin and per-organization limits as
    /// [`IdentityService::invite`] (429). Admins only (403); 404 like
    /// [`IdentityService::revoke_invitation`]. Recorded in the audit log.
    fn resend_invitation(&self, actor: &Actor, id: Uuid) -> Result<InvitationView, DomainError>;

    /// For the ops CLI (`cargo xtask create-superuser`): creates a platform
    /// superuser, or promotes the existing account of that email (setting the
    /// given password and reactivating it). A new account joins the
    /// organization of its email domain, which is created (named after the
    /// domain, with the superuser as its admin) when missing. The email counts
    /// as verified. `locale` is the account's language: a new account's
    /// (English when `None`); an existing account's changes only when given.
    fn create_superuser(
        &self,
        email: &str,
        password: &str,
        first_name: &str,
        last_name: &str,
        locale: Option<Locale>,
    ) -> Result<UserProfile, DomainError>;

    /// Deletes refresh tokens past their expiry (rotated ones are kept until
    /// then, so that their reuse is still detected), sessions that ended
    /// (revoked or expired) more than `keep` ago with their tokens, one-time
    /// tokens expired more than `keep` ago, and invitations that expired
    /// unaccepted more than `keep` ago. Idempotent; safe to run periodically
    /// from several instances.
    fn purge_expired(&self, keep: Duration) -> Result<PurgeReport, DomainError>;

    /// The public keys of the RS256 access tokens.
    fn jwks(&self) -> Result<Jwks, DomainError>;

    /// The claims of an RS256 access token signed by us, expired or not.
    fn fdi_claims(&self, access_token: &str) -> Option<FdiClaims>;

    /// True when the token is one of ours whose lifetime is over (the client
    /// should refresh), false for a valid, forged or malformed token.
    fn access_token_expired(&self, access_token: &str) -> bool;

    /// Signs in like [`IdentityService::login`], with an RS256 access token.
    fn fdi_sign_in(
        &self,
        req: LoginRequest,
        client: ClientInfo,
    ) -> Result<(UserProfile, FdiTokens), DomainError>;

    /// Signs up like [`IdentityService::signup`], with an RS256 access token.
    fn fdi_sign_up(
        &self,
        req: SignupRequest,
        client: ClientInfo,
    ) -> Result<(UserProfile, FdiTokens), DomainError>;

    /// Rotates the refresh token like [`IdentityService::refresh`] (a reused
    /// token revokes the session: 401 `refresh_token_reused`) and signs an
    /// RS256 access token.
    fn fdi_refresh(
        &self,
        refresh_token: &str,
        client: ClientInfo,
    ) -> Result<FdiTokens, DomainError>;

    /// A new access token for the caller's session with up-to-date claims
    /// (after the email got verified); the refresh token stays as it is.
    fn fdi_reissue(&self, actor: &Actor) -> Result<FdiTokens, DomainError>;

    /// Whether the caller's email address is verified.
    fn email_verified(&self, actor: &Actor) -> Result<bool, DomainError>;

    /// Whether an account uses this email (the FDI's sign-up form check).
    /// Limited per client IP like sign-in attempts.
    fn email_exists(&self, email: &str, client: ClientInfo) -> Result<bool, DomainError>;
}
