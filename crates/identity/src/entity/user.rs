use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Normalized (trimmed, lower-cased); unique.
    pub email: String,
    pub password_hash: String,
    pub first_name: String,
    pub last_name: String,
    /// The `@mention` handle, [`p2p_kernel::ports::mention_handle`] of the names.
    pub handle: String,
    /// What mentions compare: [`p2p_kernel::ports::handle_key`] of `handle`
    /// (Arabic spelling folded).
    pub handle_key: String,
    pub job_title: Option<String>,
    pub bio: Option<String>,
    pub phone: Option<String>,
    pub avatar_url: Option<String>,
    pub avatar_file_id: Option<Uuid>,
    /// `admin` or `member`.
    pub role: String,
    pub is_superuser: bool,
    pub is_active: bool,
    pub email_verified_at: Option<TimeDateTimeWithTimeZone>,
    /// Random value replaced whenever the account's credentials or rights
    /// change; access tokens carry its fingerprint.
    pub security_stamp: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub last_login_at: Option<TimeDateTimeWithTimeZone>,
    /// The language of the user's emails: `ar` or `en` ([`p2p_kernel::Locale`]).
    pub locale: String,
    /// What the user list's `q` matches: [`crate::repo::search_name_of`]
    /// the names and email (Arabic spelling folded, lower case).
    pub search_name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
