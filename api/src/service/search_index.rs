//! The full-text search index: one search document per publication (its title, weighted
//! highest; its authors' names and name variants and its venue's name; its abstract), kept
//! by the service in the transaction of every change that alters what a document holds.
//!
//! Postgres keeps the document as a weighted `tsvector` column of `publication` (GIN
//! index); SQLite as a row of the FTS5 table `publication_fts` whose rowid is the
//! publication's id.

use sea_orm::{ConnectionTrait, DbBackend, DbErr};

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

/// Which documents to write.
enum Scope<'a> {
    All,
    /// These publications (ids that no longer exist lose their document).
    Publications(&'a [i64]),
    /// Those of an author's publications.
    ByAuthor(i64),
    /// Those of a venue's publications.
    ByVenue(i64),
}

impl Scope<'_> {
    /// The ids as SQL text: integers only, so nothing from outside reaches the statement.
    fn ids_sql(&self) -> Option<String> {
        match self {
            Self::All => None,
            Self::Publications(ids) => Some(format!(
                "({})",
                ids.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::ByAuthor(id) => Some(format!(
                "(SELECT publication_id FROM publication_author WHERE author_id = {id})"
            )),
            Self::ByVenue(id) => Some(format!(
                "(SELECT id FROM publication WHERE venue_id = {id})"
            )),
        }
    }
}

async fn write(conn: &impl ConnectionTrait, scope: Scope<'_>) -> Result<(), DbErr> {
    if matches!(scope, Scope::Publications(ids) if ids.is_empty()) {
        return Ok(());
    }
    let ids = scope.ids_sql();
    match conn.get_database_backend() {
        DbBackend::Sqlite => {
            let (delete, insert) = match &ids {
                None => (
                    "DELETE FROM publication_fts".to_owned(),
                    SQLITE_DOCUMENT.to_owned(),
                ),
                Some(ids) => (
                    format!("DELETE FROM publication_fts WHERE rowid IN {ids}"),
                    format!("{SQLITE_DOCUMENT} WHERE p.id IN {ids}"),
                ),
            };
            conn.execute_unprepared(&delete).await?;
            conn.execute_unprepared(&insert).await?;
        }
        _ => {
            let update = match &ids {
                None => PG_DOCUMENT.to_owned(),
                Some(ids) => format!("{PG_DOCUMENT} WHERE p.id IN {ids}"),
            };
            conn.execute_unprepared(&update).await?;
        }
    }
    Ok(())
}

/// Rewrites the documents of these publications; call it after creating or changing them
/// (their title, abstract, authors or venue). Ids of deleted publications are fine.
pub async fn refresh(conn: &impl ConnectionTrait, publication_ids: &[i64]) -> Result<(), DbErr> {
    write(conn, Scope::Publications(publication_ids)).await
}

/// Rewrites the documents of an author's publications; call it after renaming the author
/// or changing their name variants.
pub async fn refresh_author(conn: &impl ConnectionTrait, author_id: i64) -> Result<(), DbErr> {
    write(conn, Scope::ByAuthor(author_id)).await
}

/// Rewrites the documents of a venue's publications; call it after renaming the venue.
pub async fn refresh_venue(conn: &impl ConnectionTrait, venue_id: i64) -> Result<(), DbErr> {
    write(conn, Scope::ByVenue(venue_id)).await
}

/// Rebuilds every publication's search document; for bulk loads.
pub async fn rebuild(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    write(conn, Scope::All).await
}
