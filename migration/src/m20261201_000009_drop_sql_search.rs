//! Search moves to each instance's read index (`api/src/index`), which serves Postgres and
//! SQLite alike: the SQL search documents (Postgres's `tsvector` column and its GIN index,
//! SQLite's FTS5 table) are dropped. Rolling back recreates and refills them.

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
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let statements: &[&str] = match manager.get_database_backend() {
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
