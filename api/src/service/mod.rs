//! The catalogue's operations, independent of GraphQL and HTTP.
//!
//! Every function takes `&impl ConnectionTrait`, so that it runs the same on the pool and
//! inside a transaction, and accepts only domain types, never raw input.

pub mod author;
pub mod author_edit;
pub mod bibtex;
pub mod csl;
pub mod directory;
pub mod edit;
pub mod facets;
pub mod feed;
pub mod listing;
pub mod lock;
pub mod pagination;
pub mod publication;
pub mod publication_edit;
pub mod revision;
pub mod search;
pub mod seed;
pub mod submission;
pub mod suggest;
pub mod token;
pub mod topic;
pub mod venue;
pub mod venue_edit;

use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::Slug;

/// Who is reading, which decides what they may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Anonymous callers: published entries only.
    Public,
    /// Editors: drafts and archived entries too.
    Editor,
}

/// The row an `INSERT ... ON CONFLICT DO NOTHING RETURNING ...` inserted, or `None` when it
/// yielded to a row that holds the unique value. (On Postgres sea-orm reports the empty
/// `RETURNING` of a yielding insert as `RecordNotFound` rather than as a conflict.)
pub(crate) fn inserted<T>(
    result: Result<sea_orm::TryInsertResult<T>, DbErr>,
) -> Result<Option<T>, DbErr> {
    use sea_orm::TryInsertResult;
    match result {
        Ok(TryInsertResult::Inserted(row)) => Ok(Some(row)),
        Ok(TryInsertResult::Empty | TryInsertResult::Conflicted)
        | Err(DbErr::RecordNotInserted | DbErr::RecordNotFound(_)) => Ok(None),
        Err(err) => Err(err),
    }
}

/// The first of `base`, `base-2`, `base-3`... not among `taken`.
pub(crate) fn first_free_slug(base: Slug, taken: &[String]) -> Slug {
    let free = |slug: &Slug| !taken.iter().any(|t| t == slug.as_ref());
    if free(&base) {
        return base;
    }
    (2..)
        .map(|n| base.with_suffix(n))
        .find(free)
        .unwrap_or(base)
}

/// The slugs of `column` that `base` or one of its numbered forms already uses.
pub(crate) async fn slugs_like<E, C>(
    conn: &C,
    column: E::Column,
    base: &Slug,
) -> Result<Vec<String>, DbErr>
where
    E: sea_orm::EntityTrait,
    C: ConnectionTrait,
{
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let base = base.as_ref();
    E::find()
        .select_only()
        .column(column)
        .filter(
            sea_orm::Condition::any()
                .add(column.eq(base))
                .add(column.like(format!("{base}-%"))),
        )
        .into_tuple::<String>()
        .all(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_slug_gets_the_next_free_number() {
        let base = Slug::from_text("Julien Launay", "x");
        assert_eq!(first_free_slug(base.clone(), &[]).as_ref(), "julien-launay");
        let taken = vec!["julien-launay".to_owned(), "julien-launay-2".to_owned()];
        assert_eq!(first_free_slug(base, &taken).as_ref(), "julien-launay-3");
    }
}
