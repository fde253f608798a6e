//! Database migrations for PostgreSQL and SQLite. The schema a merged migration
//! produces never changes: a change is a new migration. Each declares its own
//! identifiers; `tables` holds what they share.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_mail_outbox;
mod m20261125_000002_identity_orgs;
mod m20261125_000003_forum;
mod m20261125_000004_files;
mod m20261125_000005_usecases;
mod m20261125_000006_messaging;
mod m20261125_000007_notifications;
mod m20261125_000009_search;
mod m20261206_000001_files_upload_expiry;
mod m20261206_000002_invitations_revoked_at;
mod m20261207_000011_audit_log;
mod m20261207_000021_domain_claims;
mod m20261207_000031_notification_groups;
mod m20261207_000041_reports;
mod m20261207_000042_hidden_content;
mod m20261208_000011_search_analysis;
mod m20261208_000012_user_search_name;
mod m20261208_000020_message_moderation;
mod m20261208_000031_user_locale;
mod m20261208_000041_use_case_json;
mod m20261208_000042_author_indexes;
mod m20261209_000050_notification_text;
mod m20261209_000051_user_handle_key;
mod m20261209_000060_event_outbox;
mod m20261209_000061_notification_sources;
mod m20261209_000070_search_terms_affixes;
mod m20261209_000080_event_outbox_parked;
mod m20261209_000081_notification_sources_age;
mod m20261210_000090_search_recent;
mod m20261210_000100_search_platform_totals;
mod tables;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_mail_outbox::Migration),
            Box::new(m20261125_000002_identity_orgs::Migration),
            Box::new(m20261125_000003_forum::Migration),
            Box::new(m20261125_000004_files::Migration),
            Box::new(m20261125_000005_usecases::Migration),
            Box::new(m20261125_000006_messaging::Migration),
            Box::new(m20261125_000007_notifications::Migration),
            Box::new(m20261125_000009_search::Migration),
            Box::new(m20261206_000001_files_upload_expiry::Migration),
            Box::new(m20261206_000002_invitations_revoked_at::Migration),
            Box::new(m20261207_000011_audit_log::Migration),
            Box::new(m20261207_000021_domain_claims::Migration),
            Box::new(m20261207_000031_notification_groups::Migration),
            Box::new(m20261207_000041_reports::Migration),
            Box::new(m20261207_000042_hidden_content::Migration),
            Box::new(m20261208_000011_search_analysis::Migration),
            Box::new(m20261208_000012_user_search_name::Migration),
            Box::new(m20261208_000020_message_moderation::Migration),
            Box::new(m20261208_000031_user_locale::Migration),
            Box::new(m20261208_000041_use_case_json::Migration),
            Box::new(m20261208_000042_author_indexes::Migration),
            Box::new(m20261209_000060_event_outbox::Migration),
            Box::new(m20261209_000061_notification_sources::Migration),
            Box::new(m20261209_000050_notification_text::Migration),
            Box::new(m20261209_000051_user_handle_key::Migration),
            Box::new(m20261209_000070_search_terms_affixes::Migration),
            Box::new(m20261209_000080_event_outbox_parked::Migration),
            Box::new(m20261209_000081_notification_sources_age::Migration),
            Box::new(m20261210_000090_search_recent::Migration),
            Box::new(m20261210_000100_search_platform_totals::Migration),
        ]
    }
}
