//! What the migrations share: creating tables with their indexes, dropping tables,
//! adding and dropping a column, an index over columns and dropping one, and running
//! hand-written statements per backend. Column definitions come
//! from `sea_orm_migration::schema` (sea-orm's own helpers).

use sea_orm_migration::prelude::*;

/// Runs `postgres` or `sqlite` (whichever is the database's), in order.
pub(crate) async fn execute(
    manager: &SchemaManager<'_>,
    postgres: &[&str],
    sqlite: &[&str],
) -> Result<(), DbErr> {
    let statements = match manager.get_database_backend() {
        sea_orm::DbBackend::Postgres => postgres,
        _ => sqlite,
    };
    let db = manager.get_connection();
    for statement in statements {
        db.execute_unprepared(statement).await?;
    }
    Ok(())
}

/// Creates `tables` in order, then `indexes`.
pub(crate) async fn create(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = TableCreateStatement>,
    indexes: impl IntoIterator<Item = IndexCreateStatement>,
) -> Result<(), DbErr> {
    for table in tables {
        manager.create_table(table).await?;
    }
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops `tables` in order (dependents first); a table already gone is no error.
pub(crate) async fn drop(
    manager: &SchemaManager<'_>,
    tables: impl IntoIterator<Item = DynIden>,
) -> Result<(), DbErr> {
    for table in tables {
        manager
            .drop_table(Table::drop().table(table).if_exists().to_owned())
            .await?;
    }
    Ok(())
}

/// An index named `name` on `table` over `columns`, in that order.
pub(crate) fn index<C: IntoIden>(
    name: &str,
    table: impl IntoIden,
    columns: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    index.to_owned()
}

/// Adds `column` to `table`.
pub(crate) async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(
            Table::alter()
                .table(table)
                .add_column(column.to_owned())
                .to_owned(),
        )
        .await
}

/// Drops `column` from `table`.
pub(crate) async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

/// Drops the index `name` of `table`.
pub(crate) async fn drop_index(
    manager: &SchemaManager<'_>,
    table: impl IntoIden,
    name: &str,
) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(table).to_owned())
        .await
}
