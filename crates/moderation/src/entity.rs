//! The `reports` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub reporter_id: Uuid,
    pub target_type: String,
    pub target_id: Uuid,
    /// The target's author and their organization when it was reported.
    pub target_author_id: Uuid,
    pub target_organization_id: Uuid,
    pub target_summary: String,
    pub reason: String,
    pub note: Option<String>,
    /// 1 while open, NULL once resolved: a unique index over (reporter,
    /// target, open) keeps one open report per reporter and target.
    pub open: Option<i16>,
    pub resolution: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
