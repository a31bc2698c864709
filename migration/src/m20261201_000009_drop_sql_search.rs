//! Search and publication lists move to each instance's read index (`api/src/index`), which
//! serves Postgres and SQLite alike: the SQL search documents (Postgres's `tsvector` column
//! and its GIN index, SQLite's FTS5 table) and the indexes lists sorted on by date are
//! dropped (a venue's, which counts use, stays). Rolling back recreates and refills them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

// What migration 000004 made, to make again on the way down.
use super::m20261126_000004_create_search_and_sort_keys::{
    NEWEST_FIRST_PG, NEWEST_FIRST_SQLITE, OLDEST_FIRST_PG, OLDEST_FIRST_SQLITE, PG_DOCUMENT,
    SQLITE_DOCUMENT,
};

/// The sort-key indexes of migration 000004 that only publication lists read.
const LIST_INDEXES: [(&str, &str, bool, &str); 4] = [
    ("publication_status_newest_idx", "status, ", true, "DESC"),
    ("publication_status_oldest_idx", "status, ", false, "ASC"),
    ("publication_newest_idx", "", true, "DESC"),
    ("publication_oldest_idx", "", false, "ASC"),
];

/// The sort key of those indexes: undated entries count as the oldest (newest first) or
/// the newest (oldest first).
fn sort_key(backend: DbBackend, newest_first: bool) -> &'static str {
    match (backend, newest_first) {
        (DbBackend::Sqlite, true) => NEWEST_FIRST_SQLITE,
        (DbBackend::Sqlite, false) => OLDEST_FIRST_SQLITE,
        (_, true) => NEWEST_FIRST_PG,
        (_, false) => OLDEST_FIRST_PG,
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
            DbBackend::Sqlite => &["DROP TABLE IF EXISTS publication_fts"],
            _ => &[
                "DROP INDEX IF EXISTS publication_search_idx",
                "ALTER TABLE publication DROP COLUMN IF EXISTS search_document",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        for (name, ..) in LIST_INDEXES {
            db.execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        for (name, leading, newest_first, direction) in LIST_INDEXES {
            let key = sort_key(backend, newest_first);
            db.execute_unprepared(&format!(
                "CREATE INDEX {name} ON publication ({leading}({key}) {direction}, id {direction})"
            ))
            .await?;
        }
        let statements: &[&str] = match backend {
            DbBackend::Sqlite => &[
                "CREATE VIRTUAL TABLE publication_fts USING fts5(title, abstract, authors, \
                 venue, tokenize = 'porter unicode61 remove_diacritics 2')",
                SQLITE_DOCUMENT,
            ],
            _ => &[
                "ALTER TABLE publication ADD COLUMN search_document tsvector NOT NULL \
                 DEFAULT ''::tsvector",
                "ALTER TABLE publication ALTER COLUMN search_document SET STORAGE MAIN",
                PG_DOCUMENT,
                "CREATE INDEX publication_search_idx ON publication USING gin (search_document)",
            ],
        };
        for statement in statements {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }
}
