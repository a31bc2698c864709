//! The catalogue's revision: bumped by every change in the change's own transaction, read
//! with one primary-key lookup. A request reads it once, and the read index answers at that
//! revision or later, however many instances share the database.

use sea_orm::{ConnectionTrait, DbErr, Statement};

/// Marks the catalogue changed, inside the transaction that changes it, and returns the new
/// revision (one statement).
pub async fn bump(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    bump_where(conn, "1 = 1")
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("catalogue_revision".into()))
}

/// [`bump`] only when `condition` (SQL over other tables) holds; `None` when it does not.
pub(crate) async fn bump_where(
    conn: &impl ConnectionTrait,
    condition: &str,
) -> Result<Option<i64>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            format!(
                "UPDATE catalogue_revision SET revision = revision + 1 \
                 WHERE id = 1 AND {condition} RETURNING revision"
            ),
        ))
        .await?;
    row.map(|row| row.try_get::<i64>("", "revision"))
        .transpose()
}

/// The current revision.
pub async fn current(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT revision FROM catalogue_revision WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("catalogue_revision".into()))?;
    row.try_get::<i64>("", "revision")
}
