//! Relational tables used by both deployments: views and revisions.

pub(crate) mod view {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "use_case_views")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub use_case_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod revision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "use_case_revisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub use_case_id: Uuid,
        pub edited_by: Uuid,
        /// The [`crate::types::UseCaseView`] before the edit (`jsonb` on
        /// PostgreSQL, JSON text on SQLite).
        #[sea_orm(column_type = "JsonBinary")]
        pub doc: Json,
        pub edited_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
