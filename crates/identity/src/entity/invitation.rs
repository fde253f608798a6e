use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// Normalized email of the invitee; unique per organization.
    pub email: String,
    pub role: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    pub invited_by: Option<Uuid>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: TimeDateTimeWithTimeZone,
    pub accepted_at: Option<TimeDateTimeWithTimeZone>,
    /// Withdrawn before it was accepted: its link answers 410 `invitation_revoked`.
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// The language of the invitation's emails and, by default, of the
    /// account it creates (`ar` or `en`).
    pub locale: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
