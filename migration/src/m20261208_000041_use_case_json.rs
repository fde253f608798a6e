//! Use cases kept in the relational database hold their document (outcomes,
//! vendor, location, media...) as JSON the database knows: `use_cases.doc`
//! and `use_case_revisions.doc` become `jsonb` on PostgreSQL. SQLite has no
//! JSON column type (sea-orm's `Json` is text there): its rows are rewritten
//! through `json()`, which checks each is JSON.
//!
//! Existing rows are converted in place; a row that is not JSON stops the
//! migration (an error naming the table), it is never dropped or emptied.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables whose `doc` column holds a use case as JSON.
const TABLES: [&str; 2] = ["use_cases", "use_case_revisions"];

async fn run(manager: &SchemaManager<'_>, statement: String) -> Result<(), DbErr> {
    manager
        .get_connection()
        .execute_unprepared(&statement)
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        for table in TABLES {
            let convert = match backend {
                DbBackend::Postgres => {
                    format!("ALTER TABLE {table} ALTER COLUMN doc TYPE jsonb USING doc::jsonb")
                }
                _ => format!("UPDATE {table} SET doc = json(doc)"),
            };
            run(manager, convert).await.map_err(|e| {
                DbErr::Migration(format!("{table}.doc is not JSON in every row: {e}"))
            })?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for table in TABLES {
            let back = format!("ALTER TABLE {table} ALTER COLUMN doc TYPE text USING doc::text");
            run(manager, back).await?;
        }
        Ok(())
    }
}
