//! Entities of the messaging and notification tables.

pub(crate) mod message {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub sender_id: Uuid,
        pub recipient_id: Uuid,
        pub user_low: Uuid,
        pub user_high: Uuid,
        pub content: String,
        pub content_html: String,
        /// JSON array of file ids.
        pub attachments: String,
        pub created_at: TimeDateTimeWithTimeZone,
        /// Hidden by a moderator from its recipient (its sender still sees it).
        pub hidden: bool,
        /// When a moderator deleted it (its content is then a tombstone).
        pub deleted_at: Option<TimeDateTimeWithTimeZone>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod participant {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "messaging_participants")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub other_user_id: Uuid,
        pub last_message_id: Uuid,
        pub last_read_message_id: Option<Uuid>,
        pub updated_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod block {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "messaging_blocks")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub blocker_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub blocked_id: Uuid,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod notification {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notifications")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub kind: String,
        pub actor_id: Option<Uuid>,
        /// The title in English as it was written when created: what rows
        /// stored before `title_text` show.
        pub title: String,
        /// What it says, a [`p2p_kernel::ports::NotificationText`] as JSON,
        /// written in each reader's language when read (none in older rows).
        pub title_text: Option<String>,
        pub link: Option<String>,
        /// JSON object.
        pub data: String,
        pub read_at: Option<TimeDateTimeWithTimeZone>,
        /// Waiting for the user's next email digest.
        pub email_pending: bool,
        pub created_at: TimeDateTimeWithTimeZone,
        /// The group this notification gathers events of, while it may
        /// still take more (unique per user): `reply:topic:<id>`.
        pub group_key: Option<String>,
        /// How many events it stands for (1 unless grouped).
        pub group_count: i32,
        /// What the grouped events are about (the topic's title).
        pub subject: Option<String>,
        /// When the last event joined it.
        pub updated_at: Option<TimeDateTimeWithTimeZone>,
        /// What it is about was hidden or deleted by a moderator: its user
        /// no longer sees it.
        pub withheld: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod preference {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_preferences")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub email: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod digest {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_digests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub due_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod source {
    use sea_orm::entity::prelude::*;

    /// Who was notified of what (`NotificationRequest::source`).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "notification_sources")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub source: String,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
