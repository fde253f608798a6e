//! `users.handle_key`: what `@mentions` compare, the mention handle with its
//! Arabic spelling folded (`p2p_kernel::ports::handle_key`), so `@احمد`
//! mentions «أحمد» and the other way round. The application writes it; this
//! migration fills it for existing users with the fold written as SQL, the
//! one `users.search_name` was filled with (handles are lower case already),
//! and indexes it: mentions look users up by it.

use crate::m20261208_000012_user_search_name::fold_users_column;
use crate::tables;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    HandleKey,
}

const INDEX: &str = "ix_users_handle_key";

/// The statements that fill `handle_key`: the handle, then the folds.
fn backfill() -> Vec<String> {
    let mut statements = vec!["UPDATE users SET handle_key = handle".to_owned()];
    statements.extend(fold_users_column("handle_key"));
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE users ADD COLUMN handle_key TEXT NOT NULL DEFAULT ''")
            .await?;
        for statement in backfill() {
            db.execute_unprepared(&statement).await?;
        }
        let index = tables::index(INDEX, Users::Table, [Users::HandleKey]);
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(Users::Table).to_owned())
            .await?;
        tables::drop_column(manager, Users::Table, Users::HandleKey).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_fold_is_applied() {
        let statements = super::backfill();
        let folds = crate::m20261208_000012_user_search_name::folds();
        assert_eq!(statements.len(), 1 + folds.len().div_ceil(12));
        assert!(
            statements
                .iter()
                .skip(1)
                .all(|s| s.contains("REPLACE(handle_key, "))
        );
        assert!(statements.concat().contains("'أ', 'ا'"));
    }
}
