//! Indexes for autocomplete over author names and name variants, so that a keystroke costs
//! an index lookup at any number of authors: `lower(name)` for names that start with the
//! prefix (in byte order on Postgres, `COLLATE "C"`, so that one prefix is one range), and
//! on Postgres a GIN index on the words of each name (`to_tsvector('simple', name)`) for
//! later words ("lau" finds "Julien Launay").

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables, and the author id each sorts ties on (as the lookups do), so that a lookup
/// reads the index in order and stops at its limit.
const TABLES: [(&str, &str); 2] = [("author", "id"), ("author_name_variant", "author_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (table, id) in TABLES {
            let mut statements = Vec::new();
            if postgres {
                statements.push(format!(
                    r#"CREATE INDEX {table}_lower_name_idx ON {table} ((lower(name) COLLATE "C"), {id})"#
                ));
                statements.push(format!(
                    "CREATE INDEX {table}_name_words_idx ON {table} USING gin (to_tsvector('simple', name))"
                ));
            } else {
                statements.push(format!(
                    "CREATE INDEX {table}_lower_name_idx ON {table} (lower(name), {id})"
                ));
            }
            for statement in statements {
                manager
                    .get_connection()
                    .execute_unprepared(&statement)
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        for (table, _) in TABLES {
            let mut names = vec![format!("{table}_lower_name_idx")];
            if postgres {
                names.push(format!("{table}_name_words_idx"));
            }
            for name in names {
                manager
                    .get_connection()
                    .execute_unprepared(&format!("DROP INDEX {name}"))
                    .await?;
            }
        }
        Ok(())
    }
}
