//! Entities of the topic tables.

pub(crate) mod topic {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "forum_topics")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub organization_id: Uuid,
        pub author_id: Uuid,
        pub title: String,
        pub category: Option<String>,
        /// Lower-cased category, what the category filter compares.
        pub category_key: Option<String>,
        /// JSON array of the tags, in the order given.
        pub tags: String,
        pub pinned: bool,
        pub locked: bool,
        pub hidden: bool,
        pub post_count: i32,
        pub reply_count: i32,
        pub upvote_count: i32,
        pub participant_count: i32,
        pub trending_score: f64,
        pub last_activity_at: TimeDateTimeWithTimeZone,
        pub first_post_id: Uuid,
        pub best_answer_post_id: Option<Uuid>,
        pub excerpt: String,
        /// Lower-case title and first-post text, what `q` matches.
        pub search_text: String,
        pub created_day: String,
        pub created_at: TimeDateTimeWithTimeZone,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod tag {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "forum_topic_tags")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub topic_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub tag: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
