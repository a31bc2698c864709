//! Search and publication lists move to each instance's read index (`api/src/index`), which
//! serves Postgres and SQLite alike: the SQL search documents (Postgres's `tsvector` column
//! and its GIN index, SQLite's FTS5 table) and the indexes lists sorted on by date are
//! dropped (a venue's, which counts use, stays). Rolling back recreates and refills them.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const PG_DOCUMENT: &str = "
UPDATE publication AS p SET search_document =
    setweight(to_tsvector('english', p.title), 'A')
    || setweight(to_tsvector('english', COALESCE((
        SELECT string_agg(a.name || COALESCE(' ' || (
            SELECT string_agg(v.name, ' ') FROM author_name_variant v WHERE v.author_id = a.id
        ), ''), ' ')
        FROM publication_author pa JOIN author a ON a.id = pa.author_id
        WHERE pa.publication_id = p.id), '')), 'B')
    || setweight(to_tsvector('english', COALESCE((
        SELECT name FROM venue WHERE venue.id = p.venue_id), '')), 'B')
    || setweight(to_tsvector('english', COALESCE(p.abstract, '')), 'C')";

const SQLITE_DOCUMENT: &str = "
INSERT INTO publication_fts (rowid, title, abstract, authors, venue)
SELECT p.id, p.title, COALESCE(p.abstract, ''),
    COALESCE((
        SELECT group_concat(a.name || COALESCE(' ' || (
            SELECT group_concat(v.name, ' ') FROM author_name_variant v WHERE v.author_id = a.id
        ), ''), ' ')
        FROM publication_author pa JOIN author a ON a.id = pa.author_id
        WHERE pa.publication_id = p.id), ''),
    COALESCE((SELECT name FROM venue WHERE venue.id = p.venue_id), '')
FROM publication p";

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
        (DbBackend::Sqlite, true) => "COALESCE(published_on, '0001-01-01')",
        (DbBackend::Sqlite, false) => "COALESCE(published_on, '9999-12-31')",
        (_, true) => "COALESCE(published_on, DATE '0001-01-01')",
        (_, false) => "COALESCE(published_on, DATE '9999-12-31')",
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
